"""Which shared words of a document are reused text, and which are incidental matches.

Two pages on one topic share short phrases by chance ("a 30,000-square-foot", "the city council
voted on"): a run of one or two shingles, far from any passage one page took from the other. Such
a match says nothing about reuse, yet on web pages it was about a fifth of the characters marked
shared. Copied text comes in passages, and even a heavily edited copy keeps its short shared runs
close together. So shared words are grouped into regions: shared stretches no more than
``4 * k`` unshared words apart are one region, and a region of fewer than ``2 * k`` shared words
is incidental. A short run within ``4 * k`` words of a reused passage belongs to its region and
stays shared.

Both the pair's figures (``verify``) and its spans (``explain``) apply this rule, so they agree.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

GAP_SHINGLES = 4
"""Shared stretches at most this many shingle sizes of unshared words apart are one region."""
MIN_SHINGLES = 2
"""A region holding fewer shared words than this many shingle sizes is incidental."""


def reused(mask: npt.NDArray[np.bool_], shingle_size: int) -> npt.NDArray[np.bool_]:
    """The shared words of one document that are reused text: ``mask`` (a word-level boolean
    mask in text order, True where a word is shared) without its incidental regions.

    A region is a maximal group of shared stretches whose gaps hold at most ``4 * shingle_size``
    unshared words; it is incidental when it holds fewer than ``2 * shingle_size`` shared words.
    One exception: a document shorter than that which is shared whole keeps its words (two
    identical notes of six words are not a chance match). Returns a new mask; ``mask`` is unchanged.
    """
    if shingle_size < 1:
        raise ValueError(f"shingle_size must be at least 1, not {shingle_size}")
    out = np.array(mask, dtype=np.bool_, copy=True)
    if not out.any():
        return out
    padded = np.concatenate(([False], out, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[::2], edges[1::2]
    need = min(MIN_SHINGLES * shingle_size, len(out))
    if len(starts) == 1:  # one stretch, as in most copies: no regions to work out
        return out if ends[0] - starts[0] >= need else np.zeros_like(out)
    gaps = starts[1:] - ends[:-1]
    region = np.concatenate(([0], np.cumsum(gaps > GAP_SHINGLES * shingle_size)))
    shared = np.bincount(region, weights=ends - starts)
    drop = (shared < need)[region]
    if drop.any():
        # Stretches are disjoint and apart, so each start and end index appears once.
        delta = np.zeros(len(out) + 1, dtype=np.int64)
        delta[starts[drop]] += 1
        delta[ends[drop]] -= 1
        out &= np.cumsum(delta[:-1]) == 0
    return out
