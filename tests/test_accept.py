"""dedup baseline never loses accepted pairs by accident: it merges, --replace rewrites, --pair
accepts one real pair, and entries of deleted files are dropped with a note."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from dedup.cli import cli

ORIGINAL = "articles/iran-russia-pact_original.txt"
REPRINT = "articles/iran-russia-pact_reprint.txt"
TRUNCATED = "articles/iran-russia-pact_truncated-copy.txt"


def run(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(cli, list(args))
    return done.exit_code, done.stderr


def accepted(corpus: Path, name: str = ".dedup-baseline.json") -> set[tuple[str, ...]]:
    data = json.loads((corpus / name).read_text(encoding="utf-8"))
    return {tuple(sorted(entry["paths"])) for entry in data["pairs"]}


def test_naming_one_file_keeps_every_other_acceptance(corpus: Path) -> None:
    code, err = run("baseline", "articles")
    assert code == 0 and "wrote 6 accepted pairs" in err and "(6 new, 0 kept)" in err
    before = accepted(corpus)
    # The command that used to write 0 pairs and wipe the file.
    code, err = run("baseline", "articles/alpine-glacier-survey.txt")
    assert code == 0, err
    assert accepted(corpus) == before and "(0 new, 6 kept)" in err
    # A new reprint named alone, with a corpus to compare it with: its pairs are added.
    reprint = (SAMPLES / "iran-russia-pact_reprint.txt").read_text(encoding="utf-8")
    (corpus / "articles" / "new-reprint.txt").write_text(reprint + "\nA late note.\n", encoding="utf-8")
    code, err = run("baseline", "articles/new-reprint.txt", "--corpus", "articles")
    assert code == 0, err
    added = accepted(corpus) - before
    assert before <= accepted(corpus) and (REPRINT, "articles/new-reprint.txt") in added
    assert ("articles/iran-russia-pact_original.txt", "articles/new-reprint.txt") in added
    hook = CliRunner().invoke(cli, ["hook", "articles/new-reprint.txt", "--corpus", "articles"])
    assert hook.exit_code == 0, hook.stdout + hook.stderr


def test_the_corpus_in_the_config_is_used_for_a_named_file(corpus: Path) -> None:
    (corpus / "pyproject.toml").write_text('[tool.dedup]\ncorpus = ["articles"]\n', encoding="utf-8")
    shutil.copy(SAMPLES / "iran-russia-pact_truncated-copy.txt", corpus / "articles" / "short.txt")
    code, err = run("baseline", "articles/short.txt")
    assert code == 0, err
    assert ("articles/iran-russia-pact_original.txt", "articles/short.txt") in accepted(corpus)
    assert CliRunner().invoke(cli, ["hook", "articles/short.txt"]).exit_code == 0


def test_replace_rewrites_from_scratch(corpus: Path) -> None:
    assert run("baseline", "articles")[0] == 0
    code, err = run("baseline", "articles/alpine-glacier-survey.txt", "--replace")
    assert code == 0 and "wrote 0 accepted pairs" in err
    assert accepted(corpus) == set()


def test_entries_of_deleted_files_are_dropped_with_a_note_renamed_ones_kept(corpus: Path) -> None:
    assert run("baseline", "articles")[0] == 0
    (corpus / "articles" / "iran-russia-pact_truncated-copy.txt").unlink()
    (corpus / "articles" / "council-week-in-review.md").rename(corpus / "articles" / "council.md")
    code, err = run("baseline", "articles/alpine-glacier-survey.txt")
    assert code == 0, err
    notes = [line for line in err.splitlines() if line.startswith("note: dropped")]
    assert len(notes) == 2 and all(f"{TRUNCATED} no longer exists" in n for n in notes)
    assert "(0 new, 4 kept, 2 dropped)" in err
    left = accepted(corpus)
    assert len(left) == 4 and not any(TRUNCATED in pair for pair in left)
    # The renamed file keeps its acceptance: its content is still in the corpus.
    assert any("articles/council-week-in-review.md" in pair for pair in left)
    scanned = CliRunner().invoke(cli, ["scan", "articles", "--baseline", ".dedup-baseline.json"])
    assert scanned.exit_code == 0, scanned.stdout


def test_pair_accepts_one_real_pair(corpus: Path) -> None:
    code, err = run("baseline", "--pair", ORIGINAL, REPRINT)
    assert code == 0 and "wrote 1 accepted pair to .dedup-baseline.json (1 new, 0 kept)" in err
    assert accepted(corpus) == {(ORIGINAL, REPRINT)}
    code, err = run("baseline", "--pair", TRUNCATED, REPRINT)
    assert code == 0 and accepted(corpus) == {(ORIGINAL, REPRINT), (REPRINT, TRUNCATED)}
    scanned = CliRunner().invoke(cli, ["scan", "articles", "--baseline", ".dedup-baseline.json", "--json"])
    left = {(p["a"], p["b"]) for p in json.loads(scanned.stdout)["pairs"]}
    assert (ORIGINAL, REPRINT) not in left and (ORIGINAL, TRUNCATED) in left


def test_pair_of_copies_is_keyed_by_place(corpus: Path) -> None:
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", corpus / "articles" / "glaciers-copy.txt")
    code, err = run("baseline", "--pair", "articles/alpine-glacier-survey.txt", "articles/glaciers-copy.txt")
    assert code == 0, err
    entry = json.loads((corpus / ".dedup-baseline.json").read_text(encoding="utf-8"))["pairs"][0]
    assert entry["identical_paths"] is True and entry["relation"] == "identical"
    # A third copy is no accepted pair.
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", corpus / "articles" / "glaciers-third.txt")
    scanned = CliRunner().invoke(cli, ["scan", "articles", "--baseline", ".dedup-baseline.json", "--json"])
    involved = {p["b"] for p in json.loads(scanned.stdout)["pairs"] if p["relation"] == "identical"}
    assert involved == {"articles/glaciers-third.txt"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pair", ORIGINAL, "articles/alpine-glacier-survey.txt"], "are not a pair"),
        (["--pair", ORIGINAL, ORIGINAL], "names the same file twice"),
        (["--pair", ORIGINAL, "articles/nope.txt"], "not a file: articles/nope.txt"),
        (["articles", "--pair", ORIGINAL, REPRINT], "give PATHS, or --pair A B (not both)"),
        ([], "give PATHS, or --pair A B"),
        (["--pair", ORIGINAL, REPRINT, "--replace"], "cannot go with --replace"),
    ],
)
def test_bad_baseline_requests_exit_2_and_leave_the_file(corpus: Path, args: list[str], message: str) -> None:
    assert run("baseline", "articles")[0] == 0
    before = (corpus / ".dedup-baseline.json").read_bytes()
    code, err = run("baseline", *args)
    assert code == 2 and message in err, err
    assert (corpus / ".dedup-baseline.json").read_bytes() == before


def test_a_file_that_is_no_baseline_is_not_overwritten_without_replace(corpus: Path) -> None:
    (corpus / "notes.json").write_text('{"my": "notes"}\n', encoding="utf-8")
    code, err = run("baseline", "articles", "--baseline", "notes.json")
    assert code == 2 and "--replace writes a new one" in err
    assert (corpus / "notes.json").read_text(encoding="utf-8") == '{"my": "notes"}\n'
    assert run("baseline", "articles", "--baseline", "notes.json", "--replace")[0] == 0
    assert len(accepted(corpus, "notes.json")) == 6
