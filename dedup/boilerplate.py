"""Which shingles are boilerplate: text shared so widely, and so thinly, that it proves nothing.

A shingle is boilerplate when it occurs in at least ``boilerplate_docs`` documents and, on average,
less than ``boilerplate_share`` of those documents' text is made of such widely shared shingles.
Site chrome, licence lines and stock phrases are a small part of every page that carries them; an
article reprinted by many sites is most of each copy, so its copies stay pairs however many there are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dedup.shingle import U64


def boilerplate_shingles(unique_sets: Sequence[U64], min_docs: int, share: float) -> U64:
    """The sorted boilerplate shingle hashes of a corpus, given each document's distinct shingles."""
    lengths = np.fromiter((len(s) for s in unique_sets), dtype=np.int64, count=len(unique_sets))
    if len(unique_sets) < min_docs or lengths.sum() == 0:
        return np.empty(0, dtype=np.uint64)
    flat = np.concatenate(unique_sets)
    values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    frequent = counts >= min_docs
    if not frequent.any():
        return np.empty(0, dtype=np.uint64)
    entry_frequent = frequent[inverse]
    doc_of = np.repeat(np.arange(len(unique_sets)), lengths)
    per_doc = np.bincount(doc_of, weights=entry_frequent, minlength=len(unique_sets))
    doc_share = per_doc / np.maximum(lengths, 1)
    # Mean, over the documents holding each shingle, of how much of them is widely shared text.
    share_sum = np.bincount(inverse, weights=doc_share[doc_of], minlength=len(values))
    mean_share = share_sum / counts
    return values[frequent & (mean_share < share)]
