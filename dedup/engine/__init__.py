"""Engines: the few operations a scan needs to spread its work, behind one small interface.

A scan's stages are dedup's own functions over batches (``prepare_packed``, LSH bucketing,
``check_batch``); an engine only moves data between them:

- ``map(fn, tasks)``: run ``fn(*task)`` for every task, results in the tasks' order;
- ``shuffle(parts, reduce)``: a keyed repartition. Each part is rows (equal-length numpy arrays,
  the first of them the ``uint64`` key); every row goes to partition ``partition_of(key)``, each
  partition's rows are sorted (by all columns) before ``reduce`` sees them, and the results come
  back in partition order. So nothing depends on which piece arrives first.

:class:`InProcess` runs both in this process over any number of partitions, in a shuffled order:
tests use it to show that results do not depend on how the work is cut. ``dedup.engine.ray``
(imported only when asked for) runs them on a Ray cluster.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from dedup.shingle import fmix64

T = TypeVar("T")
R = TypeVar("R")

Rows = tuple[npt.NDArray[Any], ...]
"""Columns of equal length; the first is the ``uint64`` key rows are partitioned on."""

__all__ = ["Backend", "InProcess", "Rows", "partition_of", "sort_rows", "split_rows", "backend"]


class Backend(Protocol):
    """What a distributed scan asks of an engine (see the module's docstring)."""

    name: str
    partitions: int
    """How many partitions a shuffle makes (and how many pieces its input is cut into)."""

    def map(self, fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]]) -> Iterator[T]:
        """``fn(*task)`` for every task, in the tasks' order (started before this returns)."""
        ...

    def shuffle(self, parts: Sequence[Rows], reduce: Callable[[Rows], R]) -> list[R]:
        """``reduce`` of each partition's rows, sorted, in partition order."""
        ...

    def close(self) -> None:
        """Let go of what the engine holds (workers, a cluster it started)."""
        ...


def partition_of(keys: npt.NDArray[np.uint64], partitions: int) -> npt.NDArray[np.int64]:
    """The partition of each key: mixed first, so that keys alike in their low bits spread."""
    mixed = fmix64(keys.astype(np.uint64, copy=False))
    out: npt.NDArray[np.int64] = (mixed % np.uint64(partitions)).astype(np.int64)
    return out


def split_rows(rows: Rows, partitions: int) -> list[Rows]:
    """The map side of a shuffle: ``rows`` cut into one piece per partition."""
    where = partition_of(rows[0], partitions)
    order = np.argsort(where, kind="stable")
    bounds = np.searchsorted(where[order], np.arange(partitions + 1))
    return [tuple(column[order[bounds[p] : bounds[p + 1]]] for column in rows) for p in range(partitions)]


def sort_rows(pieces: Sequence[Rows]) -> Rows:
    """The reduce side's first step: the pieces of one partition as one block of rows, sorted by
    every column (the key first), whatever order the pieces came in."""
    pieces = [p for p in pieces if len(p) and len(p[0])]
    if not pieces:
        return ()
    joined = tuple(np.concatenate(columns) for columns in zip(*pieces, strict=True))
    # By the key alone first (a lexsort of every column took 4 times as long), then rows whose
    # keys tie, a few, by every column: each run of one key keeps its places.
    order = np.argsort(joined[0])
    key = joined[0][order]
    tie = key[1:] == key[:-1]
    if tie.any() and len(joined) > 1:
        tied = np.zeros(len(key), dtype=bool)
        tied[1:] |= tie
        tied[:-1] |= tie
        at = np.flatnonzero(tied)
        rows = order[at]
        order[at] = rows[np.lexsort(tuple(column[rows] for column in joined[::-1]))]
    return tuple(column[order] for column in joined)


class InProcess:
    """The engine in this process: tasks and partitions run one after another, in an order
    shuffled by ``seed`` (results are still returned in order), to show that nothing depends on
    it."""

    name = "in-process"

    def __init__(self, partitions: int = 4, seed: int = 0) -> None:
        if partitions < 1:
            raise ValueError("partitions must be at least 1")
        self.partitions = partitions
        self._random = random.Random(seed)

    def map(self, fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]]) -> Iterator[T]:
        order = list(range(len(tasks)))
        self._random.shuffle(order)
        results: dict[int, T] = {i: fn(*tasks[i]) for i in order}
        return iter([results[i] for i in range(len(tasks))])

    def shuffle(self, parts: Sequence[Rows], reduce: Callable[[Rows], R]) -> list[R]:
        split = [split_rows(rows, self.partitions) for rows in parts if len(rows) and len(rows[0])]
        results: dict[int, R] = {}
        order = list(range(self.partitions))
        self._random.shuffle(order)
        for p in order:
            pieces = [pieces[p] for pieces in split]
            self._random.shuffle(pieces)
            results[p] = reduce(sort_rows(pieces))
        return [results[p] for p in range(self.partitions)]

    def close(self) -> None:
        return None


def backend(name: str, address: str | None = None, partitions: int | None = None) -> Backend:
    """The engine called ``name`` (``in-process`` or ``ray``); ``address`` is a Ray cluster's,
    none for a local cluster on this machine. Only asking for ``ray`` imports Ray."""
    if name == "in-process":
        return InProcess(partitions or 4)
    if name == "ray":
        from dedup.engine.ray import RayBackend

        return RayBackend(address, partitions)
    raise ValueError(f"unknown engine {name!r}: use local, in-process or ray")
