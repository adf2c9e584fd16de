from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.config import Settings
from dedup.models import Pair
from dedup.regions import reused
from dedup.verify import Sketched, covered_words, longest_run, measure, relation_of, sketched, verify

K = 5
# Explicit thresholds: these tests check the rules, not the defaults (which the README justifies).
SETTINGS = Settings(near_duplicate=0.8, contained=0.8, overlap_words=50, specific_words=40, overlap_share=0.2)
NO_BOILERPLATE = np.empty(0, dtype=np.uint64)


def _seq(*ranges: range | list[int]) -> np.ndarray:
    values: list[int] = []
    for r in ranges:
        values.extend(r)
    return np.array(values, dtype=np.uint64)


def _doc(
    path: str,
    sequence: np.ndarray,
    text_hash: str | None = None,
    boilerplate: np.ndarray = NO_BOILERPLATE,
) -> Sketched:
    """A document whose shingles are ``sequence`` (so it has len + K - 1 words)."""
    return sketched(path, sequence, len(sequence) + K - 1, text_hash or f"hash-{path}", boilerplate)


def test_overlap_numbers_exact() -> None:
    a = _doc("a.txt", _seq(range(0, 100)))
    b = _doc("b.txt", _seq(range(60, 200)))
    pair = verify(a, b, SETTINGS)
    assert pair == Pair(
        a="a.txt",
        b="b.txt",
        relation="overlap",
        jaccard=0.2,  # 40 shared / 200 in the union
        a_in_b=0.4,  # 40 / 100
        b_in_a=0.2857,  # 40 / 140, rounded to 4 places
        shared_shingles=40,
        shared_words_a=44,  # shingles 60..99 cover words 60..103
        shared_words_b=44,  # shingles 0..39 cover words 0..43
        longest_passage=44,  # 40 consecutive shingles span 44 words
        specific_passage=None,  # no corpus told which wording is common
    )
    # Passage 44 < 50 words, but >= 25 with 40% of a shared: the short-passage rule applies.
    assert pair.direction is None


def test_contained_numbers_and_direction() -> None:
    a = _doc("a.txt", _seq(range(1000, 1100)))
    b = _doc("b.txt", _seq(range(0, 50), range(1000, 1100), range(2000, 2150)))
    pair = verify(a, b, SETTINGS)
    assert pair is not None
    assert pair.relation == "contained"
    assert pair.jaccard == 0.3333
    assert (pair.a_in_b, pair.b_in_a) == (1.0, 0.3333)
    assert pair.shared_shingles == 100
    assert pair.longest_passage == 104
    assert pair.shared_words_a == 104  # all of a
    assert pair.shared_words_b == 104
    assert pair.direction == "a_in_b"
    reverse = verify(b, a, SETTINGS)
    assert reverse is not None
    assert reverse.direction == "b_in_a"


def test_near_duplicate_beats_contained() -> None:
    # a is wholly inside b (containment 1.0) and b is barely longer: Jaccard 100/110.
    a = _doc("a.txt", _seq(range(0, 100)))
    b = _doc("b.txt", _seq(range(0, 100), range(500, 510)))
    pair = verify(a, b, SETTINGS)
    assert pair is not None
    assert pair.relation == "near-duplicate"
    assert pair.jaccard == round(100 / 110, 4)
    assert pair.a_in_b == 1.0


def test_identical_beats_everything() -> None:
    a = _doc("a.txt", _seq(range(0, 10)), text_hash="same")
    b = _doc("b.txt", _seq(range(0, 10), range(100, 200)), text_hash="same")
    pair = verify(a, b, SETTINGS)
    assert pair is not None
    assert pair.relation == "identical"
    assert pair.a_in_b == 1.0
    assert pair.b_in_a == round(10 / 110, 4)


def test_identical_even_when_only_boilerplate() -> None:
    seq = _seq(range(0, 20))
    a = _doc("a.txt", seq, text_hash="same", boilerplate=seq)
    b = _doc("b.txt", seq, text_hash="same", boilerplate=seq)
    pair = verify(a, b, SETTINGS)
    assert pair is not None
    assert pair.relation == "identical"
    assert (pair.jaccard, pair.a_in_b, pair.b_in_a) == (1.0, 1.0, 1.0)
    assert pair.shared_shingles == 0
    assert pair.longest_passage == 0
    assert pair.shared_words_a == 0


def test_contained_beats_overlap() -> None:
    # A long shared passage (overlap) that is also 90% of a (contained).
    a = _doc("a.txt", _seq(range(0, 180), range(5000, 5020)))
    b = _doc("b.txt", _seq(range(0, 180), range(6000, 6500)))
    pair = verify(a, b, SETTINGS)
    assert pair is not None
    assert pair.relation == "contained"
    assert pair.a_in_b == 0.9
    assert pair.longest_passage == 184


def test_overlap_by_long_passage_alone() -> None:
    # 60 shared shingles (64 words) in two long documents: a small share, a long passage.
    a = _doc("a.txt", _seq(range(0, 500), range(10_000, 10_060), range(500, 1000)))
    b = _doc("b.txt", _seq(range(20_000, 20_700), range(10_000, 10_060)))
    pair = verify(a, b, SETTINGS)
    assert pair is not None
    assert pair.relation == "overlap"
    assert pair.longest_passage == 64
    assert pair.a_in_b == round(60 / 1060, 4)
    assert pair.shared_words_a == 64
    assert pair.shared_words_b == 64


def test_short_shared_passage_in_long_documents_is_not_reported() -> None:
    # 30 shared shingles = 34 words: under 40 and 50 words and only ~3% of either document.
    a = _doc("a.txt", _seq(range(0, 500), range(10_000, 10_030), range(500, 1000)))
    b = _doc("b.txt", _seq(range(20_000, 21_000), range(10_000, 10_030)))
    assert verify(a, b, SETTINGS) is None


def test_scattered_shared_shingles_make_no_long_passage() -> None:
    # Half of a's shingles are shared, never two in a row there; in b they are all in a row. The
    # longest passage is the longer of the two runs (a passage counts where either side has it).
    shared = list(range(0, 200, 2))
    a = _doc("a.txt", _seq(range(0, 200)))
    b = _doc("b.txt", _seq(shared))
    pair = verify(a, b, SETTINGS)
    assert pair is not None
    assert pair.relation == "contained"  # b's shingles are all in a
    assert pair.b_in_a == 1.0
    assert pair.longest_passage == 100 + K - 1
    # Shingles 0, 2, ..., 198 of a cover words 0..202 (word 203 is only in shingle 199).
    assert pair.shared_words_a == 203
    assert pair.shared_words_b == 104


def test_nothing_shared_is_none() -> None:
    a = _doc("a.txt", _seq(range(0, 100)))
    b = _doc("b.txt", _seq(range(100, 200)))
    assert verify(a, b, SETTINGS) is None


def test_boilerplate_excluded_from_sets() -> None:
    footer = list(range(9000, 9036))
    boiler = np.array(footer, dtype=np.uint64)
    a = _doc("a.txt", _seq(range(0, 300), footer), boilerplate=boiler)
    b = _doc("b.txt", _seq(range(1000, 1300), footer), boilerplate=boiler)
    assert len(a.distinct) == 300
    assert not np.isin(a.distinct, boiler).any()
    assert len(a.sequence) == 336  # the sequence keeps boilerplate for word positions
    # Without exclusion the footer alone would be a 40-word passage covering 12% of each.
    assert verify(a, b, SETTINGS) is None
    plain_a = _doc("a.txt", _seq(range(0, 300), footer))
    plain_b = _doc("b.txt", _seq(range(1000, 1300), footer))
    with_footer = verify(plain_a, plain_b, SETTINGS.replace(overlap_words=40))
    assert with_footer is not None
    assert with_footer.shared_shingles == 36


def test_boilerplate_breaks_a_passage_and_leaves_the_numbers() -> None:
    boiler = np.array([50], dtype=np.uint64)
    a = _doc("a.txt", _seq(range(0, 100)), boilerplate=boiler)
    b = _doc("b.txt", _seq(range(0, 100), range(200, 300)), boilerplate=boiler)
    pair = verify(a, b, SETTINGS.replace(contained=1.0, near_duplicate=1.0))
    assert pair is not None
    assert pair.shared_shingles == 99
    assert pair.a_in_b == 1.0
    assert pair.b_in_a == round(99 / 199, 4)
    assert pair.jaccard == round(99 / 199, 4)
    assert pair.longest_passage == 50 + K - 1  # shingles 0..49, then the boilerplate one
    assert pair.shared_words_a == 104  # shingle 50's words are covered by its neighbours


def test_sketched_sorts_and_dedups() -> None:
    s = sketched("x", np.array([5, 3, 5, 9, 3], dtype=np.uint64), 9, "h", NO_BOILERPLATE)
    assert s.distinct.tolist() == [3, 5, 9]
    assert s.sequence.tolist() == [5, 3, 5, 9, 3]
    assert (s.path, s.words, s.text_hash) == ("x", 9, "h")


@pytest.mark.parametrize(
    ("identical", "jaccard", "containment", "passage", "expected"),
    [
        (True, 0.0, 0.0, 0, "identical"),
        (True, 1.0, 1.0, 500, "identical"),
        (False, 0.8, 1.0, 500, "near-duplicate"),
        (False, 0.7999, 1.0, 500, "contained"),
        (False, 0.5, 0.8, 500, "contained"),
        (False, 0.5, 0.7999, 50, "overlap"),
        (False, 0.1, 0.1, 50, "overlap"),
        (False, 0.1, 0.1, 40, "overlap"),  # a specific passage needs fewer words
        (False, 0.1, 0.1, 39, None),
        (False, 0.1, 0.2, 25, "overlap"),  # short passage, large share
        (False, 0.1, 0.1999, 25, None),
        (False, 0.1, 0.9999 * 0.8, 24, "overlap"),  # a large share needs only 2 shingles' words
        (False, 0.1, 0.9999 * 0.8, 9, None),
        (False, 0.0, 0.0, 0, None),
    ],
)
def test_relation_precedence(
    identical: bool, jaccard: float, containment: float, passage: int, expected: str | None
) -> None:
    assert relation_of(identical, jaccard, containment, passage, SETTINGS) == expected


@pytest.mark.parametrize(
    ("passage", "specific", "expected"),
    [
        (50, (0, 0.0), "overlap"),  # a long passage counts, common wording and all
        (49, (0, 0.0), None),  # a formula's run: 49 words, half a document, all common wording
        (49, (39, 0.1999), None),
        (49, (40, 0.0), "overlap"),  # the pair's own wording, long enough alone
        (49, (10, 0.2), "overlap"),  # two shingles' worth of own wording, a good share
        (49, (10, 0.1999), None),
        (49, (9, 1.0), None),
    ],
)
def test_relation_weighs_specific_wording(
    passage: int, specific: tuple[int, float], expected: str | None
) -> None:
    assert relation_of(False, 0.1, 0.5, passage, SETTINGS, specific) == expected


def test_common_wording_is_no_evidence_of_a_short_passage() -> None:
    # 40 shared shingles (44 words) in a row: a passage under 50 words, 40% of a.
    a = _doc("a.txt", _seq(range(0, 100)))
    b = _doc("b.txt", _seq(range(60, 200)))
    formula = np.arange(60, 100, dtype=np.uint64)
    assert measure(a, b, SETTINGS, common=formula).relation is None
    # The first 20 are the pair's own wording: 24 words, 20% of a, make an overlap again.
    pair = measure(a, b, SETTINGS, common=formula[20:])
    assert (pair.relation, pair.specific_passage) == ("overlap", 24)
    assert pair.longest_passage == 44 and pair.shared_shingles == 40  # the other figures stay
    assert measure(a, b, SETTINGS, common=np.empty(0, dtype=np.uint64)).specific_passage == 44
    # A long passage counts however common its wording.
    assert measure(a, b, SETTINGS.replace(overlap_words=44), common=formula).relation == "overlap"


def test_relation_uses_settings_thresholds() -> None:
    strict = Settings(
        near_duplicate=0.95, contained=0.95, overlap_words=100, specific_words=100, overlap_share=0.5
    )
    assert relation_of(False, 0.9, 0.49, 99, strict) is None
    assert relation_of(False, 0.9, 0.9, 9, strict) is None
    assert relation_of(False, 0.9, 0.9, 10, strict) == "overlap"  # two shingles' words, 90% shared
    assert relation_of(False, 0.95, 0.9, 0, strict) == "near-duplicate"
    assert relation_of(False, 0.9, 0.95, 0, strict) == "contained"
    assert relation_of(False, 0.9, 0.9, 100, strict) == "overlap"
    assert relation_of(False, 0.1, 0.5, 50, strict) == "overlap"
    assert relation_of(False, 0.1, 0.49, 50, strict) is None


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        ([], 0),
        ([False, False], 0),
        ([True], 1),
        ([True, True, False, True], 2),
        ([False, True, True, True], 3),
        ([True, False, True, False, True, True, True, True, False], 4),
        ([True] * 10, 10),
    ],
)
def test_longest_run(mask: list[bool], expected: int) -> None:
    assert longest_run(np.array(mask, dtype=bool)) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.booleans(), max_size=60))
def test_longest_run_matches_naive(mask: list[bool]) -> None:
    best = run = 0
    for value in mask:
        run = run + 1 if value else 0
        best = max(best, run)
    assert longest_run(np.array(mask, dtype=bool)) == best


@pytest.mark.parametrize(
    ("mask", "words", "k", "expected"),
    [
        ([False, False, False], 7, 5, 0),
        ([True, False, False], 7, 5, 0),  # one shingle alone: an incidental 5-word match
        ([True, False, True], 7, 5, 7),
        ([False, True, False], 7, 5, 0),
        ([True, True, True], 7, 5, 7),
        ([True], 3, 5, 3),  # a short text's one shingle covers all its words
        ([True, False, False, False, False, False, True], 11, 5, 10),  # two matches 1 word apart
        ([True] * 6 + [False] * 25 + [True], 36, 5, 10),  # the far one is incidental
        ([True] * 6 + [False] * 19 + [True], 30, 5, 15),  # 15 words apart: beside the passage
    ],
)
def test_covered_words(mask: list[bool], words: int, k: int, expected: int) -> None:
    assert covered_words(np.array(mask, dtype=bool), words, k) == expected


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=8), st.data())
def test_covered_words_matches_naive(k: int, data: st.DataObject) -> None:
    words = data.draw(st.integers(min_value=1, max_value=40))
    n_shingles = words - min(k, words) + 1
    mask = data.draw(st.lists(st.booleans(), min_size=n_shingles, max_size=n_shingles))
    width = min(k, words)
    covered = {w for i, m in enumerate(mask) if m for w in range(i, i + width)}
    expected = reused(np.array([w in covered for w in range(words)], dtype=bool), k)
    assert covered_words(np.array(mask, dtype=bool), words, k) == int(expected.sum())


def test_wholly_quoted_runs_are_not_passages_but_copied_text_with_quotes_is() -> None:
    shared = list(range(100, 160))
    a = _doc("a.txt", _seq(range(0, 50), shared, range(200, 250)))
    b = _doc("b.txt", _seq(range(300, 350), shared, range(400, 450)))
    quoted_a = np.zeros(len(a.sequence), dtype=bool)
    quoted_b = np.zeros(len(b.sequence), dtype=bool)
    quoted_a[50:110] = quoted_b[50:110] = True  # the shared run is a quotation in both
    qa = dataclasses.replace(a, quoted=quoted_a)
    qb = dataclasses.replace(b, quoted=quoted_b)
    assert measure(qa, qb, SETTINGS).longest_passage == 0
    # Copied text that holds a quotation among unquoted words is a passage, quotes and all.
    quoted_a[:] = quoted_b[:] = False
    quoted_a[70:90] = quoted_b[70:90] = True
    qa = dataclasses.replace(a, quoted=quoted_a)
    qb = dataclasses.replace(b, quoted=quoted_b)
    assert measure(qa, qb, SETTINGS).longest_passage == 60 + K - 1


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.integers(0, 40), max_size=30),
    st.lists(st.integers(0, 40), max_size=30),
    st.lists(st.integers(0, 40), max_size=5),
)
def test_verify_is_measure_with_its_relation(a: list[int], b: list[int], boiler: list[int]) -> None:
    """verify's shortcut for pairs that share nothing gives what measure says, for any sets."""
    bp = np.unique(np.array(boiler, dtype=np.uint64))
    left = sketched("a", np.array(a, dtype=np.uint64), len(a) + 4, str(a), bp)
    right = sketched("b", np.array(b, dtype=np.uint64), len(b) + 4, str(b), bp)
    full = measure(left, right, Settings())
    assert verify(left, right, Settings()) == (full if full.relation is not None else None)
