"""Candidate pairs of documents: LSH banding of the window signatures, done in bulk with numpy.

Banding follows datasketch's MinHashLSH: the band count ``b`` and rows per band ``r`` are the ones
``MinHashLSH(threshold, num_perm)`` chooses, and two windows are candidates when all ``r`` values of
any band agree. A test checks the pairs against datasketch's own index on the same signatures.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from threading import local
from typing import Any

import numpy as np
import numpy.typing as npt

from dedup.errors import ConfigError
from dedup.shingle import fmix64, sorted_unique
from dedup.sketch import Layout, Windows, permutations, window_columns, window_columns_into

I32 = npt.NDArray[np.int32]

GROUP_BUCKET = 50
"""A band bucket of more documents than this pairs each of them with its first document only (in
path order), not with every other: a story on 3,000 sites, lightly edited on each, would otherwise
make 4.5 million candidates, and every one of them verified and explained. Two members of such a
bucket that also meet in a smaller one are still a candidate there."""


@lru_cache(maxsize=16)
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` as datasketch's MinHashLSH picks them for this threshold (a test checks
    them against it): of every ``b * r <= num_perm``, the one with the least false-positive plus
    false-negative probability mass, weighted half and half, around the threshold.

    Computed here rather than asked of datasketch, whose import alone (it loads scipy) takes
    longer than scanning a thousand documents.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"--lsh-threshold {threshold} must be between 0 and 1")
    best: tuple[float, int, int] | None = None
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            # Windows of similarity s share no band with probability (1 - s**rows) ** bands.
            false_positive = threshold - _missed(0.0, threshold, bands, rows)
            false_negative = _missed(threshold, 1.0, bands, rows)
            error = 0.5 * false_positive + 0.5 * false_negative
            if best is None or error < best[0]:
                best = (error, bands, rows)
    if best is None or best[1] < 2:
        raise ConfigError(
            f"--lsh-threshold {threshold} cannot be used with --num-perm {num_perm}: it leaves fewer "
            "than 2 bands; lower the threshold or raise the permutations"
        )
    return best[1], best[2]


@lru_cache(maxsize=1)
def _gauss() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    # Worked out when LSH parameters are first picked, not on import: commands that never band
    # are spared importing numpy.polynomial and solving for the nodes (6 ms).
    nodes, weights = np.polynomial.legendre.leggauss(200)
    return nodes, weights


def _missed(lo: float, hi: float, bands: int, rows: int) -> float:
    """The integral of ``(1 - s**rows) ** bands`` over ``[lo, hi]`` (Gauss-Legendre, 200 nodes)."""
    nodes, weights = _gauss()
    half = (hi - lo) / 2
    s = half * nodes + (hi + lo) / 2
    return float(half * np.sum(weights * (1 - s**rows) ** bands))


@dataclass(frozen=True)
class Candidates:
    """Candidate document pairs (``pairs[i] = (lo, hi)``, ``lo < hi``, sorted), with counts."""

    pairs: I32
    oversized_buckets: int
    """Buckets of more than GROUP_BUCKET documents, each paired round its first document."""
    bands: I32 = field(default_factory=lambda: np.empty(0, np.int32))
    """In how many bands each pair met (from the band-by-band search only)."""


_SPREAD = np.uint64(0x9E3779B97F4A7C15)
"""Odd, so multiplying by it is a bijection of 64-bit words; the product's top bits depend on
every bit of the word, which is what bucketing on a key's top 40 bits needs."""


def band_keys(signatures: npt.NDArray[np.uint32], band: int, rows: int) -> npt.NDArray[np.uint64]:
    """One 64-bit key per window for ``band``: equal rows give equal keys."""
    cols = signatures[:, band * rows : (band + 1) * rows]
    with np.errstate(over="ignore"):
        if rows == 2:
            # Two 32-bit values fit one 64-bit word exactly, and one multiplication spreads them
            # over the top bits (a full mix cost 18 ms a band at 100,000 documents, this 2).
            return ((cols[:, 0].astype(np.uint64) << np.uint64(32)) | cols[:, 1]) * _SPREAD
        acc = np.zeros(len(signatures), dtype=np.uint64)
        for j in range(cols.shape[1]):
            acc = fmix64(acc * np.uint64(0x9E3779B97F4A7C15) + cols[:, j].astype(np.uint64))
    return acc


def column_keys(columns: list[npt.NDArray[np.uint32]]) -> npt.NDArray[np.uint64]:
    """:func:`band_keys` of one band given as its columns, built in place."""
    if len(columns) != 2:
        return band_keys(np.stack(columns, axis=1), 0, len(columns))
    key = columns[0].astype(np.uint64)
    np.left_shift(key, np.uint64(32), out=key)
    np.bitwise_or(key, columns[1], out=key, casting="unsafe")
    out: npt.NDArray[np.uint64] = np.multiply(key, _SPREAD, out=key)
    return out


def stream_candidates(lay: Layout, threshold: float, num_perm: int, seed: int, jobs: int = 1) -> Candidates:
    """The same pairs as :func:`candidate_pairs` over the windows of ``lay``, computed band by band.

    Only one band's rows exist at a time, so memory stays at a few bytes per window whatever
    ``num_perm`` is; bands run on ``jobs`` threads (numpy releases the GIL in the heavy loops).
    """
    bands, rows = lsh_params(threshold, num_perm)
    a, b = permutations(num_perm, seed)
    doc = lay.doc
    n_blocks, n_long, n = lay.blocks.shape[1], len(lay.first), len(doc)
    buffers = local()

    def one_band(band: int) -> tuple[npt.NDArray[np.int64], int]:
        cols = slice(band * rows, (band + 1) * rows)
        if rows != 2:
            return _bucket_pairs(column_keys(window_columns(lay, a[cols], b[cols])), doc)
        work = getattr(buffers, "work", None)
        if work is None:
            work = buffers.work = _Buffers(n, n_blocks)
        halves = work.step.view(np.uint32)
        columns = (halves[:n], halves[n:])
        gathered = work.key.view(np.uint32)[:n_long]
        window_columns_into(lay, a[cols], b[cols], columns, work.blocks, gathered)
        key = work.key
        np.copyto(key, columns[0])
        np.left_shift(key, np.uint64(32), out=key)
        np.bitwise_or(key, columns[1], out=key, casting="unsafe")
        np.multiply(key, _SPREAD, out=key)
        return _bucket_pairs(key, doc, work)

    if not len(doc):
        return Candidates(np.empty((0, 2), np.int32), 0)
    if jobs > 1:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one_band, range(bands)))
    else:
        results = [one_band(band) for band in range(bands)]
    return merge_bands(results)


def merge_bands(results: Sequence[tuple[npt.NDArray[np.int64], int]]) -> Candidates:
    """The candidates of every band's pair codes and count of star buckets (one entry per band,
    in band order; a band's codes may repeat)."""
    # Each band's codes are made distinct, so a code's repeats count the bands its pair met in.
    found = [sorted_unique(codes) for codes, _ in results if len(codes)]
    oversized = sum(big for _, big in results)
    if not found:
        return Candidates(np.empty((0, 2), np.int32), oversized)
    every = np.sort(np.concatenate(found))
    start = np.flatnonzero(np.concatenate(([True], every[1:] != every[:-1])))
    codes = every[start]
    pairs = np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1).astype(np.int32)
    return Candidates(pairs, oversized, np.diff(np.append(start, len(every))).astype(np.int32))


def shared_bounds(lay: Layout, pairs: I32) -> npt.NDArray[np.int64]:
    """For each pair ``(i, j)`` of sequences of ``lay`` (by position), four counts over their
    40-bit values (value and check): the places of ``i`` whose value stands in ``j``, the places
    of ``j`` whose value stands in ``i``, and the distinct values of ``i`` and of ``j``.

    A first count of 0 proves that the two share no shingle (a positive one may be two different
    shingles alike in those 40 bits). The counts bound what verification can find, whatever the
    other 24 bits of each hash: every shingle the two share, and every shingle of a shared run,
    fills such a place (so the distinct shared shingles and the longest shared run are at most
    these counts), and distinct values are distinct shingles (so each document has at least that
    many). A place of a short block's padding repeats a value of the block and only raises a count.
    """
    n_long = len(lay.first)
    long_of, short_of = lay.sequence[:n_long], lay.sequence[n_long:]
    short_end = np.append(lay.short_start[1:], len(lay.short))
    # Where each document's windows stand, found for all at once (and in the windows' own dtype,
    # which spares numpy a converted copy of the whole array per search).
    needed = sorted_unique(pairs.ravel()).astype(lay.sequence.dtype)
    found = zip(
        np.searchsorted(long_of, needed, side="left").tolist(),
        np.searchsorted(long_of, needed, side="right").tolist(),
        np.searchsorted(short_of, needed).tolist(),
        strict=True,
    )
    where = dict(zip(needed.tolist(), found, strict=True))
    empty = (np.empty(0, np.uint64), np.empty(0, np.uint64))

    def values(position: int) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
        """The sequence's 40-bit values, one per place, sorted; and the same without repeats."""
        lo, hi, at = where[position]
        if hi > lo:
            # Its windows are consecutive, each starting one block after the one before.
            cols = slice(int(lay.first[lo]), int(lay.first[hi - 1]) + 2)
            value, check = lay.blocks[:, cols], lay.checks[:, cols]
        else:
            if at == len(short_of) or short_of[at] != position:
                return empty
            stretch = slice(int(lay.short_start[at]), int(short_end[at]))
            value, check = lay.short[stretch], lay.short_checks[stretch]
        joined = value.astype(np.uint64).ravel()
        np.left_shift(joined, np.uint64(8), out=joined)
        np.bitwise_or(joined, check.ravel(), out=joined, casting="unsafe")
        joined.sort()
        first = np.empty(len(joined), dtype=bool)
        first[:1] = True
        np.not_equal(joined[1:], joined[:-1], out=first[1:])
        return joined, joined[first]

    def places(sought: npt.NDArray[np.uint64], among: npt.NDArray[np.uint64]) -> int:
        # Sorted values searched in sorted values: numpy's search then walks forward.
        at = np.searchsorted(among, sought)
        at[at == len(among)] = 0
        return int(np.count_nonzero(among[at] == sought))

    out = np.zeros((len(pairs), 4), dtype=np.int64)
    last = -1
    mine = empty
    for n, (i, j) in enumerate(pairs.tolist()):
        if i != last:  # pairs come sorted, so one document's pairs follow each other
            last, mine = i, values(i)
        theirs = values(j)
        out[n, 2], out[n, 3] = len(mine[1]), len(theirs[1])
        if not len(mine[1]) or not len(theirs[1]):
            continue
        out[n, 0] = places(mine[0], theirs[1])
        if out[n, 0]:
            out[n, 1] = places(theirs[0], mine[1])
    return out


def candidate_pairs(windows: Windows, threshold: float, num_perm: int) -> Candidates:
    """Every pair of distinct documents with at least one pair of windows in a common bucket."""
    bands, rows = lsh_params(threshold, num_perm)
    found: list[npt.NDArray[np.int64]] = []
    oversized = 0
    doc = windows.doc.astype(np.int64)
    for band in range(bands):
        keys = band_keys(windows.signatures, band, rows)
        codes, big = _bucket_pairs(keys, doc)
        oversized += big
        if len(codes):
            found.append(codes)
    if not found:
        return Candidates(np.empty((0, 2), np.int32), oversized)
    codes = sorted_unique(np.concatenate(found))
    pairs = np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1).astype(np.int32)
    return Candidates(pairs, oversized)


_DOC_BITS = 24
_DOC_MASK = np.uint64((1 << _DOC_BITS) - 1)


class _Buffers:
    """Arrays one thread reuses band after band. Each band's temporaries are as long as the
    windows (tens of megabytes at 100,000 documents), and taking fresh memory for every one of
    them cost more time in the kernel than the work (measured at 100,000 documents: 2.3 s with
    0.7 s in the kernel, against 1.9 s with 0.3 s). About 26 bytes a window in all."""

    def __init__(self, n: int, n_blocks: int | None = None) -> None:
        self.step = np.empty(n, dtype=np.uint64)
        """Also the band's two columns of minima, as 32-bit halves, until its keys are made."""
        self.repeats = np.empty(max(0, n - 1), dtype=bool)
        self.shared = np.empty(n, dtype=bool)
        # The band's keys and its two columns of block minima, for the band-by-band search only.
        self.key = np.empty(0 if n_blocks is None else n, dtype=np.uint64)
        """Also the first block of each long window's minima, as 32-bit values, until then."""
        self.blocks = [np.empty(n_blocks or 0, dtype=np.uint32) for _ in range(2)]


def _bucket_pairs(
    keys: npt.NDArray[np.uint64], doc: npt.NDArray[np.integer[Any]], work: _Buffers | None = None
) -> tuple[npt.NDArray[np.int64], int]:
    """Pair codes ``lo << 32 | hi`` of documents sharing a key, and the number of buckets paired as a star
    With ``work``, ``keys`` is overwritten and the buffers serve for the temporaries."""
    if len(doc) and int(doc.max()) < (1 << _DOC_BITS):
        # One sort of 64-bit words (40 bits of key, 24 of document) instead of a two-key lexsort:
        # several times faster. Keys that agree only in their top 40 bits add a rare false
        # candidate, which exact verification drops.
        if work is None:
            work = _Buffers(len(keys))
            packed = keys & ~_DOC_MASK
        else:
            packed = np.bitwise_and(keys, ~_DOC_MASK, out=keys)
        # Cast a stretch at a time inside the ufunc, not into a copy of the whole column.
        np.bitwise_or(packed, doc, out=packed, dtype=np.uint64, casting="unsafe")
        packed.sort()
        if len(packed) < 2:
            return np.empty(0, np.int64), 0
        # Neighbours with the same key and another document differ in the low bits only: 1 <= xor
        # < 2**24, or xor - 1 < 2**24 - 1 with 0 wrapping round. Nearly all keys stand alone or
        # recur in one document only, so only the entries beside such a neighbour are kept: the
        # first and the last of each document's run in every key that two or more share.
        step = np.bitwise_xor(packed[1:], packed[:-1], out=work.step[: len(packed) - 1])
        np.subtract(step, np.uint64(1), out=step)
        other = np.less(step, _DOC_MASK, out=work.repeats[: len(packed) - 1])
        near = work.shared[: len(packed)]
        near[:] = False
        near[1:] |= other
        near[:-1] |= other
        packed = packed[near]
        if len(packed):
            fresh = np.ones(len(packed), dtype=bool)
            fresh[1:] = packed[1:] != packed[:-1]  # one entry per (key, document)
            packed = packed[fresh]
        k, d = packed & ~_DOC_MASK, (packed & _DOC_MASK).astype(np.int64)
    else:
        order = np.lexsort((doc, keys))
        k, d = keys[order], doc[order].astype(np.int64)
        keep = np.ones(len(k), dtype=bool)
        keep[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])  # one entry per (key, document)
        k, d = k[keep], d[keep]
    return _group_pairs(k, d)


def _group_pairs(k: npt.NDArray[np.uint64], d: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], int]:
    """Pair codes of the documents ``d`` within each run of equal keys ``k`` (sorted; a document
    stands once in a run), and the number of runs of more than GROUP_BUCKET documents, whose
    members are paired with the run's first document only."""
    if len(k) < 2:
        return np.empty(0, np.int64), 0
    new_group = np.ones(len(k), dtype=bool)
    np.not_equal(k[1:], k[:-1], out=new_group[1:])
    group_start = np.flatnonzero(new_group)
    sizes = np.diff(np.append(group_start, len(k)))
    large = sizes > GROUP_BUCKET
    oversized = int(np.count_nonzero(large))
    # Most buckets hold two documents (measured at 100,000 documents: all but a few hundred of
    # 386,000 per band): one pair each, with no bookkeeping.
    two = group_start[sizes == 2]
    lo, hi = d[two], d[two + 1]
    out = [(np.minimum(lo, hi) << 32) | np.maximum(lo, hi)]
    more = (sizes > 2) & ~large
    if more.any():
        # Pair each member with every member after it in its bucket, for all buckets at once:
        # member at offset o of a bucket of size g makes g - 1 - o pairs.
        starts, counts = group_start[more], sizes[more]
        offset = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        member = np.repeat(starts, counts) + offset
        after = np.repeat(counts, counts) - offset - 1
        left = np.repeat(member, after)
        rank = np.arange(int(after.sum()), dtype=np.int64) - np.repeat(np.cumsum(after) - after, after)
        lo, hi = d[left], d[left + 1 + rank]
        out.append((np.minimum(lo, hi) << 32) | np.maximum(lo, hi))
    if oversized:
        # A star round the first (smallest) document: a run's entries are sorted by document.
        starts, counts = group_start[large], sizes[large]
        first = np.repeat(d[starts], counts - 1)
        offset = np.arange(int((counts - 1).sum()), dtype=np.int64) - np.repeat(
            np.cumsum(counts - 1) - (counts - 1), counts - 1
        )
        rest = d[np.repeat(starts, counts - 1) + 1 + offset]
        out.append((first << 32) | rest)
    return np.concatenate(out), oversized
