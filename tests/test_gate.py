"""Triage filters (--relation, --min-words, --summary) and the gate (--fail-on, --fail-on-new)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from dedup import Settings, scan
from dedup.cli import cli
from dedup.errors import ConfigError
from dedup.gate import Gate, Triage, parse_relations, shared_words, summarize, triage


def run(*args: str) -> tuple[int, str, str]:
    done = CliRunner().invoke(cli, list(args))
    return done.exit_code, done.stdout, done.stderr


def relations_of(out: str) -> list[str]:
    return sorted(p["relation"] for p in json.loads(out)["pairs"])


def test_parse_relations_takes_repeats_and_commas() -> None:
    assert parse_relations(["overlap", "near-duplicate,CONTAINED"], "--x") == {
        "overlap",
        "near-duplicate",
        "contained",
    }
    with pytest.raises(ConfigError, match="--fail-on: 'dup' is not a relation"):
        parse_relations(["near-duplicate,dup"], "--fail-on")
    with pytest.raises(ConfigError, match="an empty name"):
        parse_relations(["contained,"], "--relation")


def test_triage_keeps_relations_and_shared_words_and_rebuilds_clusters(in_root: Path) -> None:
    report = scan(["samples/"], Settings(jobs=1), explain_spans=False)
    contained = triage(report, Triage(frozenset({"contained"})))
    assert {p.relation for p in contained.pairs} == {"contained"} and len(contained.pairs) == 3
    assert [len(c.members) for c in contained.clusters] == [3]
    # The overlaps share 69 and 73 words, the others hundreds.
    big = triage(report, Triage(min_words=100))
    assert all(shared_words(p) >= 100 for p in big.pairs) and len(big.pairs) == 4
    assert min(shared_words(p) for p in report.pairs) < 100
    assert triage(report, Triage()) is report
    with pytest.raises(ConfigError):
        Triage(frozenset())


def test_gate_fails_on_relations_and_new_pairs_only(in_root: Path) -> None:
    report = scan(["samples/"], Settings(jobs=1), explain_spans=False)
    pairs = report.pairs
    assert Gate().return_code(pairs) == 1 and Gate().return_code(()) == 0
    assert Gate(frozenset({"identical"})).return_code(pairs) == 0
    assert len(Gate(frozenset({"overlap", "near-duplicate"})).failing(pairs)) == 3
    new = [p for p in pairs if p.relation == "overlap"]
    assert Gate(new_only=True).failing(pairs, new) == new
    assert Gate(frozenset({"contained"}), new_only=True).return_code(pairs, new) == 0
    assert Gate(new_only=True).failing(pairs, None) == list(pairs)  # no baseline: all are new


def test_summary_counts_and_largest_clusters(in_root: Path) -> None:
    report = scan(["samples/"], Settings(jobs=1), explain_spans=False)
    summary = summarize(report, top=1)
    assert summary.counts == {"identical": 0, "near-duplicate": 1, "contained": 3, "overlap": 2}
    assert summary.clusters == 2 and len(summary.largest) == 1
    assert summary.largest[0].pairs == 3 and len(summary.largest[0].cluster.members) == 3


def test_scan_relation_and_min_words_filter_json_terminal_and_exit_code(corpus: Path) -> None:
    code, out, err = run(
        "scan", "articles", "--json", "--relation", "overlap", "--relation", "near-duplicate"
    )
    assert code == 1 and err == ""
    assert relations_of(out) == ["near-duplicate", "overlap", "overlap"]
    assert json.loads(out)["summary"]["pairs"]["contained"] == 0
    code, out, _ = run("scan", "articles", "--relation", "contained,near-duplicate")
    assert code == 1 and "CONTAINED" in out and "NEAR-DUPLICATE" in out and "OVERLAP" not in out
    code, out, _ = run("scan", "articles", "--json", "--min-words", "100")
    assert code == 1 and "overlap" not in relations_of(out) and len(relations_of(out)) == 4
    # Nothing left to report: exit 0.
    code, out, _ = run("scan", "articles", "--relation", "identical")
    assert code == 0 and "No duplicates" in out
    code, out, _ = run("scan", "articles", "--json", "--min-words", "100000")
    assert code == 0 and json.loads(out)["pairs"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--relation", "similar"], "--relation: 'similar' is not a relation"),
        (["--min-words", "-1"], "--min-words"),
        (["--min-words", "many"], "--min-words"),
        (["--fail-on", "contained,nope"], "--fail-on: 'nope' is not a relation"),
        (["--summary", "--json"], "--summary is a terminal view"),
    ],
)
def test_bad_triage_and_gate_values_exit_2(corpus: Path, args: list[str], message: str) -> None:
    code, out, err = run("scan", "articles", *args)
    assert code == 2 and message in err and out == ""


def test_scan_summary_prints_counts_and_clusters_not_pairs(corpus: Path) -> None:
    code, out, _ = run("scan", "articles", "--summary")
    assert code == 1
    flat = " ".join(out.split())
    assert "near-duplicate 1" in flat and "contained 3" in flat and "overlap 2" in flat
    assert "Largest clusters (2 of 2)" in flat
    cluster = "Cluster 2 · 3 documents, 3 pairs: articles/iran-russia-pact_original.txt (likely original)"
    assert cluster in flat
    assert "CONTAINED" not in out and "differs:" not in out
    code, out, _ = run("scan", "articles", "--summary", "--relation", "identical")
    assert code == 0 and "Largest clusters" not in out


def test_fail_on_shows_every_pair_but_fails_only_on_those_relations(corpus: Path) -> None:
    code, out, err = run("scan", "articles", "--json", "--fail-on", "identical")
    assert code == 0 and len(json.loads(out)["pairs"]) == 6
    assert "0 of 6 reported pairs fail (--fail-on identical)" in err
    code, out, err = run("scan", "articles", "--fail-on", "near-duplicate", "--fail-on", "identical")
    assert code == 1 and "OVERLAP" in out and "1 of 6 reported pairs fails" in err
    # The gate looks only at what is reported.
    code, _, _ = run("scan", "articles", "--fail-on", "near-duplicate", "--relation", "contained")
    assert code == 0


def test_fail_on_new_shows_accepted_pairs_and_fails_only_on_new_ones(corpus: Path) -> None:
    assert run("baseline", "articles")[0] == 0
    code, out, err = run("scan", "articles", "--json", "--fail-on-new")
    assert code == 0 and len(json.loads(out)["pairs"]) == 6  # accepted pairs are shown
    assert "0 of 6 reported pairs fail (only pairs the baseline does not accept)" in err
    shutil.copy(SAMPLES / "riverside-library-reopens.txt", corpus / "articles" / "library-copy.txt")
    code, out, err = run("scan", "articles", "--fail-on-new")
    assert code == 1 and "library-copy.txt" in out
    # A team that fails only on new near-duplicate or contained pairs: a new overlap passes.
    (corpus / "articles" / "library-copy.txt").unlink()
    library = (SAMPLES / "riverside-library-reopens.txt").read_text(encoding="utf-8")
    words = library.split()
    (corpus / "articles" / "column.txt").write_text(
        "A column on town affairs, with talk of rain and roads and the price of bread this year. "
        + " ".join(words[:45])
        + " And then the column wanders off to talk about gardens, cats, and the village fete.\n",
        encoding="utf-8",
    )
    code, out, err = run("scan", "articles", "--fail-on-new", "--fail-on", "near-duplicate,contained")
    assert "column.txt" in out and "OVERLAP" in out
    assert code == 0, out + err
    # --baseline hides the accepted pairs; --fail-on-new then fails on the new overlap.
    code, out, _ = run("scan", "articles", "--json", "--baseline", ".dedup-baseline.json", "--fail-on-new")
    assert code == 1 and all("column.txt" in p["a"] + p["b"] for p in json.loads(out)["pairs"])


def test_fail_on_new_without_a_baseline_file_takes_every_pair_as_new(corpus: Path) -> None:
    code, _, err = run("scan", "articles", "--fail-on-new")
    assert code == 1 and "no baseline file .dedup-baseline.json: every pair is new" in err


def test_hook_fail_on_shows_every_new_pair_and_fails_only_on_those_relations(corpus: Path) -> None:
    shutil.copy(SAMPLES / "iran-russia-pact_truncated-copy.txt", corpus / "new.txt")
    hook = ["hook", "new.txt", "--corpus", "articles"]
    code, out, err = run(*hook, "--fail-on", "near-duplicate")
    flat = " ".join(out.split())
    assert code == 0, out + err
    assert "new.txt duplicates articles/iran-russia-pact_original.txt" in flat
    assert "does not fail: contained is not in --fail-on" in flat
    assert "does not fail: identical is not in --fail-on" in flat
    assert "0 of 3 reported pairs fail (--fail-on near-duplicate)" in err
    code, out, err = run(*hook, "--fail-on", "near-duplicate,identical")
    assert code == 1 and "1 of 3 reported pairs fails" in err
    assert run(*hook)[0] == 1
    assert run(*hook, "--fail-on", "contained,bogus")[0] == 2


def test_hook_json_prints_the_pair_records_of_scan_json(corpus: Path) -> None:
    import jsonschema

    from dedup.render.json import SCHEMA_VERSION

    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus / "new.txt")
    code, out, err = run("hook", "new.txt", "--corpus", "articles", "--json")
    assert code == 1, err
    report = json.loads(out)
    schema = json.loads((Path(__file__).parents[1] / "dedup/schema/report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report["schema_version"] == SCHEMA_VERSION
    pairs = {(p["a"], p["b"]): p for p in report["pairs"]}
    assert set(pairs) == {
        ("articles/iran-russia-pact_original.txt", "new.txt"),
        ("articles/iran-russia-pact_reprint.txt", "new.txt"),
        ("articles/iran-russia-pact_truncated-copy.txt", "new.txt"),
    }
    assert pairs[("articles/iran-russia-pact_reprint.txt", "new.txt")]["relation"] == "identical"
    assert {d["path"] for d in report["documents"]} == {"new.txt", *(a for a, _ in pairs)}
    assert report["summary"]["documents"] == 4 and report["clusters"][0]["members"][-1] == "new.txt"
    # The same records as `scan --json`: same keys, same numbers for the same pair.
    code, out, _ = run("scan", "articles", "new.txt", "--json")
    scanned = {(p["a"], p["b"]): p for p in json.loads(out)["pairs"]}
    same = scanned[("articles/iran-russia-pact_reprint.txt", "new.txt")]
    hooked = pairs[("articles/iran-russia-pact_reprint.txt", "new.txt")]
    assert list(hooked) == list(same)
    for key in ("relation", "direction", "jaccard", "containment", "shared_words", "summary"):
        assert hooked[key] == same[key], key
    # Nothing new: an empty list of pairs, exit 0.
    (corpus / "other.txt").write_text("A note about nothing in particular, with no copied text.\n")
    code, out, _ = run("hook", "other.txt", "--corpus", "articles", "--json")
    assert code == 0 and json.loads(out)["pairs"] == []


def test_fail_on_and_fail_on_new_in_the_config_and_flags_win(corpus: Path) -> None:
    (corpus / "pyproject.toml").write_text(
        '[tool.dedup]\nfail-on = "near-duplicate,contained"\nfail-on-new = true\n', encoding="utf-8"
    )
    assert run("baseline", "articles")[0] == 0
    library = (SAMPLES / "riverside-library-reopens.txt").read_text(encoding="utf-8")
    (corpus / "articles" / "column.txt").write_text(
        "A column on town affairs, with talk of rain and roads and the price of bread this year. "
        + " ".join(library.split()[:45])
        + " And then the column wanders off to talk about gardens, cats, and the village fete.\n",
        encoding="utf-8",
    )
    code, out, err = run("scan", "articles")
    assert code == 0 and "column.txt" in out, out + err  # a new overlap: not in fail-on
    assert run("scan", "articles", "--fail-on", "overlap")[0] == 1  # the flag wins
    truncated = (SAMPLES / "iran-russia-pact_truncated-copy.txt").read_text(encoding="utf-8")
    (corpus / "new.txt").write_text(truncated + "\nA line of its own.\n", encoding="utf-8")
    assert run("hook", "new.txt", "--corpus", "articles")[0] == 1  # new contained pairs
    (corpus / "pyproject.toml").write_text('[tool.dedup]\nfail-on = ["overlap"]\n', encoding="utf-8")
    assert run("hook", "new.txt", "--corpus", "articles")[0] == 0
    (corpus / "pyproject.toml").write_text('[tool.dedup]\nfail-on = ["reprint"]\n', encoding="utf-8")
    code, _, err = run("scan", "articles")
    assert code == 2 and "--fail-on must list relations" in err
