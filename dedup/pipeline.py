"""The scan: files -> documents -> shingles -> boilerplate -> window sketches -> LSH -> verified pairs.

Each stage is a pure function over a batch; this module only wires them and spreads the
per-document work over processes. The result is the same whatever the number of processes.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import hashlib
import multiprocessing
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, repeat
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

import numpy as np

from dedup.arena import Arena
from dedup.atomic import atomic_write_text, writable
from dedup.boilerplate import (
    Wording,
    boilerplate_shingles,
    corpus_boilerplate,
    corpus_common,
    pair_common,
    text_groups,
)
from dedup.candidates import I32, shared_bounds, stream_candidates
from dedup.clean import DEFAULT_DROP, KEEP_POLICIES, Drop, decide, input_order
from dedup.cluster import clusters
from dedup.config import PER_CORE, Settings, usable_cores
from dedup.errors import InputError, WorkerError
from dedup.groups import ROUNDS, dense_components, grow, outside_groups, to_representatives
from dedup.models import RELATIONS, Comparison, Explanation, Group, Note, Pair, Relation, Report, Skipped
from dedup.output import Input, check_output, plan, write_clean
from dedup.prepare import (
    PackedBatch,
    Prepared,
    prepare_batch,
    prepare_packed,
    prepare_texts,
    tokenize_batch,
    unpack,
    without_repeats,
)
from dedup.records import SPOOL_FIELD, Record
from dedup.shingle import U64, Flat, HashSet, ShingleStore, flatten, sorted_unique
from dedup.sketch import Layout, layout
from dedup.sources import Source, Text, discover, display_path, read_text
from dedup.tokens import TokenList
from dedup.verify import (
    Sketched,
    may_relate,
    measure,
    missed,
    rests_on_own_wording,
    shared_quotation,
    shared_shingles,
    sketched,
    verify,
)

if TYPE_CHECKING:
    from dedup.candidates import Candidates
    from dedup.engine.scan import Distributed
    from dedup.index import Index, RefreshStats

    Find = Callable[[Layout, float, int, int], Candidates]

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)``; a scan calls it often, so keep it cheap. The stages
and what each counts are in :data:`dedup.models.PROGRESS_UNITS`; ``total`` 0 is a step that is not
counted (it lasts until the next stage starts)."""

BATCH = 256
"""Files per worker task: large enough that process overhead is small."""


def _batches(items: Sequence[Source], size: int) -> Iterator[Sequence[Source]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True)
class Inherited:
    """What a scan's worker processes get by being forked, not through their tasks: the arena
    that carries their shingles back, and the files to read (a task then names a stretch of
    them: pickling every file's record to send and unpickling it took 0.3 s of processor time
    at 100,000 documents)."""

    arena: Arena
    sources: Sequence[Source]


_T = TypeVar("_T")

_INHERITED: Inherited | None = None
"""In a worker process: what it inherited from the scan that forked it (see :func:`_start_worker`)."""


def _start_worker(inherited: Inherited | None, parent: int | None = None) -> None:
    """What every worker process does first: note what it inherited from its parent, and arrange
    to end with it (``parent`` is its process id, when it is this worker's parent)."""
    global _INHERITED
    _INHERITED = inherited
    gc.enable()
    # Ctrl-C reaches the whole process group. The parent reports it once and exits 130; a worker
    # ends quietly (see _on_interrupt). Until here a Ctrl-C was held back (see _Pool.map).
    signal.signal(signal.SIGINT, _on_interrupt)
    if _MASKS:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _end_with_parent(parent)


_STOPPING = False
"""In a worker: Ctrl-C came; the next task it is given ends it."""
_BUSY = False
"""In a worker: a task of :func:`_run_task` is under way."""


def _on_interrupt(signum: int, frame: object) -> None:
    """A worker's Ctrl-C. Dying wherever the signal finds it, as its default does, may cut off a
    result half sent: the pool's thread in the parent then waits for the rest of it forever (a
    scan interrupted while reading hung so). So a worker ends at once only in a task, when it
    sends nothing; between tasks it finishes sending, and ends when it is given the next one (or
    when the pool ends). An exception instead would be printed, not raised, when the signal comes
    in a ``__del__``."""
    global _STOPPING
    _STOPPING = True
    if _BUSY:
        os._exit(1)


def _run_task(fn: Callable[..., _T], *args: object) -> _T:
    """Run one task in a worker, where Ctrl-C can end it (:func:`_on_interrupt`)."""
    global _BUSY
    if _STOPPING:
        os._exit(1)
    _BUSY = True
    try:
        return fn(*args)
    finally:
        _BUSY = False


_PR_SET_PDEATHSIG = 1
_WATCH_SECONDS = 0.5


def _end_with_parent(parent: int | None) -> None:
    """End this worker when its parent process ends, however it ends: a worker waits for its next
    task on a pipe that its fellow workers also hold open, so a parent killed with SIGKILL left
    them waiting for good."""
    if sys.platform == "linux":
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            # The kernel kills this process when the thread that forked it ends (the pool starts
            # its workers from the thread that first gives it work, which outlives the pool).
            told = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            told = False
        if told:
            # A parent that died before that call sends nothing: this worker is an orphan already.
            if parent is not None and os.getppid() != parent:
                os._exit(1)
            return
    watched = os.getppid() if parent is None else parent
    threading.Thread(target=_watch_parent, args=(watched,), name="dedup-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    """Where the kernel cannot be asked to: look now and then whether this process was orphaned."""
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


_MASKS = hasattr(signal, "pthread_sigmask")


class _Pool(ProcessPoolExecutor):
    """A process pool whose tasks are cancelled by its own management thread only, and whose
    workers end with the parent and stop quietly on Ctrl-C (:func:`_start_worker`).

    ``Executor.map`` cancels the futures it has not yet returned when its caller stops early, as
    on Ctrl-C: a future cancelled while the pool's thread marked it failed (Ctrl-C had killed the
    workers) raised ``InvalidStateError: CANCELLED`` in that thread, which printed a traceback.
    Here the results are awaited without cancelling, and leaving the pool on an exception cancels
    the tasks not yet started (the pool's thread does that) and waits for those under way, which
    Ctrl-C stops at once.
    """

    def __init__(self, workers: int, inherited: Inherited | None) -> None:
        # A fork server's workers are its children, not this process's.
        parent = os.getpid() if multiprocessing.get_start_method() != "forkserver" else None
        super().__init__(max_workers=workers, initializer=_start_worker, initargs=(inherited, parent))

    def map(
        self,
        fn: Callable[..., _T],
        *iterables: Iterable[object],
        timeout: float | None = None,
        chunksize: int = 1,
    ) -> Iterator[_T]:
        """Like ``Executor.map`` (every task is submitted before this returns), one task per call."""
        # The first call starts the workers. They inherit the parent's handling of Ctrl-C, which
        # raises KeyboardInterrupt, with a traceback, in whatever they are doing until they set
        # up their own: they are started with Ctrl-C held back, and take it once ready.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if _MASKS else None
        try:
            futures = [self.submit(_run_task, fn, *args) for args in zip(*iterables, strict=False)]
        finally:
            if held is not None:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        futures.reverse()

        def results() -> Iterator[_T]:
            while futures:
                # Popped, so that a result is let go once the caller has it.
                yield futures.pop().result(timeout)

        return results()

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> bool | None:
        self.shutdown(wait=True, cancel_futures=exc_type is not None)
        return None


def _workers(settings: Settings, tasks: int, warn: Callable[[str], None]) -> int:
    """How many worker processes to start for work that comes in at most ``tasks`` pieces, saying
    so in one warning when that is fewer than ``settings.jobs`` asked for."""
    workers = settings.effective_jobs(tasks)
    if 1 < workers < settings.jobs:
        cores = usable_cores()
        by_cores = workers == PER_CORE * cores and workers < tasks
        why = f"at most {PER_CORE} per core on {cores} cores" if by_cores else f"{tasks} batches of work"
        # News rather than a warning: the command runs as well as it can with what the machine has.
        warn(Note(f"jobs: using {workers} worker processes, not {settings.jobs} ({why})"))
    return workers


def _prepare_inherited(start: int, end: int, shingle_size: int, max_bytes: int) -> PackedBatch:
    """:func:`prepare_packed` in a worker, over its inherited sources ``start`` to ``end``, with
    the shingles left in its arena when they fit there."""
    if _INHERITED is None:
        raise RuntimeError("a task for stretches of inherited sources, in a worker that inherited none")
    batch = prepare_packed(_INHERITED.sources[start:end], shingle_size, max_bytes)
    if len(batch.shingles):
        at = _INHERITED.arena.place(batch.shingles)
        if at is not None:
            return dataclasses.replace(batch, shingles=np.empty(0, np.uint64), placed=at)
    return batch


def prepare_all(
    sources: Sequence[Source],
    settings: Settings,
    progress: Progress | None = None,
    pool: Executor | None = None,
    store: ShingleStore | None = None,
    inherited: Inherited | None = None,
    drop_copies: bool = False,
) -> list[Prepared | Skipped]:
    """Run :func:`prepare_batch` over all sources, in order, on ``pool`` when given. The
    documents' shingles are kept in ``store`` (a new one when not given): its ``flat`` then lays
    them end to end without a look at each. ``inherited`` is what the pool's workers were forked
    with, when ``sources`` are its sources."""
    out: list[Prepared | Skipped] = []
    total = len(sources)
    batches = list(_batches(sources, BATCH))
    store = store if store is not None else ShingleStore()
    results: Iterator[PackedBatch]
    if pool is not None and len(batches) > 1 and inherited is not None and inherited.sources is sources:
        starts = range(0, total, BATCH)
        ends = [min(total, start + BATCH) for start in starts]
        k, limit = repeat(settings.shingle_size), repeat(settings.max_bytes)
        results = pool.map(_prepare_inherited, starts, ends, k, limit)
    else:
        use = pool.map if pool is not None and len(batches) > 1 else map
        results = use(prepare_packed, batches, repeat(settings.shingle_size), repeat(settings.max_bytes))
    seen: set[str] = set()
    for result in results:
        mask = None
        if drop_copies:
            result, mask = without_repeats(result, seen)
        if result.placed is not None and inherited is not None:
            # Copied into the store in order, straight from where the worker left them.
            into = store if mask is None else (lambda values, keep=mask: store(values[keep]))
            shingles = inherited.arena.take(*result.placed, into)
            out.extend(unpack(dataclasses.replace(result, shingles=shingles, placed=None)))
        else:
            out.extend(unpack(result, store))
        if progress:
            progress("reading", len(out), total)
    return out


def corpus_layout(
    shingles: Flat,
    text_hashes: Sequence[str],
    settings: Settings,
    stats: dict[str, int],
    timings: dict[str, float] | None,
    release: bool = False,
    progress: Progress | None = None,
) -> tuple[U64, Wording, Layout]:
    """The corpus's boilerplate shingles, its common wording (documents with the same
    ``text_hashes`` are one text), and the window layout of every document without boilerplate
    (with ``release``, laying out consumes ``shingles``)."""
    clock = time.perf_counter()
    jobs = settings.effective_jobs()
    boiler = corpus_boilerplate(shingles, settings.boilerplate_docs, settings.boilerplate_share, jobs)
    stats["boilerplate_shingles"] = len(boiler)
    wording = corpus_common(shingles, text_groups(text_hashes), settings.common_docs)
    stats["common_shingles"] = len(wording.common)
    clock = _lap(timings, "boilerplate", clock)
    if progress:
        progress("sketching", 0, 0)
    n = len(shingles.lengths)
    lay = layout(shingles, range(n), settings.window, boiler, jobs, release)
    stats["windows"] = len(lay.doc)
    _lap(timings, "sketch+lsh", clock)
    return boiler, wording, lay


FEW_BANDS = 2
"""Candidates that met in at most this many LSH bands are checked, before verification, for
sharing enough shingles to earn a relation (a cost trade-off only: on the texts as they were read,
the check never drops a pair that verification keeps; a file changed since, like its candidates,
is judged by what was read)."""


def candidates_of(
    lay: Layout, text_hashes: Sequence[str], settings: Settings, stats: dict[str, int]
) -> list[tuple[int, int]]:
    """Candidate pairs of documents ``(i, j)``, ``i < j``, sorted: LSH hits over the windows of
    ``lay`` (laid out with the documents' positions as their ids) that may share enough to be a
    pair, and every two documents whose normalised words are equal."""
    sure, few = lsh_candidates(lay, text_hashes, settings, stats)
    return sorted(sure + ruled_in(lay, few, settings, stats))


def lsh_candidates(
    lay: Layout,
    text_hashes: Sequence[str],
    settings: Settings,
    stats: dict[str, int],
    find: Find | None = None,
) -> tuple[list[tuple[int, int]], I32]:
    """The first part of :func:`candidates_of`: the pairs that need no further look, sorted (LSH
    hits that met in more than ``FEW_BANDS`` bands, and every two documents whose normalised words
    are equal), and the other LSH hits, for :func:`ruled_in`. ``find``, when given, makes the LSH
    hits instead of :func:`stream_candidates` (an engine's, with the same results)."""
    if find is not None:
        found = find(lay, settings.lsh_threshold, settings.num_perm, settings.seed)
    else:
        found = stream_candidates(
            lay, settings.lsh_threshold, settings.num_perm, settings.seed, settings.effective_jobs()
        )
    stats["large_buckets"] = found.oversized_buckets
    many = found.bands > FEW_BANDS
    hits = found.pairs[many].tolist()
    sure = set(map(tuple, hits))
    # Identical texts pair up even when boilerplate left them nothing to sketch.
    by_text: dict[str, list[int]] = {}
    for i, text_hash in enumerate(text_hashes):
        by_text.setdefault(text_hash, []).append(i)
    for group in by_text.values():
        sure.update((x, y) for i, x in enumerate(group) for y in group[i + 1 :])
    few = found.pairs[~many]
    if len(few) and len(sure) > len(hits):  # identical texts added pairs: none is looked at twice
        few = few[[tuple(pair) not in sure for pair in few.tolist()]]
    stats["candidates"] = len(sure) + len(few)
    return sorted(sure), few


def ruled_in(lay: Layout, few: I32, settings: Settings, stats: dict[str, int]) -> list[tuple[int, int]]:
    """The pairs of ``few`` (sorted, from :func:`lsh_candidates`) whose documents may share enough
    to be a pair, in order; the others are counted in ``stats``."""
    # Two documents that share no shingle are never a pair (every threshold of the settings is
    # above 0), nor are two that share too little for any threshold, and finding that out here
    # saves reading and tokenising them again. Nearly all such candidates met in one or two
    # bands, by two different shingles with the same 32-bit value or by a shingle or two in
    # common; documents that share text meet in many (measured at 100,000 documents: 12,107
    # candidates met in one or two bands, none of them a pair; every pair met in more than
    # eight), so only the first are looked at.
    bounds = shared_bounds(lay, few)
    kept = [
        (i, j)
        for (i, j), (pa, pb, da, db) in zip(few.tolist(), bounds.tolist(), strict=True)
        if may_relate(pa, pb, da, db, settings)
    ]
    nothing = int(np.count_nonzero(bounds[:, 0] == 0))
    stats["candidates_sharing_nothing"] = nothing
    stats["candidates_sharing_too_little"] = len(few) - len(kept) - nothing
    return kept


def find_pairs(
    prepared: Sequence[Prepared],
    settings: Settings,
    stats: dict[str, int] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[list[Pair], U64]:
    """Every reported pair among documents (given in path order), sorted by ``(a, b)``, and the
    corpus's boilerplate shingles. All in memory, on the records given: no file is read."""
    stats = {} if stats is None else stats
    text_hashes = [p.text_hash for p in prepared]
    flat = flatten([p.shingles for p in prepared])
    boiler, wording, lay = corpus_layout(flat, text_hashes, settings, stats, timings)
    clock = time.perf_counter()
    candidates = candidates_of(lay, text_hashes, settings, stats)
    clock = _lap(timings, "sketch+lsh", clock)
    cache: dict[int, Sketched] = {}
    boilerplate = HashSet(boiler)

    def get(i: int) -> Sketched:
        if i not in cache:
            p = prepared[i]
            path, words = p.document.path, p.document.words
            cache[i] = sketched(path, p.shingles, words, p.text_hash, boilerplate, p.quoted)
        return cache[i]

    pairs: list[Pair] = []
    held: list[tuple[str, str, U64]] = []
    for a, b in candidates:
        pair = verify(get(a), get(b), settings)
        if pair is not None and rests_on_own_wording(pair, settings):
            held.append((pair.a, pair.b, shared_shingles(get(a), get(b))))
        elif pair is not None:
            pairs.append(pair)
    number = {p.document.path: i for i, p in enumerate(prepared)}

    def recheck(common: Mapping[tuple[str, str], U64]) -> Checked:
        found = [verify(get(number[a]), get(number[b]), settings, common[(a, b)]) for a, b in sorted(common)]
        return Checked([p for p in found if p is not None], [], [])

    paths = [p.document.path for p in prepared]
    settled, _ = settle(held, pairs, paths, wording, settings, recheck)
    _lap(timings, "verify", clock)
    return settled, boiler


_CURRENT = "its pairs are checked on its current text"


def check_batch(
    candidates: Sequence[tuple[str, str]],
    sources: Mapping[str, Source],
    content_hashes: Mapping[str, str],
    settings: Settings,
    boilerplate: U64,
    explain_spans: bool = True,
    common: Mapping[tuple[str, str], U64] | None = None,
) -> Checked:
    """Verify candidate pairs (paths, in path order) on their texts read afresh, and explain those
    that are pairs: a pure task for a worker process. ``common``, when given, is each candidate's
    common wording (``boilerplate.pair_common``); without it, all shared wording counts as the
    pair's own, and pairs whose relation rests on that are held back, unexplained, for
    :func:`settle`. Returns the pairs; a warning for every document that can no longer be read
    (its pairs are left out) or no longer has the content it was scanned with (its pairs are
    checked on the content it has now); and the held back pairs with the shingles they share."""
    needed = sorted({path for pair in candidates for path in pair})
    texts = {path: read_text(sources[path], settings.max_bytes) for path in needed}
    warnings = []
    readable: list[tuple[str, Text]] = []
    for path, text in texts.items():
        if isinstance(text, Skipped):
            warnings.append(f"{path} could not be read again: {text.reason}; its pairs are left out")
        else:
            if text.content_hash != content_hashes[path]:
                # Changed while the scan ran, or since an index last read it with the same size
                # and time: its candidates came from the old text, its figures from the new one.
                warnings.append(f"{path} changed since it was read; {_CURRENT}")
            readable.append((path, text))
    tokenized = dict(
        zip(
            (path for path, _ in readable),
            tokenize_batch([text.text for _, text in readable], settings.shingle_size),
            strict=True,
        )
    )
    usable = {path: text.text for path, text in readable if len(tokenized[path].tokens)}
    boiler = HashSet(boilerplate)  # one lookup table for the whole batch
    cache: dict[str, Sketched] = {}

    def get(path: str) -> Sketched:
        if path not in cache:
            t = tokenized[path]
            cache[path] = sketched(path, t.shingles, len(t.tokens), t.text_hash, boiler, t.quoted)
        return cache[path]

    pairs = []
    held: list[tuple[str, str, U64]] = []
    # Copies of one text, byte for byte, have one explanation but for the names in its summary:
    # it is worked out once a batch (a scan pairs each copy with the first).
    copies: dict[str, Explanation] = {}
    for a, b in candidates:
        if a not in usable or b not in usable:
            continue
        pair = verify(get(a), get(b), settings, common[(a, b)] if common is not None else None)
        if pair is None:
            continue
        if common is None and rests_on_own_wording(pair, settings):
            held.append((a, b, shared_shingles(get(a), get(b))))
            continue
        if explain_spans:
            tokens = (tokenized[a].tokens, tokenized[b].tokens)
            source = texts[a]
            same = pair.relation == "identical" and usable[a] == usable[b] and isinstance(source, Text)
            key = source.content_hash if same and isinstance(source, Text) else None
            known = copies.get(key) if key is not None else None
            if known is not None:
                from dedup.explain import renamed

                words = (len(tokens[0]), len(tokens[1]))
                pair = dataclasses.replace(pair, explanation=renamed(known, a, b, *words))
            else:
                pair = with_explanation(pair, usable, settings, boiler, tokens)
                if key is not None and pair.explanation is not None:
                    copies[key] = pair.explanation
        pairs.append(pair)
    return Checked(pairs, warnings, held)


class Checked(NamedTuple):
    """What :func:`check_batch` found."""

    pairs: list[Pair]
    warnings: list[str]
    held: list[tuple[str, str, U64]]


CHECK_BATCH = 64
"""Candidate pairs per worker task when verifying and explaining."""


def check_all(
    candidates: Sequence[tuple[str, str]],
    sources: Mapping[str, Source],
    content_hashes: Mapping[str, str],
    settings: Settings,
    boilerplate: U64,
    explain_spans: bool,
    pool: Executor | None = None,
    progress: Progress | None = None,
    later: Callable[[], Sequence[tuple[str, str]]] | None = None,
    common: Mapping[tuple[str, str], U64] | None = None,
    stage: str = "comparing",
) -> Checked:
    """:func:`check_batch` over all candidates, on ``pool`` when given; the pairs and the held
    back candidates sorted by path.

    ``later``, when given, is called once the candidates are on their way to the workers, and what
    it returns is checked too: the parent's own work on those (:func:`ruled_in`) then overlaps the
    workers' instead of keeping them waiting. ``progress`` counts the pairs checked, as ``stage``.
    """

    def start(todo: Sequence[tuple[str, str]]) -> tuple[Iterator[Checked], list[int]]:
        batches = [todo[i : i + CHECK_BATCH] for i in range(0, len(todo), CHECK_BATCH)]
        # Each task gets only the sources and hashes it needs, not the whole corpus's.
        needs = [sorted({path for pair in batch for path in pair}) for batch in batches]
        tasks = [{path: sources[path] for path in need} for need in needs]
        hashes = [{path: content_hashes[path] for path in need} for need in needs]
        args = (
            batches,
            tasks,
            hashes,
            repeat(settings),
            repeat(boilerplate),
            repeat(explain_spans),
            [None if common is None else {pair: common[pair] for pair in batch} for batch in batches],
        )
        # One batch alone is checked here rather than sent away; with candidates still to come,
        # it goes to the workers, or it would wait for them (``map`` is lazy).
        run = pool.map if pool is not None and (len(batches) > 1 or later is not None) else map
        return run(check_batch, *args), [len(batch) for batch in batches]

    if progress:
        progress(stage, 0, len(candidates))
    first, n_first = start(candidates)
    second, n_second = start(later()) if later is not None else (iter(()), [])
    # Pairs, not batches: the bar's rate is in pairs a second. ``map`` keeps the batches' order.
    sizes = [*n_first, *n_second]
    total = sum(sizes)
    pairs: list[Pair] = []
    warnings: list[str] = []
    held: list[tuple[str, str, U64]] = []
    done = 0
    for size, checked in zip(sizes, chain(first, second), strict=True):
        pairs.extend(checked.pairs)
        warnings.extend(checked.warnings)
        held.extend(checked.held)
        done += size
        if progress:
            progress(stage, done, total)
    pairs.sort(key=lambda pair: (pair.a, pair.b))
    held.sort(key=lambda item: (item[0], item[1]))
    return Checked(pairs, list(dict.fromkeys(warnings)), held)


def settle(
    held: Sequence[tuple[str, str, U64]],
    pairs: Sequence[Pair],
    paths: Sequence[str],
    wording: Wording,
    settings: Settings,
    recheck: Callable[[Mapping[tuple[str, str], U64]], Checked],
) -> tuple[list[Pair], list[str]]:
    """The pairs, with those of the ``held`` back pairs (``check_batch``) that keep a relation
    once their common wording is known; and the warnings their checks gave.

    ``wording`` is the corpus's (documents by position in ``paths``). ``recheck`` verifies (and
    explains) pairs given each one's common wording. Wording that every holder shares with one of
    the two or with a document already paired with one of them is the pair's own
    (``boilerplate.pair_common``), so a pair found makes more wording someone's own: held back
    pairs are checked again until no more are found.
    """
    out = list(pairs)
    if not held:
        return out, []
    number = {path: i for i, path in enumerate(paths)}
    related: dict[int, set[int]] = {}

    def relate(found: Iterable[Pair]) -> None:
        for pair in found:
            if pair.a not in number or pair.b not in number:
                continue  # a copy of a text compared through its first copy (see _scan)
            a, b = number[pair.a], number[pair.b]
            related.setdefault(a, set()).add(b)
            related.setdefault(b, set()).add(a)

    relate(out)
    waiting = [(number[a], number[b], shared) for a, b, shared in held]
    tried: dict[tuple[int, int], int] = {}
    warnings: list[str] = []
    # The fewest shingles of its own a pair needs: two shingles' worth of words in a row.
    fewest = settings.shingle_size + 1
    shared = {(a, b): len(values) for a, b, values in waiting}
    while waiting:
        common = pair_common(waiting, related, wording)
        # A pair is checked again only when less of its wording is common than last time, and
        # enough of it is its own to earn a relation.
        todo = {
            pair: c
            for pair, c in common.items()
            if len(c) < tried.get(pair, len(c) + 1) and shared[pair] - len(c) >= fewest
        }
        if not todo:
            break
        tried.update((pair, len(c)) for pair, c in todo.items())
        checked = recheck({(paths[a], paths[b]): c for (a, b), c in todo.items()})
        warnings.extend(checked.warnings)
        if not checked.pairs:
            break
        out.extend(checked.pairs)
        relate(checked.pairs)
        found = {(number[p.a], number[p.b]) for p in checked.pairs}
        waiting = [item for item in waiting if (item[0], item[1]) not in found]
    out.sort(key=lambda pair: (pair.a, pair.b))
    return out, warnings


def _lap(timings: dict[str, float] | None, stage: str, since: float) -> float:
    now = time.perf_counter()
    if timings is not None:
        timings[stage] = timings.get(stage, 0.0) + now - since
    return now


def with_explanation(
    pair: Pair,
    texts: Mapping[str, str],
    settings: Settings,
    boilerplate: U64 | HashSet | None = None,
    tokens: tuple[TokenList, TokenList] | None = None,
) -> Pair:
    """The pair with its explanation attached (aligned, labelled spans, verdict, summary).
    ``tokens``, when given, are the two texts' tokens, computed once for several pairs."""
    # Imported here: a scan explains in its worker processes, so the parent never needs it.
    from dedup.explain import explain

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
        tokens=tokens,
    )
    return dataclasses.replace(pair, explanation=explanation)


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
    against: Sequence[str | Path] = (),
    engine: Distributed | None = None,
) -> Report:
    """Find every identical, near-duplicate, contained and overlapping pair under ``paths``.

    With ``against`` (reference files, folders or record files), only pairs of a document under
    ``paths`` with a reference document are looked for and reported.

    With ``explain_spans`` (the default) every pair carries its explanation: shared and divergent
    spans, labelled, and a verdict on which document is the original. With ``keep_texts`` the
    report also holds the texts of the documents in pairs, for views that print them. With
    ``use_index`` the persistent index (``settings.index``) supplies every unchanged document, so
    only added and changed files are read; the results are the same. With ``engine``
    (``dedup.engine.scan.Distributed``) the work is spread by that engine, with the same results.

    Example::

        from dedup import scan
        report = scan(["samples/"])
        for pair in report.pairs:
            print(pair.a, pair.relation, pair.b)
    """
    started = time.perf_counter()
    settings = settings or Settings()
    cwd = cwd or Path.cwd()
    # Records that cannot be read again in place are spooled here for the scan's length.
    with tempfile.TemporaryDirectory(prefix="dedup-records-") as spool:
        return _scan_paths(
            paths,
            settings,
            cwd,
            progress,
            explain_spans,
            keep_texts,
            use_index,
            warn,
            spool,
            started,
            engine=engine,
            against=against,
        )


def _scan_paths(
    paths: Sequence[str | Path],
    settings: Settings,
    cwd: Path,
    progress: Progress | None,
    explain_spans: bool,
    keep_texts: bool,
    use_index: bool,
    warn: Callable[[str], None],
    spool: str,
    started: float,
    found: list[Source] | None = None,
    engine: Distributed | None = None,
    against: Sequence[str | Path] = (),
    reference: set[str] | None = None,
) -> Report:
    """:func:`scan` with its spool folder; ``found``, when given, gets the sources found. With
    ``against``, only pairs of a document under ``paths`` with one under ``against`` (found once,
    and named in ``reference`` when given) are verified."""
    timings: dict[str, float] = {}
    passed_over: list[Skipped] = []
    if progress:
        progress("finding files", 0, 0)
    sources = discover([str(p) for p in paths], settings, cwd, passed_over, spool)
    keep_pair = None
    if against:
        refs = discover([str(r) for r in against], settings, cwd, passed_over, spool)
        names = {s.display for s in refs}
        # A document under both is a reference.
        sources = sorted([*(s for s in sources if s.display not in names), *refs], key=lambda s: s.display)
        passed_over.sort(key=lambda skipped: skipped.path)
        if reference is not None:
            reference.update(names)

        def keep_pair(a: str, b: str) -> bool:
            return (a in names) != (b in names)

        if engine is not None:
            engine.reference = sorted(names)
        paths = [*paths, *against]
    if found is not None:
        found.extend(sources)
    return _scan_sources(
        sources,
        passed_over,
        [str(cwd / p) for p in paths],
        settings,
        cwd,
        progress,
        explain_spans,
        keep_texts,
        use_index,
        warn,
        started,
        timings,
        keep_pair,
        engine,
    )


def _scan_sources(
    sources: Sequence[Source],
    passed_over: Sequence[Skipped],
    paths: Sequence[str],
    settings: Settings,
    cwd: Path,
    progress: Progress | None,
    explain_spans: bool,
    keep_texts: bool,
    use_index: bool,
    warn: Callable[[str], None],
    started: float,
    timings: dict[str, float],
    keep_pair: Callable[[str, str], bool] | None = None,
    engine: Distributed | None = None,
) -> Report:
    """The scan of sources found (``paths``: the absolute paths they were found under)."""
    clock = _lap(timings, "discover", started)
    if engine is not None:
        if use_index:
            raise InputError("--index cannot go with an engine: the index is this machine's")
        # An engine's workers may run in other folders: they get every file by its absolute path.
        sources = [
            s if Path(s.path).is_absolute() else dataclasses.replace(s, path=cwd / s.path) for s in sources
        ]
        pool = engine.start(sources, settings, explain_spans, cwd)
        report = _scan(
            sources,
            settings,
            pool,
            progress,
            explain_spans,
            keep_texts,
            timings,
            clock,
            started,
            None,
            paths,
            warn,
            None,
            keep_pair,
            engine.find,
        )
        return _also_skipped(report, passed_over)
    n = len(sources)
    pooled = settings.effective_jobs() > 1 and n > BATCH
    # The batches of files to read, and (at most: the candidates are not known yet) of every two
    # documents to verify.
    tasks = (n + BATCH - 1) // BATCH + (n * (n - 1) // 2 + CHECK_BATCH - 1) // CHECK_BATCH
    jobs = _workers(settings, tasks, warn) if pooled else 1

    def run(index: Index | None) -> Report:
        # Made before the workers are forked, so that they share it.
        arena = Arena.create() if pooled and index is None else None
        inherited = Inherited(arena, sources) if arena is not None else None
        with _Pool(jobs, inherited) if pooled else _inline() as pool:
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
                paths,
                warn,
                inherited,
                keep_pair,
            )

    with _no_broken_pool():
        if use_index:
            from dedup.index import with_index

            report = with_index(cwd / settings.index, cwd, settings, warn, run)
        else:
            report = run(None)
    return _also_skipped(report, passed_over)


def scan_texts(
    records: Iterable[tuple[str, str]],
    settings: Settings | None = None,
    *,
    progress: Progress | None = None,
    explain_spans: bool = True,
    keep_texts: bool = False,
    warn: Callable[[str], None] = lambda message: None,
) -> Report:
    """:func:`scan` over texts in memory, given as ``(id, text)``: the same report, with each
    document named by its id. An empty text is skipped; an id given twice is an InputError.

    Example::

        from dedup import scan_texts
        report = scan_texts([("a", "one text ..."), ("b", "another ...")])
    """
    started = time.perf_counter()
    settings = settings or Settings()
    with tempfile.TemporaryDirectory(prefix="dedup-texts-") as spool:
        sources: list[Source] = []
        skipped: list[Skipped] = []
        seen: set[str] = set()
        path = Path(spool) / "texts.jsonl"
        with open(path, "wb") as out:
            for number, (ident, text) in enumerate(records, start=1):
                name = str(ident)
                if name in seen:
                    raise InputError(f"the id {name!r} is given twice")
                seen.add(name)
                if not isinstance(text, str) or not text.strip():
                    skipped.append(Skipped(name, "empty" if isinstance(text, str) else "not text"))
                    continue
                line = _json_line({SPOOL_FIELD: text})
                sources.append(Source(path, name, Record("", number, out.tell(), len(line), SPOOL_FIELD)))
                out.write(line + b"\n")
        sources.sort(key=lambda source: source.display)
        return _scan_sources(
            sources,
            sorted(skipped, key=lambda s: s.path),
            [],
            settings,
            Path.cwd(),
            progress,
            explain_spans,
            keep_texts,
            False,
            warn,
            started,
            {},
        )


@dataclass(frozen=True)
class Cleaned:
    """What :func:`clean` did: the scan's report, the documents dropped, and the files written."""

    report: Report
    drops: tuple[Drop, ...]
    kept: int
    written: tuple[Path, ...]


def clean(
    paths: Sequence[str | Path],
    out: str | Path,
    settings: Settings | None = None,
    *,
    drop: Sequence[Relation] = DEFAULT_DROP,
    keep: str = "original",
    against: Sequence[str | Path] = (),
    cwd: Path | None = None,
    progress: Progress | None = None,
    warn: Callable[[str], None] = lambda message: None,
    engine: Distributed | None = None,
) -> Cleaned:
    """Write the documents under ``paths`` without their duplicates to ``out``, in their own format
    (a record file filtered, a folder of the kept files; several inputs go to ``out/NAME``), and
    ``OUT.removed.jsonl``: one line per dropped document with the kept one it duplicates, the
    relation, the numbers, the summary of what differs and why the other was kept (see
    dedup.clean.decide for which relations drop what, and ``keep``). With ``against``, only
    documents that duplicate one of those reference documents are dropped.

    Example::

        from dedup.pipeline import clean
        done = clean(["news.jsonl"], "news.clean.jsonl")
        print(done.kept, len(done.drops))
    """
    settings = settings or Settings()
    cwd = cwd or Path.cwd()
    if keep not in KEEP_POLICIES:
        raise InputError(f"--keep must be one of {', '.join(KEEP_POLICIES)}, not {keep!r}")
    unknown = sorted(set(drop) - set(RELATIONS))
    if unknown or not drop:
        raise InputError(
            f"--drop takes relations among {', '.join(RELATIONS)}, not {', '.join(unknown) or 'none'}"
        )
    inputs = [Input(Path(p) if Path(p).is_absolute() else cwd / p, display_path(str(p))) for p in paths]
    for item in inputs:
        if not item.path.exists():
            raise InputError(f"path does not exist: {item.display}")
    target = Path(out) if Path(out).is_absolute() else cwd / out
    check_output(target, inputs, len(inputs) > 1)
    removed_path = target.with_name(target.name + ".removed.jsonl")
    writable(removed_path)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="dedup-records-") as spool:
        found: list[Source] = []
        reference: set[str] = set()
        report = _scan_paths(
            paths,
            settings,
            cwd,
            progress,
            True,
            False,
            False,
            warn,
            spool,
            started,
            found,
            engine,
            [str(r) for r in against],
            reference,
        )
        by_path = {s.display: s for s in found}

        def pair_of(a: str, b: str) -> Pair | None:
            texts = read_texts([by_path[a], by_path[b]], settings.max_bytes)
            if len(texts) < 2:
                return None
            pair = compare_texts(texts[a], texts[b], settings, names=(a, b)).pair
            return pair if pair.relation is not None else None

        positions = {s.display: (s.record.file, s.record.position) for s in found if s.record is not None}
        order = input_order([d.path for d in report.documents], positions)
        drops = decide(report, drop, keep, order, pair_of, reference)
        dropped = {d.dropped for d in drops}
        inside = [s for s in found if s.display not in reference]
        kept_files: dict[str, set[str]] = {}
        dropped_records: dict[str, set[int]] = {}
        for source in inside:
            container = source.record.file if source.record is not None else source.display
            for item in inputs:
                rel = _below(item.display, container)
                if rel is None:
                    continue
                if source.record is not None:
                    kept_files.setdefault(item.display, set()).add(rel)
                    if source.display in dropped:
                        dropped_records.setdefault(container, set()).add(source.record.position)
                elif source.display not in dropped:
                    kept_files.setdefault(item.display, set()).add(rel)
                break
        targets = plan(inputs, target)
        write_clean(inputs, targets, kept_files, dropped_records, settings.record_format)
        lines = [_removed_line(d, positions) for d in drops]
        atomic_write_text(removed_path, "".join(line + "\n" for line in lines))
    total = sum(1 for d in report.documents if d.path not in reference)
    return Cleaned(report, tuple(drops), total - len(drops), (target, removed_path))


def _below(given: str, path: str) -> str | None:
    """``path`` relative to the input ``given`` ("" for the input itself), or None when not under it."""
    if path == given:
        return ""
    prefix = "" if given == "." else given.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


def _removed_line(d: Drop, positions: Mapping[str, tuple[str, int]]) -> str:
    import json

    pair = d.pair
    where = positions.get(d.dropped)
    record = {
        "dropped": d.dropped,
        "kept": d.kept,
        "relation": pair.relation,
        "direction": pair.direction,
        "jaccard": round(pair.jaccard, 4),
        "containment": {"a_in_b": round(pair.a_in_b, 4), "b_in_a": round(pair.b_in_a, 4)},
        "pair": {"a": pair.a, "b": pair.b},
        "shared_words": {"a": pair.shared_words_a, "b": pair.shared_words_b},
        "longest_passage_words": pair.longest_passage,
        "summary": pair.explanation.summary if pair.explanation is not None else None,
        "keep_reason": d.keep_reason,
        "record": {"file": where[0], "position": where[1]} if where is not None else None,
    }
    return json.dumps(record, ensure_ascii=False)


def _json_line(value: object) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


_WithSkipped = TypeVar("_WithSkipped", Report, "RefreshStats")


def _also_skipped(record: _WithSkipped, passed_over: Sequence[Skipped]) -> _WithSkipped:
    """``record`` with the files discovery passed over among its skipped ones, in path order."""
    if not passed_over:
        return record
    skipped = sorted((*record.skipped, *passed_over), key=lambda s: s.path)
    return dataclasses.replace(record, skipped=tuple(skipped))


@contextmanager
def _no_broken_pool() -> Iterator[None]:
    """A worker process that dies (the system may kill one that runs out of memory) breaks the
    pool: say so in one line, as a :class:`WorkerError`, rather than with a traceback."""
    try:
        yield
    except BrokenProcessPool as exc:
        raise WorkerError(
            "a worker process stopped before its work was done (killed by the system, perhaps for "
            "lack of memory); try again, or with fewer --jobs"
        ) from exc


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
    warn: Callable[[str], None] = lambda message: None,
    inherited: Inherited | None = None,
    keep_pair: Callable[[str, str], bool] | None = None,
    find: Find | None = None,
) -> Report:
    # A scan builds hundreds of thousands of long-lived records (documents, then explained pairs
    # unpickled from the workers) and no reference cycles: collecting while they pile up only walks
    # them again and again (measured at 100,000 documents: 1 s of 7 while reading, and loading the
    # pairs ran 3 times slower).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        store: ShingleStore | None = None
        if index is not None:
            if progress:
                # Unchanged documents come from the index; "reading" then counts the changed ones.
                progress("reading the index", 0, 0)
            results, _ = prepare_with_index(
                sources, settings, index, pool, prune_under=paths, progress=progress
            )
        else:
            store = ShingleStore()
            results = prepare_all(sources, settings, progress, pool, store, inherited, drop_copies=True)
        clock = _lap(timings, "read+shingle", clock)
        prepared = [r for r in results if isinstance(r, Prepared)]
        skipped = tuple(r for r in results if isinstance(r, Skipped))
        del results
        stats: dict[str, int] = {}
        if progress:
            progress("finding boilerplate", 0, 0)
        documents = tuple(p.document for p in prepared)
        text_hashes = [p.text_hash for p in prepared]
        # From here on the corpus's shingles, the bulk of a scan's memory, are held only end to end
        # in ``flat``, which laying out consumes: candidates are verified on their texts read
        # afresh, in the worker processes.
        sequences = [p.shingles for p in prepared]
        flat = store.flat([len(q) for q in sequences]) if store is not None else flatten(sequences)
        del prepared, sequences, store
        # Copies of one text (the same words) are compared with the rest once, through the first
        # of them in path order; each of the others is paired with that one alone. So 2,000
        # copies of a press release cost 1,999 pairs, not 1,999,000.
        first = text_groups(text_hashes)
        kept = np.flatnonzero(first == np.arange(len(first)))
        copies = [
            (documents[int(first[i])].path, documents[i].path)
            for i in np.flatnonzero(first != np.arange(len(first)))
        ]
        if len(copies):
            flat = flatten(flat.sequences(kept))
            text_hashes = [text_hashes[i] for i in kept]
        stats["copies"] = len(copies)
        if keep_pair is not None and copies:
            copies = _across(copies, keep_pair)
        boilerplate, wording, lay = corpus_layout(
            flat, text_hashes, settings, stats, timings, release=True, progress=progress
        )
        del flat
        clock = time.perf_counter()
        if progress:
            progress("finding candidates", 0, 0)
        sure, few = lsh_candidates(lay, text_hashes, settings, stats, find)
        del text_hashes
        clock = _lap(timings, "sketch+lsh", clock)
        attributions = {d.path: d.attribution for d in documents}
        by_path = {s.display: s for s in sources}
        path_of = [documents[i].path for i in kept]
        held = [lay]
        del lay

        def later() -> list[tuple[str, str]]:
            # The layout goes as soon as this is done with it: the rest of the scan does not need it.
            kept = ruled_in(held.pop(), few, settings, stats)
            pairs = [(path_of[a], path_of[b]) for a, b in kept]
            return pairs if keep_pair is None else [pair for pair in pairs if keep_pair(*pair)]

        content_hashes = {d.path: d.content_hash for d in documents}

        def check(
            candidates: Sequence[tuple[str, str]],
            common: Mapping[tuple[str, str], U64] | None = None,
            then: Callable[[], Sequence[tuple[str, str]]] | None = None,
            stage: str = "comparing",
        ) -> Checked:
            return check_all(
                candidates,
                by_path,
                content_hashes,
                settings,
                boilerplate,
                explain_spans,
                pool,
                progress if common is None else None,
                then,
                common,
                stage,
            )

        def grouping(candidates: Sequence[tuple[str, str]]) -> Checked:
            return check(candidates, stage="grouping near-copies")

        if keep_pair is None:
            sure, few, grouped, (early, early_warnings, early_held) = _near_copies(
                sure, few, path_of, grouping
            )
        else:
            # Only some pairs are wanted: a group's pairs through its representative might not be.
            grouped, early, early_warnings, early_held = [], [], [], []
            # Copies of one text stay paired with their first, whichever side each is on: a copy
            # stands for the others in their pairs.
            sure = [(a, b) for a, b in sure if keep_pair(path_of[a], path_of[b])]
        stats["groups"] = len(grouped)
        stats["grouped_documents"] = sum(len(g) for g in grouped)
        found = sorted([(path_of[a], path_of[b]) for a, b in sure] + copies)
        pairs, warnings, waiting = check(found, then=later)
        if early:
            pairs = sorted([*early, *pairs], key=lambda pair: (pair.a, pair.b))
            waiting = sorted([*early_held, *waiting], key=lambda item: (item[0], item[1]))
            warnings = list(dict.fromkeys([*early_warnings, *warnings]))
        pairs, more_warnings = settle(
            waiting, pairs, path_of, wording, settings, lambda common: check(sorted(common), common)
        )
        warnings = [*warnings, *more_warnings]
        for warning in dict.fromkeys(warnings):
            warn(warning)
        clock = _lap(timings, "verify+explain", clock)
        texts: dict[str, str] = {}
        if keep_texts:
            in_pairs = {p.a for p in pairs} | {p.b for p in pairs}
            texts = read_texts([by_path[path] for path in sorted(in_pairs)], settings.max_bytes)
        if keep_pair is not None:
            pairs = [pair for pair in pairs if keep_pair(pair.a, pair.b)]
        groups = clusters(pairs, attributions)
        near = tuple(Group(path_of[g[0]], tuple(path_of[x] for x in g)) for g in grouped)
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
            groups=near,
        )
    finally:
        if was_enabled:
            gc.enable()


def _across(
    copies: Sequence[tuple[str, str]], keep_pair: Callable[[str, str], bool]
) -> list[tuple[str, str]]:
    """Copies of one text (each paired with the first) paired across the two sides ``keep_pair``
    tells apart: each copy with the first copy on the other side, when there is one."""
    members: dict[str, list[str]] = {}
    for first, copy in copies:
        members.setdefault(first, [first]).append(copy)
    out: list[tuple[str, str]] = []
    for group in members.values():
        head = group[0]
        other = [m for m in group[1:] if keep_pair(head, m)]
        same = [m for m in group[1:] if not keep_pair(head, m)]
        if other:
            out.extend((head, m) for m in other)
            out.extend((other[0], m) if other[0] < m else (m, other[0]) for m in same)
    return sorted(out)


def _near_copies(
    sure: list[tuple[int, int]],
    few: I32,
    paths: Sequence[str],
    check: Callable[[Sequence[tuple[str, str]]], Checked],
) -> tuple[list[tuple[int, int]], I32, list[list[int]], Checked]:
    """Groups of near-copies among the documents ``paths`` (see dedup.groups), found by checking
    the documents that are candidates with many others against representatives first. Returns
    the candidates (``sure`` and ``few``, as from :func:`lsh_candidates`) still to check, without
    the pairs inside a group and those checked here; the groups (positions, representative
    first); and what the checks here found."""
    n = len(paths)
    pairs = np.array(sure, dtype=np.int32).reshape(-1, 2)
    group_of = np.full(n, -1, dtype=np.int64)
    tried = np.zeros(n, dtype=bool)
    groups: list[list[int]] = []
    done: set[tuple[int, int]] = set()
    found: list[Pair] = []
    warnings: list[str] = []
    held: list[tuple[str, str, U64]] = []
    number = {path: i for i, path in enumerate(paths)}
    for _ in range(ROUNDS):
        components = dense_components(pairs, n, tried | (group_of >= 0))
        if not components:
            break
        todo = [pair for pair in to_representatives(components) if pair not in done]
        done.update(todo)
        checked = check([(paths[a], paths[b]) for a, b in todo])
        found.extend(checked.pairs)
        warnings.extend(checked.warnings)
        held.extend(checked.held)
        shares = {(number[p.a], number[p.b]): min(p.a_in_b, p.b_in_a) for p in checked.pairs}
        grow(components, shares, group_of, groups)
        # A representative that drew no group is not one again: the next round gives the other
        # members of its component another.
        tried[[component[0] for component in components]] = True
    if not done:
        return sure, few, [], Checked([], [], [])
    keep = outside_groups(pairs, group_of)
    left = [(a, b) for a, b in pairs[keep].tolist() if (a, b) not in done]
    few = few[outside_groups(few, group_of)]
    if len(few):
        few = few[[(a, b) not in done for a, b in few.tolist()]]
    return left, few, groups, Checked(found, warnings, held)


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
    return _compared(prepared, read_texts(sources, settings.max_bytes), settings)


def compare_texts(
    text_a: str, text_b: str, settings: Settings | None = None, *, names: tuple[str, str] = ("a", "b")
) -> Comparison:
    """:func:`compare` on two texts in memory, named ``names`` in the result.

    Example::

        from dedup import compare_texts
        result = compare_texts("the first text ...", "the second text ...", names=("old", "new"))
    """
    settings = settings or Settings()
    if names[0] == names[1]:
        raise InputError(f"two texts named {names[0]!r}: give them different names")
    texts = dict(zip(names, (text_a, text_b), strict=True))
    read = [
        Text(
            Source(name, name),
            text,
            "utf-8",
            hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        )
        if text.strip()
        else Skipped(name, "empty")
        for name, text in texts.items()
    ]
    return _compared(prepare_texts(read, settings.shingle_size), texts, settings)


def _compared(
    prepared: Sequence[Prepared | Skipped], texts: Mapping[str, str], settings: Settings
) -> Comparison:
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
    return Comparison(
        first.document,
        second.document,
        with_explanation(pair, texts, settings),
        settings.as_dict(),
        dict(texts),
        missed(pair, settings),
        shared_quotation(a, b, settings),
    )


def prepare_with_index(
    sources: Sequence[Source],
    settings: Settings,
    index: Index,
    pool: Executor | None = None,
    prune_under: Sequence[str] = (),
    progress: Progress | None = None,
) -> tuple[list[Prepared | Skipped], RefreshStats]:
    """Records for ``sources`` from the index, re-reading only files that changed since it last saw
    them (``progress`` counts those). Files that cannot be read come back as Skipped records, as in
    a plain scan."""
    stats = index.refresh(
        sources, lambda todo: prepare_all(todo, settings, progress, pool), prune_under=prune_under
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
    passed_over: list[Skipped] = []
    sources = discover([str(p) for p in paths], settings, cwd, passed_over)

    def run(index: Index) -> tuple[RefreshStats, int]:
        pooled = settings.effective_jobs() > 1 and len(sources) > BATCH
        jobs = _workers(settings, (len(sources) + BATCH - 1) // BATCH, warn) if pooled else 1
        with _Pool(jobs, None) if pooled else _inline() as pool:
            stats = index.refresh(
                sources,
                lambda todo: prepare_all(todo, settings, None, pool),
                prune_under=[str(cwd / p) for p in paths],
            )
        # Learning boilerplate reads every stored document: do it when it was never done or when
        # enough of the corpus changed since (index.BOILERPLATE_REFRESH), not on every refresh.
        if index.boilerplate_is_stale(settings):
            learn_boilerplate(index, settings)
        return stats, index.count()

    from dedup.index import with_index

    with _no_broken_pool():
        stats, total = with_index(cwd / settings.index, cwd, settings, warn, run)
    return _also_skipped(stats, passed_over), total


def learn_boilerplate(index: Index, settings: Settings) -> None:
    """Learn the boilerplate shingles and common wording of everything in the index, and store
    them there."""
    records = index.all_records()
    distinct = [sorted_unique(p.shingles) for p in records]
    groups = text_groups([p.text_hash for p in records])
    index.set_boilerplate(
        boilerplate_shingles(distinct, settings.boilerplate_docs, settings.boilerplate_share),
        corpus_common(flatten(distinct), groups, settings.common_docs).common,
        settings,
    )
