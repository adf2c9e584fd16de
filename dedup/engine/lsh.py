"""LSH candidates through an engine's keyed shuffle: the same pairs as
``candidates.stream_candidates``, a few bands per pass.

Each window of each band is a row ``(group, key, document)``: ``key`` is the band key local mode
buckets on, ``group`` its top 40 bits below the band number. Rows are partitioned on ``group``,
so every bucket of every band lies whole in one partition, where local mode's own
``_bucket_pairs`` pairs it (the star rule for large buckets included). A band's pair codes from
all partitions are then merged as local mode merges its bands'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt

from dedup.candidates import Candidates, _bucket_pairs, column_keys, lsh_params, merge_bands
from dedup.engine import Backend, Rows
from dedup.sketch import Layout, permutations, window_columns

BandCodes = dict[int, tuple[npt.NDArray[np.int64], int]]


def bucket_partition(rows: Rows) -> BandCodes:
    """The reduce side: pair codes and star-bucket count of each band in one partition's rows."""
    if not rows:
        return {}
    group, key, doc = rows
    # Rows come sorted by group, and so each band's rows in one stretch.
    band = group >> np.uint64(40)
    starts = np.flatnonzero(np.concatenate(([True], band[1:] != band[:-1])))
    ends = np.append(starts[1:], len(band))
    out: BandCodes = {}
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        out[int(band[lo])] = _bucket_pairs(key[lo:hi].copy(), doc[lo:hi].astype(np.int64))
    return out


def band_rows(
    lay: Layout, band: int, rows: int, a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32]
) -> Rows:
    """One band's rows ``(group, key, document)`` over the windows of ``lay``, without a window
    whose key and document are those of the window before it."""
    cols = slice(band * rows, (band + 1) * rows)
    key = column_keys(window_columns(lay, a[cols], b[cols]))
    doc = lay.doc
    # A document's windows are consecutive, and two that overlap often share their minima: a
    # key stands once per document in a bucket, so the repeat adds nothing (measured on the
    # generated corpus: 17% of the rows).
    fresh = np.ones(len(key), dtype=bool)
    fresh[1:] = (key[1:] != key[:-1]) | (doc[1:] != doc[:-1])
    key, doc = key[fresh], doc[fresh]
    group = (key >> np.uint64(24)) | (np.uint64(band) << np.uint64(40))
    return group, key, doc.astype(np.int32)


def passes(bands: int, per_pass: int) -> Iterator[range]:
    """The bands of each pass, ``per_pass`` at a time."""
    for start in range(0, bands, per_pass):
        yield range(start, min(bands, start + per_pass))


def shuffled_candidates(
    lay: Layout,
    threshold: float,
    num_perm: int,
    seed: int,
    backend: Backend,
    bands_per_pass: int = 4,
    progress: Callable[[int, int], None] | None = None,
    counts: dict[str, int] | None = None,
) -> Candidates:
    """``stream_candidates(lay, threshold, num_perm, seed)``, with the bucketing done by
    ``backend``: ``bands_per_pass`` bands' rows are shuffled at a time, so a pass moves at most
    ``20 * bands_per_pass`` bytes per window. ``counts``, when given, gets the rows shuffled
    (``lsh_rows``) and the passes (``lsh_passes``)."""
    bands, rows = lsh_params(threshold, num_perm)
    if not len(lay.doc):
        return Candidates(np.empty((0, 2), np.int32), 0)
    a, b = permutations(num_perm, seed)
    codes: list[list[npt.NDArray[np.int64]]] = [[] for _ in range(bands)]
    big = [0] * bands
    pieces = max(1, backend.partitions)
    for done, todo in enumerate(passes(bands, max(1, bands_per_pass)), start=1):
        block = [band_rows(lay, band, rows, a, b) for band in todo]
        # The shuffle's input, cut by window: what one map task would hold.
        cuts = [np.linspace(0, len(r[0]), pieces + 1).astype(np.int64) for r in block]
        parts = [
            tuple(
                np.concatenate([r[c][cut[i] : cut[i + 1]] for r, cut in zip(block, cuts, strict=True)])
                for c in range(3)
            )
            for i in range(pieces)
        ]
        if counts is not None:
            counts["lsh_rows"] = counts.get("lsh_rows", 0) + sum(len(r[0]) for r in block)
            counts["lsh_passes"] = counts.get("lsh_passes", 0) + 1
        del block
        for found in backend.shuffle(parts, bucket_partition):
            for band, (band_codes, oversized) in found.items():
                codes[band].append(band_codes)
                big[band] += oversized
        if progress is not None:
            progress(done, -(-bands // max(1, bands_per_pass)))
    merged = [(np.concatenate(c) if c else np.empty(0, np.int64), big[band]) for band, c in enumerate(codes)]
    return merge_bands(merged)
