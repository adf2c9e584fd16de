"""The Ray engine: :class:`dedup.engine.Backend` on a Ray cluster (the only module that imports Ray).

``map`` runs one Ray task per task, results taken in the tasks' order. ``shuffle`` is a keyed
repartition made of plain tasks: a split task per input part returns one object per partition,
and a reduce task per partition gets the matching object of every split task, sorts the rows and
reduces them. No ``groupby().map_groups()`` (which cost 2 to 12 times as much as a keyed
repartition) and nothing taken in order of arrival.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

from dedup.engine import Rows, sort_rows, split_rows

T = TypeVar("T")
R = TypeVar("R")

_PUT_BYTES = 1 << 16
"""Arrays at least this large, given to many tasks (the corpus's boilerplate shingles), go to the
object store once rather than with every task."""


def _call(fn: Callable[..., T], *args: Any) -> T:
    return fn(*args)


def _split(rows: Rows, partitions: int) -> Any:
    pieces = split_rows(rows, partitions)
    return pieces[0] if partitions == 1 else tuple(pieces)


def _reduce(fn: Callable[[Rows], R], *pieces: Rows) -> R:
    return fn(sort_rows(pieces))


class RayBackend:
    """Tasks on the Ray cluster at ``address``, or on a local cluster started on this machine
    (loopback only) when there is none; ``partitions`` defaults to twice the cluster's CPUs."""

    name = "ray"

    def __init__(
        self, address: str | None = None, partitions: int | None = None, num_cpus: int | None = None
    ) -> None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        # Taken as Any: Ray's own annotations do not follow its dynamic remote functions.
        ray: Any = importlib.import_module("ray")

        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if address is None:
                options.update(address="local", _node_ip_address="127.0.0.1")
                if num_cpus is not None:
                    options["num_cpus"] = num_cpus
            else:
                options["address"] = address
            ray.init(**options)
            self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.partitions = partitions or max(1, 2 * cpus)
        self._call = ray.remote(_call)
        self._split = ray.remote(_split)
        self._reduce = ray.remote(_reduce)

    def _shared(self, args: tuple[Any, ...], put: dict[int, Any]) -> list[Any]:
        out = []
        for arg in args:
            if isinstance(arg, np.ndarray) and arg.nbytes >= _PUT_BYTES:
                if id(arg) not in put:
                    put[id(arg)] = self._ray.put(arg)
                out.append(put[id(arg)])
            else:
                out.append(arg)
        return out

    def map(self, fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]]) -> Iterator[T]:
        put: dict[int, Any] = {}
        refs = [self._call.remote(fn, *self._shared(task, put)) for task in tasks]
        del put

        def results() -> Iterator[T]:
            while refs:
                # Popped, so that a result is let go once the caller has it.
                value: T = self._ray.get(refs.pop(0))
                yield value

        return results()

    def shuffle(self, parts: Sequence[Rows], reduce: Callable[[Rows], R]) -> list[R]:
        n = self.partitions
        parts = [p for p in parts if len(p) and len(p[0])]
        if not parts:
            return [reduce(()) for _ in range(n)]
        split = self._split.options(num_returns=n)
        pieces: list[Any] = [split.remote(self._ray.put(part), n) for part in parts]
        if n == 1:
            pieces = [[p] for p in pieces]
        reduced = [self._reduce.remote(reduce, *[piece[p] for piece in pieces]) for p in range(n)]
        out: list[R] = self._ray.get(reduced)
        return out

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False
