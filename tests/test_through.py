"""Pairs of two documents that each copy a common source are grouped under it (issue 21)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import SAMPLES

from dedup import Settings, scan
from dedup.cli import cli
from dedup.cluster import through_sources

SOURCE = (SAMPLES / "iran-russia-pact_original.txt").read_text(encoding="utf-8")
OTHER = (SAMPLES / "alpine-glacier-survey.txt").read_text(encoding="utf-8").split()
LIBRARY = (SAMPLES / "riverside-library-reopens.txt").read_text(encoding="utf-8").split()


def _answers(folder: Path) -> None:
    """A source and four answers that copy overlapping stretches of it, each with words of its own."""
    words = SOURCE.split()
    folder.mkdir()
    (folder / "source.txt").write_text(SOURCE, encoding="utf-8")
    for i, (start, end) in enumerate([(40, 200), (100, 260), (150, 330), (60, 240)]):
        own = " ".join(OTHER[i * 40 : i * 40 + 40] + LIBRARY[i * 30 : i * 30 + 30])
        (folder / f"answer-{i}.txt").write_text(own + "\n\n" + " ".join(words[start:end]), encoding="utf-8")


def test_sibling_pairs_are_grouped_under_their_source(tmp_path: Path) -> None:
    _answers(tmp_path / "task")
    report = scan([tmp_path / "task"], Settings(jobs=1))
    names = {(Path(p.a).name, Path(p.b).name) for p in report.pairs}
    through = {
        (Path(a).name, Path(b).name): Path(s).name for (a, b), s in through_sources(report.pairs).items()
    }
    siblings = {pair for pair in names if "source.txt" not in pair}
    assert len(siblings) >= 4
    # Every pair of two answers is listed under the source; no pair with the source is.
    assert through == {pair: "source.txt" for pair in siblings}
    done = CliRunner().invoke(cli, ["scan", str(tmp_path / "task"), "--no-progress", "-j", "1"])
    assert (
        "COMMON SOURCE" in done.output
        and f"{len(siblings)} pairs of documents that each copy it" in done.output
    )
    assert done.output.count("OVERLAP") + done.output.count("CONTAINED") == len(names) - len(siblings)
    full = CliRunner().invoke(cli, ["scan", str(tmp_path / "task"), "--no-progress", "-j", "1", "--explain"])
    assert "COMMON SOURCE" not in full.output


def test_three_copies_of_one_text_are_not_hidden_in_a_circle(tmp_path: Path) -> None:
    folder = tmp_path / "copies"
    folder.mkdir()
    for i, change in enumerate(["", "Strategic", "Ambassador"]):
        text = SOURCE.replace(change, change.upper(), 1) if change else SOURCE
        (folder / f"c{i}.txt").write_text(text + f"\n\nfooter number {i}", encoding="utf-8")
    report = scan([folder], Settings(jobs=1))
    assert len(report.pairs) == 3
    assert len(through_sources(report.pairs)) <= 1


def test_a_copy_is_no_source_of_its_original(tmp_path: Path) -> None:
    # The truncated copy and the original share less than each shares with the reprint, but the
    # reprint says it is a copy of the original: their pair is listed.
    report = scan([SAMPLES], Settings(jobs=1))
    original = str(SAMPLES / "iran-russia-pact_original.txt")
    assert all(original not in pair for pair in through_sources(report.pairs))
