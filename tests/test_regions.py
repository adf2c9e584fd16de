from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.regions import reused

K = 5


def mask(*parts: tuple[bool, int]) -> npt.NDArray[np.bool_]:
    """A word mask from (shared, how many words) stretches in text order."""
    return np.concatenate([np.full(n, value, dtype=np.bool_) for value, n in parts])


def test_lone_phrase_far_from_the_passage_is_dropped() -> None:
    m = mask((True, 200), (False, 21), (True, 7), (False, 100))
    assert reused(m, K).tolist() == mask((True, 200), (False, 128)).tolist()


def test_short_run_beside_the_passage_stays() -> None:
    m = mask((True, 200), (False, 12), (True, 6), (False, 100))
    assert reused(m, K).tolist() == m.tolist()


def test_heavily_edited_copy_of_short_runs_stays_whole() -> None:
    # Runs of 5 to 7 words, each a few edited words from the next: no run is long, the copy is.
    parts: list[tuple[bool, int]] = [(False, 40)]
    for n in (5, 6, 5, 7, 5, 6, 5):
        parts += [(True, n), (False, 3)]
    m = mask(*parts, (False, 40))
    assert reused(m, K).tolist() == m.tolist()


def test_empty_and_unshared_masks() -> None:
    assert reused(np.zeros(0, dtype=np.bool_), K).tolist() == []
    assert reused(np.zeros(30, dtype=np.bool_), K).tolist() == [False] * 30


def test_gap_of_exactly_four_shingles_joins_a_region() -> None:
    at_limit = mask((True, 5), (False, 4 * K), (True, 5))
    assert reused(at_limit, K).tolist() == at_limit.tolist()
    beyond = mask((True, 5), (False, 4 * K + 1), (True, 5))
    assert not reused(beyond, K).any()


def test_region_of_exactly_two_shingles_stays() -> None:
    at_limit = mask((False, 30), (True, 2 * K), (False, 30))
    assert reused(at_limit, K).tolist() == at_limit.tolist()
    short = mask((False, 30), (True, 2 * K - 1), (False, 30))
    assert not reused(short, K).any()
    # Counted in shared words, not in the words the region spans.
    split = mask((True, 4), (False, 15), (True, 5))
    assert not reused(split, K).any()


def test_short_document_shared_whole_stays() -> None:
    whole = np.ones(6, dtype=np.bool_)
    assert reused(whole, K).all()
    assert not reused(mask((True, 6), (False, 1)), K).any()


def test_input_is_left_alone_and_bad_size_refused() -> None:
    m = mask((True, 3), (False, 40))
    reused(m, K)
    assert m[:3].all()
    with pytest.raises(ValueError):
        reused(m, 0)


def reused_by_loops(m: list[bool], k: int) -> list[bool]:
    """The rule read plainly: walk the shared words, start a region after a gap over 4k."""
    out = list(m)
    region: list[int] = []
    last = None
    for i, shared in enumerate([*m, True]):
        end = i == len(m)
        if not shared and not end:
            continue
        if region and (end or last is None or i - last - 1 > 4 * k):
            if len(region) < min(2 * k, len(m)):
                for j in region:
                    out[j] = False
            region = []
        if not end:
            region.append(i)
            last = i
    return out


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 30)), max_size=20), st.integers(1, 6))
def test_same_as_the_rule_read_plainly(parts: list[tuple[bool, int]], k: int) -> None:
    m = mask(*parts) if parts else np.zeros(0, dtype=np.bool_)
    assert reused(m, k).tolist() == reused_by_loops(m.tolist(), k)
