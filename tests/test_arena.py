"""The arena that carries worker processes' shingles back to the parent, on its own and in a scan."""

from __future__ import annotations

import multiprocessing
import os
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import dedup.pipeline as pipeline
from dedup import Settings, scan
from dedup.arena import Arena

FORKS = multiprocessing.get_start_method() == "fork"


def test_place_and_take_round_trip_and_free_the_slot() -> None:
    arena = Arena(slots=2, slot_bytes=4096)
    first = np.arange(300, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    second = np.arange(512, dtype=np.uint64)
    at_first, at_second = arena.place(first), arena.place(second)
    assert at_first is not None and at_second is not None and at_first != at_second
    assert arena.place(np.ones(10, dtype=np.uint64)) is None  # both slots taken
    assert arena.place(np.ones(513, dtype=np.uint64)) is None  # larger than a slot
    got = arena.take(*at_first, np.copy)
    assert np.array_equal(got, first)
    again = arena.place(np.full(7, 5, dtype=np.uint64))
    assert again is not None and again[0] == at_first[0]  # the freed slot serves again
    assert np.array_equal(arena.take(*at_second, np.copy), second)
    assert np.array_equal(arena.take(*again, np.copy), np.full(7, 5, dtype=np.uint64))
    assert arena.place(np.empty(0, dtype=np.uint64)) is not None


def _place_in_worker(values: list[int]) -> tuple[int, int] | None:
    assert pipeline._INHERITED is not None
    return pipeline._INHERITED.arena.place(np.array(values, dtype=np.uint64))


@pytest.mark.skipif(not FORKS, reason="the arena is shared only with forked workers")
def test_workers_forked_after_the_arena_share_it() -> None:
    arena = Arena.create()
    assert arena is not None
    batches = [list(range(k, k + 100 * k)) for k in range(1, 6)]
    inherited = pipeline.Inherited(arena, [])
    with ProcessPoolExecutor(2, initializer=pipeline._start_worker, initargs=(inherited,)) as pool:
        placed = list(pool.map(_place_in_worker, batches))
    for values, at in zip(batches, placed, strict=True):
        assert at is not None
        assert arena.take(*at, np.copy).tolist() == values


def _article(seed: int) -> str:
    rng = random.Random(seed)
    words = [f"w{rng.randrange(400)}" for _ in range(120)]
    return " ".join(words)


@pytest.mark.skipif(not FORKS, reason="the arena is shared only with forked workers")
@pytest.mark.parametrize("slot_bytes", [1 << 22, 4096])
def test_a_scan_through_the_arena_finds_what_one_without_it_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slot_bytes: int
) -> None:
    """Several worker batches, their shingles carried back in the arena (or, in slots too small
    for them, through the pipe): the same report as one process."""
    for i in range(700):
        text = _article(i % 300) if i % 7 else _article(i % 300) + " appended tail words here"
        (tmp_path / f"{i:04d}.txt").write_text(text, encoding="utf-8")
    taken: list[int] = []
    original_take = Arena.take

    def take(self: Arena, start: int, count: int, into):  # type: ignore[no-untyped-def]
        taken.append(count)
        return original_take(self, start, count, into)

    monkeypatch.setattr(Arena, "take", take)
    monkeypatch.setattr(pipeline.Arena, "create", classmethod(lambda cls: cls(slot_bytes=slot_bytes)))
    two = scan([tmp_path], Settings(jobs=2))
    one = scan([tmp_path], Settings(jobs=1))
    # Three batches of 256 documents of about 120 words: in 4 MB slots, every one.
    assert len(taken) == (3 if slot_bytes > 4096 else 0)
    assert two.pairs == one.pairs and two.documents == one.documents
    assert len(one.pairs) > 300


def _die(*args: object) -> None:
    os._exit(3)


@pytest.mark.skipif(not FORKS, reason="the failing function reaches the workers by being forked")
def test_a_worker_that_dies_is_one_line_and_exit_code_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-scan (as the system kills one that runs out of memory) breaks the pool:
    the library raises WorkerError, and the command says so in one line with exit code 2."""
    from click.testing import CliRunner

    from dedup.cli import cli
    from dedup.errors import WorkerError

    for i in range(300):
        (tmp_path / f"{i:04d}.txt").write_text(_article(i), encoding="utf-8")
    monkeypatch.setattr(pipeline, "prepare_packed", _die)
    with pytest.raises(WorkerError, match="worker process stopped"):
        scan([tmp_path], Settings(jobs=2))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--jobs", "2", "--no-progress"])
    assert result.exit_code == 2
    assert "worker process stopped" in result.output and "Traceback" not in result.output
