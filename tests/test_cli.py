from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import cli


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_scan_samples_terminal_report(in_root: Path) -> None:
    code, out, err = run("scan", "samples/")
    assert code == 1
    assert err == ""
    first = " ".join(out.split("\n\n")[0].split())  # the summary, wrapped to 80 columns
    assert first.startswith("Scanned 8 documents (0 skipped)")
    assert "6 pairs" in first
    assert "contained" in first and "overlap" in first and "near-duplicate" in first
    assert "CONTAINED samples/iran-russia-pact_original.txt" in out
    assert "is contained in samples/iran-russia-pact_reprint.txt" in out
    assert "iran-russia-pact_independent-report.txt" not in out
    assert "alpine-glacier-survey.txt" not in out
    # Piped output carries no colour codes and fits 80 columns.
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_scan_samples_json_acceptance(in_root: Path) -> None:
    code, out, err = run("scan", "samples/", "--json")
    assert code == 1
    assert err == ""
    report = json.loads(out)
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    seed = pairs[("samples/iran-russia-pact_original.txt", "samples/iran-russia-pact_reprint.txt")]
    assert seed["relation"] == "contained"
    assert seed["direction"] == "a_in_b"
    assert seed["containment"]["a_in_b"] > 0.9
    assert 0.5 < seed["jaccard"] < 0.6
    truncated = pairs[("samples/iran-russia-pact_reprint.txt", "samples/iran-russia-pact_truncated-copy.txt")]
    assert truncated["relation"] == "contained" and truncated["direction"] == "b_in_a"
    involved = {p["a"] for p in report["pairs"]} | {p["b"] for p in report["pairs"]}
    assert "samples/iran-russia-pact_independent-report.txt" not in involved
    assert "samples/alpine-glacier-survey.txt" not in involved
    cluster = next(c for c in report["clusters"] if seed["a"] in c["members"])
    assert cluster["original"] == "samples/iran-russia-pact_original.txt"
    assert "Algemeiner" in cluster["original_reason"]


def test_scan_without_pairs_exits_0(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("The cat sat on the mat and looked at the rain outside.")
    (tmp_path / "b.txt").write_text("Stock markets in Asia rose on Monday after a quiet week.")
    code, out, err = run("scan", str(tmp_path))
    assert code == 0
    assert "No duplicates" in out
    assert err == ""


def test_bad_files_warn_and_scan_goes_on(tmp_path: Path) -> None:
    text = "A long enough sentence about the weather in the valley this week. " * 5
    (tmp_path / "one.txt").write_text(text)
    (tmp_path / "two.txt").write_text(text)
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "bad.txt").write_bytes(b"\x81\x8d\x8f\x90\x9d" * 10)
    code, out, err = run("scan", str(tmp_path), "--json")
    assert code == 1
    report = json.loads(out)  # stdout holds the JSON and nothing else
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert reasons["empty.txt"] == "empty"
    assert reasons["binary.txt"] == "binary"
    assert reasons["bad.txt"].startswith("undecodable")
    assert report["pairs"][0]["relation"] == "identical"
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 3
    assert "Traceback" not in err


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, out, err = run("scan", str(tmp_path / "nope"))
    assert code == 2
    assert out == ""
    assert "path does not exist" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--near-duplicate", "1.5"], "--near-duplicate must be above 0 and at most 1"),
        (["--shingle-size", "0"], "--shingle-size must be between 1 and 50"),
        (["--jobs", "x"], "'x' is not a valid integer"),
        (["--bogus"], "No such option"),
    ],
)
def test_bad_options_exit_2(in_root: Path, args: list[str], message: str) -> None:
    code, out, err = run("scan", "samples/", *args)
    assert code == 2
    assert out == ""
    assert message in err


def test_config_sets_defaults_and_flags_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shared = " ".join(f"shared{i}" for i in range(60))
    (corpus / "a.txt").write_text(shared + " " + " ".join(f"a{i}" for i in range(400)))
    (corpus / "b.txt").write_text(shared + " " + " ".join(f"b{i}" for i in range(400)))
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\noverlap-words = 100\nspecific-words = 100\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("scan", "corpus", "--json")
    report = json.loads(out)
    assert report["settings"]["overlap_words"] == 100
    assert code == 0  # a 60-word shared passage is below the configured 100
    code, out, _ = run("scan", "corpus", "--json", "--overlap-words", "40")
    assert code == 1
    assert json.loads(out)["pairs"][0]["relation"] == "overlap"


def test_unknown_config_key_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.dedup]\nshingles = 4\n")
    (tmp_path / "a.txt").write_text("some words here")
    monkeypatch.chdir(tmp_path)
    code, out, err = run("scan", ".")
    assert code == 2
    assert "unknown key 'shingles'" in err


def test_include_and_exclude(tmp_path: Path) -> None:
    text = "the same document text repeated in several files for this test " * 3
    for name in ("a.txt", "b.txt", "c.md", "skip/d.txt", ".hidden/e.txt"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    code, out, _ = run("scan", str(tmp_path), "--json", "--include", "*.txt", "--exclude", "skip")
    names = sorted(Path(d["path"]).name for d in json.loads(out)["documents"])
    assert names == ["a.txt", "b.txt"]


def test_every_command_has_help_with_example() -> None:
    for name, command in cli.commands.items():
        code, out, _ = run(name, "--help")
        assert code == 0
        assert "Example" in out, name
        assert command.help


def test_option_help_states_the_settings_defaults() -> None:
    import re

    from dedup.config import Settings

    defaults = Settings()
    checked = 0
    for param in cli.commands["scan"].params:
        help_text = getattr(param, "help", None) or ""
        stated = re.search(r"\[default: ([^\]]+)\]", help_text)
        name = param.name or ""
        if stated is None or not hasattr(defaults, name):
            continue
        assert stated.group(1) == str(getattr(defaults, name)), name
        checked += 1
    assert checked >= 12


def test_console_script_and_module_entry_points(in_root: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "samples/", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["schema_version"] == 3
    version = subprocess.run(
        [sys.executable, "-m", "dedup", "--version"], capture_output=True, text=True, check=False
    )
    assert version.returncode == 0 and "dedup" in version.stdout


def test_entry_point_flushes_warnings_and_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("", encoding="utf-8")
    (tmp_path / "one.txt").write_text("just one document here", encoding="utf-8")
    env = {**os.environ, "NO_COLOR": "1"}

    def run_module(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "dedup", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False)

    done = run_module("scan", str(tmp_path), "--json", "--no-progress")
    assert done.returncode == 0
    assert json.loads(done.stdout)["summary"]["documents"] == 1
    assert "skipped" in done.stderr and "empty.txt" in done.stderr
    wrong = run_module("scan", str(tmp_path), "--no-such-option")
    assert wrong.returncode == 2 and "No such option" in wrong.stderr


def test_heavy_modules_are_imported_only_where_needed() -> None:
    """`dedup --help` loads neither numpy, rich nor regex; a JSON scan loads no datasketch (scipy)
    and not numpy.ma, which ``np.unique`` pulls in for a check dedup never needs."""
    samples = Path(__file__).parent.parent / "samples"

    def imported(*args: str) -> set[str]:
        command = [sys.executable, "-X", "importtime", "-m", "dedup", *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode in (0, 1), done.stderr
        lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
        return {line.rsplit("|", 1)[1].strip() for line in lines[1:]}

    at_help = imported("--help")
    assert "click" in at_help
    assert not {"numpy", "rich", "regex"} & at_help
    at_scan = imported("scan", str(samples), "--json", "--no-progress", "--jobs", "1")
    assert {"numpy", "regex", "dedup.pipeline"} <= at_scan
    assert not {"numpy.ma", "datasketch", "scipy"} & at_scan


def test_an_unexpected_error_is_one_line_and_exit_code_2(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug must not read as "pairs found" (exit 1) to a script or a pre-commit hook."""
    import dedup.pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something no test foresaw")

    monkeypatch.setattr(dedup.pipeline, "scan", broken)
    code, out, err = run("scan", "samples/", "--json")
    assert code == 2
    assert out == ""
    assert err.strip() == (
        "Error: unexpected RuntimeError: something no test foresaw "
        "(a bug in dedup; DEDUP_DEBUG=1 shows where)"
    )


def test_output_that_cannot_be_written_is_exit_code_2(in_root: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("needs /dev/full")
    for args in (["scan", "samples/", "--json"], ["scan", "samples/"]):
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                [sys.executable, "-m", "dedup", *args], stdout=full, stderr=subprocess.PIPE, text=True
            )
        assert done.returncode == 2, args
        assert done.stderr.strip() == "Error: No space left on device"


_SLOW_SCAN = """
import sys, time
import dedup.pipeline
from dedup.cli import main

def slow(*args, **kwargs):
    time.sleep(60)

dedup.pipeline.prepare_packed = slow
sys.argv = ["dedup", "scan", sys.argv[1], "--jobs", "2", "--no-progress"]
main()
"""


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="needs process groups")
def test_ctrl_c_is_one_line_and_exit_code_130(tmp_path: Path) -> None:
    """Ctrl-C reaches the parent and its workers: one line, exit 130, no worker tracebacks."""
    import contextlib
    import signal
    import time

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(300):  # more than one batch, so the scan uses worker processes
        (corpus / f"{i:04d}.txt").write_text(f"document {i} " + "word " * 50, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", _SLOW_SCAN, str(corpus)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        time.sleep(3)  # the workers are started, asleep in their first task
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert out == ""
    assert err.strip() == "Interrupted."


def test_escape_sequences_inside_documents_never_reach_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = "The council voted on Tuesday to reopen the riverside library after two years. " * 4
    (tmp_path / "a.txt").write_text(story + "\x1b]0;new title\x07 \x1b[2J cleared", encoding="utf-8")
    (tmp_path / "b.txt").write_text(story, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for args in (["compare", "a.txt", "b.txt"], ["scan", ".", "--explain"]):
        result = CliRunner().invoke(cli, args, env={"NO_COLOR": "1"}, catch_exceptions=False)
        assert result.exit_code == 1
        assert "cleared" in result.stdout  # the text is shown...
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout  # ...its controls are not
