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

from dedup.shingle import U64

U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

MINHASH_SCHEME = "affine32"
_CHUNK = 1 << 15  # shingles per permutation chunk: 16 MiB of uint32 at 128 permutations


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


def window_signatures(
    sequences: Sequence[U64], doc_ids: Sequence[int], window: int, num_perm: int, seed: int
) -> Windows:
    """Signatures of every window of every sequence (empty sequences give none).

    Windows are pairs of consecutive half-window blocks, so they overlap by half: any shared passage
    of ``1.5 * window`` shingles wholly contains one window of each document, and those two windows
    overlap by at least three quarters.
    """
    a, b = permutations(num_perm, seed)
    starts: list[int] = []
    block_doc: list[int] = []
    flat: list[U64] = []
    offset = 0
    for seq, doc in zip(sequences, doc_ids, strict=True):
        if len(seq) == 0:
            continue
        bounds = block_bounds(len(seq), window)
        starts.extend(offset + s for s in bounds)
        block_doc.extend([doc] * len(bounds))
        flat.append(seq)
        offset += len(seq)
    if not flat:
        return Windows(np.empty((0, num_perm), np.uint32), np.empty(0, np.int32))
    hv = fmix32((np.concatenate(flat) & np.uint64(0xFFFFFFFF)).astype(np.uint32))
    block_starts = np.asarray(starts, dtype=np.int64)
    blocks = _block_minima(hv, block_starts, a, b)
    bdoc = np.asarray(block_doc, dtype=np.int32)
    # A window joins block i and i+1 of the same document; a single-block document is its own window.
    same = bdoc[1:] == bdoc[:-1]
    pair_sig = np.minimum(blocks[:-1][same], blocks[1:][same])
    first = np.ones(len(bdoc), dtype=bool)
    first[1:] = ~same
    last = np.ones(len(bdoc), dtype=bool)
    last[:-1] = ~same
    lone = first & last
    sig = np.concatenate([pair_sig, blocks[lone]])
    window_doc = np.concatenate([bdoc[1:][same], bdoc[lone]])
    order = np.argsort(window_doc, kind="stable")
    return Windows(np.ascontiguousarray(sig[order]), window_doc[order])


def _block_minima(hv: U32, block_starts: I64, a: U32, b: U32) -> U32:
    """Column-wise minimum of the permuted hashes over each block, chunked to bound memory."""
    out = np.empty((len(block_starts), len(a)), dtype=np.uint32)
    ends = np.append(block_starts[1:], len(hv))
    i = 0
    while i < len(block_starts):
        # Take whole blocks until the chunk holds about _CHUNK shingles.
        j = int(np.searchsorted(block_starts, block_starts[i] + _CHUNK, side="right"))
        j = max(j, i + 1)
        lo, hi = int(block_starts[i]), int(ends[j - 1])
        permuted: U32 = hv[lo:hi, None] * a[None, :] + b[None, :]
        out[i:j] = np.minimum.reduceat(permuted, block_starts[i:j] - lo, axis=0)
        i = j
    return out
