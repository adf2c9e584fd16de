from __future__ import annotations

import contextlib
import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = Path(os.environ.get("DEDUP_SHARED", ROOT.parent / "shared"))


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The samples in ``articles/`` of a fresh folder, which becomes the current one (a test module
    may define a ``corpus`` of its own)."""
    (tmp_path / "articles").mkdir()
    for sample in sorted(SAMPLES.iterdir()):
        shutil.copy(sample, tmp_path / "articles" / sample.name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository root as the current folder, as a user following the README would."""
    monkeypatch.chdir(ROOT)
    return ROOT


def needs_shared() -> pytest.MarkDecorator:
    """Skip, saying why, when the evaluation data in ../shared is not beside this checkout."""
    return pytest.mark.skipif(
        not (SHARED / "data").is_dir(),
        reason=f"evaluation data not found at {SHARED} (set DEDUP_SHARED to its folder)",
    )


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
