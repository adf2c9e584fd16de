from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.align import align_words, mark_moved, segments
from dedup.tokens import tokenize


def words(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"w{rng.randrange(5000)}" for _ in range(n)]


def test_identical_sequences_are_one_shared_span() -> None:
    w = words(200, 1)
    (match,) = align_words(w, w, 5)
    assert (match.a0, match.a1, match.b0, match.b1, match.moved) == (0, 200, 0, 200, False)


def test_moved_block_is_shared_and_marked_moved() -> None:
    head, body, tail = words(30, 1), words(300, 2), words(40, 3)
    a = head + body + tail
    b = body + head + tail  # the head moved behind the body
    matches = align_words(a, b, 5)
    covered = sum(m.a1 - m.a0 for m in matches)
    assert covered == len(a)
    moved = [m for m in matches if m.moved]
    assert [(m.a0, m.a1) for m in moved] == [(0, 30)]


def test_changed_word_is_an_edit_inside_one_span() -> None:
    a = words(400, 4)
    b = list(a)
    b[200] = "changed"
    (match,) = align_words(a, b, 5)
    assert (match.a0, match.a1) == (0, 400)
    (edit,) = match.edits
    assert (edit.a0, edit.a1, edit.b0, edit.b1) == (200, 201, 200, 201)


def test_inserted_words_are_an_edit() -> None:
    a = words(300, 5)
    b = a[:100] + ["new", "words"] + a[100:]
    (match,) = align_words(a, b, 5)
    (edit,) = match.edits
    assert (edit.a0, edit.a1, edit.b0, edit.b1) == (100, 100, 100, 102)


def test_unrelated_sequences_share_nothing() -> None:
    assert align_words(words(300, 6), words(300, 7), 5) == []


def test_mark_moved_keeps_the_heaviest_ordered_chain() -> None:
    a = words(20, 8) + words(500, 9)
    b = words(500, 9) + words(20, 8)
    matches = align_words(a, b, 5)
    assert [m.moved for m in matches] == [True, False]
    reweighted = mark_moved(matches, [1000, 1])
    assert [m.moved for m in reweighted] == [False, True]


def test_segments_tile_the_text() -> None:
    text = "  Hello, world! Shared words here. Tail."
    tokens = tokenize(text)
    segs = segments(text, tokens, [(2, 5)])
    assert segs[0].start == 0 and segs[-1].end == len(text)
    assert all(x.end == y.start for x, y in zip(segs, segs[1:], strict=False))
    assert [s.match for s in segs] == [None, 0, None]
    assert text[segs[1].start : segs[1].end].startswith("Shared words here")


def test_two_large_documents_align() -> None:
    # About 1 MB each: 170,000 words with a moved block and scattered edits. Its speed is measured
    # in benchmarks/explain_speed.py, not here.
    a = words(170_000, 10)
    b = a[50_000:60_000] + a[:50_000] + a[60_000:]
    for i in range(0, len(b), 997):
        b[i] = "edit"
    matches = align_words(a, b, 5)
    assert sum(m.a1 - m.a0 for m in matches) > 0.99 * len(a)
    (moved,) = [(m.a0, m.a1) for m in matches if m.moved]
    assert moved[0] - 50_000 <= 1 and moved[1] == 60_000  # b[0], the block's first word, was edited


def _runs_by_unique(ha: np.ndarray, hb: np.ndarray) -> np.ndarray:
    """Seed runs with repeat counts from np.unique: the plain reading of the rule."""
    from dedup.align import MAX_SEED_REPEATS

    if len(ha) == 0 or len(hb) == 0:
        return np.empty((0, 3), dtype=np.int64)
    values_b, counts_b = np.unique(hb, return_counts=True)
    values_a, counts_a = np.unique(ha, return_counts=True)
    in_b = dict(zip(values_b.tolist(), counts_b.tolist(), strict=True))
    in_a = dict(zip(values_a.tolist(), counts_a.tolist(), strict=True))
    seeds = sorted(
        (j - i, i)
        for i, v in enumerate(ha.tolist())
        if 0 < in_b.get(v, 0) <= MAX_SEED_REPEATS and in_a[v] <= MAX_SEED_REPEATS
        for j in np.flatnonzero(hb == v).tolist()
    )
    rows: list[list[int]] = []
    for diag, i in seeds:
        if rows and rows[-1][1] - rows[-1][0] == diag and rows[-1][0] + rows[-1][2] == i:
            rows[-1][2] += 1
        else:
            rows.append([i, i + diag, 1])
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 6), max_size=160),
    st.lists(st.integers(0, 6), max_size=160),
)
def test_seed_runs_skip_values_repeated_too_often(a: list[int], b: list[int]) -> None:
    from dedup.align import _runs

    ha = np.array(a, dtype=np.uint64)
    hb = np.array(b, dtype=np.uint64)
    assert _runs(ha, hb).tolist() == _runs_by_unique(ha, hb).tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=120), st.lists(st.integers(0, 300), max_size=120, unique=True))
def test_seed_runs_when_the_second_text_repeats_nothing(a: list[int], b: list[int]) -> None:
    from dedup.align import _runs

    ha = np.array(a, dtype=np.uint64)
    hb = np.array(b, dtype=np.uint64)
    assert _runs(ha, hb).tolist() == _runs_by_unique(ha, hb).tolist()


def test_gap_holding_a_moved_run_is_not_an_edit() -> None:
    # A: head, three dropped words, body, tail. B: head, tail (moved into the gap), body. Joining
    # head and body across B's gap would swallow the tail's place in B into the head-body span.
    head, dropped, body, tail = words(20, 11), words(3, 12), words(20, 13), words(6, 14)
    matches = align_words(head + dropped + body + tail, head + tail + body, 5)
    assert [(m.a0, m.a1, m.b0, m.b1, m.edits) for m in matches] == [
        (0, 20, 0, 20, ()),
        (23, 43, 26, 46, ()),
        (43, 49, 20, 26, ()),
    ]
    b_ranges = sorted((m.b0, m.b1) for m in matches)
    assert all(x[1] <= y[0] for x, y in zip(b_ranges, b_ranges[1:], strict=False))
