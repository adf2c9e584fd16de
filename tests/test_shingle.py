from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.shingle import batch_shingle_hashes, fmix64, member, shingle_hashes, shingle_words
from dedup.tokens import words
from dedup.wordhash import word_hashes

_WORDS = st.lists(st.sampled_from([f"w{i}" for i in range(12)]), max_size=40)


def _shingles(text: str, k: int, cache: dict[str, int] | None = None) -> np.ndarray:
    return shingle_hashes(word_hashes(words(text)), k)


@settings(max_examples=150, deadline=None)
@given(_WORDS, st.integers(min_value=1, max_value=8))
def test_shingle_count(ws: list[str], k: int) -> None:
    out = shingle_hashes(word_hashes(ws), k)
    assert out.dtype == np.uint64
    if not ws:
        assert len(out) == 0
    elif len(ws) < k:
        assert len(out) == 1
    else:
        assert len(out) == len(ws) - k + 1


@pytest.mark.parametrize(
    ("n", "k", "expected"),
    [(0, 5, 0), (1, 5, 1), (4, 5, 1), (5, 5, 1), (6, 5, 2), (100, 5, 96), (10, 1, 10)],
)
def test_shingle_count_examples(n: int, k: int, expected: int) -> None:
    ws = [f"word{i}" for i in range(n)]
    assert len(shingle_hashes(word_hashes(ws), k)) == expected


def test_no_words_gives_empty_uint64_array() -> None:
    out = shingle_hashes(np.empty(0, dtype=np.uint64), 5)
    assert out.shape == (0,)
    assert out.dtype == np.uint64


def test_short_text_shingle_depends_on_all_its_words() -> None:
    assert len(_shingles("a b c", 5)) == 1
    assert _shingles("a b c", 5)[0] != _shingles("a b d", 5)[0]
    assert _shingles("a b c", 5)[0] != _shingles("a b", 5)[0]
    # A short text's one shingle is not any shingle of a longer text starting the same way.
    assert _shingles("a b c", 5)[0] not in set(_shingles("a b c d e f g", 5).tolist())


def test_deterministic() -> None:
    text = "the quick brown fox jumps over the lazy dog again and again"
    first = _shingles(text, 5)
    second = _shingles(text, 5)
    assert np.array_equal(first, second)
    assert len(set(first.tolist())) == len(first)


def test_order_sensitive() -> None:
    forward = _shingles("alpha beta gamma delta epsilon", 5)
    backward = _shingles("epsilon delta gamma beta alpha", 5)
    swapped = _shingles("alpha beta gamma epsilon delta", 5)
    assert len(forward) == len(backward) == len(swapped) == 1
    assert forward[0] != backward[0]
    assert forward[0] != swapped[0]


def test_repeated_word_positions_matter() -> None:
    a = _shingles("x y x x y", 5)[0]
    b = _shingles("x x y x y", 5)[0]
    assert a != b


def test_equal_word_runs_give_equal_shingles_in_different_documents() -> None:
    shared = "the council voted on the new library budget late on tuesday evening"
    doc_a = "completely different opening words here " + shared + " and a closing line"
    doc_b = "another unrelated preface " + shared + " followed by other words entirely"
    k = 5
    a = _shingles(doc_a, k)
    b = _shingles(doc_b, k, cache={})
    s = _shingles(shared, k)
    n_shared = len(words(shared)) - k + 1
    assert len(s) == n_shared
    # The shared passage's shingles appear, in order, inside both documents.
    offset_a = len(words("completely different opening words here"))
    offset_b = len(words("another unrelated preface"))
    assert np.array_equal(a[offset_a : offset_a + n_shared], s)
    assert np.array_equal(b[offset_b : offset_b + n_shared], s)
    # Shingles straddling the boundary of the shared run differ between the documents.
    common = set(a.tolist()) & set(b.tolist())
    assert common == set(s.tolist())


def test_case_and_layout_do_not_change_shingles() -> None:
    assert np.array_equal(
        _shingles("One two THREE four five six", 3),
        _shingles("one\n\ttwo three,  Four -- five six!", 3),
    )


def _reference_hash(word: str) -> int:
    """The documented word hash, written out in plain Python integers."""
    mask = (1 << 64) - 1
    data = word.encode("utf-8")
    raw = sum(b * pow(0x100000001B3, t, 1 << 64) for t, b in enumerate(data)) & mask
    h = (raw + len(data) * 0x9E3779B97F4A7C15) & mask
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & mask
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & mask
    return h ^ (h >> 33)


def test_word_hashes_follow_the_documented_formula() -> None:
    ws = ["alpha", "beta", "alpha", "straße", "中文", "a"]
    first = word_hashes(ws)
    assert first.dtype == np.uint64
    assert first.tolist() == [_reference_hash(w) for w in ws]
    assert first[0] == first[2]
    assert len(set(first.tolist())) == 5


def test_word_hashes_empty() -> None:
    out = word_hashes([])
    assert out.shape == (0,)
    assert out.dtype == np.uint64


def test_fmix64_is_a_bijection_on_samples() -> None:
    values = np.arange(10_000, dtype=np.uint64)
    mixed = fmix64(values)
    assert len(np.unique(mixed)) == len(values)
    assert fmix64(np.array([0], dtype=np.uint64))[0] == 0
    # Known MurmurHash3 fmix64 value of 1, computed with Python integers.
    h = 1
    mask = (1 << 64) - 1
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & mask
    h ^= h >> 33
    h = (h * 0xC4CEB9FE1A85EC53) & mask
    h ^= h >> 33
    assert int(fmix64(np.array([1], dtype=np.uint64))[0]) == h


@pytest.mark.parametrize(
    ("shingles", "words_", "k", "expected"),
    [
        (0, 100, 5, 0),
        (-1, 100, 5, 0),
        (1, 100, 5, 5),
        (10, 100, 5, 14),
        (96, 100, 5, 100),
        (1, 3, 5, 3),
        (200, 100, 5, 100),
    ],
)
def test_shingle_words(shingles: int, words_: int, k: int, expected: int) -> None:
    assert shingle_words(shingles, words_, k) == expected


def test_batch_shingle_hashes_equal_one_by_one() -> None:
    rng = np.random.default_rng(5)
    lists = [rng.integers(0, 2**63, n, dtype=np.uint64) for n in (0, 1, 3, 5, 6, 40, 2, 100)]
    for k in (1, 3, 5):
        batch = batch_shingle_hashes(lists, k)
        assert [b.tolist() for b in batch] == [shingle_hashes(h, k).tolist() for h in lists]
    assert batch_shingle_hashes([], 5) == []


def test_member_matches_isin() -> None:
    rng = np.random.default_rng(9)
    pool = rng.integers(0, 1000, 300, dtype=np.uint64)
    values = rng.integers(0, 1000, 500, dtype=np.uint64)
    sorted_set = np.unique(pool)
    assert np.array_equal(member(values, sorted_set), np.isin(values, sorted_set))
    assert member(values, np.empty(0, np.uint64)).tolist() == [False] * 500
    assert member(np.array([999, 2**63], dtype=np.uint64), np.array([5], dtype=np.uint64)).tolist() == [
        False,
        False,
    ]


@pytest.mark.parametrize("size", [1, 24, 25, 300])  # 4, 62, 64 and 752 values
def test_member_matches_isin_searched_as_given_or_sorted_first(size: int) -> None:
    """Below _SORT_KEYS_FROM values are searched as they come, from it on sorted first: the
    answer is the same, repeats and values past the set's ends included."""
    rng = np.random.default_rng(size)
    sorted_set = np.unique(rng.integers(10, 2**40, 300, dtype=np.uint64))
    values = np.concatenate(
        [sorted_set[rng.integers(0, 300, size)], rng.integers(0, 2**41, size, dtype=np.uint64)]
    )
    values = rng.permutation(np.concatenate([values, values[: size // 2], np.array([0, 2**63], np.uint64)]))
    assert np.array_equal(member(values, sorted_set), np.isin(values, sorted_set))


def test_hash_set_matches_member() -> None:
    from dedup.shingle import HashSet

    rng = np.random.default_rng(11)
    pool = np.unique(rng.integers(0, 2**63, 5000, dtype=np.uint64))
    values = np.concatenate([pool[::3], rng.integers(0, 2**63, 20000, dtype=np.uint64)])
    # Values that share the set's low bits but differ above them must not count as members.
    values = np.concatenate([values, pool[:100] ^ np.uint64(1 << 40)])
    assert np.array_equal(HashSet(pool).contains(values), member(values, pool))
    assert not HashSet(np.empty(0, np.uint64)).contains(values).any()


def test_fmix64_in_place_equals_fmix64() -> None:
    from dedup.shingle import fmix64, fmix64_in_place

    values = np.random.default_rng(3).integers(0, 2**64, size=1000, dtype=np.uint64)
    assert np.array_equal(fmix64_in_place(values.copy()), fmix64(values))


def test_flatten_copies_many_small_pieces_but_not_large_ones() -> None:
    """Thousands of small arrays (as read from an index) are laid end to end in a store; a few
    dozen large ones (batches of long documents) are worked on where they are, never copied."""
    from dedup.shingle import flatten

    rng = np.random.default_rng(5)
    small = [rng.integers(0, 2**64, size=50, dtype=np.uint64) for _ in range(2000)]
    flat = flatten(small)
    assert len(flat.chunks) == 1
    assert np.array_equal(np.concatenate(flat.chunks), np.concatenate(small))
    large = [rng.integers(0, 2**64, size=70_000, dtype=np.uint64) for _ in range(20)]
    flat = flatten(large)
    assert len(flat.chunks) == 20
    assert all(np.shares_memory(chunk, own) for chunk, own in zip(flat.chunks, large, strict=True))
    assert all(np.array_equal(flat.sequence(i), large[i]) for i in range(20))


@settings(max_examples=200, deadline=None)
@given(
    chunk=st.integers(min_value=1, max_value=60),
    batches=st.lists(st.lists(st.integers(min_value=0, max_value=12), max_size=6), max_size=8),
)
def test_store_flat_is_flatten_of_what_was_stored(chunk: int, batches: list[list[int]]) -> None:
    """The scan lays its corpus out from the store's own record of where the copies went: the same
    chunks, first sequences and lengths as looking at every sequence (batches larger than a chunk,
    empty batches and empty sequences included)."""
    from dedup.shingle import ShingleStore, _flatten

    class Small(ShingleStore):
        CHUNK = chunk

    store = Small()
    rng = np.random.default_rng(len(batches))
    stored = []
    for lengths in batches:
        copy = store(rng.integers(0, 2**63, size=sum(lengths), dtype=np.uint64))
        at = 0
        for n in lengths:
            stored.append(copy[at : at + n])
            at += n
    expected = _flatten(stored)
    got = store.flat([len(q) for q in stored])
    assert np.array_equal(got.first, expected.first)
    assert np.array_equal(got.lengths, expected.lengths)
    assert [(c.ctypes.data, len(c)) for c in got.chunks] == [(c.ctypes.data, len(c)) for c in expected.chunks]
    if got.chunks:
        everything = got.sequences(np.arange(len(stored)))
        assert all(np.array_equal(a, b) for a, b in zip(everything, stored, strict=True))


def test_store_flat_refuses_lengths_that_do_not_fit() -> None:
    from dedup.shingle import ShingleStore

    class Small(ShingleStore):
        CHUNK = 4

    for lengths in ([2, 2], [2, 4], [6, 0]):  # too few values; a sequence across two chunks (twice)
        store = Small()
        store(np.arange(3, dtype=np.uint64))
        store(np.arange(3, dtype=np.uint64))  # does not fit beside the first: a chunk of its own
        with pytest.raises(ValueError):
            store.flat(lengths)
    store = Small()
    store(np.arange(3, dtype=np.uint64))
    store(np.arange(3, dtype=np.uint64))
    assert store.flat([1, 2, 0, 3]).first.tolist() == [0, 3, 4]
