from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup.sketch import (
    Windows,
    block_bounds,
    fmix32,
    permutations,
    window_signatures,
)


def _datasketch_signature(shingles: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    m = MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashfunc=lambda x: x)
    m.update_batch([int(v) & 0xFFFFFFFF for v in shingles.tolist()])
    return np.asarray(m.hashvalues)


def _expected_windows(seq: np.ndarray, window: int) -> list[np.ndarray]:
    """The windows of one sequence: consecutive pairs of half-window blocks."""
    if len(seq) == 0:
        return []
    bounds = block_bounds(len(seq), window)
    if len(bounds) == 1:
        return [seq]
    ends = [*bounds[1:], len(seq)]
    return [seq[bounds[i] : ends[i + 1]] for i in range(len(bounds) - 1)]


def _check_against_datasketch(
    sequences: list[np.ndarray], doc_ids: list[int], window: int, num_perm: int, seed: int
) -> Windows:
    out = window_signatures(sequences, doc_ids, window, num_perm, seed)
    assert out.signatures.dtype == np.uint32
    assert out.signatures.shape[1] == num_perm
    expected_docs: list[int] = []
    expected_sigs: list[np.ndarray] = []
    # Rows are grouped by document id (ascending), each document's windows in text order.
    for doc in sorted(set(doc_ids)):
        for seq, d in zip(sequences, doc_ids, strict=True):
            if d != doc:
                continue
            for win in _expected_windows(seq, window):
                expected_docs.append(doc)
                expected_sigs.append(_datasketch_signature(win, num_perm, seed))
    assert out.doc.tolist() == expected_docs
    assert len(out.signatures) == len(expected_sigs)
    for row, expected in zip(out.signatures, expected_sigs, strict=True):
        assert row.tolist() == expected.tolist()
    return out


_U64 = st.integers(min_value=0, max_value=2**64 - 1)


@settings(max_examples=100, deadline=None)
@given(
    sequences=st.lists(st.lists(_U64, max_size=70), min_size=1, max_size=5),
    window=st.integers(min_value=4, max_value=24),
    num_perm=st.sampled_from([16, 32, 128]),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_windows_match_datasketch(sequences: list[list[int]], window: int, num_perm: int, seed: int) -> None:
    arrays = [np.array(s, dtype=np.uint64) for s in sequences]
    _check_against_datasketch(arrays, list(range(len(arrays))), window, num_perm, seed)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**31), data_seed=st.integers(0, 2**32 - 1))
def test_windows_match_datasketch_numpy_random(seed: int, data_seed: int) -> None:
    rng = np.random.default_rng(data_seed)
    lengths = rng.integers(0, 200, size=4)
    arrays = [rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False) for n in lengths]
    _check_against_datasketch(arrays, [3, 7, 8, 20], 30, 64, seed)


def test_windows_match_datasketch_default_settings() -> None:
    rng = np.random.default_rng(12345)
    arrays = [rng.integers(0, 2**64, size=n, dtype=np.uint64) for n in (1, 29, 30, 31, 45, 46, 300)]
    _check_against_datasketch(arrays, list(range(len(arrays))), 30, 128, 1)


def test_windows_match_datasketch_across_chunks() -> None:
    # Long sequences cross the internal chunk boundary of the bulk minimum.
    rng = np.random.default_rng(7)
    arrays = [rng.integers(0, 2**64, size=n, dtype=np.uint64) for n in (40_000, 3, 30_000)]
    _check_against_datasketch(arrays, [0, 1, 2], 4000, 32, 5)


def test_single_window_larger_than_a_chunk() -> None:
    rng = np.random.default_rng(8)
    arrays = [rng.integers(0, 2**64, size=n, dtype=np.uint64) for n in (50_000, 10)]
    out = _check_against_datasketch(arrays, [0, 1], 100_000, 16, 2)
    assert out.doc.tolist() == [0, 1]


def test_high_bits_are_ignored() -> None:
    low = np.array([1, 2, 3, 2**32 - 1], dtype=np.uint64)
    high = low + np.uint64(5 << 32)
    a = window_signatures([low], [0], 30, 32, 1)
    b = window_signatures([high], [0], 30, 32, 1)
    assert np.array_equal(a.signatures, b.signatures)


def test_signature_is_set_like() -> None:
    seq = np.array([5, 9, 11, 5, 9], dtype=np.uint64)
    a = window_signatures([seq], [0], 30, 32, 1)
    b = window_signatures([np.array([11, 9, 5], dtype=np.uint64)], [0], 30, 32, 1)
    assert np.array_equal(a.signatures, b.signatures)


def test_empty_sequences_give_no_windows() -> None:
    empty = np.empty(0, dtype=np.uint64)
    out = window_signatures([empty, empty], [0, 1], 30, 64, 1)
    assert out.signatures.shape == (0, 64)
    assert out.signatures.dtype == np.uint32
    assert len(out.doc) == 0
    none = window_signatures([], [], 30, 16, 1)
    assert none.signatures.shape == (0, 16)


def test_empty_sequences_among_others_are_skipped() -> None:
    rng = np.random.default_rng(3)
    seqs = [
        np.empty(0, dtype=np.uint64),
        rng.integers(0, 2**64, size=10, dtype=np.uint64),
        np.empty(0, dtype=np.uint64),
        rng.integers(0, 2**64, size=70, dtype=np.uint64),
        np.empty(0, dtype=np.uint64),
    ]
    out = _check_against_datasketch(seqs, [0, 1, 2, 3, 4], 30, 32, 1)
    # 10 shingles: one window; 70 shingles: blocks at 0, 15, 30, 45, 60 -> four windows.
    assert out.doc.tolist() == [1, 3, 3, 3, 3]


def test_doc_ids_attached_and_sorted() -> None:
    rng = np.random.default_rng(11)
    seqs = [rng.integers(0, 2**64, size=n, dtype=np.uint64) for n in (40, 5, 16)]
    out = _check_against_datasketch(seqs, [42, 7, 19], 16, 32, 1)
    # 40 shingles with window 16: blocks 0, 8, 16, 24, 32 -> 4 windows; 5 -> 1; 16 -> 1.
    assert out.doc.dtype == np.int32
    assert out.doc.tolist() == [7, 19, 42, 42, 42, 42]


def test_windows_of_one_document_are_not_joined_to_the_next() -> None:
    # Each document's windows depend only on that document's shingles.
    rng = np.random.default_rng(5)
    a = rng.integers(0, 2**64, size=50, dtype=np.uint64)
    b = rng.integers(0, 2**64, size=50, dtype=np.uint64)
    together = window_signatures([a, b], [0, 1], 20, 32, 1)
    alone_a = window_signatures([a], [0], 20, 32, 1)
    alone_b = window_signatures([b], [1], 20, 32, 1)
    assert np.array_equal(together.signatures, np.concatenate([alone_a.signatures, alone_b.signatures]))


def test_shared_passage_gives_similar_windows() -> None:
    # A passage of 1.5 windows shared by two documents wholly holds one window of each.
    rng = np.random.default_rng(21)
    window = 20
    passage = rng.integers(0, 2**64, size=30, dtype=np.uint64)
    a = np.concatenate([rng.integers(0, 2**64, size=17, dtype=np.uint64), passage])
    b = np.concatenate(
        [
            rng.integers(0, 2**64, size=43, dtype=np.uint64),
            passage,
            rng.integers(0, 2**64, size=9, dtype=np.uint64),
        ]
    )
    out = window_signatures([a, b], [0, 1], window, 64, 1)
    rows_a = {tuple(r) for r in out.signatures[out.doc == 0].tolist()}
    rows_b = {tuple(r) for r in out.signatures[out.doc == 1].tolist()}
    # Those windows overlap by 16 of 24 shingles: their signatures agree in many places.
    best = max(np.count_nonzero(np.array(ra) == np.array(rb)) for ra in rows_a for rb in rows_b)
    assert best >= 64 * 0.4


@pytest.mark.parametrize(("num_perm", "seed"), [(64, 9), (32, 1), (1, 0), (128, 2**31), (256, 12345)])
def test_permutations_are_datasketch_parameters(num_perm: int, seed: int) -> None:
    a, b = permutations(num_perm, seed)
    perms = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert a.dtype == np.uint32 and b.dtype == np.uint32
    assert a.tolist() == [int(x) for x in perms[0]]
    assert b.tolist() == [int(x) for x in perms[1]]
    assert all(int(x) % 2 == 1 for x in a)  # odd multipliers: bijective permutations


def test_fmix32_known_values() -> None:
    def reference(h: int) -> int:
        mask = 0xFFFFFFFF
        h ^= h >> 16
        h = (h * 0x85EBCA6B) & mask
        h ^= h >> 13
        h = (h * 0xC2B2AE35) & mask
        return h ^ (h >> 16)

    values = [0, 1, 2, 12345, 0xDEADBEEF, 0xFFFFFFFF]
    out = fmix32(np.array(values, dtype=np.uint32))
    assert out.tolist() == [reference(v) for v in values]


@pytest.mark.parametrize(
    ("length", "window", "expected"),
    [
        (0, 30, [0]),
        (1, 30, [0]),
        (30, 30, [0]),
        (31, 30, [0, 15, 30]),
        (45, 30, [0, 15, 30]),
        (46, 30, [0, 15, 30, 45]),
        (60, 30, [0, 15, 30, 45]),
        (10, 4, [0, 2, 4, 6, 8]),
        (6, 5, [0, 2, 4]),
    ],
)
def test_block_bounds(length: int, window: int, expected: list[int]) -> None:
    assert block_bounds(length, window) == expected


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=500), st.integers(min_value=4, max_value=100))
def test_block_bounds_properties(length: int, window: int) -> None:
    bounds = block_bounds(length, window)
    assert bounds[0] == 0
    assert all(0 <= s < length for s in bounds)
    assert bounds == sorted(set(bounds))
    if length <= window:
        assert bounds == [0]
    else:
        assert len(bounds) >= 2
        # Every window (two consecutive blocks) holds at most `window` shingles.
        ends = [*bounds[1:], length]
        assert all(ends[i + 1] - bounds[i] <= window for i in range(len(bounds) - 1))
        # Blocks are half a window apart, so consecutive windows overlap by half.
        half = window // 2
        assert all(b - a == half for a, b in zip(bounds, bounds[1:], strict=False))


def test_fmix32_in_place_equals_fmix32() -> None:
    from dedup.sketch import _fmix32_in_place, fmix32

    values = np.random.default_rng(4).integers(0, 2**32, 10_000, dtype=np.uint64).astype(np.uint32)
    assert np.array_equal(_fmix32_in_place(values.copy()), fmix32(values))


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=90), min_size=1, max_size=12),
    window=st.integers(min_value=4, max_value=30),
    data_seed=st.integers(0, 2**32 - 1),
    chunk=st.integers(min_value=1, max_value=200),
    piece=st.integers(min_value=1, max_value=150),
    jobs=st.sampled_from([1, 2, 3]),
    stretch=st.sampled_from([1, 7, 40, 1 << 19]),
)
def test_layout_in_a_store_with_boilerplate_left_out(
    lengths: list[int], window: int, data_seed: int, chunk: int, piece: int, jobs: int, stretch: int
) -> None:
    """Sequences laid end to end in store chunks, handed to threads in stretches of documents and
    worked on in pieces, with some values left out, give the windows of the same sequences
    filtered by hand and passed one by one."""
    import dedup.sketch as sketch
    from dedup.shingle import ShingleStore, flatten
    from dedup.sketch import layout, window_minima

    rng = np.random.default_rng(data_seed)
    pool = rng.integers(0, 2**64, size=40, dtype=np.uint64)
    arrays = [pool[rng.integers(0, len(pool), size=n)] for n in lengths]
    leave_out = np.unique(pool[:8])

    class Small(ShingleStore):
        CHUNK = chunk

    store = Small()
    stored = [store(a) for a in arrays]
    filtered = [a[~np.isin(a, leave_out)].copy() for a in arrays]
    ids = list(range(len(arrays)))
    a, b = permutations(16, 3)
    old = sketch._PIECE, sketch._MIN_STRETCH
    sketch._PIECE, sketch._MIN_STRETCH = piece, stretch
    try:
        got = layout(stored, ids, window, leave_out, jobs)
        # Consuming the sequences while laying them out changes nothing but frees them.
        flat = flatten(stored)
        consumed = layout(flat, ids, window, leave_out, jobs, release=True)
    finally:
        sketch._PIECE, sketch._MIN_STRETCH = old
    want = layout(filtered, ids, window)
    assert got.doc.tolist() == want.doc.tolist()
    assert got.sequence.tolist() == want.sequence.tolist()
    assert np.array_equal(window_minima(got, a, b), window_minima(want, a, b))
    assert np.array_equal(got.checks, want.checks)
    assert np.array_equal(got.short_checks, want.short_checks)
    assert all(len(chunk) == 0 for chunk in flat.chunks)
    assert np.array_equal(window_minima(consumed, a, b), window_minima(want, a, b))


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(min_value=0, max_value=70), min_size=1, max_size=8),
    window=st.sampled_from([2, 5, 10, 20]),
    data_seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_each_value_has_its_shingles_check_beside_it(lengths: list[int], window: int, data_seed: int) -> None:
    """Beside every laid-out value stand bits 32 to 39 of the same shingle, padding included."""
    from dedup.sketch import layout

    rng = np.random.default_rng(data_seed)
    arrays = [rng.integers(0, 2**64, size=n, dtype=np.uint64) for n in lengths]
    lay = layout(arrays, list(range(len(arrays))), window)
    check_of = {
        int(fmix32(np.array([v & 0xFFFFFFFF], np.uint32))[0]): (int(v) >> 32) & 0xFF
        for a in arrays
        for v in a
    }
    for values, checks in ((lay.blocks, lay.checks), (lay.short, lay.short_checks)):
        assert values.shape == checks.shape
        for value, check in zip(values.ravel().tolist(), checks.ravel().tolist(), strict=True):
            assert check_of[value] == check


@example([1, 1, 0], 1)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=30), st.integers(1, 60))
def test_pieces_tile_each_chunk_in_whole_documents(lengths: list[int], size: int) -> None:
    from dedup.shingle import ShingleStore, flatten
    from dedup.sketch import _pieces

    class Small(ShingleStore):
        CHUNK = 64

    store = Small()
    flat = flatten([store(np.arange(n, dtype=np.uint64)) for n in lengths])
    pieces = _pieces(flat, size)
    for c in range(len(flat.chunks)):
        mine = [p for p in pieces if p[0] == c]
        # In order, end to end, from the chunk's first document to its last, offsets matching.
        assert [p[1] for p in mine[1:]] == [p[2] for p in mine[:-1]]
        assert mine[0][1] == flat.first[c] and mine[-1][2] == flat.first[c + 1]
        for _, d0, d1, v0 in mine:
            assert v0 == int(flat.lengths[flat.first[c] : d0].sum())
            # Each stretch stops at the first document that brings it to ``size`` values (or at
            # the empty documents right after it).
            nonempty = np.flatnonzero(flat.lengths[d0:d1])
            last = d0 + int(nonempty[-1]) if len(nonempty) else d0
            assert int(flat.lengths[d0:last].sum()) < size
