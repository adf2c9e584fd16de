"""Each labelling rule on its own, then the section logic of label_divergent."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.label import (
    attribution,
    attribution_rule,
    builtin_boilerplate_rule,
    byline_rule,
    caption_rule,
    classify_line,
    dateline_rule,
    fold_line,
    junk_rule,
    label_divergent,
    related_heading_rule,
    repeated_lines,
)


@pytest.mark.parametrize(
    ("line", "source"),
    [
        ("Reprinted from The Algemeiner", "The Algemeiner"),
        ("This article originally appeared in The Conversation.", "The Conversation"),
        ("Originally published on Medium", "Medium"),
        ("Republished with permission from Reuters", "Reuters"),
        ("This story was republished from Grist under a Creative Commons license.", "Grist"),
        ("Source: Associated Press", "Associated Press"),
    ],
)
def test_attribution_names_the_source(line: str, source: str) -> None:
    assert attribution(line) == source
    assert attribution_rule(line) == f"names the source '{source}'"


@pytest.mark.parametrize(
    "line",
    ["The minister reprinted the letter.", "Sources said the talks stalled.", "Originally, he said no."],
)
def test_attribution_ignores_ordinary_prose(line: str) -> None:
    assert attribution_rule(line) is None


def test_junk_rule() -> None:
    assert junk_rule("google8c874a0b684bfa11.html") is not None
    assert junk_rule("  yandex_0123456789abcdef.html ") is not None
    assert junk_rule("d41d8cd98f00b204e9800998ecf8427e") is not None
    assert junk_rule("Google announced a new phone.") is None


@pytest.mark.parametrize(
    "line",
    [
        "Putin meets Pezeshkian in Ashgabat. Photo: Sputnik/Alexander Scherbak/Pool via REUTERS",
        "Protesters gather outside parliament. (AP Photo/Jane Doe)",
        "The harbour at dawn. Getty Images",
        "Photo by Ana Lima",
    ],
)
def test_caption_rule(line: str) -> None:
    assert caption_rule(line) is not None


def test_caption_rule_ignores_prose() -> None:
    assert caption_rule("The photographer said the light was poor.") is None


@pytest.mark.parametrize(
    "line",
    [
        "January 14, 2025",
        "Oct. 16, 2024",
        "14 January 2025",
        "2025-01-14",
        "Published: March 3, 2024 at 10:15 am",
        "Tuesday, January 14, 2025",
    ],
)
def test_dateline_rule(line: str) -> None:
    assert dateline_rule(line) is not None


def test_dateline_rule_needs_a_lone_date() -> None:
    assert dateline_rule("On January 14, 2025 the treaty was signed.") is None


def test_byline_rule() -> None:
    assert byline_rule("By Jane Doe") == "byline 'By Jane Doe'"
    assert byline_rule("Michael Foust has covered the intersection of faith and news for 20 years.")
    assert byline_rule("She is a senior reporter at the Courier.")
    assert byline_rule("By the end of the week, talks had stalled.") is None


@pytest.mark.parametrize(
    "line",
    [
        "Leave A Comment",
        "Read More",
        "Post a Comment",
        "Share this article",
        "Verified by MonsterInsights",
        "Powered by WordPress",
        "SUBSCRIBE NOW!",
    ],
)
def test_builtin_boilerplate_rule(line: str) -> None:
    assert builtin_boilerplate_rule(line) is not None


def test_builtin_boilerplate_needs_the_whole_line() -> None:
    assert builtin_boilerplate_rule("Read more about the treaty in our archive of stories.") is None


@pytest.mark.parametrize(
    "line", ["RELATED:", "Related articles", "You may also like", "Read more:", "See also"]
)
def test_related_heading_rule(line: str) -> None:
    assert related_heading_rule(line) is not None


def test_classify_line_falls_back_to_content() -> None:
    assert classify_line("The talks resumed on Friday.")[0] == "content"


def test_related_section_runs_to_the_next_boilerplate_line() -> None:
    text = (
        "Body.\nRELATED:\nAnother headline\nJanuary 1, 2024\nReprinted from Elsewhere\n"
        "Its body text.\nLeave A Comment\n"
    )
    start = text.index("RELATED:")
    pieces = label_divergent(text, start, len(text))
    assert [p.label for p in pieces] == ["related", "boilerplate"]
    related = pieces[0]
    assert text[related.start : related.end].endswith("Its body text.\n")
    assert "date 'January 1, 2024'" in related.evidence and "Elsewhere" in related.evidence
    assert pieces[0].start == start and pieces[-1].end == len(text)


def test_read_more_alone_is_boilerplate_not_a_section() -> None:
    text = "Read More\n\nVerified by MonsterInsights"
    assert [p.label for p in label_divergent(text, 0, len(text))] == ["boilerplate", "boilerplate"]


def test_repeated_line_and_corpus_boilerplate() -> None:
    text = "Same title here\nSame  TITLE here!\nSite footer we saw everywhere\nNew sentence."
    assert repeated_lines(text) == {"same title here"}
    start = text.index("Same  TITLE")

    def footer(line: str, at: int) -> bool:
        assert text[at:].startswith(line)
        return "footer" in line

    pieces = label_divergent(text, start, len(text), is_boilerplate=footer, repeated=repeated_lines(text))
    assert [p.label for p in pieces] == ["repeated", "boilerplate", "content"]


def test_attribution_needs_a_name_not_a_sentence() -> None:
    assert attribution("Originally published in 1851, Moby-Dick was a commercial failure.") is None


@given(st.text(alphabet=st.characters(max_codepoint=127)), st.text(max_size=20))
def test_fold_line_ascii_fast_path_equals_the_pattern(line: str, other: str) -> None:
    from dedup.label import _FOLD

    for text in (line, line + other):
        assert fold_line(text) == _FOLD.sub(" ", text.casefold()).strip()


_PIECES = st.sampled_from(
    [
        "Reprinted",
        "REPUBLISHED",
        "reposted",
        "Syndicated",
        "adapted",
        "with",
        "permission",
        "from",
        "by",
        "courtesy",
        "of",
        "This",
        "article",
        "story",
        "was",
        "Originally",
        "FIRST",
        "appeared",
        "published",
        "ran",
        "posted",
        "in",
        "on",
        "at",
        "Source",
        "source:",
        ":",
        "—",
        "*",
        "\n",
        "The",
        "Algemeiner",
        "Daily",
        "News",
        "1851,",
        "creative",
        "commons",
        "under",
        "a",
        "  ",
    ]
)


@given(st.lists(_PIECES, max_size=14))
def test_attribution_prefilter_never_hides_a_match(pieces: list[str]) -> None:
    from dedup.label import _attribution_in

    text = " ".join(pieces)
    assert attribution(text) == _attribution_in(text, text.casefold())


@given(
    st.lists(
        st.sampled_from(
            ["Same title", "same  TITLE!", "x", "", "  ", "\r", "\x0c", "Other", "a-b", "A B", "ab"]
            + ["---", " * ", "\t", "\x1f", "__", "x" * 1001, "X" * 1001]
        ),
        max_size=12,
    ),
    st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x1e"]),
)
def test_repeated_lines_one_pass_equals_line_by_line(lines: list[str], sep: str) -> None:
    from dedup.label import MAX_RULE_LINE, LazyRepeated

    text = sep.join(lines)
    folded = [fold_line(x) for x in text.splitlines() if x.strip() and len(x) <= MAX_RULE_LINE]
    expected = {x for x in folded if folded.count(x) > 1}
    assert repeated_lines(text) == expected
    lazy = LazyRepeated(text)
    assert set(lazy) == expected and len(lazy) == len(expected)
    assert all(x in lazy for x in expected)


_LINE_PIECES = st.sampled_from(
    [
        "By",
        "Jane",
        "Doe",
        "has",
        "covered",
        "written",
        "is",
        "a",
        "an",
        "senior",
        "staff",
        "writer",
        "Reporter",
        "her",
        "stories",
        "have",
        "appeared",
        "in",
        "Leave",
        "A",
        "Comment",
        "read",
        "MORE",
        "»",
        "...",
        "Share",
        "this",
        "story",
        "Powered",
        "by",
        "WordPress",
        "-",
        "the",
        "council",
        "said",
        "\u00e9t\u00e9",
        "  ",
        "1851",
    ]
)


@given(st.lists(_LINE_PIECES, max_size=20))
def test_rule_prefilters_change_no_label(pieces: list[str]) -> None:
    """The cheap checks in front of the byline and widget rules only skip lines their patterns
    would not match."""
    from dedup.label import _BADGE, _BIO, _BYLINE, BUILTIN_BOILERPLATE, builtin_boilerplate_rule, byline_rule

    line = " ".join(pieces)
    bio = _BIO.search(line)
    expected_byline = (
        f"byline '{line.strip()}'"
        if _BYLINE.match(line)
        else (f"author bio ('{bio.group()}')" if bio and len(line) < 600 else None)
    )
    assert byline_rule(line) == expected_byline
    expected_widget = (
        f"site widget '{line.strip()}'"
        if fold_line(line) in BUILTIN_BOILERPLATE
        else (f"site badge '{line.strip()}'" if _BADGE.match(line) else None)
    )
    assert builtin_boilerplate_rule(line) == expected_widget


def test_prefilters_keep_lines_with_a_dotted_capital_i() -> None:
    """Case-insensitive patterns match 'İ' as 'i'; the substring checks in front of them must too."""
    from dedup.label import byline_rule, caption_rule

    assert caption_rule("CREDİT: Jane Doe") == "photo credit 'CREDİT:'"
    assert byline_rule("She is a staff WRİTER at the paper.") == "author bio ('is a staff WRİTER')"
    assert attribution("REPRİNTED from The Daily") == "The Daily"


def test_prefilters_agree_with_the_patterns_on_lines_that_match() -> None:
    """Every combination of lead, key phrase, preposition, source and case: the prefiltered rules
    give what the plain patterns give, and most combinations do match (so the check has teeth)."""
    import itertools

    from dedup.label import _BADGE, BUILTIN_BOILERPLATE, _attribution_in, builtin_boilerplate_rule

    leads = ["", "* ", "— ", "This article was ", "This story ", "Note: "]
    phrases = [
        "Reprinted", "republished", "REPOSTED", "Syndicated", "adapted", "originally appeared",
        "First published", "Originally ran", "Source:", "first  posted",
    ]  # fmt: skip
    preps = ["from", "by", "in", "on", "with permission from", "courtesy of", ""]
    names = ["The Algemeiner", "Daily News.", "1851, a year", "X"]
    found = 0
    for lead, phrase, prep, name, upper in itertools.product(leads, phrases, preps, names, (0, 1)):
        line = f"{lead}{phrase} {prep} {name}"
        text = f"Body text here.\n{line.upper() if upper else line}\nMore text."
        got = attribution(text)
        assert got == _attribution_in(text, text.casefold())
        found += got is not None
    assert found > 300
    widgets = 0
    decorations = ("", "»", " ...", "!!", "- ")
    for widget, deco, upper in itertools.product(sorted(BUILTIN_BOILERPLATE), decorations, (0, 1)):
        for plain in (f"{deco}{widget}{deco}", f"{widget}{deco} and more words in this longer line"):
            line = plain.upper() if upper else plain
            expected = (
                f"site widget '{line.strip()}'"
                if fold_line(line) in BUILTIN_BOILERPLATE
                else (f"site badge '{line.strip()}'" if _BADGE.match(line) else None)
            )
            assert builtin_boilerplate_rule(line) == expected
            widgets += expected is not None
    assert widgets >= 2 * len(BUILTIN_BOILERPLATE) * 5


_LINES = (
    "Reprinted from The Algemeiner\n",
    "This article originally appeared in Foreign Policy.\n",
    "Source: Reuters\n",
    "(AP Photo/Jane Roe)\n",
    "A man walks past a mural. Photo: Getty Images\n",
    "March 3, 2024\n",
    "Updated 2024-03-03 10:15 EST\n",
    "By Jane Doe\n",
    "Jane Doe has covered energy for 20 years.\n",
    "She is a staff writer for the Times.\n",
    "Leave a comment\n",
    "Powered by WordPress\n",
    "RELATED:\n",
    "The talks resumed on Friday after a week of delays.\n",
    "İSTANBUL (Reuters) — Officials said on Friday that the talks would resume.\n",
    "Straße closed; 12 people were evacuated.\n",
    "\n",
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_LINES) | st.text(max_size=60).map(lambda t: t + "\n"), max_size=12))
def test_range_rules_change_no_line_label(lines: list[str]) -> None:
    """Skipping, for a whole range, the rules whose key words it lacks labels every line of it
    as the full rules do."""
    from dedup.label import range_rules

    text = "".join(lines)
    instead = range_rules(text)
    for line in lines:
        assert classify_line(line, instead) == classify_line(line)


def test_range_rules_skip_only_what_is_absent() -> None:
    from dedup.label import attribution_rule, byline_rule, caption_rule, dateline_rule, range_rules

    plain = range_rules("The talks resumed on Friday after a week of delays.\n")
    assert plain[attribution_rule] is None and plain[caption_rule] is None
    assert plain[dateline_rule] is None and plain[byline_rule] is not None  # names still checked
    assert range_rules("Reprinted from X. Photo: AP. March 3, 2024. She is a staff writer.\n") == {}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(_LINES) | st.text(max_size=60).map(lambda t: t + "\n"), max_size=12),
    st.lists(st.tuples(st.integers(0, 800), st.integers(0, 800)), max_size=8),
)
def test_no_caption_word_no_caption_anywhere(lines: list[str], cuts: list[tuple[int, int]]) -> None:
    """A text that may_caption rules out holds no piece the caption rule labels."""
    from dedup.label import caption_rule, may_caption

    text = "".join(lines)
    pieces = [*lines, *(text[min(a, b) : max(a, b)] for a, b in cuts)]
    if not may_caption(text):
        assert all(caption_rule(piece) is None for piece in pieces)
    if any(caption_rule(piece) for piece in pieces):
        assert may_caption(text)


def test_may_caption() -> None:
    from dedup.label import may_caption

    assert may_caption("Body.\n(AP Photo/Jane Roe)\nMore.")
    assert may_caption("CREDİT: Jane Doe")
    assert not may_caption("The talks resumed on Friday after a week of delays.\n")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab9 -.»"), max_size=200)
    | st.text(max_size=120)
    | st.builds(lambda n, w: "-" * n + w, st.integers(0, 150), st.sampled_from(["read more", "x" * 40]))
)
def test_short_enough_counts_letters_and_digits(line: str) -> None:
    """Whether a line may fold to a widget is whether it has no more letters and digits than the
    longest widget, however long its punctuation runs."""
    from dedup.label import _WIDGET_ALNUM, _short_enough

    if line.isascii():
        assert _short_enough(line) == (sum(c.isalnum() for c in line) <= _WIDGET_ALNUM)
    else:
        assert _short_enough(line)
    if _short_enough(line) is False:
        assert builtin_boilerplate_rule(line) is None or builtin_boilerplate_rule(line).startswith(
            "site badge"
        )
