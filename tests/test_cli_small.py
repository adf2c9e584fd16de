"""Small promises of the command line: hook --baseline, empty paths, a config nested too deeply,
and Ctrl-C at any moment."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from dedup.cli import cli

STORY = (
    "The council voted on Tuesday to reopen the riverside library after two years of repairs, "
    "and the mayor said the reading rooms would stay open late on weekdays through the winter. "
)


def invoke(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout with its lines joined (rich wraps at 80 columns), stderr."""
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1"}, catch_exceptions=False)
    return result.exit_code, " ".join(result.stdout.split()), result.stderr


def test_hook_takes_the_baseline_file_its_synopsis_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "story.txt").write_text(STORY * 3, encoding="utf-8")
    (tmp_path / "articles" / "reprint.txt").write_text(STORY * 3 + "Reprinted.", encoding="utf-8")
    code, _, err = invoke("baseline", "articles", "--baseline", "accepted.json")
    assert code == 0, err
    assert (tmp_path / "accepted.json").is_file()
    code, out, err = invoke("hook", "articles/reprint.txt", "--corpus", "articles")
    assert code == 1, err  # the default baseline file does not exist: nothing is accepted
    assert "run `dedup baseline articles` and commit .dedup-baseline.json" in out
    code, out, err = invoke(
        "hook", "articles/reprint.txt", "--corpus", "articles", "--baseline", "accepted.json"
    )
    assert code == 0, out + err
    assert "1 accepted in accepted.json" in out
    # A pair the named file does not accept: the advice names the file.
    (tmp_path / "articles" / "another.txt").write_text(STORY * 3 + "Again.", encoding="utf-8")
    code, out, err = invoke(
        "hook", "articles/another.txt", "--corpus", "articles", "--baseline", "other.json"
    )
    assert code == 1, err
    assert "run `dedup baseline articles --baseline other.json` and commit other.json" in out


@pytest.mark.parametrize(
    "args",
    [
        ["scan", ""],
        ["scan", "samples", ""],
        ["index", ""],
        ["baseline", ""],
        ["compare", "", "samples/iran-russia-pact_original.txt"],
        ["hook", "", "--corpus", "samples"],
        ["hook", "samples/iran-russia-pact_original.txt", "--corpus", ""],
    ],
)
def test_an_empty_path_is_an_error_not_the_current_folder(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "samples").mkdir()
    for name in ("iran-russia-pact_original.txt", "copy.txt"):
        (tmp_path / "samples" / name).write_text(STORY * 3, encoding="utf-8")
    code, out, err = invoke(*args)
    assert code == 2
    assert out == ""
    assert err == "Error: an empty path names no file or folder (use '.' for the current folder)\n"
    assert not (tmp_path / ".dedup").exists() and not (tmp_path / ".dedup-baseline.json").exists()


def test_a_config_nested_too_deeply_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        "[tool.dedup]\ninclude = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8"
    )
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    code, out, err = invoke("scan", ".")
    assert code == 2
    assert out == ""
    assert err == f"Error: {tmp_path / 'pyproject.toml'}: cannot read configuration: nested too deeply\n"


# Ctrl-C at a given moment, timed from inside the process so that it does not depend on how long
# the interpreter takes to start (before dedup's code runs, Ctrl-C is Python's to handle): a
# thread sends SIGINT ``delay`` seconds after the command module starts loading, to the process
# group as a terminal does (the workers get it too) or to the process alone.
_CTRL_C_AFTER = """
import os, signal, sys, threading, time
corpus, delay, group = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "group"
sys.argv = ["dedup", "scan", corpus, "--no-progress", "--jobs", "4"]

def interrupt():
    # From the moment dedup.cli has set its Ctrl-C handler, its first lines: before them Python
    # is still starting the command (a few microseconds), where Ctrl-C is Python's own.
    while "dedup.cli" not in sys.modules or sys.excepthook is sys.__excepthook__:
        time.sleep(0.0005)
    time.sleep(delay)
    if group:
        os.killpg(0, signal.SIGINT)
    else:
        os.kill(os.getpid(), signal.SIGINT)

threading.Thread(target=interrupt, daemon=True).start()
from dedup.cli import main
main()
"""

# Ctrl-C exactly while the command module imports click, its slowest import.
_CTRL_C_WHILE_LOADING = """
import os, signal, sys

class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "click":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["dedup", "scan", sys.argv[1]]
from dedup.cli import main
main()
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 documents, some of them copies: a scan long enough to interrupt at each stage."""
    import random

    folder = tmp_path_factory.mktemp("ctrl-c")
    rng = random.Random(130)
    words = [f"w{n}" for n in range(4000)]
    texts = [" ".join(rng.choice(words) for _ in range(200)) for _ in range(2500)]
    for number in range(3000):
        (folder / f"{number:04d}.txt").write_text(texts[number % 2500], encoding="utf-8")
    return folder


def _ctrl_c(script: str, *args: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=ROOT,
    )
    try:
        out, err = proc.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the command's process group, workers included
        proc.wait()
    return proc.returncode, out, err, time.monotonic() - started


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs process groups")
def test_ctrl_c_at_any_moment_is_one_line_and_exit_code_130(corpus: Path) -> None:
    code, out, err, _ = _ctrl_c(_CTRL_C_WHILE_LOADING, str(corpus))
    assert (code, out, err) == (130, "", "Interrupted.\n")
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5):
        for target in ("group", "process"):
            code, out, err, seconds = _ctrl_c(_CTRL_C_AFTER, str(corpus), str(delay), target)
            if code in (0, 1) and delay >= 0.2:
                continue  # the scan was over before the signal: nothing to interrupt
            assert (code, err) == (130, "Interrupted.\n"), (delay, target, out)
            # Nothing on stdout, unless the signal came while the finished report was printed.
            assert out == "" or (delay >= 0.2 and out.startswith("Scanned ")), (delay, target, out)
            assert seconds < delay + 5, (delay, target)
