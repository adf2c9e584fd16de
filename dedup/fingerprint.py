"""Winnowed fingerprints: a small set of shingle hashes per document for fast lookups in an index.

Each fingerprint is the smallest shingle hash of a window of ``w`` consecutive shingles (Schleimer,
Wilkerson and Aiken's winnowing). Two documents that share a run of at least ``w`` shingles share
that window, so they share its fingerprint: a guarantee, not a probability. About 2/(w+1) of the
shingles are kept. The pre-commit hook uses them to find, among all indexed documents, the few that
can pair with a changed file; every candidate is then verified exactly as in a scan.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from dedup.shingle import U64, member, sorted_unique


def fingerprints(shingles: U64, window: int, boilerplate: U64 | None = None) -> U64:
    """The sorted distinct fingerprints of a shingle sequence (boilerplate shingles left out first).

    A sequence shorter than ``window`` keeps its smallest shingle.
    """
    seq = shingles
    if boilerplate is not None and len(boilerplate):
        seq = seq[~member(seq, boilerplate)]
    if not len(seq):
        return np.empty(0, dtype=np.uint64)
    if len(seq) <= window:
        return np.array([seq.min()], dtype=np.uint64)
    return sorted_unique(sliding_window_view(seq, window).min(axis=1))
