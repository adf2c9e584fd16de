"""Speed and memory of ``dedup scan`` at corpus scale, side by side with the peers, on planted corpora.

Generates (or reuses) deterministic corpora with ``benchmarks/gencorpus.py`` (seed 7) under the
work folder, runs ``dedup scan DIR --json --timings --no-progress`` on each as a whole process
``--runs`` times, and reports medians: wall time, CPU time (user + sys of dedup and its worker
processes, from ``wait4``), peak RSS, the seconds of each stage (from ``--timings``), the recall of the
planted pairs and the reported pairs that were not planted. It also times ``dedup --help`` (start-up)
and runs the peers on the same corpora: the by-hand datasketch pipeline (one corpus, 10,000 by
default) and text-dedup's MinHash at its news settings (every corpus). Prints one markdown report
and writes it to ``benchmarks/SPEED.md``.

    python benchmarks/speed.py                                  # 10,000 and 100,000 documents, peers
    python benchmarks/speed.py --sizes 2000 5000 --no-peers --no-write

Memory: ``wait4`` gives the peak RSS of the largest single process (dedup's main process or one of
its workers); a sampler thread also reads ``/proc`` every 0.1 s for the summed RSS of the whole
process tree (an upper bound: pages shared after ``fork`` count once per process) and for the CPU
time of the tree, from which it tells how many cores were busy during the hashing stages.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from typing import Any

BENCHMARKS = Path(__file__).resolve().parent
ROOT = BENCHMARKS.parent
sys.path.insert(0, str(BENCHMARKS))

import gencorpus  # noqa: E402
import peers  # noqa: E402

SEED = 7
SAMPLE_INTERVAL = 0.1
STARTUP_RUNS = 5
HASHING_STAGES = ("read+shingle", "sketch+lsh")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Targets of the issue "Speed and memory at corpus scale".
TARGET_SIZE = 100_000
TARGET_WALL = 20.0  # seconds at 100,000 documents
TARGET_RSS = 1.5e9  # bytes (1.5 GB) at 100,000 documents
TARGET_LINEARITY = 1.1  # t(N2) / t(N1) at most 1.1 x N2 / N1 (11 for 10k -> 100k)
TARGET_BYHAND = 25.0  # dedup docs/s over by-hand datasketch docs/s
TARGET_TEXTDEDUP = 7.0  # dedup docs/s over text-dedup docs/s
TARGET_RECALL = 0.99
TARGET_STARTUP = 0.3  # seconds for `dedup --help`

Pair = tuple[str, str]


# --- corpora -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """A generated corpus: its folder, size and planted pairs (relative paths, sorted in each pair)."""

    path: Path
    docs: int
    record: dict[str, Any]
    planted: dict[Pair, str]  # pair -> kind


def _count_files(folder: Path) -> int:
    return sum(1 for sub in os.scandir(folder) if sub.is_dir() for f in os.scandir(sub) if f.is_file())


def ensure_corpus(workdir: Path, docs: int, seed: int = SEED, regenerate: bool = False) -> Corpus:
    """``workdir/corpus-N``, generated unless a whole corpus of the same size, seed and version is there."""
    out = workdir / f"corpus-{docs}"
    planted = gencorpus.planted_path(out)
    record: dict[str, Any] | None = None
    if not regenerate and planted.exists() and out.is_dir():
        record = json.loads(planted.read_text(encoding="utf-8"))
        same = (record.get("docs"), record.get("seed"), record.get("version")) == (
            docs,
            seed,
            gencorpus.VERSION,
        )
        if not same or _count_files(out) != docs:
            record = None
    if record is None:
        _log(f"generating {docs:,} documents into {out} ...")
        started = time.perf_counter()
        gencorpus.generate(out, docs, seed, force=True)
        record = json.loads(planted.read_text(encoding="utf-8"))
        _log(f"  done in {time.perf_counter() - started:.1f} s")
    else:
        _log(f"reusing {out} ({docs:,} documents, seed {seed})")
    pairs = {_pair(p["a"], p["b"]): str(p["kind"]) for p in record["pairs"]}
    return Corpus(out, docs, record, pairs)


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Score:
    """Reported pairs against the planted ones."""

    reported: int
    recall: float
    false_reports: int
    missed_by_kind: dict[str, int]
    false_examples: list[Pair]


def score(found: Iterable[Pair], planted: Mapping[Pair, str]) -> Score:
    """Recall of the planted pairs (any relation counts) and the reported pairs that were not planted."""
    reported = {_pair(a, b) for a, b in found}
    hits = reported & planted.keys()
    false = sorted(reported - planted.keys())
    missed = Counter(kind for pair, kind in planted.items() if pair not in hits)
    recall = len(hits) / len(planted) if planted else 1.0
    return Score(len(reported), recall, len(false), dict(sorted(missed.items())), false[:5])


# --- one measured process ----------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    """The process tree at one moment: CPU seconds so far, summed RSS, number of processes."""

    t: float
    cpu: float
    rss: int
    procs: int


def _tree_usage(pid: int) -> tuple[float, int, int]:
    """CPU seconds (own + reaped children) and RSS bytes summed over ``pid`` and its descendants."""
    todo, cpu_ticks, rss_pages, procs = [pid], 0, 0, 0
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    todo.extend(int(c) for c in f.read().split())
        except (OSError, IndexError, ValueError):
            continue
        # fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17, rss field 24
        cpu_ticks += sum(int(x) for x in fields[11:15])
        rss_pages += int(fields[21])
        procs += 1
    return cpu_ticks / CLK_TCK, rss_pages * PAGE, procs


def system_busy() -> float:
    """CPU seconds all cores have spent busy since boot (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


class TreeSampler(threading.Thread):
    """Reads the CPU time and RSS of a process tree from /proc every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.samples: list[Sample] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            now = time.perf_counter()
            cpu, rss, procs = _tree_usage(self.pid)
            if procs == 0:
                break
            self.samples.append(Sample(now, cpu, rss, procs))
            self.done.wait(self.interval)


@dataclass(frozen=True)
class Measured:
    """One child process: exit code, wall and CPU seconds, peak RSS (wait4), /proc samples, outputs."""

    code: int
    wall: float
    cpu: float
    maxrss: int  # bytes, the largest single process of the tree
    others: float  # cores that other processes kept busy on average meanwhile (from /proc/stat)
    samples: list[Sample]
    started: float
    stdout: Path
    stderr: Path


def measure(cmd: Sequence[str], stdout: Path, stderr: Path, cwd: Path | None = None) -> Measured:
    """Run ``cmd`` with stdout and stderr to files; time it and reap it with ``os.wait4``."""
    with open(stdout, "wb") as out, open(stderr, "wb") as err:
        busy = system_busy()
        started = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=cwd)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        busy = system_busy() - busy
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
    return Measured(
        code=proc.returncode,
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        maxrss=usage.ru_maxrss * 1024,
        others=max(0.0, busy - usage.ru_utime - usage.ru_stime) / wall,
        samples=sampler.samples,
        started=started,
        stdout=stdout,
        stderr=stderr,
    )


def _cpu_at(samples: Sequence[Sample], t: float) -> float | None:
    """The tree's CPU seconds at time ``t``, interpolated between samples."""
    for s0, s1 in zip(samples, samples[1:], strict=False):
        if s0.t <= t <= s1.t:
            return s0.cpu + (s1.cpu - s0.cpu) * (t - s0.t) / (s1.t - s0.t) if s1.t > s0.t else s0.cpu
    return None


def busy_cores(m: Measured, stages: Mapping[str, float]) -> dict[str, float]:
    """Cores busy on average (CPU seconds / wall seconds) during each hashing stage, from the samples.

    The stage clock is placed by the first sample that sees a worker process: the pool starts right
    after discovery, so the pipeline started ``discover`` seconds (and about half an interval) earlier.
    """
    first_child = next((s.t for s in m.samples if s.procs > 1), None)
    if first_child is None or "discover" not in stages:
        return {}
    clock = first_child - SAMPLE_INTERVAL / 2 - stages["discover"]
    out: dict[str, float] = {}
    for stage, seconds in stages.items():
        if stage == "total":
            continue
        begin, clock = clock, clock + seconds
        if stage in HASHING_STAGES and seconds >= 4 * SAMPLE_INTERVAL:
            c0, c1 = _cpu_at(m.samples, begin), _cpu_at(m.samples, clock)
            if c0 is not None and c1 is not None:
                out[stage] = (c1 - c0) / seconds
    return out


# --- dedup -------------------------------------------------------------------------------------


@dataclass
class DedupRun:
    """One ``dedup scan`` of a corpus."""

    measured: Measured
    stages: dict[str, float]
    busy: dict[str, float]
    score: Score
    documents: int
    load: float  # 1-minute load average just before the run
    code: str  # dedup's code just before the run (see code_state)


@dataclass
class SizeResult:
    """Every dedup run on one corpus, and the peers' runs on it."""

    corpus: Corpus
    command: list[str]
    runs: list[DedupRun] = field(default_factory=list)
    peers: list[PeerResult] = field(default_factory=list)

    def median(self, get: Callable[[DedupRun], float | None]) -> float | None:
        values = [v for v in map(get, self.runs) if v is not None]
        return statistics.median(values) if values else None

    @property
    def wall(self) -> float:
        return statistics.median(r.measured.wall for r in self.runs)

    @property
    def docs_per_second(self) -> float:
        return self.corpus.docs / self.wall


def dedup_executable() -> str:
    """The ``dedup`` script of this interpreter's environment (else the one on PATH)."""
    beside = Path(sys.executable).parent / "dedup"
    if beside.exists():
        return str(beside)
    found = shutil.which("dedup")
    if not found:
        raise SystemExit("speed.py: no `dedup` command (install the package: pip install -e .)")
    return found


def run_dedup(corpus: Corpus, runs: int, scratch: Path) -> SizeResult:
    """``runs`` whole-process scans of the corpus, each timed, reaped with wait4 and scored."""
    target = str(corpus.path)
    command = [dedup_executable(), "scan", target, "--json", "--timings", "--no-progress"]
    result = SizeResult(corpus, command)
    for i in range(runs):
        load, code = os.getloadavg()[0], code_state()
        m = measure(command, scratch / f"scan-{corpus.docs}.json", scratch / f"scan-{corpus.docs}.stderr")
        err = m.stderr.read_text(encoding="utf-8", errors="replace")
        if m.code not in (0, 1):
            raise SystemExit(f"speed.py: dedup scan exited with {m.code}:\n{peers._tail(err)}")
        line = next((x for x in err.splitlines() if x.startswith("timings: ")), None)
        if line is None:
            raise SystemExit(f"speed.py: no timings line on dedup's stderr:\n{peers._tail(err)}")
        stages = {k: float(v) for k, v in json.loads(line.removeprefix("timings: ")).items()}
        report = json.loads(m.stdout.read_bytes())
        found = [(_relative(p["a"], target), _relative(p["b"], target)) for p in report["pairs"]]
        run = DedupRun(
            m,
            stages,
            busy_cores(m, stages),
            score(found, corpus.planted),
            int(report["summary"]["documents"]),
            load,
            code,
        )
        result.runs.append(run)
        _log(
            f"  dedup {corpus.docs:,} run {i + 1}/{runs}: {m.wall:.2f} s wall, {m.cpu:.2f} s CPU, "
            f"{m.maxrss / 1e6:,.0f} MB peak RSS, recall {run.score.recall:.4f}, "
            f"{run.score.false_reports} false reports (load before {load:.2f}, "
            f"other processes: {m.others:.2f} cores)"
        )
    return result


def _relative(path: str, root: str) -> str:
    """A path from dedup's report, relative to the scanned folder, with "/" separators."""
    prefix = root.rstrip("/") + "/"
    if path.startswith(prefix):
        return path[len(prefix) :]
    return Path(os.path.relpath(path, root)).as_posix()


def startup_seconds(runs: int = STARTUP_RUNS) -> list[float]:
    """Wall seconds of ``dedup --help``, ``runs`` times."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([dedup_executable(), "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


# --- peers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerResult:
    """A peer on one corpus: the run of median wall time (seconds, CPU, peak RSS, score) and all times."""

    tool: str
    docs: int
    seconds: float
    cpu: float
    maxrss: int
    others: float  # cores other processes kept busy meanwhile
    score: Score
    times: list[float]
    note: str = ""

    @property
    def docs_per_second(self) -> float:
        return self.docs / self.seconds


def _usage(who: int) -> tuple[float, int]:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def _byhand_job(folder: str) -> dict[str, Any]:
    """In a fresh process: read the corpus and run the by-hand pipeline; seconds, CPU, peak RSS, pairs."""
    started = time.perf_counter()
    docs = peers.read_folder(Path(folder))
    read = time.perf_counter() - started
    pairs = peers.byhand_pairs(docs)
    seconds = time.perf_counter() - started
    cpu, maxrss = _usage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "maxrss": maxrss,
        "pairs": sorted(pairs),
        "docs": len(docs),
        "note": f"reading the files {read:.1f} s of it",
        "all_cpu": cpu,
    }


def _textdedup_job(folder: str, workdir: str, python: str) -> dict[str, Any]:
    """In a fresh process: text-dedup (news settings) on the corpus; its subprocess's seconds, CPU, RSS.

    CPU and peak RSS come from this process's reaped children: text-dedup (with its own workers)
    and the small reader of its output; the peak is that of the largest single process.
    """
    docs = peers.read_folder(Path(folder))
    s = peers.TEXTDEDUP_SETTINGS["news"]
    before, _ = _usage(resource.RUSAGE_CHILDREN)
    run = peers.textdedup_run(
        docs,
        workdir=Path(workdir),
        ngram=s.ngram,
        threshold=s.threshold,
        num_perm=s.num_perm,
        min_length=s.min_length,
        check_false_positive=s.check_false_positive,
        processes=2,
        python=Path(python),
    )
    after, maxrss = _usage(resource.RUSAGE_CHILDREN)
    own = run.reported_seconds
    return {
        "seconds": run.seconds,
        "cpu": after - before,
        "maxrss": maxrss,
        "pairs": sorted(run.pairs),
        "docs": len(docs),
        "note": f"its own Total: {own:.1f} s" if own is not None else "",
        "all_cpu": after + _usage(resource.RUSAGE_SELF)[0],
    }


def _in_fresh_process(job: Callable[..., dict[str, Any]], *args: str) -> dict[str, Any]:
    """Run ``job(*args)`` in a new spawned interpreter, so its memory and CPU figures are its own.

    Adds ``others``: the cores other processes kept busy on average meanwhile (from /proc/stat).
    """
    busy, started = system_busy(), time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        out = pool.submit(job, *args).result()
    wall, busy = time.perf_counter() - started, system_busy() - busy
    out["others"] = max(0.0, busy - out["all_cpu"]) / wall
    return out


def run_peer(
    tool: str, corpus: Corpus, runs: int, job: Callable[..., dict[str, Any]], *args: str
) -> PeerResult:
    """``runs`` runs of a peer's job on the corpus, each in a fresh process; the one of median wall time."""
    outs = []
    for i in range(runs):
        _log(f"  {tool} on {corpus.docs:,} documents, run {i + 1}/{runs} ...")
        out = _in_fresh_process(job, str(corpus.path), *args)
        rate = out["docs"] / out["seconds"]
        _log(f"    {out['seconds']:.1f} s, {rate:.0f} docs/s, other processes: {out['others']:.2f} cores")
        outs.append(out)
    mid = sorted(outs, key=lambda o: o["seconds"])[(len(outs) - 1) // 2]
    return PeerResult(
        tool,
        mid["docs"],
        mid["seconds"],
        mid["cpu"],
        mid["maxrss"],
        mid["others"],
        score(map(tuple, mid["pairs"]), corpus.planted),
        [o["seconds"] for o in outs],
        mid["note"],
    )


# --- report ------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.rstrip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def code_state() -> str:
    """The commit of the work tree and the files of dedup that differ from it (with a digest of them)."""
    commit = _git("rev-parse", "--short", "HEAD") or "?"
    changed = [
        line[3:] for line in _git("status", "--porcelain", "--", "dedup", "pyproject.toml").splitlines()
    ]
    if not changed:
        return f"commit {commit}"
    digest = hashlib.sha256()
    for name in sorted(changed):
        path = ROOT / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-"))
    return (
        f"commit {commit} with uncommitted changes to {', '.join(changed)} (sha256 {digest.hexdigest()[:8]})"
    )


def machine(
    textdedup: str | None, load: tuple[float, float], code: Mapping[str, list[str]]
) -> list[tuple[str, str]]:
    """What the figures were measured on."""
    meminfo = Path("/proc/meminfo").read_text(encoding="ascii")
    total = re.search(r"MemTotal:\s+(\d+)", meminfo)
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    version = metadata.version("dedup")
    if len(code) == 1:
        dedup = f"{version}, {next(iter(code))}"
    else:
        seen = "; ".join(f"{state} (runs {', '.join(runs)})" for state, runs in code.items())
        dedup = f"{version}; **the code changed between runs**: {seen}"
    return [
        (
            "CPU",
            f"{model.group(1).strip() if model else platform.processor() or '?'}, nproc {os.cpu_count()}",
        ),
        ("memory", f"{int(total.group(1)) / 1024**2:.1f} GiB" if total else "?"),
        ("OS", f"{platform.system()} {platform.release()}"),
        ("Python", platform.python_version()),
        ("dedup", dedup),
        ("datasketch", metadata.version("datasketch")),
        ("text-dedup", textdedup or "not run (--no-peers)"),
        ("load average (1 min)", f"{load[0]:.2f} before, {load[1]:.2f} after"),
    ]


def _num(value: float | None, fmt: str = ".2f") -> str:
    return "–" if value is None else format(value, fmt)


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value / 1e6:,.0f} MB"


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**yes**" if ok else "**no**")


@dataclass(frozen=True)
class Target:
    """One target of the issue: what, its limit, the measured figure, whether it is met."""

    name: str
    limit: str
    measured: str
    met: bool | None


def targets(results: Sequence[SizeResult], startup: float, byhand: PeerResult | None) -> list[Target]:
    """Every target of the issue against what was measured (n/a where the figure was not measured)."""
    out: list[Target] = []
    big = next((r for r in results if r.corpus.docs == TARGET_SIZE), None)
    wall = big.wall if big else None
    rss = big.median(lambda r: r.measured.maxrss) if big else None
    out.append(
        Target(
            "wall time, 100,000 documents",
            f"≤ {TARGET_WALL:.0f} s",
            "–" if wall is None else f"{wall:.1f} s",
            None if wall is None else wall <= TARGET_WALL,
        )
    )
    out.append(
        Target(
            "peak RSS, 100,000 documents", "≤ 1.5 GB", _mb(rss), None if rss is None else rss <= TARGET_RSS
        )
    )
    if len(results) >= 2:
        small, large = results[0], results[-1]
        scale = large.corpus.docs / small.corpus.docs
        ratio = large.wall / small.wall
        out.append(
            Target(
                f"t({large.corpus.docs:,}) / t({small.corpus.docs:,})",
                f"≤ {TARGET_LINEARITY * scale:.3g}",
                f"{ratio:.2f}",
                ratio <= TARGET_LINEARITY * scale,
            )
        )
    else:
        out.append(Target("linearity t(100k) / t(10k)", "≤ 11", "–", None))
    if byhand is not None:
        size = next(r for r in results if r.corpus.docs == byhand.docs)
        ratio = size.docs_per_second / byhand.docs_per_second
        out.append(
            Target(
                f"docs/s over by-hand datasketch ({byhand.docs:,} documents)",
                f"≥ {TARGET_BYHAND:.0f}×",
                f"{ratio:.1f}×",
                ratio >= TARGET_BYHAND,
            )
        )
    else:
        out.append(Target("docs/s over by-hand datasketch", f"≥ {TARGET_BYHAND:.0f}×", "–", None))
    textdedup = [(r, p) for r in results for p in r.peers if p.tool == "text-dedup"]
    for r, p in textdedup:
        ratio = r.docs_per_second / p.docs_per_second
        out.append(
            Target(
                f"docs/s over text-dedup ({r.corpus.docs:,} documents)",
                f"≥ {TARGET_TEXTDEDUP:.0f}×",
                f"{ratio:.1f}×",
                ratio >= TARGET_TEXTDEDUP,
            )
        )
    if not textdedup:
        out.append(Target("docs/s over text-dedup", f"≥ {TARGET_TEXTDEDUP:.0f}×", "–", None))
    for r in results:
        recall = min(run.score.recall for run in r.runs)
        false = max(run.score.false_reports for run in r.runs)
        out.append(
            Target(
                f"recall of planted pairs ({r.corpus.docs:,} documents)",
                f"≥ {TARGET_RECALL}",
                f"{recall:.4f}",
                recall >= TARGET_RECALL,
            )
        )
        out.append(Target(f"false reports ({r.corpus.docs:,} documents)", "0", str(false), false == 0))
    out.append(
        Target(
            "start-up, `dedup --help`", f"< {TARGET_STARTUP} s", f"{startup:.3f} s", startup < TARGET_STARTUP
        )
    )
    return out


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render(
    results: Sequence[SizeResult],
    startup: Sequence[float],
    byhand: PeerResult | None,
    facts: Sequence[tuple[str, str]],
    command: str,
    when: str,
    runs: int,
    peer_runs: int,
) -> str:
    """The whole report as markdown."""
    lines = [
        "# Speed and memory at corpus scale",
        "",
        f"Measured on {when}, from the repository root, with",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Every figure for dedup is the median of {runs} runs of `dedup scan DIR --json --timings",
        "--no-progress` as a whole process; the peers ran "
        + ("once each" if peer_runs == 1 else f"{peer_runs} times each (the run of median wall time)")
        + ",",
        "in the same invocation, on the same files. Nothing here is estimated unless it says so.",
        "",
        "## Machine",
        "",
        *_table(("", ""), facts),
        "",
        "## Corpora",
        "",
        "`benchmarks/gencorpus.py`, seed 7: English-like pseudo-text with planted relatives (light edits,",
        "appended articles, truncations, moved paragraphs, inserted passages; 10% of the documents) and",
        "boilerplate groups (the negative case).",
        "",
    ]
    lines += _table(
        ("documents", "mean words", "planted pairs", "boilerplate groups", "folder"),
        (
            (
                f"{r.corpus.docs:,}",
                str(r.corpus.record["mean_words"]),
                f"{len(r.corpus.planted):,}",
                str(len(r.corpus.record["boilerplate_groups"])),
                f"`{_show(r.corpus.path)}`",
            )
            for r in results
        ),
    )
    lines += ["", "## dedup", ""]
    sizes = [f"{r.corpus.docs:,} docs" for r in results]
    ratio_col = len(results) >= 2
    header = ["figure (median)", *sizes] + ([f"ratio {sizes[-1]} / {sizes[0]}"] if ratio_col else [])

    def row(name: str, values: list[float | None], fmt: Callable[[float | None], str]) -> list[str]:
        cells = [name, *map(fmt, values)]
        if ratio_col:
            a, b = values[0], values[-1]
            cells.append(f"{b / a:.1f}" if a and b is not None else "")
        return cells

    def secs(value: float | None) -> str:
        return "–" if value is None else f"{value:.2f} s"

    rows = [
        row("wall time", [r.wall for r in results], secs),
        row(
            "CPU time (user + sys, workers included)",
            [r.median(lambda x: x.measured.cpu) for r in results],
            secs,
        ),
        row(
            "CPU / wall (cores busy on average)",
            [r.median(lambda x: x.measured.cpu / x.measured.wall) for r in results],
            _num,
        ),
    ]
    for stage in HASHING_STAGES:
        rows.append(
            row(
                f"cores busy during {stage} (sampled)",
                [r.median(lambda x, s=stage: x.busy.get(s)) for r in results],
                _num,
            )
        )
    rows += [
        row(
            "peak RSS, largest process (wait4)", [r.median(lambda x: x.measured.maxrss) for r in results], _mb
        ),
        row(
            "peak RSS, sum over the process tree (sampled)",
            [r.median(lambda x: max((s.rss for s in x.measured.samples), default=None)) for r in results],
            _mb,
        ),
        row("documents per second", [r.docs_per_second for r in results], lambda v: _num(v, ",.0f")),
    ]
    stages = list(dict.fromkeys(k for r in results for run in r.runs for k in run.stages))
    for stage in stages:
        label = "pipeline total (`timings`)" if stage == "total" else f"stage {stage}"
        rows.append(row(label, [r.median(lambda x, s=stage: x.stages.get(s)) for r in results], secs))
    rows.append(
        row(
            "start-up, imports and output (wall − total)",
            [r.median(lambda x: x.measured.wall - x.stages.get("total", 0.0)) for r in results],
            secs,
        )
    )
    lines += _table(header, rows)
    lines += [""]
    lines += _table(
        ("", *sizes),
        [
            ["recall of planted pairs", *(f"{min(x.score.recall for x in r.runs):.4f}" for r in results)],
            ["missed, by kind", *(_kinds(r.runs[0].score.missed_by_kind) for r in results)],
            ["false reports (reported, not planted)", *(str(r.runs[0].score.false_reports) for r in results)],
            ["reported pairs", *(f"{r.runs[0].score.reported:,}" for r in results)],
            [
                "wall time of each run",
                *(", ".join(f"{x.measured.wall:.2f}" for x in r.runs) for r in results),
            ],
            ["load average before each run", *(", ".join(f"{x.load:.2f}" for x in r.runs) for r in results)],
            [
                "cores other processes kept busy during each run",
                *(", ".join(f"{x.measured.others:.2f}" for x in r.runs) for r in results),
            ],
        ],
    )
    lines += [
        "",
        f"Start-up: `dedup --help` takes {statistics.median(startup):.3f} s (median of {len(startup)} runs:",
        ", ".join(f"{t:.3f}" for t in startup) + ").",
        "",
        "CPU time and the largest process's peak RSS come from `wait4` on the dedup process, so they",
        "include its worker processes. The sampled figures read `/proc` every 0.1 s: the summed RSS counts",
        "pages shared after `fork` once per process (an upper bound on the tree's memory), and the cores",
        "busy during a stage are the tree's CPU seconds over the stage's wall seconds, with the stage clock",
        "placed by the moment the first worker process appears (about ±0.1 s). The cores other processes",
        "kept busy are the machine's busy CPU time (`/proc/stat`) less the measured tree's, over the wall",
        "time: on this 2-core machine, anything above 0 took CPU that dedup could have used.",
    ]

    peer_rows = []
    for r in results:
        for p in r.peers:
            peer_rows.append(
                (
                    p.tool,
                    f"{p.docs:,}",
                    f"{p.seconds:.1f} s",
                    f"{p.docs_per_second:,.0f}",
                    f"{p.cpu:.1f} s",
                    _mb(p.maxrss),
                    f"{p.score.recall:.4f}",
                    f"{p.score.false_reports:,}",
                    f"{r.docs_per_second / p.docs_per_second:.1f}×",
                    f"≥ {TARGET_BYHAND if p.tool.startswith('by-hand') else TARGET_TEXTDEDUP:.0f}×",
                    f"{p.others:.2f}",
                    "; ".join(x for x in (p.note, _times(p.times)) if x),
                )
            )
    lines += ["", "## Peers, on the same corpora", ""]
    if peer_rows:
        lines += _table(
            (
                "tool",
                "documents",
                "wall",
                "docs/s",
                "CPU",
                "peak RSS (largest process)",
                "recall",
                "false reports",
                "dedup docs/s ÷ its docs/s",
                "target",
                "other processes (cores)",
                "note",
            ),
            peer_rows,
        )
        lines += [
            "",
            "- by-hand datasketch: `byhand_pairs` of `benchmarks/peers.py` (lowercased 5-word shingles,",
            "  `MinHash(128)` updated one shingle at a time, `MinHashLSH` at 0.5, every LSH hit a pair),",
            "  timed from reading the files to the last LSH query, in a fresh process.",
            "- text-dedup: `python -m text_dedup.minhash` at its news settings (2-grams, threshold 0.45,",
            "  256 permutations, min_length 0, no false-positive check, num_proc 2), from its own Python",
            "  3.12 environment; the wall time is that of its subprocess (loading the JSON lines written",
            "  for it included, writing them not); CPU and peak RSS are those of its processes (the peak",
            "  of the largest one).",
            "- A peer's pairs are every pair it puts together (for text-dedup, every pair within a cluster),",
            "  scored against the planted pairs like dedup's.",
        ]
    else:
        lines += ["Not run (`--no-peers`)."]

    lines += ["", "## Targets", ""]
    lines += _table(
        ("target", "limit", "measured", "met"),
        (
            (t.name, t.limit, t.measured, _verdict(t.met))
            for t in targets(results, statistics.median(startup), byhand)
        ),
    )
    return "\n".join(lines) + "\n"


def _times(times: Sequence[float]) -> str:
    return "" if len(times) < 2 else "runs: " + ", ".join(f"{t:.1f}" for t in times) + " s"


def _kinds(missed: Mapping[str, int]) -> str:
    return ", ".join(f"{kind} {n}" for kind, n in missed.items()) or "none"


def _show(path: Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


# --- CLI ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="corpus sizes")
    parser.add_argument("--runs", type=int, default=3, help="dedup runs per size (at least 3; default 3)")
    parser.add_argument("--no-peers", dest="peers", action="store_false", help="dedup only")
    parser.add_argument("--peer-runs", type=int, default=1, help="runs of each peer (default 1)")
    parser.add_argument(
        "--byhand-size",
        type=int,
        default=10_000,
        help="corpus the by-hand pipeline runs on (default 10000; else the smallest size)",
    )
    parser.add_argument("--workdir", type=Path, default=BENCHMARKS / "work", help="corpora and scratch files")
    parser.add_argument("--regenerate", action="store_true", help="generate the corpora even if present")
    parser.add_argument("--no-write", dest="write", action="store_false", help="do not write SPEED.md")
    parser.add_argument("--output", type=Path, default=BENCHMARKS / "SPEED.md", help="where to write")
    args = parser.parse_args(argv)
    if args.runs < 3:
        parser.error("--runs must be at least 3")
    sizes = sorted(set(args.sizes))
    workdir = args.workdir.resolve()
    scratch = workdir / "speed"
    scratch.mkdir(parents=True, exist_ok=True)
    command = "python " + shlex.join(sys.argv if argv is None else ["benchmarks/speed.py", *argv])
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = os.getloadavg()[0]
    _log(f"load average before: {os.getloadavg()}")

    python = textdedup = None
    if args.peers:
        python = peers.setup_textdedup(workdir)
        textdedup = f"{peers.textdedup_version(python)} (its own Python environment, {_show(python)})"
    corpora = [ensure_corpus(workdir, n, SEED, args.regenerate) for n in sizes]

    startup = startup_seconds()
    _log(f"dedup --help: {', '.join(f'{t:.3f}' for t in startup)} s")
    results: list[SizeResult] = []
    byhand: PeerResult | None = None
    byhand_size = args.byhand_size if args.byhand_size in sizes else sizes[0]
    for corpus in corpora:
        result = run_dedup(corpus, args.runs, scratch)
        results.append(result)
        if args.peers and python is not None:
            if corpus.docs == byhand_size:
                byhand = run_peer("by-hand datasketch", corpus, args.peer_runs, _byhand_job)
                result.peers.append(byhand)
            td = run_peer("text-dedup", corpus, args.peer_runs, _textdedup_job, str(workdir), str(python))
            result.peers.append(td)
    load_after = os.getloadavg()[0]
    _log(f"load average after: {os.getloadavg()}")

    code: dict[str, list[str]] = {}
    for r in results:
        for i, run in enumerate(r.runs, 1):
            code.setdefault(run.code, []).append(f"{r.corpus.docs:,} #{i}")
    if len(code) > 1:
        _log(f"warning: dedup's code changed between runs: {code}")
    facts = machine(textdedup, (load_before, load_after), code)
    text = render(results, startup, byhand, facts, command, when, args.runs, args.peer_runs)
    print(text)
    for r in results:
        if r.runs[0].score.false_examples:
            _log(f"false reports at {r.corpus.docs:,}, e.g.: {r.runs[0].score.false_examples}")
    if args.write:
        args.output.write_text(text, encoding="utf-8")
        _log(f"wrote {_show(args.output)}")


if __name__ == "__main__":
    main()
