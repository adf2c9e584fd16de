"""Shingle hashes to MinHash signatures of overlapping passage windows, in bulk.

The scheme is datasketch's ``affine32`` MinHash, bit for bit: each shingle's low 32 bits are the
value datasketch's ``hashfunc`` would return, premixed with the 32-bit MurmurHash3 finalizer, then
permuted as ``a * h + b mod 2**32`` with datasketch's own ``(a, b)`` for the given seed. A test checks
each window signature against ``datasketch.MinHash.update_batch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from threading import Lock, local

import numpy as np
import numpy.typing as npt

from dedup.shingle import U64, Flat, HashSet, flatten, mix_in_place, scratch, sorted_unique

U32 = npt.NDArray[np.uint32]
U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

MINHASH_SCHEME = "affine32"


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's ``affine32`` permutation parameters ``(a, b)`` for ``num_perm`` and ``seed``
    (a test checks them against ``MinHash.permutations``): numpy's legacy generator seeded with
    ``seed`` draws the odd multipliers, then the offsets. Drawn here because importing datasketch
    costs more than a small scan."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def fmix32(values: U32) -> U32:
    """MurmurHash3's 32-bit finalizer, as datasketch applies it before permuting."""
    h = values ^ (values >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    out: U32 = h ^ (h >> np.uint32(16))
    return out


def _fmix32_in_place(h: U32) -> U32:
    """:func:`fmix32` overwriting ``h``, with one temporary instead of one per operation."""
    out: U32 = mix_in_place(h, (16, 13, 16), (0x85EBCA6B, 0xC2B2AE35))
    return out


@dataclass(frozen=True)
class Windows:
    """MinHash signatures of passage windows: row ``i`` belongs to document ``doc[i]``."""

    signatures: U32
    doc: npt.NDArray[np.int32]


def block_bounds(length: int, window: int) -> list[int]:
    """Start offsets of the half-window blocks of a sequence of ``length`` shingles.

    A sequence no longer than ``window`` is one block (its one window is the whole sequence).
    """
    if length <= window:
        return [0]
    half = max(1, window // 2)
    return list(range(0, length, half))


@dataclass(frozen=True)
class Layout:
    """The passage windows of a batch of sequences, laid out for permuting in bulk.

    A sequence longer than ``window`` shingles is cut into blocks of ``half = window // 2`` (the
    last may be shorter), and each two consecutive blocks are a window, so windows overlap by half.
    Those blocks are the columns of ``blocks``, ``half`` rows deep; a short block is padded with
    copies of its own first value, which changes no minimum. Long windows come first: window ``w``
    is blocks ``first[w]`` and ``first[w] + 1``. A sequence of at most ``window`` shingles is one
    window, a stretch of ``short`` starting at ``short_start[s]``; those windows come last.
    Values are datasketch's inputs: each shingle's low 32 bits, premixed.
    """

    blocks: U32
    first: I64
    short: U32
    short_start: I64
    doc: npt.NDArray[np.int32]
    """The document of each window."""
    sequence: npt.NDArray[np.int32]
    """The position, among the sequences given, of each window's sequence."""
    checks: U8
    """Beside each value of ``blocks``, 8 more bits of the same shingle's hash (bits 32 to 39),
    which datasketch never sees: two shingles whose 32-bit values agree but whose checks differ are
    different shingles (see ``candidates.shared_bounds``)."""
    short_checks: U8
    """The same beside each value of ``short``."""


_PIECE = 1 << 16
"""Shingles handled at a time while laying out. Small, so that the temporaries of one piece are
the memory the next piece reuses: fresh memory for every piece of 2**21 shingles cost more time
in the kernel than the work (measured at 10,000 documents: 0.58 s against 0.12 s, first call)."""
_MIN_STRETCH = 1 << 19
"""Fewest values in a stretch of documents handed to one thread: below, the calls cost more."""


def _pieces(flat: Flat, size: int) -> list[tuple[int, int, int, int]]:
    """``flat`` cut into stretches of whole documents of about ``size`` values, none spanning two
    chunks: ``(chunk, first document, end document, offset of the first value in the chunk)``."""
    out = []
    for c in range(len(flat.chunks)):
        d0, d1 = int(flat.first[c]), int(flat.first[c + 1])
        ends = np.cumsum(flat.lengths[d0:d1])
        total = int(ends[-1]) if len(ends) else 0
        # A stretch ends after the document in which its size is reached.
        cuts = np.searchsorted(ends, np.arange(size, total, size), side="left") + 1
        bounds = sorted_unique(np.concatenate(([0], cuts, [d1 - d0])))
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            out.append((c, d0 + lo, d0 + hi, int(ends[lo - 1]) if lo else 0))
    return out


_CACHE = 1 << 16
"""Values permuted at a time: working vectors that stay in the processor's cache."""


def layout(
    sequences: Sequence[U64] | Flat,
    doc_ids: Sequence[int],
    window: int,
    leave_out: U64 | None = None,
    jobs: int = 1,
    release: bool = False,
) -> Layout:
    """Blocks and windows of ``sequences`` (empty ones give none), computed with array operations.

    Shingles in ``leave_out`` (sorted; the corpus's boilerplate) are dropped first. The sequences
    are worked on end to end (``shingle.flatten``), a stretch at a time, on ``jobs`` threads. With
    ``release``, each chunk of a Flat given is dropped from it as soon as it is laid out, so that
    its memory can go back while the rest is done.
    """
    flat = sequences if isinstance(sequences, Flat) else flatten(sequences)
    dropped = HashSet(leave_out) if leave_out is not None and len(leave_out) else None
    lengths = flat.lengths.copy()
    # Work goes to the threads in stretches of whole documents, several per thread even when the
    # corpus fits in one chunk of the store (10,000 documents do).
    pieces = _pieces(flat, max(_MIN_STRETCH, int(flat.lengths.sum()) // (4 * max(1, jobs)) + 1))
    left = [sum(1 for p in pieces if p[0] == c) for c in range(len(flat.chunks))]
    done = Lock()

    buffers = local()

    def kept_lengths(piece: tuple[int, int, int, int]) -> npt.NDArray[np.bool_] | None:
        """The mask of the piece's values that are not boilerplate (None: all are kept), with
        the documents' lengths counted without them."""
        if dropped is None:
            return None
        c, d0, d1, v0 = piece
        docs = slice(d0, d1)
        v1 = v0 + int(flat.lengths[docs].sum())
        # One thread's working memory serves all its pieces (with the count below, this pass took
        # 0.09 s instead of 0.2 s at 100,000 documents, 3 runs and 2).
        gone = dropped.contains(flat.chunks[c][v0:v1], scratch(buffers, v1 - v0))
        at = np.flatnonzero(gone)
        if not len(at):
            return None
        # Boilerplate is a small part of the corpus: count it per document where it stands.
        ends = np.cumsum(flat.lengths[docs])
        lengths[docs] -= np.bincount(np.searchsorted(ends, at, side="right"), minlength=d1 - d0)
        return np.logical_not(gone, out=gone)

    workers = max(1, min(jobs, len(pieces)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        masks = list(pool.map(kept_lengths, pieces))
    half = max(1, window // 2)
    long = lengths > window
    short = (lengths > 0) & ~long
    nblocks = np.where(long, -(-lengths // half), 0)
    block_base = np.cumsum(nblocks) - nblocks
    n_blocks = int(nblocks.sum())
    short_lengths = lengths[short]
    short_base = np.cumsum(np.where(short, lengths, 0)) - np.where(short, lengths, 0)
    blocks = np.empty((half, n_blocks), dtype=np.uint32)
    checks = np.empty((half, n_blocks), dtype=np.uint8)
    short_values = np.empty(int(short_lengths.sum()), dtype=np.uint32)
    short_checks = np.empty(len(short_values), dtype=np.uint8)
    flat_blocks = blocks.reshape(-1)
    flat_checks = checks.reshape(-1)

    def fill(n: int) -> None:
        # Each document's values go to its own blocks, so stretches can be filled side by side.
        c, d0, d1, v0 = pieces[n]
        keep = masks[n]
        masks[n] = None
        chunk = flat.chunks[c][v0 : v0 + int(flat.lengths[d0:d1].sum())]
        doc_end = np.cumsum(lengths[d0:d1])
        # Where each document's values end in the chunk, boilerplate included: the values kept
        # are taken a piece at a time, not copied out of the whole stretch first.
        chunk_end = np.cumsum(flat.lengths[d0:d1])
        at, total = 0, int(doc_end[-1]) if len(doc_end) else 0
        while at < total:
            # Whole documents, about _PIECE shingles at a time.
            lo_doc = int(np.searchsorted(doc_end, at, side="right"))
            stop = max(int(np.searchsorted(doc_end, at + _PIECE, side="right")), lo_doc + 1)
            end = int(doc_end[stop - 1])
            in_chunk = slice(int(chunk_end[lo_doc - 1]) if lo_doc else 0, int(chunk_end[stop - 1]))
            kept = chunk[in_chunk][keep[in_chunk]] if keep is not None else chunk[in_chunk]
            values = _fmix32_in_place(kept.astype(np.uint32))
            check = (kept >> np.uint64(32)).astype(np.uint8)
            which = np.arange(d0 + lo_doc, d0 + stop)
            counts = lengths[which]
            doc_of = np.repeat(which, counts)
            offset = np.arange(end - at, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
            is_long = long[doc_of]
            o = offset[is_long]
            target = (o % half) * n_blocks + block_base[doc_of[is_long]] + o // half
            flat_blocks[target] = values[is_long]
            flat_checks[target] = check[is_long]
            is_short = ~is_long
            short_target = short_base[doc_of[is_short]] + offset[is_short]
            short_values[short_target] = values[is_short]
            short_checks[short_target] = check[is_short]
            at = end
        del chunk, keep
        if release:
            with done:
                left[c] -= 1
                if left[c] == 0:
                    flat.chunks[c] = np.empty(0, dtype=np.uint64)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(fill, range(len(pieces))))
    # Pad each long sequence's last block, when short, with copies of its first value.
    tail = np.where(long, lengths % half, 0)
    ragged = np.flatnonzero(tail > 0)
    last = block_base[ragged] + nblocks[ragged] - 1
    missing = half - tail[ragged]
    if len(last):
        rows = np.arange(int(missing.sum())) - np.repeat(np.cumsum(missing) - missing, missing)
        rows += np.repeat(tail[ragged], missing)
        cols = np.repeat(last, missing)
        blocks[rows, cols] = blocks[0, cols]
        checks[rows, cols] = checks[0, cols]
    ids = np.asarray(doc_ids, dtype=np.int32)
    windows_of = np.maximum(nblocks - 1, 0)
    is_last = np.zeros(n_blocks, dtype=bool)
    is_last[(block_base + nblocks - 1)[long]] = True
    first = np.flatnonzero(~is_last).astype(np.int64)
    positions = np.arange(len(lengths), dtype=np.int32)
    return Layout(
        blocks,
        first,
        short_values,
        np.cumsum(short_lengths) - short_lengths,
        np.concatenate((np.repeat(ids, windows_of), ids[short])),
        np.concatenate((np.repeat(positions, windows_of), positions[short])),
        checks,
        short_checks,
    )


def window_minima(lay: Layout, a: U32, b: U32) -> U32:
    """Signature rows of every window of ``lay`` for the permutations ``(a, b)``."""
    columns = window_columns(lay, a, b)
    out: U32 = np.stack(columns, axis=1) if columns else np.empty((len(lay.doc), 0), np.uint32)
    return out


def window_columns(lay: Layout, a: U32, b: U32) -> list[U32]:
    """:func:`window_minima` column by column: one contiguous vector per permutation."""
    n_blocks, n = lay.blocks.shape[1], len(lay.doc)
    out = [np.empty(n, dtype=np.uint32) for _ in range(len(a))]
    blocks = [np.empty(n_blocks, dtype=np.uint32) for _ in range(len(a))]
    return window_columns_into(lay, a, b, out, blocks, np.empty(len(lay.first), dtype=np.uint32))


def window_columns_into(
    lay: Layout, a: U32, b: U32, out: Sequence[U32], blocks: Sequence[U32], gathered: U32
) -> list[U32]:
    """:func:`window_columns`, written into ``out`` (one array as long as the windows per
    permutation), with ``blocks`` (as many, as long as the blocks) and ``gathered`` (as long as
    the long windows) as working memory: the band-by-band search reuses the same arrays for every
    band."""
    n_long = len(lay.first)
    minima = _block_minima(lay.blocks, a, b, blocks)
    for column, block, x, y in zip(out, minima, a, b, strict=True):
        np.take(block, lay.first, out=gathered, mode="clip")
        # Window w is blocks first[w] and first[w] + 1; shifting the array by one reads the second.
        # (The indices are in range: "clip" only spares the buffered copy that checking them costs.)
        np.take(block[1:], lay.first, out=column[:n_long], mode="clip")
        np.minimum(column[:n_long], gathered, out=column[:n_long])
        column[n_long:] = _short_minima(lay.short, lay.short_start, x, y)
    return list(out)


def window_signatures(
    sequences: Sequence[U64], doc_ids: Sequence[int], window: int, num_perm: int, seed: int
) -> Windows:
    """Signatures of every window of every sequence (empty sequences give none).

    Windows are pairs of consecutive half-window blocks, so they overlap by half: any shared passage
    of ``1.5 * window`` shingles wholly contains one window of each document, and those two windows
    overlap by at least three quarters. Rows come in document order.
    """
    a, b = permutations(num_perm, seed)
    lay = layout(sequences, doc_ids, window)
    if not len(lay.doc):
        return Windows(np.empty((0, num_perm), np.uint32), np.empty(0, np.int32))
    sig = window_minima(lay, a, b)
    # By document, then by sequence, each sequence's windows in text order.
    order = np.lexsort((np.arange(len(lay.doc)), lay.sequence, lay.doc))
    return Windows(np.ascontiguousarray(sig[order]), lay.doc[order])


def _block_minima(blocks: U32, a: U32, b: U32, out: Sequence[U32] | None = None) -> list[U32]:
    """For each permutation ``(a[p], b[p])``, the minimum of ``a[p] * h + b[p] mod 2**32`` down
    each column of ``blocks`` (into ``out[p]``).

    A stretch of columns at a time, small enough to stay in cache, for all the permutations
    before the next: the permuting and the minimum run over long contiguous vectors, and the
    blocks are read from memory once for the permutations of a band instead of once for each
    (the passes are bound by memory at 100,000 documents).
    """
    rows, n = blocks.shape
    outs = list(out) if out is not None else [np.empty(n, dtype=np.uint32) for _ in range(len(a))]
    step = max(1, _CACHE // max(1, rows))
    work = np.empty((rows, min(step, n)), dtype=np.uint32)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        part = work[:, : hi - lo]
        stretch = blocks[:, lo:hi]
        for x, y, minima in zip(a, b, outs, strict=True):
            np.multiply(stretch, x, out=part)
            np.add(part, y, out=part)
            np.minimum.reduce(part, axis=0, out=minima[lo:hi])
    return outs


def _short_minima(values: U32, starts: I64, a: np.uint32, b: np.uint32) -> U32:
    """The minimum of ``a * h + b mod 2**32`` over each stretch of ``values``."""
    if not len(starts):
        return np.empty(0, dtype=np.uint32)
    permuted = values * a
    permuted += b
    out: U32 = np.minimum.reduceat(permuted, starts)
    return out
