from __future__ import annotations

import re
import sys
import unicodedata

import numpy as np
import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.models import Token
from dedup.tokens import CODE_PATTERN, TokenList, normalize, quoted_words, tokenize, words
from dedup.wordhash import ascii_word_spans, ascii_words, word_hashes

_WORD_CHAR = regex.compile(r"(?!\u02bc)[\p{L}\p{N}\p{M}]")  # U+02BC is an apostrophe here

# Text from several scripts, with the separators and apostrophes the tokenizer treats specially.
_MIXED = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("abcXYZ019 '’ʼ-–—.,\n\t")),
        st.sampled_from(list("Straßeﬁ ＡＢｃ１２ йцукЁЖ αβγΩ ά ä é 中文字二三〇 ٣ ½ Ⅷ ǅ")),
        st.sampled_from(["\u0301", "\u0308", "\u00ad", "\u200b", "\u200c", "\u00a0"]),
        st.characters(),
    ),
    max_size=80,
)
_ASCII = st.text(alphabet=st.characters(max_codepoint=127), max_size=80)


def _check_offsets(text: str) -> None:
    tokens = tokenize(text)
    previous_end = 0
    for token in tokens:
        assert isinstance(token, Token)
        assert previous_end <= token.start < token.end <= len(text)
        assert normalize(text[token.start : token.end]) == token.norm
        # The slice is itself one whole word: it tokenizes to exactly that word.
        assert [t.norm for t in tokenize(text[token.start : token.end])] == [token.norm]
        previous_end = token.end
    # Every letter, digit and mark belongs to some word, unless a code in angle brackets holds
    # it: gaps hold only separators.
    covered = set()
    for token in tokens:
        covered.update(range(token.start, token.end))
    for code in re.finditer(CODE_PATTERN, text):
        covered.update(range(code.start(), code.end()))
    for i, ch in enumerate(text):
        if _WORD_CHAR.match(ch):
            assert i in covered, (text, i)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_offsets_slice_back_to_words_arbitrary_unicode(text: str) -> None:
    _check_offsets(text)


@settings(max_examples=200, deadline=None)
@given(_MIXED)
def test_offsets_slice_back_to_words_mixed_scripts(text: str) -> None:
    _check_offsets(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_words_matches_tokenize_arbitrary(text: str) -> None:
    assert words(text) == [t.norm for t in tokenize(text)]


@settings(max_examples=200, deadline=None)
@given(_ASCII)
def test_words_matches_tokenize_ascii(text: str) -> None:
    assert words(text) == [t.norm for t in tokenize(text)]


@settings(max_examples=200, deadline=None)
@given(_MIXED)
def test_words_matches_tokenize_mixed_scripts(text: str) -> None:
    assert words(text) == [t.norm for t in tokenize(text)]


@settings(max_examples=100, deadline=None)
@given(_MIXED, _MIXED)
def test_words_of_joined_texts_are_concatenated(left: str, right: str) -> None:
    assert words(left + " " + right) == words(left) + words(right)


def test_tokenize_example_offsets() -> None:
    text = "Hello, World! It's   fine."
    assert tokenize(text) == [
        Token("hello", 0, 5),
        Token("world", 7, 12),
        Token("its", 14, 18),
        Token("fine", 21, 25),
    ]


def test_empty_and_separator_only_text_has_no_words() -> None:
    assert tokenize("") == []
    assert words("") == []
    assert words("  ... --- !!! \n\t ") == []
    assert words("— – ‐ ・ 。") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＦＵＬＬｗｉｄｔｈ", ["fullwidth"]),
        ("ﬁnancial ﬂow", ["financial", "flow"]),
        ("２０２４", ["2024"]),
        ("Ⅷ", ["viii"]),
        ("Straße", ["strasse"]),
        ("STRASSE", ["strasse"]),
        ("ΣΊΣΥΦΟΣ", ["σίσυφοσ"]),
        ("Café", ["café"]),
        ("Cafe\u0301", ["café"]),  # decomposed e + combining acute composes under NFKC
    ],
)
def test_nfkc_and_case_folding(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert [t.norm for t in tokenize(text)] == expected


def test_combining_mark_stays_in_its_word() -> None:
    tokens = tokenize("naïve re\u0301sume\u0301 done")
    assert [t.norm for t in tokens] == ["naïve", "résumé", "done"]
    assert tokens[1] == Token("résumé", 6, 14)


@pytest.mark.parametrize("apostrophe", ["'", "\u2019", "\u02bc"])
def test_apostrophes_are_dropped(apostrophe: str) -> None:
    assert words(f"Iran{apostrophe}s plan") == ["irans", "plan"]


def test_curly_apostrophe_equals_straight() -> None:
    assert words("Iran’s") == words("Iran's") == ["irans"]
    token = tokenize("Iran’s")[0]
    assert (token.start, token.end, token.norm) == (0, 6, "irans")


def test_apostrophe_only_inside_words() -> None:
    assert words("'quoted' rock 'n' roll") == ["quoted", "rock", "n", "roll"]
    assert words("dogs' bones") == ["dogs", "bones"]
    assert words("o''clock") == ["o", "clock"]


_DASHES = sorted(
    {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Pd"}
    | {"\u2212", "\u2043"}  # minus sign, hyphen bullet
)


@pytest.mark.parametrize("dash", _DASHES, ids=lambda d: f"U+{ord(d):04X}")
def test_hyphens_and_dashes_split_words(dash: str) -> None:
    assert words(f"well{dash}known") == ["well", "known"]
    assert [t.norm for t in tokenize(f"Anak{dash}anak")] == ["anak", "anak"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Пример текста на русском", ["пример", "текста", "на", "русском"]),
        ("Ёлка ЖУК", ["ёлка", "жук"]),
        ("Ελληνικά κείμενα", ["ελληνικά", "κείμενα"]),
        ("Anak-anak bermain di taman", ["anak", "anak", "bermain", "di", "taman"]),
        ("２０２４年 一二三 〇", ["2024年", "一二三", "〇"]),
        ("中文 漢字", ["中文", "漢字"]),
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),
        ("٣٤ مرحبا", ["٣٤", "مرحبا"]),
    ],
)
def test_other_scripts_produce_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    tokens = tokenize(text)
    assert [t.norm for t in tokens] == expected
    for token in tokens:
        assert normalize(text[token.start : token.end]) == token.norm


def test_mixed_script_text() -> None:
    text = "Moscow (Москва) and Αθήνα — 2024年!"
    assert words(text) == ["moscow", "москва", "and", "αθήνα", "2024年"]
    assert [text[t.start : t.end] for t in tokenize(text)] == [
        "Moscow",
        "Москва",
        "and",
        "Αθήνα",
        "2024年",
    ]


@pytest.mark.parametrize("text", ["\u02bctis", "dogs\u02bc"])
def test_modifier_apostrophe_at_word_edge_folds_like_the_others(text: str) -> None:
    assert words(text) == words(text.replace("\u02bc", "\u2019")) == words(text.replace("\u02bc", "'"))


def test_soft_hyphen_and_zero_width_joiners_stay_inside_a_word() -> None:
    assert words("co\u00adoperate") == ["cooperate"]
    assert words("co\u200coperate and co\u2060operate") == ["cooperate", "and", "cooperate"]
    assert [t.norm for t in tokenize("co\u00adoperate")] == ["cooperate"]


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200))
def test_token_list_equals_tokenize(text: str) -> None:
    from dedup.tokens import TokenList

    tokens = TokenList(text)
    assert list(tokens) == tokenize(text)
    assert tokens[1:3] == tokenize(text)[1:3]


def test_token_list_ascii_fast_path_keeps_offsets() -> None:
    from dedup.tokens import TokenList

    text = "Iran's  PACT, signed—today."
    assert list(TokenList(text)) == tokenize(text)


# Issue 18: copies must not split on how an apostrophe was typed.
@pytest.mark.parametrize(
    "variant",
    [
        "Tomorrow's sale of the mill's shares won't wait",
        'Tomorrow"s sale of the mill"s shares won"t wait',  # '"' typed for the apostrophe
        "Tomorrows sale of the mills shares wont wait",  # apostrophes left out
        "Tomorrow’s sale of the mill’s shares won’t wait",
        "Tomorrow`s sale of the mill´s shares won‘t wait",
        'TOMORROW"S SALE OF THE MILL"S SHARES WON"T WAIT',
    ],
)
def test_apostrophe_typography_gives_the_same_words(variant: str) -> None:
    expected = ["tomorrows", "sale", "of", "the", "mills", "shares", "wont", "wait"]
    assert words(variant) == expected
    assert [t.norm for t in tokenize(variant)] == expected
    assert [t.norm for t in TokenList(variant)] == expected
    assert np.array_equal(TokenList(variant).hashes, word_hashes(expected))


def test_a_ticker_in_angle_brackets_is_no_word() -> None:
    expected = ["acme", "mills", "said", "it", "sold", "the", "plant"]
    for text in ("Acme Mills <ACM> said it sold the plant", "Acme Mills said it sold the plant"):
        assert words(text) == expected
    token = tokenize("Acme Mills <ACM> said")[2]
    assert (token.norm, token.start, token.end) == ("said", 17, 21)


def test_apostrophe_stand_in_keeps_offsets_of_the_whole_word() -> None:
    text = 'See Tomorrow"s list.'
    (see, tomorrows, listed) = tokenize(text)
    assert (tomorrows.start, tomorrows.end, tomorrows.norm) == (4, 14, "tomorrows")
    assert text[tomorrows.start : tomorrows.end] == 'Tomorrow"s'
    assert [see.norm, listed.norm] == ["see", "list"]
    assert list(TokenList(text)) == tokenize(text)


def test_double_mark_between_letters_is_not_an_apostrophe_next_to_digits_or_spaces() -> None:
    assert words('a 12"x8" frame') == ["a", "12", "x8", "frame"]
    assert words('the "mill" s') == ["the", "mill", "s"]
    assert words("o''clock") == ["o", "clock"]


def test_quote_after_a_word_with_no_space_still_opens_a_quotation() -> None:
    # Lower case before the mark and a capital after: a quotation, not an apostrophe.
    text = 'The banker said"It will pass." Then he left.'
    assert words(text) == ["the", "banker", "said", "it", "will", "pass", "then", "he", "left"]
    flags = quoted_words(text)
    assert flags is not None
    assert flags.tolist() == [False, False, False, True, True, True, False, False, False]


def test_apostrophe_typed_as_double_mark_opens_no_quotation() -> None:
    text = 'The mill"s owner said "we will sell" and the board"s vote followed.'
    expected = [False] * 4 + [True] * 3 + [False] * 5
    assert len(words(text)) == len(expected)
    flags = quoted_words(text)
    assert flags is not None and flags.tolist() == expected
    ((hashes, inside),) = ascii_words([text])
    assert np.array_equal(hashes, word_hashes(words(text)))
    assert inside.tolist() == expected
    # The same with real apostrophes: the same words, the same quotation.
    plain = text.replace('"s', "'s")
    assert words(plain) == words(text)
    again = quoted_words(plain)
    assert again is not None and again.tolist() == expected


def test_curly_quotes_still_mark_a_quotation() -> None:
    text = "He said “the mill’s gone” today"
    flags = quoted_words(text)
    assert words(text) == ["he", "said", "the", "mills", "gone", "today"]
    assert flags is not None and flags.tolist() == [False, False, True, True, True, False]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l'homme et l’homme", ["lhomme", "et", "lhomme"]),  # an elision stays one word
        ("aujourd'hui", ["aujourdhui"]),
        ("Jum'at dan Jumat", ["jumat", "dan", "jumat"]),  # Indonesian spelling variants meet
        ("Al-Qur'an", ["al", "quran"]),
        ('צה"ל ארה"ב', ["צהל", "ארהב"]),  # Hebrew acronyms are written with '"' inside
        ("ŉ", ["n"]),  # NFKC spells it with U+02BC, an apostrophe here
    ],
)
def test_apostrophes_in_other_languages(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert [t.norm for t in tokenize(text)] == expected
    assert [t.norm for t in TokenList(text)] == expected


# ASCII text dense in the marks that may stand for an apostrophe, for the byte-level tokenizer.
_MARKED = st.text(alphabet=st.sampled_from(list("aZ9 '\"`\n.<>")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(_MARKED, min_size=1, max_size=4))
def test_byte_tokenizer_follows_the_apostrophe_rule(texts: list[str]) -> None:
    spans = ascii_word_spans(texts)
    for text, (hashes, inside), (starts, ends, _, _) in zip(texts, ascii_words(texts), spans, strict=True):
        tokens = tokenize(text)
        assert words(text) == [t.norm for t in tokens]
        assert starts.tolist() == [t.start for t in tokens] and ends.tolist() == [t.end for t in tokens]
        assert np.array_equal(hashes, word_hashes([t.norm for t in tokens]))
        assert list(TokenList(text)) == tokens
        flags = quoted_words(text)
        assert np.array_equal(inside, np.zeros(len(tokens), bool) if flags is None else flags)


@settings(max_examples=200, deadline=None)
@given(_MARKED)
def test_offsets_slice_back_with_apostrophe_marks(text: str) -> None:
    _check_offsets(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GENERAL MOTORS <GM> SAYS", ["general", "motors", "says"]),
        ("Lloyds <LLOY.L> and NatWest <NWBL.L> said", ["lloyds", "and", "natwest", "said"]),
        ("it bought <Woodco Inc> for cash", ["it", "bought", "woodco", "inc", "for", "cash"]),  # prose
        ("a <1234567890123456> b", ["a", "1234567890123456", "b"]),  # too long to be a code
        ("x <A'B> <<GM> <> y", ["x", "y"]),
        ("Gould <GLD> Вена <ВЕНА> ends", ["gould", "вена", "ends"]),  # not ASCII: the regex path
    ],
)
def test_codes_in_angle_brackets_are_not_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected
    assert [t.norm for t in tokenize(text)] == expected
    assert [t.norm for t in TokenList(text)] == expected
    assert [text[t.start : t.end].lower() for t in tokenize(text)] == expected  # offsets kept
