"""Explain a pair: aligned shared and divergent spans, labelled, a verdict on which is the original,
and a one-line summary of what differs. Pure: takes the two texts, returns records.
"""

from __future__ import annotations

import dataclasses
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from pathlib import PurePosixPath

import numpy as np
import numpy.typing as npt

from dedup.align import Edit, Match, Segment, align_hashes, mark_moved, segments, token_ends, token_starts
from dedup.config import Settings
from dedup.label import (
    Labelled,
    LazyRepeated,
    LinePredicate,
    builtin_boilerplate_rule,
    caption_rule,
    label_divergent,
    may_caption,
)
from dedup.models import UNKNOWN_ORIGINAL, Explanation, Span, SpanEdit, Token, Verdict
from dedup.regions import reused
from dedup.shingle import U64, HashSet, contains
from dedup.tokens import TokenList
from dedup.words import counted

PREVIEW = 80
"""Characters of a span's preview, whitespace folded."""
Mask = npt.NDArray[np.bool_]
"""One flag per word of a text."""
_EDITORIAL = frozenset({"related", "attribution", "dateline", "byline", "caption", "boilerplate", "junk"})


def preview(text: str, limit: int = PREVIEW) -> str:
    """The text with whitespace folded, cut to ``limit`` characters with a trailing ellipsis."""
    # Folding a prefix gives a prefix of the folded text, so a long text is folded only in part.
    folded = " ".join(text[: 4 * limit].split())
    if len(folded) <= limit:
        folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def boilerplate_predicate(boilerplate: U64 | HashSet, k: int, tokens: TokenList) -> LinePredicate:
    """Whether a line of the text ``tokens`` came from is mostly made of the corpus's boilerplate
    shingles: at least half of the shingles that lie within the line."""
    before: list[int] | None = None

    def check(line: str, start: int) -> bool:
        nonlocal before
        lo = bisect_left(tokens.starts, start)
        hi = bisect_left(tokens.starts, start + len(line))
        # Boilerplate lines are short; a long line that holds some is not itself boilerplate.
        if hi - lo < k or hi - lo > 60 or not len(boilerplate):
            return False
        if before is None:
            # Shingles within a line are the text's own shingles there, so one lookup serves all
            # lines; counted up front, each line's count is a difference of two.
            mask = contains(tokens.shingles(k), boilerplate)
            before = [0, *np.cumsum(mask).tolist()]
        inside = hi - lo - k + 1
        return 2 * (before[lo + inside] - before[lo]) >= inside

    return check


def _count_words(tokens: Sequence[Token], start: int, end: int) -> int:
    lo = _first_token_at(tokens, start)
    hi = _first_token_at(tokens, end)
    return hi - lo


def _first_token_at(tokens: Sequence[Token], offset: int) -> int:
    if isinstance(tokens, TokenList):
        return bisect_left(tokens.starts, offset)
    lo, hi = 0, len(tokens)
    while lo < hi:
        mid = (lo + hi) // 2
        if tokens[mid].start < offset:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _char_range(tokens: Sequence[Token], w0: int, w1: int, text_len: int) -> tuple[int, int]:
    """Characters from the start of word ``w0`` to the end of word ``w1 - 1`` (an empty range at the
    next word's start when ``w0 == w1``)."""
    starts = token_starts(tokens)
    if w0 >= w1:
        at = starts[w0] if w0 < len(starts) else text_len
        return at, at
    return starts[w0], token_ends(tokens)[w1 - 1]


def _run_mask(ranges: Sequence[tuple[int, int]], holes: Sequence[tuple[int, int]], words: int) -> Mask:
    """Words inside ``ranges`` and outside ``holes``, as a mask (ranges disjoint, holes within them)."""
    delta = np.zeros(words + 1, dtype=np.int64)
    for lo, hi in ranges:
        delta[lo] += 1
        delta[hi] -= 1
    for lo, hi in holes:
        delta[lo] -= 1
        delta[hi] += 1
    return np.cumsum(delta[:-1]) > 0


def _reused_only(matches: Sequence[Match], words_a: int, words_b: int, k: int) -> list[Match]:
    """The shared spans without the incidental matches (see ``dedup.regions``), moved re-marked.

    The rule is applied to each side's shared words (the spans' words outside their edits). A span
    is kept when either side finds it reused: a short block moved beside a passage in one text,
    though set apart in the other, is part of the copy. The words of a dropped span become
    divergent on both sides, so a pair of spans is shared on both sides or on neither.
    """
    if not matches:
        return list(matches)
    edits = [e for m in matches for e in m.edits]
    kept_a = reused(_run_mask([(m.a0, m.a1) for m in matches], [(e.a0, e.a1) for e in edits], words_a), k)
    kept_b = reused(_run_mask([(m.b0, m.b1) for m in matches], [(e.b0, e.b1) for e in edits], words_b), k)
    # A span starts with a run of shared words, and a region holds whole runs: one word decides.
    kept = [m for m in matches if kept_a[m.a0] or kept_b[m.b0]]
    return list(matches) if len(kept) == len(matches) else mark_moved(kept)


def _floating(matches: Sequence[Match], text: str, tokens: Sequence[Token]) -> list[Match]:
    """Captions float in page layouts, so they never anchor the order: recompute 'moved' without them.

    ``matches`` are marked as ``align_hashes`` marks them, with every span weighed by its words:
    when no span is a caption the weights are those, and so is the answer.
    """
    # Most texts hold no caption word at all (none of the speed benchmark's): one look at the
    # whole text then spares one at each span, and recomputing the same marks.
    if len(matches) < 2 or not may_caption(text):
        return list(matches)
    weights = []
    for m in matches:
        lo, hi = _char_range(tokens, m.a0, m.a1, len(text))
        weights.append(0 if m.a1 - m.a0 < 120 and caption_rule(text[lo:hi]) else m.a1 - m.a0)
    if all(w == m.a1 - m.a0 for w, m in zip(weights, matches, strict=True)):
        return list(matches)
    return mark_moved(matches, weights)


def _side_spans(
    text: str,
    tokens: Sequence[Token],
    other_text: str,
    other_tokens: Sequence[Token],
    matches: Sequence[Match],
    side: str,
    is_boilerplate: LinePredicate | None,
    cut: tuple[Sequence[Segment], Sequence[Segment]],
) -> tuple[Span, ...]:
    """The spans of one side: ``cut`` holds the segments of this side and of the other."""
    own, others = cut
    other_segments = {s.match: s for s in others if s.match is not None}
    spans: list[Span] = []
    repeated = LazyRepeated(text)
    for seg in own:
        body = text[seg.start : seg.end]
        if seg.match is None:
            pieces = label_divergent(text, seg.start, seg.end, is_boilerplate, repeated)
            spans.extend(_divergent(text, tokens, piece) for piece in pieces)
            continue
        match = matches[seg.match]
        other = other_segments[seg.match]
        label, evidence = _shared_label(body, seg.start, is_boilerplate)
        spans.append(
            Span(
                start=seg.start,
                end=seg.end,
                kind="shared",
                label=label,
                evidence=evidence,
                preview=preview(body),
                words=seg.word1 - seg.word0,
                other_start=other.start,
                other_end=other.end,
                moved=match.moved,
                edits=tuple(_edit(e, tokens, other_tokens, text, other_text, side) for e in match.edits),
            )
        )
    return tuple(spans)


def _shared_label(
    body: str, start: int, is_boilerplate: LinePredicate | None
) -> tuple[str | None, str | None]:
    stripped = body.strip()
    if "\n" not in stripped:
        evidence = builtin_boilerplate_rule(stripped)
        if evidence:
            return "boilerplate", evidence
        if is_boilerplate is not None and is_boilerplate(stripped, start + len(body) - len(body.lstrip())):
            return "boilerplate", "recurs across many documents of the corpus"
        evidence = caption_rule(stripped)
        if evidence and len(stripped) < 800:
            return "caption", evidence
    return None, None


def _divergent(text: str, tokens: Sequence[Token], piece: Labelled) -> Span:
    return Span(
        start=piece.start,
        end=piece.end,
        kind="divergent",
        label=piece.label,
        evidence=piece.evidence,
        preview=preview(text[piece.start : piece.end]),
        words=_count_words(tokens, piece.start, piece.end),
    )


def _edit(
    edit: Edit,
    tokens: Sequence[Token],
    other_tokens: Sequence[Token],
    text: str,
    other_text: str,
    side: str,
) -> SpanEdit:
    a_tokens, b_tokens = (tokens, other_tokens) if side == "a" else (other_tokens, tokens)
    a_text, b_text = (text, other_text) if side == "a" else (other_text, text)
    a0, a1 = _char_range(a_tokens, edit.a0, edit.a1, len(a_text))
    b0, b1 = _char_range(b_tokens, edit.b0, edit.b1, len(b_text))
    return SpanEdit(a0, a1, b0, b1)


def verdict(
    spans_a: Sequence[Span], spans_b: Sequence[Span], a_in_b: float, b_in_a: float, contained: float
) -> Verdict:
    """Which side looks like the source, from attribution lines and editorial additions."""
    copy_evidence: dict[str, list[str]] = {"a": [], "b": []}
    for side, spans in (("a", spans_a), ("b", spans_b)):
        for span in spans:
            if span.kind == "divergent" and span.label == "attribution":
                copy_evidence[side].append(
                    f"{side.upper()} has a line that {span.evidence}: '{span.preview}'"
                )
    # One side is the other plus only editorial furniture: a reprint that dressed up its source.
    for side, spans, inside in (("b", spans_b, a_in_b), ("a", spans_a, b_in_a)):
        added = [s for s in spans if s.kind == "divergent" and s.words > 0]
        content = sum(s.words for s in added if s.label not in _EDITORIAL)
        kinds = sorted({str(s.label) for s in added if s.label in _EDITORIAL})
        if inside >= contained and kinds and content <= 3:
            other = "A" if side == "b" else "B"
            copy_evidence[side].append(f"{side.upper()} is {other} plus only {', '.join(kinds)} text")
    a_copy, b_copy = copy_evidence["a"], copy_evidence["b"]
    if b_copy and not a_copy:
        return Verdict("a", ("A is likely the original: " + b_copy[0], *b_copy[1:]))
    if a_copy and not b_copy:
        return Verdict("b", ("B is likely the original: " + a_copy[0], *a_copy[1:]))
    if a_copy and b_copy:
        return Verdict("unknown", ("both carry signs of being copies", *a_copy, *b_copy))
    return Verdict("unknown", (UNKNOWN_ORIGINAL,))


def _side_summary(spans: Sequence[Span], total_words: int) -> str:
    items: list[str] = []
    seen: set[str] = set()
    for span in spans:
        if span.kind != "divergent" or span.words == 0:
            continue
        label = span.label or "content"
        if label == "related":
            key = "related"
            text = f"related section ({round(100 * span.words / max(1, total_words))}% of its words)"
        elif label == "attribution":
            source = span.evidence.split("'")[1] if span.evidence and "'" in span.evidence else ""
            key, text = f"attribution {source}", f"attribution '{source}'"
        elif label == "boilerplate":
            key, text = f"bp {span.preview}", f"'{preview(span.preview, 30)}'"
        elif label == "content":
            key, text = "content", ""
        else:
            names = {
                "dateline": "date",
                "junk": "site junk",
                "repeated": "a repeated line",
                "caption": "caption",
                "byline": "byline",
            }
            key = label
            text = names.get(label, label)
        if key not in seen:
            seen.add(key)
            if text:
                items.append(text)
    content_words = sum(s.words for s in spans if s.kind == "divergent" and s.label == "content")
    if content_words:
        items.append(f"{counted(content_words, 'word')} of other text")
    return ", ".join(items) if items else "nothing else"


def _moved(label: str | None, n: int) -> str:
    """``n`` moved spans of one label: "caption", "a passage", "3 captions", "10 passages"."""
    if n == 1:
        return label or "a passage"
    return counted(n, label or "passage", None if label in (None, "caption") else f"{label} passages")


def summary(
    path_a: str,
    path_b: str,
    spans_a: Sequence[Span],
    spans_b: Sequence[Span],
    words_a: int,
    words_b: int,
    verdict_: Verdict,
) -> str:
    """One line on what differs, e.g. "reprint adds: related section (48% of its words), …"."""
    name_a, name_b = PurePosixPath(path_a).name, PurePosixPath(path_b).name
    if verdict_.original == "a":
        first, second = (
            ("reprint adds", _side_summary(spans_b, words_b)),
            ("original has", _side_summary(spans_a, words_a)),
        )
    elif verdict_.original == "b":
        first, second = (
            ("reprint adds", _side_summary(spans_a, words_a)),
            ("original has", _side_summary(spans_b, words_b)),
        )
    else:
        first, second = (
            (f"{name_a} has", _side_summary(spans_a, words_a)),
            (f"{name_b} has", _side_summary(spans_b, words_b)),
        )
    moved = Counter(s.label for s in spans_a if s.kind == "shared" and s.moved)
    tail = f"; moved: {', '.join(_moved(label, n) for label, n in moved.items())}" if moved else ""
    return f"{first[0]}: {first[1]}; {second[0]}: {second[1]}{tail}"


def renamed(explanation: Explanation, path_a: str, path_b: str, words_a: int, words_b: int) -> Explanation:
    """The explanation of two texts, given for two other documents with the same texts: only its
    summary names the documents."""
    line = summary(
        path_a, path_b, explanation.spans_a, explanation.spans_b, words_a, words_b, explanation.verdict
    )
    return dataclasses.replace(explanation, summary=line)


def explain(
    path_a: str,
    text_a: str,
    path_b: str,
    text_b: str,
    *,
    shingle_size: int = Settings.shingle_size,
    contained: float = Settings.contained,
    a_in_b: float | None = None,
    b_in_a: float | None = None,
    boilerplate: U64 | HashSet | None = None,
    tokens: tuple[TokenList, TokenList] | None = None,
) -> Explanation:
    """Align two texts and label every difference. ``a_in_b``/``b_in_a`` come from verification;
    when missing they are estimated from the aligned words. ``tokens`` are the texts' tokens, when
    the caller has them already. Short matches far from any reused passage are divergent text
    (``dedup.regions``)."""
    tokens_a, tokens_b = tokens if tokens is not None else (TokenList(text_a), TokenList(text_b))
    matches = align_hashes(
        tokens_a.hashes,
        tokens_b.hashes,
        shingle_size,
        (tokens_a.shingles(shingle_size), tokens_b.shingles(shingle_size)),
    )
    matches = _reused_only(matches, len(tokens_a), len(tokens_b), shingle_size)
    matches = _floating(matches, text_a, tokens_a)
    bp_a, bp_b = (
        (boilerplate_predicate(boilerplate, shingle_size, t) for t in (tokens_a, tokens_b))
        if boilerplate is not None
        else (None, None)
    )
    # Each text is cut into segments once, for its own spans and for the other's cross-references.
    cut_a = segments(text_a, tokens_a, [(m.a0, m.a1) for m in matches])
    cut_b = segments(text_b, tokens_b, [(m.b0, m.b1) for m in matches])
    spans_a = _side_spans(text_a, tokens_a, text_b, tokens_b, matches, "a", bp_a, (cut_a, cut_b))
    spans_b = _side_spans(text_b, tokens_b, text_a, tokens_a, matches, "b", bp_b, (cut_b, cut_a))
    shared_a = sum(m.a1 - m.a0 for m in matches)
    shared_b = sum(m.b1 - m.b0 for m in matches)
    a_in = a_in_b if a_in_b is not None else shared_a / max(1, len(tokens_a))
    b_in = b_in_a if b_in_a is not None else shared_b / max(1, len(tokens_b))
    verdict_ = verdict(spans_a, spans_b, a_in, b_in, contained)
    return Explanation(
        spans_a,
        spans_b,
        verdict_,
        summary(path_a, path_b, spans_a, spans_b, len(tokens_a), len(tokens_b), verdict_),
    )
