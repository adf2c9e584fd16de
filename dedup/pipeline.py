"""The scan: files -> documents -> shingles -> boilerplate -> window sketches -> LSH -> verified pairs.

Each stage is a pure function over a batch; this module only wires them and spreads the
per-document work over processes. The result is the same whatever the number of processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from dedup.boilerplate import boilerplate_shingles
from dedup.candidates import candidate_pairs
from dedup.cluster import clusters
from dedup.config import Settings
from dedup.models import Pair, Report, Skipped
from dedup.prepare import Prepared, prepare_batch
from dedup.sketch import window_signatures
from dedup.sources import Source, discover
from dedup.verify import Sketched, sketched, verify

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; a scan calls it often, so keep it cheap."""

BATCH = 256
"""Files per worker task: large enough that process overhead is small."""


def _batches(items: Sequence[Source], size: int) -> Iterator[Sequence[Source]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def prepare_all(
    sources: Sequence[Source], settings: Settings, progress: Progress | None = None
) -> list[Prepared | Skipped]:
    """Run :func:`prepare_batch` over all sources, in order, on ``settings.effective_jobs()`` processes."""
    jobs = settings.effective_jobs()
    out: list[Prepared | Skipped] = []
    total = len(sources)
    batches = list(_batches(sources, BATCH))
    if jobs == 1 or len(batches) == 1:
        results: Iterator[list[Prepared | Skipped]] = (
            prepare_batch(b, settings.shingle_size, settings.max_bytes) for b in batches
        )
        for result in results:
            out.extend(result)
            if progress:
                progress("reading", len(out), total)
        return out
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(prepare_batch, b, settings.shingle_size, settings.max_bytes) for b in batches]
        for future in futures:
            out.extend(future.result())
            if progress:
                progress("reading", len(out), total)
    return out


def find_pairs(
    prepared: Sequence[Prepared], settings: Settings, stats: dict[str, int] | None = None
) -> list[Pair]:
    """Every reported pair among documents (given in path order), sorted by ``(a, b)``."""
    stats = {} if stats is None else stats
    distinct = [np.unique(p.shingles) for p in prepared]
    boiler = boilerplate_shingles(distinct, settings.boilerplate_docs, settings.boilerplate_share)
    stats["boilerplate_shingles"] = len(boiler)
    filtered = [p.shingles[~np.isin(p.shingles, boiler)] if len(boiler) else p.shingles for p in prepared]
    windows = window_signatures(
        filtered, range(len(prepared)), settings.window, settings.num_perm, settings.seed
    )
    stats["windows"] = len(windows.doc)
    found = candidate_pairs(windows, settings.lsh_threshold, settings.num_perm)
    candidate_set = {(int(a), int(b)) for a, b in found.pairs}
    # Identical texts pair up even when boilerplate left them nothing to sketch.
    by_text: dict[str, list[int]] = {}
    for i, p in enumerate(prepared):
        by_text.setdefault(p.text_hash, []).append(i)
    for group in by_text.values():
        candidate_set.update((x, y) for i, x in enumerate(group) for y in group[i + 1 :])
    stats["candidates"] = len(candidate_set)
    stats["oversized_buckets"] = found.oversized_buckets
    cache: dict[int, Sketched] = {}

    def get(i: int) -> Sketched:
        if i not in cache:
            p = prepared[i]
            cache[i] = sketched(p.document.path, p.shingles, p.document.words, p.text_hash, boiler)
        return cache[i]

    pairs = []
    for a, b in sorted(candidate_set):
        pair = verify(get(a), get(b), settings)
        if pair is not None:
            pairs.append(pair)
    return pairs


def scan(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    cwd: Path | None = None,
    progress: Progress | None = None,
) -> Report:
    """Find every identical, near-duplicate, contained and overlapping pair under ``paths``.

    Example::

        from dedup import scan
        report = scan(["samples/"])
        for pair in report.pairs:
            print(pair.a, pair.relation, pair.b)
    """
    started = time.perf_counter()
    settings = settings or Settings()
    cwd = cwd or Path.cwd()
    sources = discover([str(p) for p in paths], settings, cwd)
    results = prepare_all(sources, settings, progress)
    prepared = [r for r in results if isinstance(r, Prepared)]
    skipped = tuple(r for r in results if isinstance(r, Skipped))
    stats: dict[str, int] = {}
    if progress:
        progress("comparing", 0, 1)
    pairs = find_pairs(prepared, settings, stats)
    if progress:
        progress("comparing", 1, 1)
    attributions = {p.document.path: p.document.attribution for p in prepared}
    return Report(
        documents=tuple(p.document for p in prepared),
        pairs=tuple(pairs),
        clusters=clusters(pairs, attributions),
        skipped=skipped,
        settings=settings.as_dict(),
        seconds=time.perf_counter() - started,
        stats=stats,
    )
