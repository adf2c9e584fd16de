"""Words to hashed word shingles, as numpy arrays of 64-bit integers."""

from __future__ import annotations

import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from threading import local
from typing import Any

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd: the combination below stays a bijection in each word


def sorted_unique(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values. For large integer arrays a sort is several times faster than the
    hash table numpy 2's ``np.unique`` uses."""
    if len(values) < 2:
        return np.sort(values)
    ordered = np.sort(values)
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def member(values: npt.NDArray[Any], sorted_set: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """For each value, whether it is in ``sorted_set`` (sorted, distinct): a binary search each.

    Much faster than ``np.isin`` when ``values`` is small and the set is reused, since ``np.isin``
    rebuilds its own index of the set on every call.
    """
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    order, keys = (None, values) if len(values) < _SORT_KEYS_FROM else argsort_values(values)
    at = np.searchsorted(sorted_set, keys)
    at[at == len(sorted_set)] = 0
    hit: npt.NDArray[np.bool_] = sorted_set[at] == keys
    if order is None:
        return hit
    found = np.empty(len(values), dtype=bool)
    found[order] = hit
    return found


_SORT_KEYS_FROM = 64
"""Values from which :func:`member` sorts them before searching. Binary searches for keys in
random order mispredict nearly every branch; for keys in order they walk forward. Sorting first
was the faster from about 50 values on (measured on fresh random hashes: 600 values in a set of
500, 30 µs a call searched as they come against 18 µs sorted first; 10 values, 6.5 against 7)."""


def argsort_values(values: npt.NDArray[Any]) -> tuple[npt.NDArray[np.intp], npt.NDArray[Any]]:
    """The order that sorts ``values``, and the values in that order. Not a stable sort: callers
    use the order only where equal values are interchangeable (numpy's default sort of 64-bit
    values is vectorised, the stable one is not: 6 against 20 µs for 600 hashes)."""
    order = np.argsort(values)
    return order, values[order]


def scratch(buffers: local, size: int) -> U64:
    """Working memory of at least ``size`` values for the calling thread, kept in ``buffers``
    (a ``threading.local``) and reused by its later calls: memory a process has not used before is
    slow to get on this machine, and a pass over a large stretch with fresh temporaries paid more
    for it in the kernel than for the pass itself."""
    work: U64 | None = getattr(buffers, "work", None)
    if work is None or len(work) < size:
        work = buffers.work = np.empty(size, dtype=np.uint64)
    return work


class HashSet:
    """A fixed set of 64-bit hashes for repeated membership tests: a bitmap of their low bits
    answers most queries with one gather, and a binary search settles the rest exactly."""

    def __init__(self, sorted_set: U64, bits: int = 20) -> None:
        self.values = sorted_set
        self.bits = bits
        self.bitmap = np.zeros(1 << bits, dtype=bool)
        self.bitmap[(sorted_set & np.uint64((1 << bits) - 1)).view(np.int64)] = True

    def __len__(self) -> int:
        return len(self.values)

    def contains(self, values: U64, work: U64 | None = None) -> npt.NDArray[np.bool_]:
        """For each value, whether it is in the set. ``work``, at least as long as ``values``,
        serves as working memory when given (see ``sketch.layout``)."""
        if not len(self.values) or not len(values):
            return np.zeros(len(values), dtype=bool)
        low = np.bitwise_and(
            values, np.uint64((1 << self.bits) - 1), out=None if work is None else work[: len(values)]
        )
        maybe = self.bitmap[low.view(np.int64)]
        hits = np.flatnonzero(maybe)
        if len(hits):
            maybe[hits] = member(values[hits], self.values)
        return maybe


def contains(values: U64, members: U64 | HashSet) -> npt.NDArray[np.bool_]:
    """For each value, whether it is among ``members`` (sorted and distinct, or a HashSet)."""
    return members.contains(values) if isinstance(members, HashSet) else member(values, members)


def fmix64(values: U64) -> U64:
    """MurmurHash3's 64-bit finalizer: spreads structured inputs over all 64 bits (a bijection)."""
    h = values ^ (values >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    out: U64 = h ^ (h >> np.uint64(33))
    return out


def fmix64_in_place(h: U64, tmp: U64 | None = None) -> U64:
    """:func:`fmix64` overwriting ``h``, with one temporary instead of one per operation (``tmp``,
    as long as ``h``, when given)."""
    return mix_in_place(h, (33, 33, 33), (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53), tmp)


def mix_in_place(
    h: npt.NDArray[Any],
    shifts: tuple[int, int, int],
    factors: tuple[int, int],
    tmp: npt.NDArray[Any] | None = None,
) -> npt.NDArray[Any]:
    """A MurmurHash3 finalizer (xor-shift, multiply, xor-shift, multiply, xor-shift) overwriting
    ``h``, in ``h``'s own unsigned type, with one temporary (``tmp`` when given)."""
    kind = h.dtype.type
    tmp = np.right_shift(h, kind(shifts[0]), out=tmp)
    np.bitwise_xor(h, tmp, out=h)
    np.multiply(h, kind(factors[0]), out=h)
    np.right_shift(h, kind(shifts[1]), out=tmp)
    np.bitwise_xor(h, tmp, out=h)
    np.multiply(h, kind(factors[1]), out=h)
    np.right_shift(h, kind(shifts[2]), out=tmp)
    np.bitwise_xor(h, tmp, out=h)
    return h


def shingle_hashes(hashes: U64, k: int) -> U64:
    """Hashes of every run of ``k`` consecutive words, in text order.

    A text of fewer than ``k`` words (but at least one) gives one shingle of all its words, so short
    texts can still match. No words give no shingles.
    """
    n = len(hashes)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    width = min(k, n)
    count = n - width + 1
    with np.errstate(over="ignore"):
        acc = hashes[:count].copy()
        for j in range(1, width):
            acc = acc * _MULT + hashes[j : j + count]
        return fmix64(acc + np.uint64(width))


def batch_shingle_hashes(word_hash_lists: Sequence[U64], k: int) -> list[U64]:
    """``[shingle_hashes(h, k) for h in word_hash_lists]``, computed in one pass over the batch."""
    lengths = np.fromiter((len(h) for h in word_hash_lists), dtype=np.int64, count=len(word_hash_lists))
    if not len(lengths) or lengths.sum() < k:
        return [shingle_hashes(h, k) for h in word_hash_lists]
    flat = np.concatenate(word_hash_lists)
    count = len(flat) - k + 1
    with np.errstate(over="ignore"):
        acc = flat[:count].copy()
        for j in range(1, k):
            acc = acc * _MULT + flat[j : j + count]
        mixed = fmix64(acc + np.uint64(k))
    ends = np.cumsum(lengths)
    starts = ends - lengths
    out = []
    for h, start, end in zip(word_hash_lists, starts.tolist(), ends.tolist(), strict=True):
        # A shingle starting in one document and ending in the next is never used.
        out.append(mixed[start : end - k + 1] if end - start >= k else shingle_hashes(h, k))
    return out


def shingle_words(shingle_count: int, word_count: int, k: int) -> int:
    """How many words ``shingle_count`` consecutive shingles span."""
    if shingle_count <= 0:
        return 0
    return min(word_count, shingle_count + k - 1)


def quoted_shingles(word_flags: npt.NDArray[np.bool_], k: int) -> npt.NDArray[np.bool_]:
    """Per shingle, whether every one of its words is flagged (as by ``tokens.quoted_words``)."""
    n = len(word_flags)
    if n == 0:
        return np.zeros(0, dtype=bool)
    width = min(k, n)
    unflagged = np.concatenate(([0], np.cumsum(~word_flags)))
    out: npt.NDArray[np.bool_] = (unflagged[width:] - unflagged[: n - width + 1]) == 0
    return out


I64 = npt.NDArray[np.int64]


class ShingleStore:
    """Holds copies of many small arrays inside a few large ones, end to end in the order given.

    Hundreds of thousands of small arrays allocated among long-lived objects stay in the memory
    allocator's heap after they are freed; large arrays are mapped on their own and go back to the
    system as soon as the last view of them is dropped (measured at 100,000 documents: freeing the
    corpus's shingles gave back nothing before, about 500 MB with the store). Copies that follow
    each other in one large array can also be worked on as one vector (see :func:`flatten`).
    """

    CHUNK = 1 << 23
    """Values per large array (64 MB): above any threshold under which the allocator keeps memory."""

    def __init__(self) -> None:
        self._chunk: U64 = np.empty(0, dtype=np.uint64)
        self._used = 0
        self._regions: list[tuple[U64, int, int]] = []
        """Where the copies lie, in the order they were made: (array, start, end), merged when
        one follows the other in the same array."""

    def __call__(self, values: U64) -> U64:
        """A copy of ``values`` that lives in the store."""
        n = len(values)
        if n > self.CHUNK:
            copy = values.copy()
            self._note(copy, 0, n)
            return copy
        if self._used + n > len(self._chunk):
            self._chunk = _mapped(self.CHUNK)
            self._used = 0
        out = self._chunk[self._used : self._used + n]
        out[:] = values
        self._note(self._chunk, self._used, self._used + n)
        self._used += n
        return out

    def _note(self, owner: U64, start: int, end: int) -> None:
        if end == start:
            return
        if self._regions and self._regions[-1][0] is owner and self._regions[-1][2] == start:
            self._regions[-1] = (owner, self._regions[-1][1], end)
        else:
            self._regions.append((owner, start, end))

    def flat(self, lengths: Sequence[int] | I64) -> Flat:
        """Everything stored so far as sequences of ``lengths`` values, in the order stored: the
        same :class:`Flat` as :func:`flatten` of those sequences, found without looking at each.
        The store then lets go of its arrays (the Flat holds them)."""
        sizes = np.fromiter((end - start for _, start, end in self._regions), np.int64, len(self._regions))
        lengths = np.asarray(lengths, dtype=np.int64)
        if int(sizes.sum()) != int(lengths.sum()):
            raise ValueError(f"the store holds {int(sizes.sum())} values, the lengths {int(lengths.sum())}")
        chunks = [owner[start:end] for owner, start, end in self._regions]
        self._regions = []
        self._chunk = np.empty(0, dtype=np.uint64)
        self._used = 0
        if not chunks:
            return Flat([], np.zeros(1, dtype=np.int64), lengths)
        # Each region starts where a sequence with values starts (copies are whole batches of
        # sequences): the first such sequence is the region's first, as flatten counts it.
        filled = np.flatnonzero(lengths > 0)
        starts = (np.cumsum(lengths) - lengths)[filled]
        region_starts = np.cumsum(sizes) - sizes
        at = np.searchsorted(starts, region_starts)
        found = starts[np.minimum(at, len(filled) - 1)]
        if np.any(at >= len(filled)) or not np.array_equal(found, region_starts):
            raise ValueError("the lengths split a stored copy between two regions")
        first = np.concatenate(([0], filled[at[1:]], [len(lengths)])).astype(np.int64)
        return Flat(chunks, first, lengths)


def _mapped(n: int) -> U64:
    """``n`` values in memory mapped on its own: given back to the system when the last view of it
    goes, and touched page by page only as it is filled. Not numpy's own allocation, which asks
    the kernel for huge pages: filling the store of 100,000 documents that way cost 1.3 s of
    kernel time in the reading process against 0.4 s with ordinary pages (measured)."""
    # Private: a process forked while it is alive does not share (and keep) its pages.
    mapping = mmap.mmap(-1, max(1, n) * 8, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    values: U64 = np.frombuffer(mapping, dtype=np.uint64)
    return values


@dataclass(frozen=True)
class Flat:
    """Many sequences of shingle hashes laid end to end in a few large arrays.

    ``chunks[c]`` holds sequences ``first[c]`` to ``first[c + 1] - 1`` one after the other, with
    nothing in between; ``lengths[i]`` is the length of sequence ``i``.
    """

    chunks: list[U64]
    """A list, so that a stage that consumes the sequences may drop each chunk when done with it."""
    first: I64
    lengths: I64

    def sequence(self, i: int) -> U64:
        """Sequence ``i``."""
        return self.sequences(np.array([i]))[0]

    def sequences(self, which: I64) -> list[U64]:
        """The sequences at the positions ``which`` (sorted or not), found in one pass."""
        chunk_of = np.searchsorted(self.first, which, side="right") - 1
        starts = np.concatenate([self.starts(c) for c in range(len(self.chunks))] or [np.empty(0, np.int64)])
        offsets = starts[which]
        ends = offsets + self.lengths[which]
        return [
            self.chunks[c][lo:hi]
            for c, lo, hi in zip(chunk_of.tolist(), offsets.tolist(), ends.tolist(), strict=True)
        ]

    def starts(self, c: int) -> I64:
        """Where each sequence of chunk ``c`` starts in it."""
        lengths = self.lengths[self.first[c] : self.first[c + 1]]
        return np.cumsum(lengths) - lengths


_SMALL_CHUNK = 1 << 16
"""Values below which a piece, on average, is too small to be worked on as one vector."""


def flatten(sequences: Sequence[U64]) -> Flat:
    """The sequences as a :class:`Flat`, without copying those that already lie end to end in
    one array (as :class:`ShingleStore` leaves them); otherwise they are copied into a store."""
    flat = _flatten(sequences)
    if len(flat.chunks) > 16 and int(flat.lengths.sum()) < len(flat.chunks) * _SMALL_CHUNK:
        # Many small pieces, not laid out by a store (read from an index, or built by hand): copy
        # them into one. Few pieces, or large ones (a batch of long documents), stay as they are.
        store = ShingleStore()
        flat = _flatten([store(q) for q in sequences])
    return flat


def _flatten(sequences: Sequence[U64]) -> Flat:
    lengths = np.fromiter((len(q) for q in sequences), dtype=np.int64, count=len(sequences))
    chunks: list[U64] = []
    first = [0]
    owner: U64 | None = None
    start = end = 0
    for i, q in enumerate(sequences):
        if len(q) == 0:
            continue
        base = q.base
        if not (isinstance(base, np.ndarray) and base.dtype == np.uint64 and base.ndim == 1):
            base = q
        if not q.flags.c_contiguous:
            base = q
        if base is owner and base is not q and q.ctypes.data == end:
            end += q.nbytes
            continue
        if owner is not None:
            chunks.append(_region(owner, start, end))
            first.append(i)
        owner, start, end = base, q.ctypes.data, q.ctypes.data + q.nbytes
    if owner is None:
        return Flat([], np.zeros(1, dtype=np.int64), lengths)
    chunks.append(_region(owner, start, end))
    first.append(len(sequences))
    return Flat(chunks, np.asarray(first, dtype=np.int64), lengths)


def _region(owner: U64, start: int, end: int) -> U64:
    """The values of ``owner`` between two byte addresses inside it."""
    if not owner.flags.c_contiguous:
        return owner
    offset = (start - owner.ctypes.data) // 8
    out: U64 = owner[offset : offset + (end - start) // 8]
    return out
