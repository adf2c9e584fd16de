"""Which shingles are boilerplate, and which are common wording.

Boilerplate is text shared so widely, and so thinly, that it proves nothing.

A shingle is boilerplate when it occurs in at least ``boilerplate_docs`` documents and, on average,
less than ``boilerplate_share`` of those documents' text is made of such widely shared shingles.
Site chrome, licence lines and stock phrases are a small part of every page that carries them; an
article reprinted by many sites is most of each copy, so its copies stay pairs however many there are.

Common wording is every shingle found in at least ``common_docs`` different texts (identical copies
of one text count once). A pair of documents that share it may share it with everyone: a formula
("is issuing a ... eurobond due ... paying ... and priced at"), a stock phrase, a template. Such
text is no evidence of a short copied passage (``verify``), though a long run of it still is: a
story reprinted by many sites is common wording in each reprint, and its reprints share it in
runs far longer than any formula.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from threading import Lock, local

import numpy as np
import numpy.typing as npt

from dedup.shingle import U64, Flat, flatten, member, scratch, sorted_unique

_PREFILTER_FROM = 1 << 18
_BUCKET_BITS = 24
_MIN_BUCKET_BITS = 16


_CHUNK = 1 << 22
_COUNT_CHUNK = 1 << 23
_MIN_COUNT = 1 << 20
_COUNT_THREADS = 2
_PER_BUCKET = 4
"""Occurrences a bucket of corpus_boilerplate's table holds on average, at most."""


def _maybe_frequent(flat: U64, min_docs: int) -> npt.NDArray[np.bool_]:
    """True for every shingle that may occur ``min_docs`` times (never False for one that does).

    Works through ``flat`` in stretches so that no temporary is as large as the corpus.
    """
    bits = min(_BUCKET_BITS, max(16, int(len(flat)).bit_length()))
    mask = np.uint64((1 << bits) - 1)
    cap = min(min_docs, 255)
    keep = np.ones(len(flat), dtype=bool)
    for shift in (np.uint64(0), np.uint64(32)):
        counts = np.zeros(1 << bits, dtype=np.int64)
        for lo in range(0, len(flat), _CHUNK):
            # Masked values fit in int64, so a view (no copy) gives bincount its indices.
            counts += np.bincount(
                ((flat[lo : lo + _CHUNK] >> shift) & mask).view(np.int64), minlength=1 << bits
            )
        # A one-byte table stays in cache for the gather below; counts above the cap do not matter.
        small = np.minimum(counts, cap, out=counts).astype(np.uint8)
        del counts
        for lo in range(0, len(flat), _CHUNK):
            bucket = ((flat[lo : lo + _CHUNK] >> shift) & mask).view(np.int64)
            keep[lo : lo + _CHUNK] &= small[bucket] >= cap
    return keep


def boilerplate_shingles(unique_sets: Sequence[U64], min_docs: int, share: float) -> U64:
    """The sorted boilerplate shingle hashes of a corpus, given each document's distinct shingles."""
    lengths = np.fromiter((len(s) for s in unique_sets), dtype=np.int64, count=len(unique_sets))
    if len(unique_sets) < min_docs or lengths.sum() == 0:
        return np.empty(0, dtype=np.uint64)
    return boilerplate_from_flat(np.concatenate(unique_sets), lengths, min_docs, share)


@dataclass(frozen=True)
class Wording:
    """Which shingles are common wording (sorted), and which documents hold each: those of
    ``common[i]`` are ``holders[starts[i]:starts[i + 1]]``, by position in the scan."""

    common: U64
    starts: npt.NDArray[np.int64]
    holders: npt.NDArray[np.int64]

    def held_by(self, shingle: int) -> npt.NDArray[np.int64]:
        """The documents that hold a common shingle (none for any other shingle)."""
        at = int(np.searchsorted(self.common, np.uint64(shingle)))
        if at == len(self.common) or int(self.common[at]) != shingle:
            return np.empty(0, dtype=np.int64)
        return self.holders[self.starts[at] : self.starts[at + 1]]


def common_from_entries(
    value: U64, doc: npt.NDArray[np.int64], groups: npt.NDArray[np.int64] | None, n_docs: int, min_texts: int
) -> U64:
    """The sorted shingles held by at least ``min_texts`` different texts, from distinct
    ``(value, doc)`` entries sorted by value (documents of one group, ``groups[doc]``, are one
    text)."""
    if not len(value):
        return np.empty(0, dtype=np.uint64)
    if groups is not None:
        value, doc = _distinct_entries(value, groups[doc], n_docs)
    start = np.flatnonzero(np.concatenate(([True], value[1:] != value[:-1])))
    holders = np.diff(np.append(start, len(value)))
    out: U64 = value[start][holders >= min_texts]
    return out


def _repeated(keys: npt.NDArray[np.uint32], times: int) -> npt.NDArray[np.uint32]:
    """The distinct values that occur at least ``times`` times in sorted ``keys``."""
    # Sorted, such a value equals the one ``times - 1`` places on.
    step = times - 1
    found = keys[:-step][keys[step:] == keys[:-step]] if step else keys
    if not len(found):
        return found
    out: npt.NDArray[np.uint32] = found[np.concatenate(([True], found[1:] != found[:-1]))]
    return out


def corpus_common(shingles: Flat, groups: npt.NDArray[np.int64] | None, min_texts: int) -> Wording:
    """The common wording of a corpus (shingles in at least ``min_texts`` different texts;
    documents of one group are one text) and the documents that hold each.

    Counting every shingle exactly means sorting them all, as long as the scan itself at 100,000
    documents. So first the top 32 bits of every shingle are sorted (several times faster than
    sorting 64-bit values), and only shingles whose 32 bits occur ``min_texts`` times or more are
    then counted exactly: a shingle in that many documents occurs that often, so none is missed.
    """
    n_docs = len(shingles.lengths)
    empty = Wording(np.empty(0, np.uint64), np.zeros(1, np.int64), np.empty(0, np.int64))
    if n_docs < min_texts or not shingles.chunks:
        return empty
    # Passes over the corpus run in stretches on two threads (numpy lets go of the interpreter
    # lock in them), as corpus_boilerplate's do.
    stretches = [
        (c, lo, chunk[lo : lo + _COUNT_CHUNK])
        for c, chunk in enumerate(shingles.chunks)
        for lo in range(0, len(chunk), _COUNT_CHUNK)
    ]
    with ThreadPoolExecutor(max_workers=_COUNT_THREADS) as pool:
        frequent = _frequent_keys(stretches, min_texts, pool)
        if not len(frequent):
            return empty
        # A table of the keys' top bits answers most membership tests with one look-up.
        bits = _bitmap_bits(len(frequent))
        shift = np.uint32(32 - bits)
        table = np.zeros(1 << bits, dtype=bool)
        table[frequent >> shift] = True

        def holders(item: tuple[int, int, U64]) -> tuple[U64, npt.NDArray[np.int64]]:
            c, lo, stretch = item
            words = _high_words(stretch)
            maybe = np.flatnonzero(table[words >> shift])
            hit = maybe[member(words[maybe], frequent)]
            doc = shingles.first[c] + np.searchsorted(shingles.starts(c), hit + lo, side="right") - 1
            return stretch[hit], doc.astype(np.int64)

        found = list(pool.map(holders, stretches))
    values = [v for v, _ in found]
    docs = [d for _, d in found]
    value, doc = _distinct_entries(np.concatenate(values), np.concatenate(docs).astype(np.int64), n_docs)
    common = common_from_entries(value, doc, groups, n_docs, min_texts)
    keep = member(value, common)
    value, doc = value[keep], doc[keep]
    at = np.searchsorted(value, common, side="left").astype(np.int64)
    return Wording(common, np.append(at, len(value)), doc)


_KEYS_PER_PART = 1 << 26
"""Top-32-bit keys sorted at a time (256 MB): a corpus with more is sorted in parts, one range of
their top bits each, so that a million documents' 600 million keys do not take 2.4 GB, and as
much again for the sort, at once."""


def _frequent_keys(
    stretches: Sequence[tuple[int, int, U64]], min_texts: int, pool: ThreadPoolExecutor
) -> npt.NDArray[np.uint32]:
    """The top 32 bits that occur at least ``min_texts`` times among the values, sorted."""
    total = sum(len(stretch) for _, _, stretch in stretches)
    part_bits = max(0, -(-total // _KEYS_PER_PART) - 1).bit_length()
    found = []
    for part in range(1 << part_bits):

        def high(item: tuple[int, int, U64], part: int = part) -> npt.NDArray[np.uint32]:
            words = _high_words(item[2])
            if not part_bits:
                return words
            chosen: npt.NDArray[np.uint32] = words[(words >> np.uint32(32 - part_bits)) == part]
            return chosen

        pieces = list(pool.map(high, stretches))
        keys = np.concatenate(pieces) if pieces else np.empty(0, np.uint32)
        del pieces
        keys.sort()
        found.append(_repeated(keys, min_texts))
        del keys
    return np.concatenate(found) if found else np.empty(0, np.uint32)


def _high_words(values: U64) -> npt.NDArray[np.uint32]:
    """The top 32 bits of each value, as a view (no copy)."""
    words: npt.NDArray[np.uint32] = values.view(np.uint32)
    return words[1::2] if sys.byteorder == "little" else words[0::2]


def _bitmap_bits(n: int) -> int:
    """Bits of a HashSet's bitmap for ``n`` values: about 16 slots a value, so that few tests
    of values outside the set go on to a search (a few MB at most)."""
    return min(26, max(16, (16 * max(1, n)).bit_length()))


def pair_common(
    held: Sequence[tuple[int, int, U64]], related: Mapping[int, set[int]], wording: Wording
) -> dict[tuple[int, int], U64]:
    """For pairs ``(a, b, shared shingles)``, the shared shingles that are common wording to them:
    held by some document other than ``a``, ``b`` and those already related to one of them
    (``related``: the scan's pairs, both ways). A passage of a source that several answers copy,
    or of a story other reports reuse, is common by count, yet every holder derives from the same
    text: it stays evidence. A formula is held by strangers."""
    out: dict[tuple[int, int], U64] = {}
    for a, b, shared in held:
        family = {a, b} | related.get(a, set()) | related.get(b, set())
        candidates = shared[member(shared, wording.common)]
        common = [
            value
            for value in candidates.tolist()
            if len(docs := wording.held_by(value)) > len(family) or not family.issuperset(docs.tolist())
        ]
        out[(a, b)] = np.array(common, dtype=np.uint64)
    return out


def text_groups(text_hashes: Sequence[str]) -> npt.NDArray[np.int64]:
    """For each document, the position of the first document with the same text."""
    first: dict[str, int] = {}
    return np.fromiter(
        (first.setdefault(h, i) for i, h in enumerate(text_hashes)), dtype=np.int64, count=len(text_hashes)
    )


def corpus_boilerplate(sequences: Sequence[U64] | Flat, min_docs: int, share: float, jobs: int = 1) -> U64:
    """:func:`boilerplate_shingles` from each document's shingle sequence (in text order, repeats
    included), without building every document's distinct set.

    Occurrences are counted in buckets over the whole corpus, end to end (``shingle.flatten``);
    only shingles whose bucket reaches ``min_docs`` are then counted exactly, per document, and a
    document's distinct shingles are counted only when it holds a frequent one. The passes over
    the corpus run on ``jobs`` threads (numpy releases the interpreter lock in them).
    """
    flat = sequences if isinstance(sequences, Flat) else flatten(sequences)
    n_docs = len(flat.lengths)
    total = int(flat.lengths.sum())
    if n_docs < min_docs or total == 0:
        return np.empty(0, dtype=np.uint64)
    # Two to four occurrences per bucket: few false survivors, and a table small enough that
    # zeroing and touching its pages does not cost more than the counting (measured at 10,000
    # documents: 0.06 s against 0.08 to 0.18 s with one bucket per occurrence).
    bits = min(_BUCKET_BITS, max(_MIN_BUCKET_BITS, total.bit_length() - 2))
    mask = np.uint64((1 << bits) - 1)
    # Whole store chunks, as few calls as can be: each call's table of counts costs as much as
    # counting 16M values. But a corpus in one chunk (10,000 documents) is cut in one stretch per
    # thread, or a single thread would count it alone (measured at 10,000 documents: the stage took
    # 0.105 s against 0.066 s, medians of 8 alternating runs).
    threads = max(1, min(jobs, _COUNT_THREADS))
    size = min(_COUNT_CHUNK, max(_MIN_COUNT, -(-total // threads)))
    stretches = [
        (c, lo, chunk[lo : lo + size])
        for c, chunk in enumerate(flat.chunks)
        for lo in range(0, len(chunk), size)
    ]
    # Every bincount call returns a table of 2**bits counts (128 MB at 2**24), so each thread
    # holds one while it runs: two threads take most of the gain without multiplying that.
    workers = max(1, min(threads, len(stretches)))

    # More than four occurrences a bucket on average (a million documents hold 600 million
    # shingles, 36 a bucket) would let nearly every shingle through the filter: the corpus is then
    # counted in parts, one range of the values' top bits each, each with a table of its own.
    part_bits = max(0, -(-total // (_PER_BUCKET << bits)) - 1).bit_length()
    part_shift = np.uint64(64 - part_bits) if part_bits else np.uint64(0)
    # Occurrences bound documents from above, so no shingle in min_docs documents is dropped here.
    cap = min(min_docs, 255)
    buffers = local()

    def masked(stretch: U64) -> npt.NDArray[np.int64]:
        # Each thread masks its stretches into one buffer of its own (counting on its own at
        # 100,000 documents: 0.29 to 0.37 s against 0.57 to 0.86 s with fresh memory for every
        # stretch, 4 runs each; in whole scans the difference did not show).
        work = scratch(buffers, size)[: len(stretch)]
        out: npt.NDArray[np.int64] = np.bitwise_and(stretch, mask, out=work).view(np.int64)
        return out

    def in_part(stretch: U64, part: int) -> tuple[U64, npt.NDArray[np.int64] | None]:
        if not part_bits:
            return stretch, None
        where = np.flatnonzero((stretch >> part_shift) == np.uint64(part))
        return stretch[where], where

    found: list[tuple[U64, npt.NDArray[np.int64]]] = []
    adding = Lock()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in range(1 << part_bits):
            counts = np.zeros(1 << bits, dtype=np.int64)

            def count(
                item: tuple[int, int, U64], table: npt.NDArray[np.int64] = counts, part: int = part
            ) -> None:
                values, _ = in_part(item[2], part)
                tally = np.bincount(masked(values), minlength=1 << bits)
                with adding:  # summed into one table, not one more per thread
                    np.add(table, tally, out=table)

            small = np.empty(1 << bits, dtype=np.uint8)

            def cap_counts(
                span: slice, table: npt.NDArray[np.int64] = counts, small: npt.NDArray[np.uint8] = small
            ) -> None:
                np.minimum(table[span], cap, out=small[span], casting="unsafe")

            def survivors(
                item: tuple[int, int, U64], small: npt.NDArray[np.uint8] = small, part: int = part
            ) -> tuple[U64, npt.NDArray[np.int64]]:
                c, lo, stretch = item
                values, where = in_part(stretch, part)
                hit = np.flatnonzero(small[masked(values)] >= cap)
                at = hit if where is None else where[hit]
                return values[hit], flat.first[c] + np.searchsorted(flat.starts(c), at + lo, side="right") - 1

            list(pool.map(count, stretches))
            # The table is as large as a chunk of the corpus: capped by all threads, not by one.
            step = -(-(1 << bits) // workers)
            list(pool.map(cap_counts, [slice(lo, lo + step) for lo in range(0, 1 << bits, step)]))
            del counts
            found.extend(pool.map(survivors, stretches))
    values = [v for v, _ in found]
    docs = [d for _, d in found]
    # One entry per (shingle, document): the exact count of documents holding each shingle.
    value, doc = _distinct_entries(np.concatenate(values), np.concatenate(docs), n_docs)
    if not len(value):
        return np.empty(0, dtype=np.uint64)
    start = np.flatnonzero(np.concatenate(([True], value[1:] != value[:-1])))
    holders = np.diff(np.append(start, len(value)))
    frequent_entry = np.repeat(holders >= min_docs, holders)
    if not frequent_entry.any():
        return np.empty(0, dtype=np.uint64)
    value, doc = value[frequent_entry], doc[frequent_entry]
    start = np.flatnonzero(np.concatenate(([True], value[1:] != value[:-1])))
    holders = np.diff(np.append(start, len(value)))
    # How much of each document holding a frequent shingle is made of frequent shingles.
    involved = sorted_unique(doc)
    per_doc = np.bincount(doc, minlength=n_docs)
    distinct = np.ones(n_docs, dtype=np.int64)
    distinct[involved] = [len(sorted_unique(q)) for q in flat.sequences(involved)]
    doc_share = per_doc / distinct
    # Summed in the same order, and so to the same bits, as boilerplate_from_flat does.
    share_sum = np.bincount(np.repeat(np.arange(len(start)), holders), weights=doc_share[doc])
    mean_share = share_sum / holders
    out: U64 = value[start][mean_share < share]
    return out


def _distinct_entries(
    value: U64, doc: npt.NDArray[np.int64], n_docs: int
) -> tuple[U64, npt.NDArray[np.int64]]:
    """The distinct ``(value, doc)`` entries, sorted by value and then by document."""
    doc_bits = max(1, int(n_docs).bit_length())
    if len(value) >= 1 << (63 - doc_bits):  # more entries than one word can number with documents
        order = np.lexsort((doc, value))
        value, doc = value[order], doc[order]
        new = np.ones(len(value), dtype=bool)
        new[1:] = (value[1:] != value[:-1]) | (doc[1:] != doc[:-1])
        return value[new], doc[new]
    # A two-key lexsort is slower than numpy's one-key sorts (on the 1.9 million entries of
    # 100,000 documents this took 0.09 s against 0.20 s, medians of 5). So: sort by value alone,
    # number the distinct values, and sort each entry's number and document packed in one word.
    order = np.argsort(value)
    value = value[order]
    first = np.empty(len(value), dtype=bool)
    first[:1] = True
    np.not_equal(value[1:], value[:-1], out=first[1:])
    number = np.cumsum(first, dtype=np.int64) - 1
    packed = (number << doc_bits) | doc[order]
    packed.sort()
    keep = np.empty(len(packed), dtype=bool)
    keep[:1] = True
    np.not_equal(packed[1:], packed[:-1], out=keep[1:])
    packed = packed[keep]
    return value[first][packed >> doc_bits], packed & ((1 << doc_bits) - 1)


def boilerplate_from_flat(flat: U64, lengths: npt.NDArray[np.int64], min_docs: int, share: float) -> U64:
    """The rule, on the concatenated distinct sets of all documents and their lengths."""
    n_docs = len(lengths)
    # Counting exactly means sorting every shingle of the corpus. First keep only the shingles
    # that two independent bucket counts (count-min) allow to be frequent: a test on the value
    # alone, so every occurrence of a truly frequent shingle survives and the counts stay exact.
    if len(flat) > _PREFILTER_FROM:
        kept = np.flatnonzero(_maybe_frequent(flat, min_docs))
        flat = flat[kept]
        doc_of = np.searchsorted(np.cumsum(lengths), kept, side="right")
    else:
        doc_of = np.repeat(np.arange(n_docs), lengths)
    values, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    frequent = counts >= min_docs
    if not frequent.any():
        return np.empty(0, dtype=np.uint64)
    entry_frequent = frequent[inverse]
    per_doc = np.bincount(doc_of, weights=entry_frequent, minlength=n_docs)
    doc_share = per_doc / np.maximum(lengths, 1)
    # Mean, over the documents holding each shingle, of how much of them is widely shared text.
    share_sum = np.bincount(inverse, weights=doc_share[doc_of], minlength=len(values))
    mean_share = share_sum / counts
    return values[frequent & (mean_share < share)]
