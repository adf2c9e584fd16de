"""The scan on an engine: local mode's pipeline, with its per-batch work (reading and shingling,
verifying and explaining) mapped by the engine, and its LSH buckets made by the engine's keyed
shuffle. Everything else (boilerplate, common wording, near-copy groups, settling, clusters) is
local mode's own code on the driver, so the report is the same, byte for byte.

With an output folder, each stage's output is kept there under ``stages/`` with a completion
marker, keyed on the inputs and settings: a run stopped part way resumes from the last stage done.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, TypeVar

from dedup.candidates import Candidates
from dedup.config import Settings
from dedup.engine import Backend, InProcess
from dedup.engine.lsh import shuffled_candidates
from dedup.engine.outputs import write_outputs
from dedup.models import Report
from dedup.records import SPOOL_FIELD
from dedup.sketch import Layout
from dedup.sources import Source

T = TypeVar("T")

BANDS_PER_PASS = 4
"""LSH bands shuffled together: each pass moves about 20 bytes a window per band."""


class Stages:
    """Stage outputs kept in ``folder``, numbered in the order the scan asks for them (a scan of
    the same inputs with the same settings asks in the same order), each with a marker written
    once it is complete. A fingerprint of the inputs and settings that differs clears them."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder = folder
        self.count = 0
        self.reused: list[str] = []
        mark = folder / "fingerprint"
        if folder.is_dir() and (not mark.is_file() or mark.read_text() != fingerprint):
            shutil.rmtree(folder)
        folder.mkdir(parents=True, exist_ok=True)
        _write(mark, fingerprint.encode())

    def _next(self, name: str) -> tuple[str, Path, Path]:
        self.count += 1
        stem = f"{self.count:03d}-{name}"
        return stem, self.folder / f"{stem}.pkl", self.folder / f"{stem}.done"

    def _load(self, stem: str, data: Path, done: Path) -> Any:
        if not (done.is_file() and data.is_file()):
            return None
        with open(data, "rb") as f:
            value = pickle.load(f)
        self.reused.append(stem)
        return value

    @staticmethod
    def _keep(value: object, data: Path, done: Path) -> None:
        _write(data, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        _write(done, b"")

    def run(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, or what it returned in an earlier run that completed this stage."""
        stem, data, done = self._next(name)
        kept = self._load(stem, data, done)
        if kept is not None:
            value: T = kept
            return value
        value = compute()
        self._keep(value, data, done)
        return value

    def run_each(self, name: str, compute: Callable[[], Iterator[T]]) -> Iterator[T]:
        """The items of ``compute()`` as they come (kept once all have come), or the items an
        earlier run that completed this stage kept. The stage is numbered now, whenever its
        items are taken."""
        stem, data, done = self._next(name)
        kept = self._load(stem, data, done)
        if kept is not None:
            items: list[T] = kept
            return iter(items)

        coming = compute()  # started now, as a map without stages starts its tasks

        def each() -> Iterator[T]:
            items: list[T] = []
            for item in coming:
                items.append(item)
                yield item
            self._keep(items, data, done)

        return each()


def _write(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".part")
    with open(temporary, "wb") as f:
        f.write(data)
    os.replace(temporary, path)


def fingerprint(
    sources: Sequence[Source],
    settings: Settings,
    explain_spans: bool,
    reference: Sequence[str] = (),
    cwd: Path | None = None,
) -> str:
    """What a stage's output depends on: every input's name, size and time, the settings, and
    which documents are references (``against``). A record copied into the scan's spool (a
    folder new every run) counts by its record file's size and time (below ``cwd``)."""
    digest = hashlib.sha256()
    head = [settings.as_dict(), explain_spans, sorted(reference)]
    digest.update(json.dumps(head, sort_keys=True, default=str).encode())
    stats: dict[str, tuple[int, int]] = {}
    for source in sources:
        path = str(source.path)
        if source.record is not None and source.record.field == SPOOL_FIELD:
            path = str((cwd or Path.cwd()) / source.record.file)
        if path not in stats:
            try:
                st = os.stat(path)
                stats[path] = (st.st_size, st.st_mtime_ns)
            except OSError:
                stats[path] = (-1, -1)
        record = source.record
        where = (record.file, record.position, record.offset, record.length) if record else None
        digest.update(repr((source.display, path, stats[path], where)).encode())
        digest.update(b"\0")
    return digest.hexdigest()


class EnginePool(Executor):
    """What local mode's pipeline takes for its process pool, mapping through an engine."""

    def __init__(self, backend: Backend, stages: Stages | None = None) -> None:
        self.backend = backend
        self.stages = stages

    def map(
        self,
        fn: Callable[..., T],
        *iterables: Iterable[Any],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[T]:
        tasks = list(zip(*iterables, strict=False))
        if self.stages is None:
            return self.backend.map(fn, tasks)
        return self.stages.run_each(fn.__name__, lambda: self.backend.map(fn, tasks))


class Distributed:
    """A scan's engine, as the pipeline uses it: ``start`` gives the pool for a scan of
    ``sources``; ``find`` makes the LSH candidates."""

    def __init__(
        self, backend: Backend, output_dir: Path | None = None, bands_per_pass: int = BANDS_PER_PASS
    ) -> None:
        self.backend = backend
        self.output_dir = output_dir
        self.bands_per_pass = bands_per_pass
        self.pool: EnginePool | None = None
        self.counts: dict[str, int] = {}
        """What the engine moved: LSH rows shuffled and passes (see ``shuffled_candidates``)."""
        self.reference: Sequence[str] = ()
        """The reference documents of a scan ``against`` them (the pipeline sets it)."""

    def start(
        self, sources: Sequence[Source], settings: Settings, explain_spans: bool, cwd: Path | None = None
    ) -> EnginePool:
        stages = None
        if self.output_dir is not None:
            mark = fingerprint(sources, settings, explain_spans, self.reference, cwd)
            stages = Stages(self.output_dir / "stages", mark)
        self.pool = EnginePool(self.backend, stages)
        return self.pool

    def find(self, lay: Layout, threshold: float, num_perm: int, seed: int) -> Candidates:
        def compute() -> Candidates:
            return shuffled_candidates(
                lay, threshold, num_perm, seed, self.backend, self.bands_per_pass, counts=self.counts
            )

        stages = self.pool.stages if self.pool is not None else None
        return compute() if stages is None else stages.run("lsh", compute)

    @property
    def reused(self) -> list[str]:
        """The stages an earlier run had completed, taken from the output folder."""
        return [] if self.pool is None or self.pool.stages is None else list(self.pool.stages.reused)


def scan_distributed(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    backend: Backend | None = None,
    *,
    output_dir: str | Path | None = None,
    bands_per_pass: int = BANDS_PER_PASS,
    **options: Any,
) -> Report:
    """:func:`dedup.scan` with its work spread by ``backend`` (in this process when not given):
    the same report. With ``output_dir``, stage outputs are kept there and reused by a later run
    of the same inputs and settings, and the report is written there as Parquet files
    (:func:`write_outputs`). ``options`` are :func:`dedup.scan`'s.

    Example::

        from dedup.engine import backend
        from dedup.engine.scan import scan_distributed
        report = scan_distributed(["corpus/"], backend=backend("ray"), output_dir="out/")
    """
    from dedup.pipeline import scan

    engine = Distributed(backend or InProcess(), Path(output_dir) if output_dir else None, bands_per_pass)
    report = scan(paths, settings, engine=engine, **options)
    if output_dir is not None:
        write_outputs(report, Path(output_dir))
    return report
