"""Worker processes and files that are not what they were: how many workers a scan starts, that
they end with their parent and on Ctrl-C without a traceback, and that a file replaced by a named
pipe is skipped with a warning instead of hanging the scan or the hook. Real processes, real FIFOs."""

from __future__ import annotations

import contextlib
import functools
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import ROOT, SAMPLES, deadline

import dedup.pipeline as pipeline
from dedup import Settings, scan
from dedup.config import PER_CORE, usable_cores
from dedup.hook import check
from dedup.pipeline import build_index, check_batch
from dedup.sources import Source, Text, discover, read_text

LINUX_PROC = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
NEEDS_FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


def _write_corpus(folder: Path, n: int) -> Path:
    """``n`` small documents, every fourth one a light edit of the one before, so a scan reads for
    a while and then has pairs to verify."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        pick = random.Random(i // 4)  # the same text for every four documents...
        words = [f"w{pick.randrange(5000)}" for _ in range(120)]
        words[i % 120] = f"edit{i}"  # ...but for one word
        (folder / f"{i:05d}.txt").write_text(" ".join(words), encoding="utf-8")
    return folder


# -- how many workers ---------------------------------------------------------------------------


def _note_worker(folder: Path, *initargs: Any) -> None:
    """A worker's initializer that also leaves its process id in ``folder``."""
    (folder / str(os.getpid())).touch()
    _START_WORKER(*initargs)


_START_WORKER = pipeline._start_worker


def test_workers_are_capped_by_the_machine_and_by_the_work_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--jobs 1000 on 300 files once forked hundreds of processes. A scan starts no more than
    PER_CORE per core; an index build no more than its batches of files; each says so once."""
    corpus = _write_corpus(tmp_path / "corpus", 300)  # two batches of files
    pids = tmp_path / "pids"
    pids.mkdir()
    monkeypatch.setattr(pipeline, "_start_worker", functools.partial(_note_worker, pids))
    asked = 64
    most = PER_CORE * usable_cores()
    assert most < asked

    warnings: list[str] = []
    report = scan([corpus], Settings(jobs=asked), warn=warnings.append)
    assert len(list(pids.iterdir())) == most
    cores = usable_cores()
    assert warnings == [
        f"jobs: using {most} worker processes, not {asked} (at most {PER_CORE} per core on {cores} cores)"
    ]
    alone = scan([corpus], Settings(jobs=1))
    assert [(p.a, p.b, p.relation) for p in report.pairs] == [(p.a, p.b, p.relation) for p in alone.pairs]
    assert report.pairs

    for pid in pids.iterdir():
        pid.unlink()
    warnings.clear()
    build_index([corpus], Settings(jobs=asked), cwd=tmp_path, warn=warnings.append)
    assert len(list(pids.iterdir())) == 2
    assert warnings == [f"jobs: using 2 worker processes, not {asked} (2 batches of work)"]

    # Asking for no more than can be used is not worth a word.
    warnings.clear()
    scan([corpus], Settings(jobs=2), warn=warnings.append)
    assert warnings == []


# -- workers end with their parent ---------------------------------------------------------------


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (psutil is not at hand: /proc says it)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie, left for a parent that does not reap it, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _start(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dedup", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _workers_of(proc: subprocess.Popen[str], least: int, seconds: float = 20.0) -> set[int]:
    """The worker processes of ``proc`` once at least ``least`` are running."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        found = _children(proc.pid)
        if len(found) >= least:
            return found
        time.sleep(0.01)
    raise AssertionError(f"{proc.args} never had {least} worker processes")


@LINUX_PROC
@pytest.mark.parametrize("command", ["scan", "index"])
def test_workers_end_when_their_parent_is_killed(tmp_path: Path, command: str) -> None:
    """kill -9 of `dedup scan` or `dedup index` left its workers running for good."""
    _write_corpus(tmp_path / "corpus", 3000)
    proc = _start([command, "corpus", "--jobs", "2"], tmp_path)
    try:
        workers = _workers_of(proc, 2)
        proc.kill()
        proc.wait()
        end = time.monotonic() + 5
        while any(_alive(pid) for pid in workers) and time.monotonic() < end:
            time.sleep(0.02)
        assert not [pid for pid in workers if _alive(pid)]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


# -- Ctrl-C ------------------------------------------------------------------------------------


@LINUX_PROC
def test_ctrl_c_at_any_moment_of_a_scan_is_quiet_and_prompt(tmp_path: Path) -> None:
    """Ctrl-C while the workers read (or verify) printed `InvalidStateError: CANCELLED` tracebacks
    from concurrent.futures, and once hung with zombie workers. Several scans, each interrupted
    at another moment, each in its own process group as a terminal's job is."""
    _write_corpus(tmp_path / "corpus", 3000)
    moments = [0.0, 0.15, 0.3, 0.5, 0.8, 1.2]
    procs = [_start(["scan", "corpus", "--jobs", "2", "--no-progress"], tmp_path) for _ in moments]
    try:
        workers = [_workers_of(proc, 2) for proc in procs]
        started = time.monotonic()
        for proc, moment in zip(procs, moments, strict=True):
            time.sleep(max(0.0, started + moment - time.monotonic()))
            os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: the whole group gets it
        for proc, moment, mine in zip(procs, moments, workers, strict=True):
            _, err = proc.communicate(timeout=10)
            assert "Traceback" not in err and "Error" not in err, (moment, err)
            assert proc.returncode in (0, 1, 130), (moment, err)
            assert not [pid for pid in mine if _alive(pid)], moment
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


# -- files that became named pipes -------------------------------------------------------------


@NEEDS_FIFO
def test_reading_a_file_that_became_a_fifo_skips_it_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "a.txt"
    os.mkfifo(fifo)
    with deadline(5):
        result = read_text(Source(fifo, "a.txt"), 1000)
    assert not isinstance(result, Text)
    assert result.reason == "unreadable (not a regular file)"


@NEEDS_FIFO
def test_a_file_replaced_by_a_fifo_after_discovery_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = _write_corpus(tmp_path / "corpus", 8)
    victim = corpus / "00001.txt"

    def discover_then_replace(*args: Any, **kwargs: Any) -> list[Source]:
        found = discover(*args, **kwargs)
        victim.unlink()
        os.mkfifo(victim)
        return found

    monkeypatch.setattr(pipeline, "discover", discover_then_replace)
    with deadline(10):
        report = scan([corpus], Settings(jobs=1))
    assert [(s.path, s.reason) for s in report.skipped] == [(str(victim), "unreadable (not a regular file)")]
    assert len(report.documents) == 7


@NEEDS_FIFO
def test_a_file_replaced_by_a_fifo_before_verification_is_left_out_with_a_warning(tmp_path: Path) -> None:
    corpus = _write_corpus(tmp_path / "corpus", 4)  # one text and three light edits of it
    report = scan([corpus], Settings(jobs=1))
    assert len(report.pairs) == 6
    hashes = {d.path: d.content_hash for d in report.documents}
    sources = {s.display: s for s in discover([str(corpus)], Settings(), tmp_path)}
    victim = sorted(sources)[0]
    Path(sources[victim].path).unlink()
    os.mkfifo(sources[victim].path)
    candidates = [(p.a, p.b) for p in report.pairs]
    with deadline(10):
        checked = check_batch(candidates, sources, hashes, Settings(), np.empty(0, np.uint64), False)
    said = f"{victim} could not be read again: unreadable (not a regular file); its pairs are left out"
    assert checked.warnings == [said]
    assert len(checked.pairs) == 3 and all(victim not in (p.a, p.b) for p in checked.pairs)


# -- the hook's candidates ---------------------------------------------------------------------


@pytest.fixture
def hook_corpus(tmp_path: Path) -> Path:
    """An indexed corpus of the samples and a new file that reprints one of them."""
    (tmp_path / "articles").mkdir()
    for sample in sorted(SAMPLES.iterdir()):
        shutil.copy(sample, tmp_path / "articles" / sample.name)
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", tmp_path / "new.txt")
    build_index(["articles"], Settings(jobs=1), cwd=tmp_path)
    return tmp_path


def _hook(cwd: Path) -> tuple[set[str], list[str]]:
    warnings: list[str] = []
    with deadline(10):
        result = check(["new.txt"], Settings(jobs=1), corpus=["articles"], cwd=cwd, warn=warnings.append)
    return {f.other for f in result.findings}, warnings


@NEEDS_FIFO
def test_hook_skips_a_candidate_that_became_a_fifo_with_a_warning(hook_corpus: Path) -> None:
    found, _ = _hook(hook_corpus)
    victim = "articles/iran-russia-pact_original.txt"
    assert victim in found
    (hook_corpus / victim).unlink()
    os.mkfifo(hook_corpus / victim)
    found, warnings = _hook(hook_corpus)
    assert victim not in found and found
    assert warnings == [f"{victim} is left out of the comparison: unreadable (not a regular file)"]


def test_hook_says_when_a_candidate_was_deleted_since_it_was_indexed(hook_corpus: Path) -> None:
    victim = "articles/iran-russia-pact_original.txt"
    (hook_corpus / victim).unlink()
    found, warnings = _hook(hook_corpus)
    assert victim not in found and found
    assert warnings == [f"{victim} is left out of the comparison: deleted since it was indexed"]
