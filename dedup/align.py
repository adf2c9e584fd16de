"""Shared and divergent spans of a pair of texts, by seed-and-extend on shared word shingles.

Every k-word shingle the two texts share is a seed; seeds on the same diagonal (same offset between
the texts) that touch are one run. Runs are taken longest first, each trimmed to the words no longer
run has claimed on either side, so a block that moved is found as shared wherever it stands (a
longest-common-subsequence diff would lose it). Runs that follow each other in both texts across a
small gap that no other run stands in are joined into one shared span with an edit inside. What no
shared span covers is divergent. The spans of each side tile its text exactly: every character
belongs to one span.

Cost is linear in the number of words for typical pairs: hashing, one sort of the seeds, and a pass
over the runs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.models import Token
from dedup.shingle import U64, argsort_values, shingle_hashes
from dedup.tokens import TokenList
from dedup.wordhash import word_hashes

I64 = npt.NDArray[np.int64]

MAX_EDIT_WORDS = 8
"""Words on either side of a gap between two runs that still make it an edit inside one span."""
MAX_SEED_REPEATS = 50
"""A shingle found more often than this in either text is too common to anchor an alignment."""


@dataclass(frozen=True, slots=True)
class Edit:
    """A small difference inside a shared span: word ranges ``[a0, a1)`` and ``[b0, b1)``."""

    a0: int
    a1: int
    b0: int
    b1: int


@dataclass(frozen=True, slots=True)
class Match:
    """A shared span in word indices: words ``[a0, a1)`` of A match words ``[b0, b1)`` of B."""

    a0: int
    a1: int
    b0: int
    b1: int
    moved: bool = False
    edits: tuple[Edit, ...] = ()


def _runs(ha: U64, hb: U64) -> I64:
    """Maximal diagonal runs of shared shingles as rows ``(i, j, length)`` in shingle indices."""
    if len(ha) == 0 or len(hb) == 0:
        return np.empty((0, 3), dtype=np.int64)
    # The seeds are found for A's values in sorted order (binary searches for keys in order are
    # several times faster), then put back in text order. Which of several equal values of B
    # comes first does not matter: every (i, j) seed is found, and they are sorted below.
    order_b, sorted_b = argsort_values(hb)
    order_a, sorted_a = argsort_values(ha)
    lo_sorted = np.searchsorted(sorted_b, sorted_a, side="left")
    if len(hb) > 1 and bool(np.any(sorted_b[1:] == sorted_b[:-1])):
        counts_sorted = np.searchsorted(sorted_b, sorted_a, side="right") - lo_sorted
    else:
        # B has no repeated shingle (the usual case): a value is there once or not at all.
        counts_sorted = (sorted_b[np.minimum(lo_sorted, len(hb) - 1)] == sorted_a).astype(np.int64)
    lo = np.empty(len(ha), dtype=np.int64)
    lo[order_a] = lo_sorted
    counts = np.empty(len(ha), dtype=np.int64)
    counts[order_a] = counts_sorted
    # Seeds repeated many times (refrains, tables) add noise, not alignment.
    usable = (counts > 0) & (counts <= MAX_SEED_REPEATS)
    if len(ha) > MAX_SEED_REPEATS and bool(
        np.any(sorted_a[MAX_SEED_REPEATS:] == sorted_a[:-MAX_SEED_REPEATS])
    ):
        # Some value stands more than MAX_SEED_REPEATS times in A: count them (rare, so only then).
        a_counts = np.searchsorted(sorted_a, ha, side="right") - np.searchsorted(sorted_a, ha, side="left")
        usable &= a_counts <= MAX_SEED_REPEATS
    i_idx = np.repeat(np.flatnonzero(usable), counts[usable])
    if len(i_idx) == 0:
        return np.empty((0, 3), dtype=np.int64)
    starts = np.repeat(lo[usable], counts[usable])
    within = np.arange(len(i_idx)) - np.repeat(np.cumsum(counts[usable]) - counts[usable], counts[usable])
    j_idx = order_b[starts + within]
    diag = j_idx - i_idx
    order = np.lexsort((i_idx, diag))
    i_s, d_s = i_idx[order], diag[order]
    new = np.ones(len(i_s), dtype=bool)
    new[1:] = (d_s[1:] != d_s[:-1]) | (i_s[1:] != i_s[:-1] + 1)
    first = np.flatnonzero(new)
    lengths = np.diff(np.append(first, len(i_s)))
    i0 = i_s[first]
    return np.stack([i0, i0 + d_s[first], lengths], axis=1).astype(np.int64)


def _claim(runs: I64, n: int, m: int, k: int) -> list[Match]:
    """Take runs longest first, each trimmed to its longest stretch of words still free on both sides."""
    free_a = np.ones(n, dtype=bool)
    free_b = np.ones(m, dtype=bool)
    taken: list[Match] = []
    # Longest first; ties broken by position so the result never depends on sort stability.
    order: I64 = np.lexsort((runs[:, 1], runs[:, 0], -runs[:, 2])) if len(runs) else np.empty(0, np.int64)
    rows = runs.tolist()
    for idx in order.tolist():
        i, j, length = rows[idx]
        words = length + k - 1
        a_end, b_end = min(i + words, n), min(j + words, m)
        words = min(a_end - i, b_end - j)
        ok = free_a[i : i + words] & free_b[j : j + words]
        if ok.all():
            pass  # the whole run is still free (the usual case)
        elif not ok.any():
            continue
        else:
            padded = np.concatenate(([False], ok, [False]))
            edges = np.flatnonzero(padded[1:] != padded[:-1])
            widths = edges[1::2] - edges[::2]
            best = int(np.argmax(widths))
            start, width = int(edges[2 * best]), int(widths[best])
            if width < k:
                continue
            i, j, words = i + start, j + start, width
        free_a[i : i + words] = False
        free_b[j : j + words] = False
        taken.append(Match(i, i + words, j, j + words))
    return taken


def _join_edits(matches: list[Match]) -> list[Match]:
    """Join runs that follow each other in both texts across a small gap into one span with an edit.

    A gap is joined only when no other run stands in it on either side: in A order no run can, but
    in B a moved run of ``k`` words fits in a gap of up to ``MAX_EDIT_WORDS``, and swallowing it
    would make two shared spans overlap in B (and the edit claim words another span holds).
    """
    b_starts = sorted(m.b0 for m in matches)
    out: list[Match] = []
    for match in sorted(matches, key=lambda m: (m.a0, m.b0)):
        if out:
            prev = out[-1]
            gap_a, gap_b = match.a0 - prev.a1, match.b0 - prev.b1
            if gap_a == 0 and gap_b == 0:
                out[-1] = Match(prev.a0, match.a1, prev.b0, match.b1, False, prev.edits + match.edits)
                continue
            # Runs are disjoint in B, so one overlaps the gap only if it starts inside it.
            clear = bisect_left(b_starts, match.b0) == bisect_left(b_starts, prev.b1)
            if 0 <= gap_a <= MAX_EDIT_WORDS and 0 <= gap_b <= MAX_EDIT_WORDS and clear:
                edit = Edit(prev.a1, match.a0, prev.b1, match.b0)
                out[-1] = Match(
                    prev.a0, match.a1, prev.b0, match.b1, False, (*prev.edits, edit, *match.edits)
                )
                continue
        out.append(match)
    return out


def mark_moved(matches: Sequence[Match], weights: Sequence[int] | None = None) -> list[Match]:
    """Mark as moved the spans outside the heaviest set that keeps the same order in both texts.

    ``matches`` must be in A order. A weighted longest increasing subsequence of B positions,
    weighted by words unless ``weights`` are given, with a Fenwick tree of prefix maxima:
    O(n log n) in the number of spans.
    """
    n = len(matches)
    weight = list(weights) if weights is not None else [m.a1 - m.a0 for m in matches]
    if n == 0:
        return []
    rank = {idx: r for r, idx in enumerate(sorted(range(n), key=lambda i: matches[i].b0), start=1)}
    tree_best = [0] * (n + 1)
    tree_arg = [-1] * (n + 1)
    best = [0] * n
    prev = [-1] * n
    for x in range(n):
        r, top, arg = rank[x] - 1, 0, -1
        while r > 0:  # best chain ending at a span earlier in B
            if tree_best[r] > top:
                top, arg = tree_best[r], tree_arg[r]
            r -= r & -r
        best[x] = top + weight[x]
        prev[x] = arg
        r = rank[x]
        while r <= n:
            if best[x] > tree_best[r]:
                tree_best[r], tree_arg[r] = best[x], x
            r += r & -r
    keep = set()
    x = max(range(n), key=lambda i: (best[i], -i))
    while x != -1:
        keep.add(x)
        x = prev[x]
    return [Match(m.a0, m.a1, m.b0, m.b1, i not in keep, m.edits) for i, m in enumerate(matches)]


def align_words(words_a: Sequence[str], words_b: Sequence[str], k: int) -> list[Match]:
    """Shared spans of two word sequences, in A order, with moved spans marked and edits inside."""
    return align_hashes(word_hashes(words_a), word_hashes(words_b), k)


def align_hashes(
    hashes_a: U64, hashes_b: U64, k: int, shingles: tuple[U64, U64] | None = None
) -> list[Match]:
    """:func:`align_words` over the words' hashes (``wordhash.word_hashes``); ``shingles`` are
    their ``k``-word shingle hashes, when the caller has them already."""
    n, m = len(hashes_a), len(hashes_b)
    if n < k or m < k:
        # Texts shorter than a shingle match only when identical.
        if n and np.array_equal(hashes_a, hashes_b):
            return [Match(0, n, 0, m)]
        return []
    sa, sb = shingles if shingles is not None else (shingle_hashes(hashes_a, k), shingle_hashes(hashes_b, k))
    matches = _claim(_runs(sa, sb), n, m, k)
    return mark_moved(_join_edits(matches))


def token_starts(tokens: Sequence[Token]) -> Sequence[int]:
    """Every token's start offset: a TokenList's own list, without building a Token each."""
    return tokens.starts if isinstance(tokens, TokenList) else [t.start for t in tokens]


def token_ends(tokens: Sequence[Token]) -> Sequence[int]:
    """Every token's end offset."""
    return tokens.ends if isinstance(tokens, TokenList) else [t.end for t in tokens]


@dataclass(frozen=True, slots=True)
class Segment:
    """A character range of one text that is either shared (``match`` set) or divergent."""

    start: int
    end: int
    word0: int
    word1: int
    match: int | None
    """Index of the shared span in the alignment, or None for divergent text."""


def segments(text: str, tokens: Sequence[Token], spans: Sequence[tuple[int, int]]) -> list[Segment]:
    """Cut a text into segments that tile it exactly, given shared word ranges (sorted, disjoint).

    Each segment runs from the first character of its first word to the first character of the
    next segment, so whitespace and punctuation go with the words before them; text before the first
    word goes with the first segment.
    """
    n = len(tokens)
    bounds: list[tuple[int, int, int | None]] = []
    cursor = 0
    for index, (w0, w1) in sorted(enumerate(spans), key=lambda item: item[1]):
        if w0 > cursor:
            bounds.append((cursor, w0, None))
        bounds.append((w0, w1, index))
        cursor = w1
    if cursor < n:
        bounds.append((cursor, n, None))
    out: list[Segment] = []
    starts = token_starts(tokens)
    for pos, (w0, w1, match) in enumerate(bounds):
        start = 0 if pos == 0 else starts[w0]
        end = len(text) if pos == len(bounds) - 1 else starts[bounds[pos + 1][0]]
        out.append(Segment(start, end, w0, w1, match))
    if not out:
        out.append(Segment(0, len(text), 0, 0, None))
    return out
