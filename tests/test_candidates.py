from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.candidates import GROUP_BUCKET, band_keys, candidate_pairs, lsh_params
from dedup.shingle import shingle_hashes
from dedup.sketch import Layout, Windows, window_signatures
from dedup.wordhash import word_hashes

K = 5
WINDOW = 30
NUM_PERM = 128
SEED = 1
THRESHOLD = 0.4


def _random_words(rng: np.random.Generator, n: int, vocab: int = 5000) -> list[str]:
    return [f"w{int(i)}" for i in rng.integers(0, vocab, size=n)]


def _windows(
    docs: list[list[str]], window: int = WINDOW, num_perm: int = NUM_PERM, seed: int = SEED
) -> Windows:
    seqs = [shingle_hashes(word_hashes(d), K) for d in docs]
    return window_signatures(seqs, list(range(len(docs))), window, num_perm, seed)


def _pairs(windows: Windows, threshold: float = THRESHOLD, num_perm: int = NUM_PERM) -> set:
    return {tuple(p) for p in candidate_pairs(windows, threshold, num_perm).pairs.tolist()}


def _datasketch_pairs(windows: Windows, threshold: float, num_perm: int, seed: int) -> set:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    minhashes = [
        MinHash(num_perm=num_perm, seed=seed, scheme="affine32", hashvalues=row) for row in windows.signatures
    ]
    for i, m in enumerate(minhashes):
        lsh.insert(i, m)
    found = set()
    doc = windows.doc.tolist()
    for i, m in enumerate(minhashes):
        for j in lsh.query(m):
            if doc[i] != doc[j]:
                found.add((min(doc[i], doc[j]), max(doc[i], doc[j])))
    return found


def _corpus(seed: int) -> list[list[str]]:
    """Documents with every degree of overlap: copies, edits, shared passages, and strangers."""
    rng = np.random.default_rng(seed)
    base = _random_words(rng, 300)
    docs = [base]
    docs.append(_random_words(rng, 40) + base[50:200] + _random_words(rng, 60))  # long passage
    edited = list(base)
    for i in rng.choice(len(edited), size=40, replace=False):
        edited[int(i)] = f"edit{int(i)}"
    docs.append(edited)  # scattered edits
    docs.append(base[:45])  # short excerpt
    docs.append(_random_words(rng, 200))  # stranger
    docs.append(_random_words(rng, 8))  # tiny stranger
    docs.append(base[100:145] + _random_words(rng, 100))  # 1.5-window passage
    mixed = []
    for i in range(0, 300, 10):  # alternating runs of shared and new words
        mixed += base[i : i + 10] if (i // 10) % 2 == 0 else _random_words(rng, 10)
    docs.append(mixed)
    docs.append([])  # no words
    docs.append(_random_words(rng, 120) + base[250:300])
    return docs


def test_finds_pair_sharing_a_long_passage() -> None:
    rng = np.random.default_rng(1)
    passage = _random_words(rng, 120)
    docs = [
        _random_words(rng, 200) + passage + _random_words(rng, 150),
        _random_words(rng, 90),
        _random_words(rng, 30) + passage,
        _random_words(rng, 400),
    ]
    assert _pairs(_windows(docs)) == {(0, 2)}


def test_unrelated_documents_give_no_candidates() -> None:
    rng = np.random.default_rng(2)
    docs = [_random_words(rng, n) for n in (10, 50, 200, 400, 31, 5)]
    out = candidate_pairs(_windows(docs), THRESHOLD, NUM_PERM)
    assert out.pairs.shape == (0, 2)
    assert out.pairs.dtype == np.int32
    assert out.oversized_buckets == 0


def test_no_windows_no_candidates() -> None:
    empty = Windows(np.empty((0, NUM_PERM), np.uint32), np.empty(0, np.int32))
    out = candidate_pairs(empty, THRESHOLD, NUM_PERM)
    assert out.pairs.shape == (0, 2)
    assert out.oversized_buckets == 0


def test_windows_of_the_same_document_do_not_pair() -> None:
    rng = np.random.default_rng(4)
    passage = _random_words(rng, 100)
    docs = [passage + _random_words(rng, 50) + passage, _random_words(rng, 100)]
    assert _pairs(_windows(docs)) == set()


def test_pairs_are_sorted_unique_lo_hi() -> None:
    rng = np.random.default_rng(5)
    text = _random_words(rng, 200)
    docs = [text, _random_words(rng, 50), text, text, _random_words(rng, 50)]
    out = candidate_pairs(_windows(docs), THRESHOLD, NUM_PERM)
    pairs = out.pairs.tolist()
    assert pairs == [[0, 2], [0, 3], [2, 3]]
    assert pairs == sorted(pairs)
    assert all(lo < hi for lo, hi in pairs)


@pytest.mark.parametrize("corpus_seed", [0, 1, 2])
@pytest.mark.parametrize(
    ("threshold", "num_perm", "window", "seed"),
    [(0.4, 128, 30, 1), (0.5, 64, 20, 3), (0.3, 32, 12, 7), (0.7, 256, 30, 11), (0.2, 16, 8, 2)],
)
def test_candidates_equal_datasketch_lsh(
    corpus_seed: int, threshold: float, num_perm: int, window: int, seed: int
) -> None:
    windows = _windows(_corpus(corpus_seed), window=window, num_perm=num_perm, seed=seed)
    ours = _pairs(windows, threshold, num_perm)
    theirs = _datasketch_pairs(windows, threshold, num_perm, seed)
    assert ours == theirs
    # The corpus is built so that both the found and the missed sides are exercised.
    assert ours
    assert (0, 4) not in ours


def test_candidates_equal_datasketch_lsh_near_threshold() -> None:
    # Windows of controlled similarity around the threshold, so banding really decides.
    rng = np.random.default_rng(99)
    num_perm, threshold = 64, 0.5
    sigs = []
    doc = []
    base = rng.integers(0, 2**32, size=num_perm, dtype=np.uint32)
    for i in range(60):
        row = base.copy()
        keep = rng.random(num_perm) < rng.uniform(0.2, 0.9)
        row[~keep] = rng.integers(0, 2**32, size=int((~keep).sum()), dtype=np.uint32)
        sigs.append(row)
        doc.append(i // 2)  # two windows per document
    windows = Windows(np.array(sigs, dtype=np.uint32), np.array(doc, dtype=np.int32))
    ours = _pairs(windows, threshold, num_perm)
    theirs = _datasketch_pairs(windows, threshold, num_perm, 1)
    assert ours == theirs
    n_docs = 30
    assert 0 < len(ours) < n_docs * (n_docs - 1) // 2


@pytest.mark.parametrize("threshold", [round(0.05 * i, 2) for i in range(1, 20)])
@pytest.mark.parametrize("num_perm", [8, 16, 32, 64, 128, 256])
def test_lsh_params_equal_datasketch(threshold: float, num_perm: int) -> None:
    """Computed without datasketch, the same bands and rows it picks, and refused where it refuses."""
    from dedup.errors import ConfigError

    try:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    except ValueError:
        with pytest.raises(ConfigError, match="lsh-threshold"):
            lsh_params(threshold, num_perm)
        return
    assert lsh_params(threshold, num_perm) == (lsh.b, lsh.r)
    bands, rows = lsh_params(threshold, num_perm)
    assert bands * rows <= num_perm


def test_band_keys_equal_rows_equal_keys() -> None:
    sigs = np.array(
        [[1, 2, 3, 4, 5, 6], [1, 2, 3, 9, 9, 9], [1, 2, 4, 4, 5, 6], [3, 2, 1, 4, 5, 6]],
        dtype=np.uint32,
    )
    band0 = band_keys(sigs, 0, 3)
    band1 = band_keys(sigs, 1, 3)
    assert band0.dtype == np.uint64
    assert band0[0] == band0[1]
    assert band0[0] != band0[2]
    assert band0[0] != band0[3]  # order of values within a band matters
    assert band1[0] == band1[2] == band1[3]
    assert band1[0] != band1[1]


def test_large_bucket_pairs_its_members_with_its_first_only() -> None:
    num_perm, threshold = 32, 0.5
    bands, _ = lsh_params(threshold, num_perm)
    n = GROUP_BUCKET + 1
    sigs = np.tile(np.arange(num_perm, dtype=np.uint32), (n, 1))
    windows = Windows(sigs, np.arange(n, dtype=np.int32)[::-1].copy())
    out = candidate_pairs(windows, threshold, num_perm)
    assert out.pairs.tolist() == [[0, d] for d in range(1, n)]
    assert out.oversized_buckets == bands
    # One document fewer: every two of them.
    small = candidate_pairs(Windows(sigs[1:], np.arange(n - 1, dtype=np.int32)), threshold, num_perm)
    assert len(small.pairs) == (n - 1) * (n - 2) // 2
    assert small.oversized_buckets == 0


def test_bucket_size_counts_documents_not_windows() -> None:
    # Many identical windows of two documents make a bucket of two documents, not an oversized one.
    num_perm, threshold = 32, 0.5
    n = GROUP_BUCKET + 10
    sigs = np.tile(np.arange(num_perm, dtype=np.uint32), (n, 1))
    doc = np.zeros(n, dtype=np.int32)
    doc[n // 2 :] = 1
    out = candidate_pairs(Windows(sigs, doc), threshold, num_perm)
    assert out.pairs.tolist() == [[0, 1]]
    assert out.oversized_buckets == 0


def _band_count_by_hand(windows: Windows, threshold: float, num_perm: int) -> dict[tuple[int, int], int]:
    bands, rows = lsh_params(threshold, num_perm)
    count: dict[tuple[int, int], int] = {}
    doc = windows.doc.tolist()
    for band in range(bands):
        keys = band_keys(windows.signatures, band, rows).tolist()
        met = set()
        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                if keys[i] == keys[j] and doc[i] != doc[j]:
                    met.add((min(doc[i], doc[j]), max(doc[i], doc[j])))
        for pair in met:
            count[pair] = count.get(pair, 0) + 1
    return count


@pytest.mark.parametrize(
    ("seed", "threshold", "num_perm", "jobs"), [(0, 0.25, 32, 1), (1, 0.25, 32, 2), (2, 0.4, 64, 2)]
)
def test_stream_finds_the_pairs_and_counts_the_bands_they_met_in(
    seed: int, threshold: float, num_perm: int, jobs: int
) -> None:
    """Band by band, on threads that keep their buffers from band to band (two rows a band), or
    not (other rows), the pairs and band counts are those of every band's keys compared by hand."""
    from dedup.candidates import stream_candidates
    from dedup.sketch import layout

    docs = _corpus(seed)
    seqs = [shingle_hashes(word_hashes(d), K) for d in docs]
    found = stream_candidates(layout(seqs, range(len(seqs)), WINDOW), threshold, num_perm, SEED, jobs)
    by_hand = _band_count_by_hand(
        window_signatures(seqs, list(range(len(seqs))), WINDOW, num_perm, SEED), threshold, num_perm
    )
    assert dict(zip(map(tuple, found.pairs.tolist()), found.bands.tolist(), strict=True)) == by_hand
    assert max(by_hand.values()) > 2  # pairs sharing a passage meet in many bands


def _colliding(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Other shingles with the same low 32 bits (what datasketch sees) and other checks (bits 32-39)."""
    flip = rng.integers(1, 256, size=len(values), dtype=np.uint64) << np.uint64(32)
    return values ^ flip


def test_shared_values_tell_shingles_alike_in_32_bits_apart() -> None:
    from dedup.candidates import shared_bounds
    from dedup.sketch import layout

    rng = np.random.default_rng(5)
    a = rng.integers(0, 2**64, size=200, dtype=np.uint64)
    stranger = rng.integers(0, 2**64, size=150, dtype=np.uint64)
    twin = _colliding(a, rng)  # the same 32-bit values throughout, not one shingle in common
    one_shared = np.concatenate((stranger[:100], a[150:151]))
    short_twin = _colliding(a[:12], rng)  # a sequence shorter than a window
    short_shared = a[5:15].copy()
    seqs = [a, twin, stranger, one_shared, short_twin, short_shared]
    lay = layout(seqs, range(len(seqs)), WINDOW)
    pairs = np.array([(0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (4, 5)], dtype=np.int32)
    sharing = shared_bounds(lay, pairs)[:, 0] > 0
    assert sharing.tolist() == [False, False, True, False, True, False, False]
    # datasketch, seeing only the 32-bit values, takes a and its twin for the same text.
    windows = window_signatures(seqs, list(range(len(seqs))), WINDOW, 32, SEED)
    assert (0, 1) in _pairs(windows, 0.25, 32)


def test_shared_bounds_counts_places_and_distinct_values() -> None:
    from dedup.candidates import shared_bounds
    from dedup.sketch import layout

    rng = np.random.default_rng(11)
    pool = rng.integers(0, 2**64, size=100, dtype=np.uint64)
    # a: 40 places, 38 distinct values (pool[0] three times); b shares pool[0] and pool[1] with it,
    # pool[0] twice. c is a twin of a in the 32 bits datasketch sees (its three copies of pool[0]
    # made three different shingles), and shares nothing with it.
    a = np.concatenate((pool[0:38], pool[[0, 0]]))
    b = np.concatenate((pool[[0, 0, 1]], pool[50:60]))
    c = _colliding(a, rng)
    lay = layout([a, b, c], range(3), WINDOW)
    pairs = np.array([(0, 1), (0, 2), (1, 2)], dtype=np.int32)
    assert shared_bounds(lay, pairs).tolist() == [[4, 3, 38, 12], [0, 0, 38, 40], [0, 0, 12, 40]]


@pytest.mark.parametrize("window", [4, 8, 20])
@pytest.mark.parametrize("only", ["defaults", "near_duplicate", "contained"])
def test_bounds_never_rule_out_a_pair_verification_keeps(window: int, only: str) -> None:
    """Over many random pairs with repeats, boilerplate and shared stretches of every length, every
    pair that verification keeps passes ``may_relate``; and the bound does rule out some. Besides
    the defaults, each relation's own bound is tried alone (the others out of reach)."""
    from dedup.candidates import shared_bounds
    from dedup.config import Settings
    from dedup.sketch import layout
    from dedup.verify import may_relate, measure, sketched

    rng = np.random.default_rng(window)
    pool = rng.integers(0, 2**64, size=400, dtype=np.uint64)
    unreachable = {"overlap_words": 1_000_000, "overlap_share": 1.0}
    settings = {
        "defaults": Settings(),
        "near_duplicate": Settings(near_duplicate=0.3, contained=1.0, **unreachable),
        "contained": Settings(near_duplicate=1.0, contained=0.3, **unreachable),
    }[only]
    kept = ruled_out = 0
    for _ in range(300):
        n_a, n_b = (int(x) for x in rng.integers(1, 80, size=2))
        a = pool[rng.integers(0, 200, size=n_a)]
        b = pool[rng.integers(200, 400, size=n_b)]
        run = int(rng.integers(0, min(n_a, n_b) + 1))
        at_a, at_b = int(rng.integers(0, n_a - run + 1)), int(rng.integers(0, n_b - run + 1))
        b[at_b : at_b + run] = a[at_a : at_a + run]  # a shared stretch, maybe empty
        boiler = np.unique(pool[rng.integers(0, 400, size=int(rng.integers(0, 4)))])
        lay = layout([a, b], range(2), window, boiler)
        if not len(lay.doc) or len(np.unique(lay.sequence)) < 2:
            continue  # boilerplate left one of them nothing to sketch: never an LSH candidate
        bounds = shared_bounds(lay, np.array([(0, 1)], dtype=np.int32))[0].tolist()
        left = sketched("a", a, n_a + K - 1, "a", boiler)
        right = sketched("b", b, n_b + K - 1, "b", boiler)
        pair = measure(left, right, settings)
        assert bounds[2:] == [len(left.distinct), len(right.distinct)]
        assert min(bounds[:2]) >= pair.shared_shingles
        if pair.relation is not None:
            assert may_relate(*bounds, settings)
            kept += 1
        elif not may_relate(*bounds, settings):
            ruled_out += 1
    assert kept > 10 and ruled_out > 10


def _pairs_by_hand(keys: list[int], doc: list[int], limit: int) -> tuple[set[int], int]:
    """Pair codes of documents sharing a key (each with the first only in a bucket of more than
    ``limit`` documents), and the number of such buckets."""
    buckets: dict[int, set[int]] = {}
    for key, d in zip(keys, doc, strict=True):
        buckets.setdefault(key, set()).add(d)
    codes: set[int] = set()
    oversized = 0
    for members in buckets.values():
        ordered = sorted(members)
        if len(members) > limit:
            oversized += 1
            codes.update((ordered[0] << 32) | y for y in ordered[1:])
            continue
        codes.update((x << 32) | y for i, x in enumerate(ordered) for y in ordered[i + 1 :])
    return codes, oversized


@settings(max_examples=200, deadline=None)
@given(
    entries=st.lists(st.tuples(st.integers(0, 12), st.integers(0, 9)), max_size=120),
    limit=st.sampled_from([3, 5, GROUP_BUCKET]),
    reuse=st.booleans(),
)
def test_bucket_pairs_match_pairs_by_hand(entries: list[tuple[int, int]], limit: int, reuse: bool) -> None:
    """Keys shared within one document only, by two documents, or by many (some over the bucket
    limit), with repeats: the same pairs and large buckets as by hand, on both paths."""
    from dedup import candidates

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(candidates, "GROUP_BUCKET", limit)
        _check_bucket_pairs(entries, limit, reuse)


def _check_bucket_pairs(entries: list[tuple[int, int]], limit: int, reuse: bool) -> None:
    from dedup import candidates

    # Keys in the top 40 bits, as the bands' keys are told apart; a few differ only below them.
    keys = [(k * 0x9E3779B97F4A7C15 % (1 << 40)) << 24 | (k % 3) for k, _ in entries]
    doc = [d for _, d in entries]
    expected = _pairs_by_hand([k >> 24 for k in keys], doc, limit)
    key_array = np.array(keys, dtype=np.uint64)
    doc_array = np.array(doc, dtype=np.int32)
    work = candidates._Buffers(len(keys)) if reuse else None
    codes, oversized = candidates._bucket_pairs(key_array.copy(), doc_array, work)
    assert (set(codes.tolist()), oversized) == expected
    # Document numbers too large to pack beside a key take the two-key sort instead.
    big = doc_array.astype(np.int64) + (1 << 24)
    codes, oversized = candidates._bucket_pairs(key_array >> np.uint64(24), big)
    shift = (1 << 24) * ((1 << 32) + 1)
    assert ({c - shift for c in codes.tolist()}, oversized) == expected


def _bounds_one_by_one(lay: Layout, pairs: np.ndarray) -> list[list[int]]:
    """shared_bounds by its definition, a document at a time: each sequence's 40-bit values from
    its own blocks (or its short stretch), and the places of each side whose value the other has."""
    n_long = len(lay.first)

    def values(position: int) -> np.ndarray:
        windows = np.flatnonzero(lay.sequence[:n_long] == position)
        if len(windows):
            cols = slice(int(lay.first[windows[0]]), int(lay.first[windows[-1]]) + 2)
            value, check = lay.blocks[:, cols], lay.checks[:, cols]
        else:
            short = np.flatnonzero(lay.sequence[n_long:] == position)
            if not len(short):
                return np.empty(0, np.uint64)
            ends = np.append(lay.short_start[1:], len(lay.short))
            stretch = slice(int(lay.short_start[short[0]]), int(ends[short[0]]))
            value, check = lay.short[stretch], lay.short_checks[stretch]
        return (value.astype(np.uint64).ravel() << np.uint64(8)) | check.ravel()

    out = []
    for i, j in pairs.tolist():
        mine, theirs = values(i), values(j)
        out.append(
            [
                int(np.isin(mine, theirs).sum()),
                int(np.isin(theirs, mine).sum()),
                len(np.unique(mine)),
                len(np.unique(theirs)),
            ]
        )
    return out


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), window=st.sampled_from([4, 8, 20]))
def test_shared_bounds_as_defined(seed: int, window: int) -> None:
    """Long and short sequences, repeats, boilerplate that empties some, documents in many pairs:
    the counts are those of the definition."""
    from dedup.candidates import shared_bounds
    from dedup.sketch import layout

    rng = np.random.default_rng(seed)
    pool = rng.integers(0, 2**64, size=120, dtype=np.uint64)
    pool[60:90] = _colliding(pool[:30], rng)  # alike in the 32 bits datasketch sees
    seqs = [pool[rng.integers(0, 120, size=int(rng.integers(0, 70)))] for _ in range(12)]
    boiler = np.unique(pool[rng.integers(0, 120, size=int(rng.integers(0, 6)))])
    lay = layout(seqs, range(len(seqs)), window, boiler)
    present = np.unique(lay.sequence)
    if len(present) < 2:
        return
    picks = rng.choice(present, size=(int(rng.integers(1, 30)), 2))
    # In order, as ruled_in gives them: one document's pairs follow each other.
    pairs = np.unique(np.sort(picks[picks[:, 0] != picks[:, 1]], axis=1), axis=0).astype(np.int32)
    assert shared_bounds(lay, pairs).tolist() == _bounds_one_by_one(lay, pairs)
