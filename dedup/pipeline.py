"""The scan: files -> documents -> shingles -> boilerplate -> window sketches -> LSH -> verified pairs.

Each stage is a pure function over a batch; this module only wires them and spreads the
per-document work over processes. The result is the same whatever the number of processes.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from itertools import repeat
from pathlib import Path

import numpy as np

from dedup.boilerplate import boilerplate_shingles, corpus_boilerplate
from dedup.candidates import stream_candidates
from dedup.cluster import clusters
from dedup.config import Settings
from dedup.errors import InputError
from dedup.explain import explain
from dedup.index import Index, RefreshStats, with_index
from dedup.models import Comparison, Pair, Report, Skipped
from dedup.prepare import Prepared, prepare_batch
from dedup.shingle import U64, sorted_unique
from dedup.sketch import layout
from dedup.sources import Source, Text, discover, display_path, read_text
from dedup.verify import Sketched, measure, sketched, verify

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; a scan calls it often, so keep it cheap."""

BATCH = 256
"""Files per worker task: large enough that process overhead is small."""


def _batches(items: Sequence[Source], size: int) -> Iterator[Sequence[Source]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def prepare_all(
    sources: Sequence[Source],
    settings: Settings,
    progress: Progress | None = None,
    pool: Executor | None = None,
) -> list[Prepared | Skipped]:
    """Run :func:`prepare_batch` over all sources, in order, on ``pool`` when given."""
    out: list[Prepared | Skipped] = []
    total = len(sources)
    batches = list(_batches(sources, BATCH))
    if pool is None or len(batches) == 1:
        results: Iterator[list[Prepared | Skipped]] = (
            prepare_batch(b, settings.shingle_size, settings.max_bytes) for b in batches
        )
    else:
        results = pool.map(prepare_batch, batches, repeat(settings.shingle_size), repeat(settings.max_bytes))
    for result in results:
        out.extend(result)
        if progress:
            progress("reading", len(out), total)
    return out


def find_pairs(
    prepared: Sequence[Prepared],
    settings: Settings,
    stats: dict[str, int] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[list[Pair], U64]:
    """Every reported pair among documents (given in path order), sorted by ``(a, b)``, and the
    corpus's boilerplate shingles."""
    stats = {} if stats is None else stats
    clock = time.perf_counter()
    boiler = corpus_boilerplate(
        [p.shingles for p in prepared], settings.boilerplate_docs, settings.boilerplate_share
    )
    stats["boilerplate_shingles"] = len(boiler)
    clock = _lap(timings, "boilerplate", clock)
    lay = layout([p.shingles for p in prepared], range(len(prepared)), settings.window, boiler)
    stats["windows"] = len(lay.doc)
    found = stream_candidates(
        lay, settings.lsh_threshold, settings.num_perm, settings.seed, settings.effective_jobs()
    )
    clock = _lap(timings, "sketch+lsh", clock)
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
            cache[i] = sketched(p.document.path, p.shingles, p.document.words, p.text_hash, boiler, p.quoted)
        return cache[i]

    pairs = []
    for a, b in sorted(candidate_set):
        pair = verify(get(a), get(b), settings)
        if pair is not None:
            pairs.append(pair)
    _lap(timings, "verify", clock)
    return pairs, boiler


def _lap(timings: dict[str, float] | None, stage: str, since: float) -> float:
    now = time.perf_counter()
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + now - since
    return now


def with_explanation(
    pair: Pair, texts: Mapping[str, str], settings: Settings, boilerplate: U64 | None = None
) -> Pair:
    """The pair with its explanation attached (aligned, labelled spans, verdict, summary)."""
    explanation = explain(
        pair.a,
        texts[pair.a],
        pair.b,
        texts[pair.b],
        shingle_size=settings.shingle_size,
        contained=settings.contained,
        a_in_b=pair.a_in_b,
        b_in_a=pair.b_in_a,
        boilerplate=boilerplate,
    )
    return dataclasses.replace(pair, explanation=explanation)


def explain_pairs(
    pairs: Sequence[Pair], texts: Mapping[str, str], settings: Settings, boilerplate: U64
) -> list[Pair]:
    """The pairs with their explanations attached."""
    return [with_explanation(pair, texts, settings, boilerplate) for pair in pairs]


def explain_batch(
    pairs: Sequence[Pair], sources: Mapping[str, Source], settings: Settings, boilerplate: U64
) -> list[Pair]:
    """Read the documents of some pairs and explain each pair: a pure task for a worker process."""
    needed = {p.a for p in pairs} | {p.b for p in pairs}
    texts = read_texts([sources[path] for path in sorted(needed)], settings.max_bytes)
    return explain_pairs([p for p in pairs if p.a in texts and p.b in texts], texts, settings, boilerplate)


EXPLAIN_BATCH = 64
"""Pairs per worker task when explaining."""


def explain_all(
    pairs: Sequence[Pair],
    sources: Mapping[str, Source],
    settings: Settings,
    boilerplate: U64,
    pool: Executor | None = None,
) -> list[Pair]:
    """Every pair explained, in order, on ``pool`` when given. A document that can no longer be read
    leaves its pairs without an explanation."""
    batches = [pairs[i : i + EXPLAIN_BATCH] for i in range(0, len(pairs), EXPLAIN_BATCH)]
    if pool is None or len(batches) <= 1:
        done = [explain_batch(b, sources, settings, boilerplate) for b in batches]
    else:
        # Each task gets only the sources it needs, not the whole corpus's.
        tasks = [{p: sources[p] for pair in b for p in (pair.a, pair.b)} for b in batches]
        done = list(pool.map(explain_batch, batches, tasks, repeat(settings), repeat(boilerplate)))
    explained = {(p.a, p.b): p for batch in done for p in batch}
    return [explained.get((p.a, p.b), p) for p in pairs]


def read_texts(sources: Sequence[Source], max_bytes: int) -> dict[str, str]:
    """The decoded texts of some documents, by display path (documents that fail are left out)."""
    out = {}
    for source in sources:
        text = read_text(source, max_bytes)
        if isinstance(text, Text):
            out[source.display] = text.text
    return out


def scan(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    cwd: Path | None = None,
    progress: Progress | None = None,
    explain_spans: bool = True,
    keep_texts: bool = False,
    use_index: bool = False,
    warn: Callable[[str], None] = lambda message: None,
) -> Report:
    """Find every identical, near-duplicate, contained and overlapping pair under ``paths``.

    With ``explain_spans`` (the default) every pair carries its explanation: shared and divergent
    spans, labelled, and a verdict on which document is the original. With ``keep_texts`` the
    report also holds the texts of the documents in pairs, for views that print them. With
    ``use_index`` the persistent index (``settings.index``) supplies every unchanged document, so
    only added and changed files are read; the results are the same.

    Example::

        from dedup import scan
        report = scan(["samples/"])
        for pair in report.pairs:
            print(pair.a, pair.relation, pair.b)
    """
    started = time.perf_counter()
    settings = settings or Settings()
    cwd = cwd or Path.cwd()
    timings: dict[str, float] = {}
    sources = discover([str(p) for p in paths], settings, cwd)
    clock = _lap(timings, "discover", started)
    jobs = settings.effective_jobs()

    def run(index: Index | None) -> Report:
        with (
            ProcessPoolExecutor(max_workers=jobs) if jobs > 1 and len(sources) > BATCH else _inline() as pool
        ):
            return _scan(
                sources,
                settings,
                pool,
                progress,
                explain_spans,
                keep_texts,
                timings,
                clock,
                started,
                index,
                [str(cwd / p) for p in paths],
            )

    if use_index:
        return with_index(cwd / settings.index, cwd, settings, warn, run)
    return run(None)


@contextmanager
def _inline() -> Iterator[None]:
    yield None


def _scan(
    sources: Sequence[Source],
    settings: Settings,
    pool: Executor | None,
    progress: Progress | None,
    explain_spans: bool,
    keep_texts: bool,
    timings: dict[str, float],
    clock: float,
    started: float,
    index: Index | None = None,
    paths: Sequence[str] = (),
) -> Report:
    # Reading builds hundreds of thousands of long-lived records and no reference cycles: collecting
    # while they pile up only walks them again and again (measured: 1 s of 7 at 100,000 documents).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if index is not None:
            results, _ = prepare_with_index(sources, settings, index, pool, prune_under=paths)
        else:
            results = prepare_all(sources, settings, progress, pool)
    finally:
        if was_enabled:
            gc.enable()
    clock = _lap(timings, "read+shingle", clock)
    # Millions of long-lived records now sit on the heap; without this every later garbage
    # collection would walk them all again (measured: the explain stage ran 2.5 times slower).
    gc.freeze()
    try:
        prepared = [r for r in results if isinstance(r, Prepared)]
        skipped = tuple(r for r in results if isinstance(r, Skipped))
        del results
        stats: dict[str, int] = {}
        if progress:
            progress("comparing", 0, 1)
        pairs, boilerplate = find_pairs(prepared, settings, stats, timings)
        documents = tuple(p.document for p in prepared)
        attributions = {d.path: d.attribution for d in documents}
        del prepared  # the corpus's shingles, the bulk of a scan's memory, are not needed any more
        clock = time.perf_counter()
        if progress:
            progress("comparing", 1, 1)
        texts: dict[str, str] = {}
        in_pairs = {p.a for p in pairs} | {p.b for p in pairs}
        by_path = {s.display: s for s in sources if s.display in in_pairs}
        if explain_spans and pairs:
            pairs = explain_all(pairs, by_path, settings, boilerplate, pool)
        if keep_texts:
            texts = read_texts(list(by_path.values()), settings.max_bytes)
        clock = _lap(timings, "explain", clock)
        groups = clusters(pairs, attributions)
        _lap(timings, "cluster", clock)
        return Report(
            documents=documents,
            pairs=tuple(pairs),
            clusters=groups,
            skipped=skipped,
            settings=settings.as_dict(),
            seconds=time.perf_counter() - started,
            stats=stats,
            texts=texts,
            timings=timings,
        )
    finally:
        gc.unfreeze()


def compare(
    path_a: str | Path, path_b: str | Path, settings: Settings | None = None, *, cwd: Path | None = None
) -> Comparison:
    """Compare two documents in full: exact numbers, relation, aligned and labelled spans, verdict.

    Raises InputError when either file is missing or cannot be read as text. No corpus is known,
    so boilerplate comes only from the built-in list.

    Example::

        from dedup import compare
        result = compare("samples/iran-russia-pact_original.txt", "samples/iran-russia-pact_reprint.txt")
        print(result.pair.relation, result.pair.explanation.summary)
    """
    settings = settings or Settings()
    cwd = cwd or Path.cwd()
    sources = []
    for given in (str(path_a), str(path_b)):
        path = Path(given) if Path(given).is_absolute() else cwd / given
        if not path.is_file():
            raise InputError(f"not a file: {given}")
        sources.append(Source(path, display_path(given)))
    prepared = prepare_batch(sources, settings.shingle_size, settings.max_bytes)
    for result in prepared:
        if isinstance(result, Skipped):
            raise InputError(f"cannot compare {result.path}: {result.reason}")
    first, second = (p for p in prepared if isinstance(p, Prepared))
    empty = np.empty(0, dtype=np.uint64)
    a, b = (
        sketched(p.document.path, p.shingles, p.document.words, p.text_hash, empty, p.quoted)
        for p in (first, second)
    )
    pair = measure(a, b, settings)
    texts = read_texts(sources, settings.max_bytes)
    return Comparison(
        first.document,
        second.document,
        with_explanation(pair, texts, settings),
        settings.as_dict(),
        texts,
    )


def prepare_with_index(
    sources: Sequence[Source],
    settings: Settings,
    index: Index,
    pool: Executor | None = None,
    prune_under: Sequence[str] = (),
) -> tuple[list[Prepared | Skipped], RefreshStats]:
    """Records for ``sources`` from the index, re-reading only files that changed since it last saw
    them. Files that cannot be read come back as Skipped records, as in a plain scan."""
    stats = index.refresh(
        sources, lambda todo: prepare_all(todo, settings, None, pool), prune_under=prune_under
    )
    loaded = index.load(sources)
    skipped = {s.path: s for s in stats.skipped}
    out: list[Prepared | Skipped] = []
    for source, record in zip(sources, loaded, strict=True):
        if record is not None:
            out.append(record)
        elif source.display in skipped:
            out.append(skipped[source.display])
        else:
            # Unchanged since an earlier run that skipped it: read it again for the reason.
            out.extend(prepare_batch([source], settings.shingle_size, settings.max_bytes))
    return out, stats


def build_index(
    paths: Sequence[str | Path],
    settings: Settings | None = None,
    *,
    cwd: Path | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> tuple[RefreshStats, int]:
    """Build or refresh the index (``settings.index``) for the documents under ``paths``, and learn
    the corpus's boilerplate from everything it holds. Returns what changed and the document count.

    Example::

        from dedup.pipeline import build_index
        stats, total = build_index(["articles/"])
    """
    settings = settings or Settings()
    cwd = cwd or Path.cwd()
    sources = discover([str(p) for p in paths], settings, cwd)

    def run(index: Index) -> tuple[RefreshStats, int]:
        jobs = settings.effective_jobs()
        with (
            ProcessPoolExecutor(max_workers=jobs) if jobs > 1 and len(sources) > BATCH else _inline() as pool
        ):
            stats = index.refresh(
                sources,
                lambda todo: prepare_all(todo, settings, None, pool),
                prune_under=[str(cwd / p) for p in paths],
            )
        # Learning boilerplate reads every stored document: do it when it was never done or when
        # enough of the corpus changed since (index.BOILERPLATE_REFRESH), not on every refresh.
        if index.boilerplate_is_stale():
            learn_boilerplate(index, settings)
        return stats, index.count()

    return with_index(cwd / settings.index, cwd, settings, warn, run)


def learn_boilerplate(index: Index, settings: Settings) -> None:
    """Learn the boilerplate shingles of everything in the index, and store them there."""
    records = index.all_records()
    distinct = [sorted_unique(p.shingles) for p in records]
    index.set_boilerplate(
        boilerplate_shingles(distinct, settings.boilerplate_docs, settings.boilerplate_share)
    )
