"""Worker processes and files that are not what they were: how many workers a scan starts, that
they end with their parent and on Ctrl-C without a traceback, and that a file replaced by a named
pipe is skipped with a warning instead of hanging the scan or the hook. Real processes, real FIFOs."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SAMPLES

import dedup.pipeline as pipeline
from dedup import Settings, scan
from dedup.hook import check
from dedup.pipeline import build_index, check_batch
from dedup.sources import Source, Text, discover, read_text

LINUX_PROC = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
NEEDS_FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")


class Blocked(Exception):
    """Not an OSError, which the reader would take for an unreadable file."""


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Fail, rather than hang the suite, when the block blocks (opening a FIFO with no writer
    waits forever; the alarm interrupts it in this, the main, thread)."""

    def expired(signum: int, frame: object) -> None:
        raise Blocked(f"still blocked after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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


# -- files that became named pipes -------------------------------------------------------------


@NEEDS_FIFO
def test_reading_a_file_that_became_a_fifo_skips_it_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "a.txt"
    os.mkfifo(fifo)
    with deadline(5):
        result = read_text(Source(fifo, "a.txt"), 1000)
    assert not isinstance(result, Text)
    assert result.reason == "not a regular file"


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
    assert [(s.path, s.reason) for s in report.skipped] == [(str(victim), "not a regular file")]
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
    said = f"{victim} could not be read again: not a regular file; its pairs are left out"
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
    assert warnings == [f"{victim} is left out of the comparison: not a regular file"]


def test_hook_says_when_a_candidate_was_deleted_since_it_was_indexed(hook_corpus: Path) -> None:
    victim = "articles/iran-russia-pact_original.txt"
    (hook_corpus / victim).unlink()
    found, warnings = _hook(hook_corpus)
    assert victim not in found and found
    assert warnings == [f"{victim} is left out of the comparison: deleted since it was indexed"]
