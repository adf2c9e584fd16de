"""Standard streams as a shell may hand them over: closed, full, read by a reader that leaves,
able to encode only ASCII, not a terminal. Real processes, since each case is about the process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from dedup.cli import cli

DEDUP = [sys.executable, "-m", "dedup"]


def run(*args: str, shell_redirect: str = "", **kwargs: object) -> subprocess.CompletedProcess[str]:
    """``python -m dedup ARGS``, through ``sh`` when the streams need a shell's redirection."""
    command = [*DEDUP, *args]
    if shell_redirect:
        command = ["sh", "-c", f'exec "$0" "$@" {shell_redirect}', *command]
    options: dict[str, object] = {"capture_output": True, "text": True, "cwd": ROOT, **kwargs}
    if "stdout" in kwargs or "stderr" in kwargs:
        del options["capture_output"]
    return subprocess.run(command, check=False, **options)  # type: ignore[call-overload, no-any-return]


@pytest.fixture(scope="module")
def unpaired(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2,000 documents of random words, no two alike: a JSON report far larger than a pipe holds."""
    import random

    corpus = tmp_path_factory.mktemp("unpaired")
    rng = random.Random(19)
    words = [f"w{n}" for n in range(5000)]
    for number in range(2000):
        text = " ".join(rng.choice(words) for _ in range(60))
        (corpus / f"{number:04d}.txt").write_text(text, encoding="utf-8")
    return corpus


needs_sh = pytest.mark.skipif(os.name != "posix", reason="needs a POSIX shell's redirections")


@needs_sh
def test_closed_stdout_is_exit_code_2_with_one_line(unpaired: Path) -> None:
    """The report cannot be shown: neither "pairs found" (1) nor "none" (0), and no traceback."""
    for args in (["scan", "samples"], ["scan", "samples", "--json"], ["scan", str(unpaired), "--json"]):
        done = run(*args, "--no-progress", shell_redirect=">&-")
        assert done.returncode == 2, args
        assert done.stderr == "Error: cannot write the output: standard output is closed\n", args


@needs_sh
def test_closed_or_full_stderr_keeps_the_exit_code_and_the_report() -> None:
    for redirect in ("2>&-", "2>/dev/full"):
        if "full" in redirect and not Path("/dev/full").exists():
            continue
        missing = run("scan", "no-such-folder", shell_redirect=redirect)
        assert missing.returncode == 2, redirect
        assert missing.stdout == ""
        found = run("scan", "samples", "--json", shell_redirect=redirect)
        assert found.returncode == 1, redirect
        assert len(json.loads(found.stdout)["pairs"]) > 0


@needs_sh
def test_both_streams_closed_is_a_silent_exit_code_2() -> None:
    done = run("scan", "samples", shell_redirect=">&- 2>&-")
    assert done.returncode == 2


def test_a_reader_that_leaves_is_exit_code_141_not_pairs_found(unpaired: Path) -> None:
    """`dedup scan --json | head -c 100` on a corpus without pairs: 141, as a shell reports a
    program that SIGPIPE ended; never 1."""
    with subprocess.Popen(
        [*DEDUP, "scan", str(unpaired), "--no-progress", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.read(100)
        proc.stdout.close()
        err = proc.stderr.read().decode()
        code = proc.wait(timeout=30)
    assert code == 141
    assert err == ""


def test_output_degrades_to_what_an_ascii_stream_encodes(tmp_path: Path) -> None:
    story = "The café on Rue Saint-Denis reopened on Tuesday — “after two years” — with 😀 " * 6
    (tmp_path / "café-😀.txt").write_text(story, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(story, encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "NO_COLOR": "1"}
    terminal = run("scan", str(tmp_path), "--explain", env=env)
    assert terminal.returncode == 1, terminal.stderr
    assert terminal.stdout.isascii()
    assert "caf\\xe9-\\U0001f600.txt" in terminal.stdout and "\\xb7" in terminal.stdout
    as_json = run("scan", str(tmp_path), "--json", env=env)
    assert as_json.returncode == 1, as_json.stderr
    assert as_json.stdout.isascii()
    report = json.loads(as_json.stdout)
    assert {d["path"] for d in report["documents"]} == {
        str(tmp_path / "café-😀.txt"),
        str(tmp_path / "copy.txt"),
    }
    compared = run("compare", str(tmp_path / "café-😀.txt"), str(tmp_path / "copy.txt"), "--json", env=env)
    assert compared.returncode == 1 and compared.stdout.isascii()
    assert json.loads(compared.stdout)["documents"][0]["path"].endswith("café-😀.txt")


def test_a_warning_is_one_line_whatever_its_length(tmp_path: Path) -> None:
    """stderr not a terminal: rich would wrap at 80 columns; a warning must stay on its line."""
    deep = tmp_path / ("a-folder-with-a-long-name-" * 4) / ("and-another-one-" * 4)
    deep.mkdir(parents=True)
    (deep / "an-empty-file-with-a-long-name-too.txt").write_text("", encoding="utf-8")
    (tmp_path / "one.txt").write_text("A short document with a handful of words in it.", encoding="utf-8")
    done = run("scan", str(tmp_path), "--no-progress", env={**os.environ, "COLUMNS": "60"})
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: skipped "), lines
    assert str(deep / "an-empty-file-with-a-long-name-too.txt") in lines[0]


BIDI = "\u202e\u2066\u2069\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2067\u2068\u200b\ufeff"


def test_bidirectional_and_invisible_characters_are_shown_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = "The council voted on Tuesday to reopen the riverside library after two years. " * 4
    tricky = story + "access \u202eroot\u202c granted \u2066hidden\u2069 " + "".join(BIDI)
    (tmp_path / "a\u202etxt.md").write_text(tricky, encoding="utf-8")
    (tmp_path / "b.txt").write_text(story, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for args in (["compare", "a\u202etxt.md", "b.txt"], ["scan", ".", "--explain"]):
        result = CliRunner().invoke(cli, args, env={"NO_COLOR": "1"}, catch_exceptions=False)
        assert result.exit_code == 1, result.output
        assert not set(BIDI) & set(result.stdout), args
        assert "\\u202eroot\\u202c" in result.stdout and "\\u2066hidden\\u2069" in result.stdout
        assert "a\\u202etxt.md" in result.stdout
    # Machine output keeps the text as it is.
    result = CliRunner().invoke(cli, ["scan", ".", "--json"], catch_exceptions=False)
    assert "a\u202etxt.md" in {d["path"] for d in json.loads(result.stdout)["documents"]}
