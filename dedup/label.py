"""What a span of text is: boilerplate, caption, attribution, related section, dateline, byline,
junk, a repeated line, or real content. Every rule is a small function over one line of text that
returns the evidence for its label or None; ``RULES`` lists them in the order they are tried.

To add a rule: write ``def my_rule(line: str) -> str | None`` returning a short piece of evidence,
and put ``("my-label", my_rule)`` in ``RULES`` before any rule it should win over.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import regex

Rule = Callable[[str], "str | None"]
LinePredicate = Callable[[str, int], bool]
"""Called as ``predicate(line, start)``: a line of a text and the offset where it starts in it."""

LABELS = (
    "boilerplate",
    "caption",
    "attribution",
    "related",
    "dateline",
    "byline",
    "junk",
    "repeated",
    "content",
)

_ATTRIBUTION = regex.compile(
    r"^\W*(?:(?:reprinted|republished|reposted|syndicated|adapted)\s+(?:with\s+permission\s+)?"
    r"(?:from|by|courtesy\s+of)"
    r"|(?:this\s+(?:article|story|post|piece)\s+)?(?:was\s+)?(?:originally|first)\s+"
    r"(?:appeared|published|ran|posted)\s+(?:in|on|at|by)"
    r"|source\s*:)\s*(?P<source>\S.{0,120}?)\s*\W*$",
    regex.IGNORECASE,
)
_CC_REPUBLISH = regex.compile(
    r"\brepublished\s+from\s+(?P<source>.{1,80}?)\s+under\s+a\s+creative\s+commons", regex.IGNORECASE
)


_KEYWORDS = ("reprinted", "republished", "reposted", "syndicated", "adapted", "originally", "first", "source")
_MAX_ATTRIBUTION_LINE = 400
_HAS_KEYWORD = re.compile("|".join(_KEYWORDS)).search


def search_fold(text: str) -> str:
    """``text`` case-folded for the substring checks in front of the patterns: every match of a
    case-insensitive pattern keeps its key words here. Case folding writes a capital dotted I as
    "i" plus a combining dot, which the patterns match as a plain "i", so the dot goes."""
    return text.casefold().replace("\u0307", "")


_RARE_KEYWORDS = ("reprinted", "republished", "reposted", "syndicated", "adapted")
_PHRASES = (
    re.compile(r"source\s*:"),
    re.compile(r"originally\s+(?:appeared|published|ran|posted)"),
    re.compile(r"first\s+(?:appeared|published|ran|posted)"),
)


def _may_attribute(folded: str) -> bool:
    """Whether a case-folded text holds what every attribution line needs: one of the rarer key
    words, or 'source:', or 'originally/first appeared…'. Most articles hold none, and finding
    that out with substring searches is several times cheaper than trying the pattern line by line."""
    return any(word in folded for word in _RARE_KEYWORDS) or any(p.search(folded) for p in _PHRASES)


ATTRIBUTION_WORDS = (
    *_RARE_KEYWORDS,
    "source",  # "Source: X"
    "originally",
    "creative",  # "republished from X under a Creative Commons licence", which needs no line start
)
"""Every attribution :func:`attribution` finds in an ASCII text holds one of these as a whole
word (lower-cased), or ``first`` directly followed by one of :data:`ATTRIBUTION_VERBS`: what a
test over word hashes can rule out before any pattern is tried. Keep in step with the patterns."""
ATTRIBUTION_VERBS = ("appeared", "published", "ran", "posted")


def _named(source: str) -> bool:
    """A source is a name: at most 8 words, not starting with a digit."""
    return bool(source) and not source[0].isdigit() and len(source.split()) <= 8


def attribution(text: str) -> str | None:
    """The source named by the first line like 'Reprinted from X' or 'Originally appeared in X'.

    A source is a name: at most 8 words, not starting with a digit ("Originally published in 1851,
    Moby-Dick was…" names no source). Only short lines holding one of the pattern's key words are
    tried, so a long document costs one lower-casing and a few substring searches.
    """
    folded = search_fold(text)
    return _attribution_in(text, folded) if _may_attribute(folded) else None


def _attribution_in(text: str, folded: str) -> str | None:
    for line in text.splitlines():
        if len(line) > _MAX_ATTRIBUTION_LINE or not _HAS_KEYWORD(search_fold(line)):
            continue
        match = _ATTRIBUTION.match(line)
        if match and _named(match.group("source").strip()):
            return match.group("source").strip()
    if "creative commons" in folded:
        for match in _CC_REPUBLISH.finditer(text):
            if _named(match.group("source").strip()):
                return match.group("source").strip()
    return None


def attribution_rule(line: str) -> str | None:
    """'Reprinted from The Algemeiner', 'This article originally appeared in …', CC republishing."""
    if len(line) >= 300:  # a paragraph, not an attribution line
        return None
    source = attribution(line)
    return f"names the source '{source}'" if source else None


_JUNK = regex.compile(
    r"^\s*(?:google[0-9a-f]{16}\.html|yandex_[0-9a-f]{16}\.html|BingSiteAuth\.xml"
    r"|[0-9a-f]{24,}|\[object Object\]|undefined|null|NaN)\s*$",
    regex.IGNORECASE,
)


def junk_rule(line: str) -> str | None:
    """Machine residue: site-verification file names, bare hashes, script leftovers."""
    match = _JUNK.match(line)
    return f"machine residue '{line.strip()}'" if match else None


_CAPTION = regex.compile(
    r"\bPhoto(?:graph)?(?:\s+credit)?\s*:|\((?:AP|AFP|Reuters|EPA)\s+Photo|\bvia\s+REUTERS\b|\bREUTERS/"
    r"|Getty\s+Images|\bPhoto\s+by\b|\bImage\s*:|\bCredit\s*:|/AFP\b|Shutterstock|\bFile\s+photo\b"
    r"|\bAP\s+Photo/",
    regex.IGNORECASE,
)


_CAPTION_WORDS = ("photo", "reuters", "getty", "image", "credit", "afp", "shutterstock")
"""Every match of the caption pattern holds one of these, so other lines skip the search."""


def may_caption(text: str) -> bool:
    """Whether some piece of ``text`` could be a caption: :func:`caption_rule` matches only a text
    holding one of its key words, and case folding keeps every piece's folded text a piece of the
    whole's (see :func:`range_rules`), so a text without one holds no caption anywhere."""
    folded = search_fold(text)
    return any(word in folded for word in _CAPTION_WORDS)


def caption_rule(line: str) -> str | None:
    """Photo captions and credits."""
    low = search_fold(line)
    if not any(word in low for word in _CAPTION_WORDS):
        return None
    match = _CAPTION.search(line)
    return f"photo credit '{match.group().strip()}'" if match else None


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = (
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}"
    r"|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4})"
)
_DATELINE = regex.compile(
    rf"^\s*(?:(?:published|updated|posted|last\s+updated)(?:\s+on)?\s*:?\s*)?"
    rf"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)[a-z]*,?\s+)?"
    rf"(?P<date>{_DATE})(?:\s*(?:at\s+)?\d{{1,2}}:\d{{2}}\s*(?:[ap]\.?m\.?)?(?:\s*[A-Z]{{2,4}})?)?\s*$",
    regex.IGNORECASE,
)


def dateline_rule(line: str) -> str | None:
    """A line that is only a date (and perhaps a time), as sites print above or below articles."""
    match = _DATELINE.match(line)
    return f"date '{match.group('date')}'" if match else None


_BYLINE = regex.compile(r"^\s*By\s+\p{Lu}[\p{L}.'-]*(?:\s+(?:\p{Lu}[\p{L}.'-]*|and|de|van|von)){0,4}\s*$")
_BIO = regex.compile(
    r"\b(?:has\s+(?:covered|written|reported)\b|is\s+an?\s+(?:\w+\s+){0,2}"
    r"(?:writer|reporter|journalist|correspondent|editor|columnist|contributor)\b"
    r"|(?:his|her|their)\s+(?:stories|work|articles|writing)\s+(?:have|has)\s+appeared)",
    regex.IGNORECASE,
)


_BIO_WORDS = (
    "covered", "written", "reported", "writer", "reporter", "journalist", "correspondent", "editor",
    "columnist", "contributor", "appeared",
)  # fmt: skip
"""Every match of the bio pattern holds one of these, so other lines skip the search."""


def byline_rule(line: str) -> str | None:
    """'By Jane Doe', or an author's bio ('… has covered … for 20 years')."""
    return _byline_name(line) or _bio(line)


def _byline_name(line: str) -> str | None:
    return f"byline '{line.strip()}'" if _BYLINE.match(line) else None


def _bio(line: str) -> str | None:
    if len(line) >= 600:
        return None
    folded = search_fold(line)
    if not any(word in folded for word in _BIO_WORDS):
        return None
    match = _BIO.search(line)
    return f"author bio ('{match.group()}')" if match else None


BUILTIN_BOILERPLATE = frozenset(
    {
        "leave a comment",
        "leave a reply",
        "post a comment",
        "read more",
        "continue reading",
        "click here",
        "share this",
        "share this article",
        "share this story",
        "share on facebook",
        "share on twitter",
        "tweet",
        "share",
        "print",
        "email",
        "comments",
        "subscribe",
        "subscribe now",
        "subscribe to our newsletter",
        "sign up for our newsletter",
        "follow us",
        "advertisement",
        "skip to content",
        "back to top",
        "all rights reserved",
    }
)
_NOT_ALNUM = bytes(c for c in range(256) if not (chr(c).isascii() and chr(c).isalnum()))
_WIDGET_ALNUM = max(len(widget.replace(" ", "")) for widget in BUILTIN_BOILERPLATE)
_BADGE = regex.compile(
    r"^\s*(?:powered|verified|protected|secured|hosted|designed)\s+by\s+\S+(?:\s+\S+)?\s*$", regex.I
)
_FOLD = regex.compile(r"[^\p{L}\p{N}]+")


_HEAD = 64
"""Characters at the start of a line in which :func:`_short_enough` counts first."""


def _short_enough(line: str) -> bool:
    """Whether a line may fold to a widget: an ASCII line with more letters and digits than the
    longest widget cannot (counting them is cheap, folding is not)."""
    if not line.isascii():
        return True
    # Counted in the line's first characters first: a line of prose has too many there already.
    head = len(line[:_HEAD].encode("ascii").translate(None, _NOT_ALNUM))
    if head > _WIDGET_ALNUM or len(line) <= _HEAD:
        return head <= _WIDGET_ALNUM
    return len(line.encode("ascii").translate(None, _NOT_ALNUM)) <= _WIDGET_ALNUM


def builtin_boilerplate_rule(line: str) -> str | None:
    """Widgets every site has: 'Leave A Comment', 'Read More', share buttons, 'Powered by …' badges."""
    if _short_enough(line) and fold_line(line) in BUILTIN_BOILERPLATE:
        return f"site widget '{line.strip()}'"
    if _BADGE.match(line):
        return f"site badge '{line.strip()}'"
    return None


_RELATED = regex.compile(
    r"^\s*(?:related(?:\s+(?:articles?|stories|posts|coverage|reading|content|news))?"
    r"|read\s+(?:more|also|next)|see\s+also|also\s+read|you\s+(?:may|might)\s+also\s+like"
    r"|more\s+(?:from|on|stories|news)\b.{0,40}|recommended(?:\s+for\s+you)?|further\s+reading)\s*:?\s*$",
    regex.IGNORECASE,
)


_TWEET = regex.compile(r"pic\.twitter\.com/|twitter\.com/\w+/status/|—\s*[^()]{1,60}\(@\w+\)")


def related_heading_rule(line: str) -> str | None:
    """The heading of an appended section of other articles: 'RELATED:', 'You may also like'."""
    return f"section heading '{line.strip()}'" if _RELATED.match(line) else None


RULES: tuple[tuple[str, Rule], ...] = (
    ("junk", junk_rule),
    ("attribution", attribution_rule),
    ("boilerplate", builtin_boilerplate_rule),
    ("caption", caption_rule),
    ("dateline", dateline_rule),
    ("byline", byline_rule),
)
"""Line rules in the order they are tried; the first that gives evidence labels the line."""


@dataclass(frozen=True, slots=True)
class Labelled:
    """A labelled character range ``[start, end)`` of a text."""

    start: int
    end: int
    label: str
    evidence: str


_ASCII_FOLD_TABLE = bytes(
    (c | 0x20) if chr(c).isascii() and chr(c).isalnum() else 0x20 for c in range(128)
) + bytes(128)
"""ASCII bytes lower-cased, with everything but letters and digits turned to spaces."""


def fold_line(line: str) -> str:
    """A line reduced to its words, lower-cased, for comparing lines."""
    if line.isascii():
        # The same result as the pattern below, several times faster: ASCII letters and digits
        # are exactly what \p{L} and \p{N} match there, and case-folding is lower-casing.
        return " ".join(line.encode("ascii").translate(_ASCII_FOLD_TABLE).decode("ascii").split())
    return _FOLD.sub(" ", line.casefold()).strip()


_LINE_BREAKS = b"\n\r\x0b\x0c\x1c\x1d\x1e"
"""The ASCII line breaks ``str.splitlines`` knows."""
_SQUEEZE = (
    bytes((c | 0x20) if chr(c).isascii() and chr(c).isalpha() else c for c in range(256)),
    bytes(c for c in range(256) if not (chr(c).isascii() and chr(c).isalnum()) and c not in _LINE_BREAKS),
)
"""Translation that keeps only ASCII letters (lower-cased), digits and line breaks."""
_BLANKS = b" \t\x1f"
"""The ASCII whitespace ``str.strip`` removes that does not break a line."""


def _same_lines(data: bytes, count: int) -> list[str]:
    """The lines of ASCII text that had ``count`` lines before characters were taken out of it:
    a last line left empty is not lost."""
    lines = data.decode("ascii").splitlines()
    return lines if len(lines) == count else [*lines, ""]


def repeated_lines(text: str) -> frozenset[str]:
    """The folded lines that stand more than once in ``text``."""
    lines = text.splitlines()
    if text.isascii():
        # Lines that fold alike have the same letters and digits: reduce every line to those (one
        # table pass for the whole text keeps each line break where it was), and fold only the
        # lines whose letters and digits stand twice.
        data = text.encode("ascii")
        squeezed = _same_lines(data.translate(*_SQUEEZE), len(lines))
        filled = [sq for sq in squeezed if sq]
        if len(set(filled)) == len(filled):
            # No two lines share letters and digits (the usual case); only lines without any,
            # such as rules of dashes, can still fold alike: all to the empty line.
            blank = _same_lines(data.translate(None, _BLANKS), len(lines)).count("")
            bare = len(squeezed) - len(filled) - blank
            if bare < 2:
                return frozenset()
        pairs = zip(lines, squeezed, strict=True)
        kept = [(line, sq) for line, sq in pairs if len(line) <= MAX_RULE_LINE and line.strip()]
        counts: dict[str, int] = {}
        for _, sq in kept:
            counts[sq] = counts.get(sq, 0) + 1
        folded = [fold_line(line) for line, sq in kept if counts[sq] > 1]
    else:
        folded = [fold_line(line) for line in lines if line.strip() and len(line) <= MAX_RULE_LINE]
    seen: set[str] = set()
    twice: set[str] = set()
    for line in folded:
        (twice if line in seen else seen).add(line)
    return frozenset(twice)


class LazyRepeated(AbstractSet[str]):
    """:func:`repeated_lines` of a text, found only when first asked about."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._found: frozenset[str] | None = None

    def _lines(self) -> frozenset[str]:
        if self._found is None:
            self._found = repeated_lines(self._text)
        return self._found

    def __contains__(self, line: object) -> bool:
        return line in self._lines()

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines())

    def __len__(self) -> int:
        return len(self._lines())


MAX_RULE_LINE = 1000
"""Lines longer than this are paragraphs of text: no rule looks at them."""


def classify_line(line: str, instead: Mapping[Rule, Rule | None] | None = None) -> tuple[str, str]:
    """The label of one line on its own, with its evidence (``content`` when no rule applies).
    ``instead`` replaces some rules by cheaper ones that give the same answers on this line, or
    by None when they cannot match it (see :func:`range_rules`)."""
    return _classify(line, _rules_to_try(instead))


def _rules_to_try(instead: Mapping[Rule, Rule | None] | None) -> list[tuple[str, Rule]]:
    """:data:`RULES` with ``instead`` applied, left out where it says None: worked out once for
    all the lines of a range."""
    if instead is None:
        return list(RULES)
    chosen = [(label, instead.get(rule, rule)) for label, rule in RULES]
    return [(label, rule) for label, rule in chosen if rule is not None]


def _classify(line: str, rules: list[tuple[str, Rule]]) -> tuple[str, str]:
    if len(line) > MAX_RULE_LINE:
        return "content", "text the other document does not have"
    for label, rule in rules:
        evidence = rule(line)
        if evidence:
            return label, evidence
    return "content", "text the other document does not have"


_DIGIT = regex.compile(r"\d")


def range_rules(text: str) -> dict[Rule, Rule | None]:
    """For the lines of ``text``, the built-in rules that need not run in full (an ``instead``
    for :func:`classify_line`). Each rule's key words, or digits for a date, must stand in a line
    for it to match, and so in any text that holds that line: looking for them once in the whole
    of a divergent range spares looking in each of its lines (case folding, like the rules' own
    checks, keeps every line's folded text a piece of the range's)."""
    folded = search_fold(text)
    instead: dict[Rule, Rule | None] = {}
    if not _may_attribute(folded):
        instead[attribution_rule] = None
    if not any(word in folded for word in _CAPTION_WORDS):
        instead[caption_rule] = None
    if not any(word in folded for word in _BIO_WORDS):
        instead[byline_rule] = _byline_name
    if not _DIGIT.search(text):
        instead[dateline_rule] = None
    return instead


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``[start, end)`` cut into lines, each keeping its line break."""
    out = []
    pos = start
    while pos < end:
        nl = text.find("\n", pos, end)
        stop = end if nl == -1 else nl + 1
        out.append((pos, stop))
        pos = stop
    return out


def _next_line(text: str, lines: list[tuple[int, int]], index: int) -> str | None:
    """The first line from ``lines[index]`` on that is not blank, if any."""
    for lo, hi in lines[index:]:
        if text[lo:hi].strip():
            return text[lo:hi]
    return None


def label_divergent(
    text: str,
    start: int,
    end: int,
    is_boilerplate: LinePredicate | None = None,
    repeated: AbstractSet[str] = frozenset(),
) -> list[Labelled]:
    """Cut a divergent range into labelled pieces that tile it, line by line.

    A related-section heading followed by more text opens a section that runs to the end of the
    range or to the next boilerplate line. ``is_boilerplate`` says whether a line (given with its
    offset in ``text``) is corpus boilerplate (learned from a scan). A line in ``repeated`` (see
    :func:`repeated_lines`) is ``repeated``.
    """
    pieces: list[tuple[int, int, str, str]] = []
    lines = _lines(text, start, end)
    rules = _rules_to_try(range_rules(text[start:end]))
    in_related: str | None = None
    inside: list[str] = []
    for index, (lo, hi) in enumerate(lines):
        line = text[lo:hi]
        if not line.strip():
            if pieces:
                pieces[-1] = (pieces[-1][0], hi, pieces[-1][2], pieces[-1][3])
            else:
                pieces.append((lo, hi, "", ""))
            continue
        label, evidence = _classify(line, rules)
        if label == "content" and is_boilerplate is not None and is_boilerplate(line, lo):
            label, evidence = "boilerplate", "recurs across many documents of the corpus"
        if label == "content" and repeated and fold_line(line) in repeated:
            label, evidence = "repeated", "the same line stands elsewhere in this document"
        heading = related_heading_rule(line)
        following = _next_line(text, lines, index + 1) if heading else None
        if heading and following is not None and _classify(following, rules)[0] != "boilerplate":
            in_related, inside = heading, []
            label, evidence = "related", heading
        elif in_related is not None:
            if label == "boilerplate":
                in_related = None
            else:
                found = evidence if label != "content" else (_TWEET.search(line) and "an embedded tweet")
                if found and found not in inside:
                    inside.append(found)
                label = "related"
                evidence = in_related + (f"; the section has its own {'; '.join(inside)}" if inside else "")
        if pieces and pieces[-1][2] == label and label in ("related", "content"):
            pieces[-1] = (pieces[-1][0], hi, label, evidence if label == "related" else pieces[-1][3])
        elif pieces and pieces[-1][2] == "":
            pieces[-1] = (pieces[-1][0], hi, label, evidence)
        else:
            pieces.append((lo, hi, label, evidence))
    out = [Labelled(a, b, label or "content", ev or "whitespace") for a, b, label, ev in pieces]
    return out
