"""Shingle hashes to MinHash signatures of overlapping passage windows, in bulk.

The scheme is datasketch's ``affine32`` MinHash, bit for bit: each shingle's low 32 bits are the
value datasketch's ``hashfunc`` would return, premixed with the 32-bit MurmurHash3 finalizer, then
permuted as ``a * h + b mod 2**32`` with datasketch's own ``(a, b)`` for the given seed. A test checks
each window signature against ``datasketch.MinHash.update_batch``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.shingle import U64, HashSet, flatten

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

MINHASH_SCHEME = "affine32"
_CHUNK = 1 << 22  # shingles per stretch: 16 MiB of uint32 per working vector


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[U32, U32]:
    """datasketch's permutation parameters ``(a, b)`` for ``num_perm`` and ``seed``."""
    from datasketch import MinHash

    perms = MinHash(num_perm=num_perm, seed=seed, scheme=MINHASH_SCHEME).permutations
    return perms[0].astype(np.uint32), perms[1].astype(np.uint32)


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
    tmp = np.right_shift(h, np.uint32(16))
    np.bitwise_xor(h, tmp, out=h)
    np.multiply(h, np.uint32(0x85EBCA6B), out=h)
    np.right_shift(h, np.uint32(13), out=tmp)
    np.bitwise_xor(h, tmp, out=h)
    np.multiply(h, np.uint32(0xC2B2AE35), out=h)
    np.right_shift(h, np.uint32(16), out=tmp)
    np.bitwise_xor(h, tmp, out=h)
    return h


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
    """Where the blocks and windows of a batch of sequences lie in their concatenation.

    ``hv`` holds every shingle's datasketch input (low 32 bits, premixed); block ``i`` starts at
    ``block_start[i]``; window ``w`` is block ``first[w]`` joined with block ``first[w] + 1`` when
    ``paired[w]``, else block ``first[w]`` alone (a document of one block).
    """

    hv: U32
    block_start: I64
    first: I64
    paired: npt.NDArray[np.bool_]
    doc: npt.NDArray[np.int32]


def layout(
    sequences: Sequence[U64], doc_ids: Sequence[int], window: int, leave_out: U64 | None = None
) -> Layout:
    """Blocks and windows of ``sequences`` (empty ones give none), computed with array operations.

    Shingles in ``leave_out`` (sorted; the corpus's boilerplate) are dropped first. The sequences
    are worked on end to end (``shingle.flatten``), a few long vectors at a time.
    """
    flat = flatten(sequences)
    dropped = HashSet(leave_out) if leave_out is not None and len(leave_out) else None
    lengths = flat.lengths.copy()
    # The low 32 bits of every kept shingle, filled a stretch at a time: no 64-bit copy of the
    # corpus. Pages past the end stay untouched, so sizing for every shingle costs nothing.
    low = np.empty(int(lengths.sum()), dtype=np.uint32)
    at = 0
    for c, chunk in enumerate(flat.chunks):
        kept = chunk
        if dropped is not None:
            keep = ~dropped.contains(chunk)
            kept = chunk[keep]
            before = np.concatenate(([0], np.cumsum(keep)))
            starts = flat.starts(c)
            docs = slice(int(flat.first[c]), int(flat.first[c + 1]))
            lengths[docs] = before[starts + flat.lengths[docs]] - before[starts]
        low[at : at + len(kept)] = kept  # assignment keeps the low 32 bits
        at += len(kept)
        del kept
    ids = np.asarray(doc_ids, dtype=np.int32)
    keep_doc = lengths > 0
    lengths, ids = lengths[keep_doc], ids[keep_doc]
    if not len(lengths):
        empty = np.empty(0, np.int64)
        return Layout(np.empty(0, np.uint32), empty, empty, np.empty(0, bool), np.empty(0, np.int32))
    half = max(1, window // 2)
    short = lengths <= window
    nblocks = np.where(short, 1, -(-lengths // half))
    offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    block_doc_pos = np.repeat(np.arange(len(lengths)), nblocks)
    within = np.arange(int(nblocks.sum())) - np.repeat(np.cumsum(nblocks) - nblocks, nblocks)
    block_start = offsets[block_doc_pos] + within * half
    # Windows: blocks i and i+1 of a document of several blocks; the one block of a short one.
    is_last = np.zeros(len(block_start), dtype=bool)
    is_last[np.cumsum(nblocks) - 1] = True
    multi = ~short[block_doc_pos]
    window_first = np.flatnonzero((multi & ~is_last) | ~multi)
    paired = multi[window_first]
    hv = _fmix32_in_place(low[:at])
    return Layout(
        hv,
        block_start.astype(np.int64),
        window_first.astype(np.int64),
        paired,
        ids[block_doc_pos[window_first]],
    )


def window_minima(lay: Layout, a: U32, b: U32) -> U32:
    """Signature rows of every window of ``lay`` for the permutations ``(a, b)``."""
    blocks = _block_minima(lay.hv, lay.block_start, a, b)
    # A lone block is its own second half, so every window is min(first block, second block).
    second = lay.first + lay.paired
    out: U32 = np.minimum(blocks[lay.first], blocks[second])
    return out


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
    if not len(lay.first):
        return Windows(np.empty((0, num_perm), np.uint32), np.empty(0, np.int32))
    sig = window_minima(lay, a, b)
    order = np.argsort(lay.doc, kind="stable")
    return Windows(np.ascontiguousarray(sig[order]), lay.doc[order])


def _block_minima(hv: U32, block_starts: I64, a: U32, b: U32) -> U32:
    """Minimum of each permuted hash over each block: ``out[i, j]`` for block i, permutation j.

    One permutation at a time over contiguous stretches of about _CHUNK shingles (whole blocks),
    so every numpy loop runs over long contiguous vectors and memory stays bounded.
    """
    out = np.empty((len(block_starts), len(a)), dtype=np.uint32)
    if not len(block_starts):
        return out
    ends = np.append(block_starts[1:], len(hv))
    i = 0
    while i < len(block_starts):
        j = int(np.searchsorted(block_starts, block_starts[i] + _CHUNK, side="right"))
        j = max(j, i + 1)
        lo, hi = int(block_starts[i]), int(ends[j - 1])
        chunk = hv[lo:hi]
        starts = block_starts[i:j] - lo
        permuted = np.empty_like(chunk)
        for col in range(len(a)):
            np.multiply(chunk, a[col], out=permuted)
            np.add(permuted, b[col], out=permuted)
            out[i:j, col] = np.minimum.reduceat(permuted, starts)
        i = j
    return out
