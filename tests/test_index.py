"""The persistent index: incremental refresh, rebuild on damage or other settings, concurrency."""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from dedup import Settings, scan
from dedup.cli import cli
from dedup.index import open_index
from dedup.models import Skipped
from dedup.pipeline import build_index, prepare_all
from dedup.prepare import Prepared
from dedup.sources import Source, discover


def counting_prepare(settings: Settings, seen: list[str]):  # type: ignore[no-untyped-def]
    def prepare(todo: Sequence[Source]) -> list[Prepared | Skipped]:
        seen.extend(s.display for s in todo)
        return prepare_all(todo, settings)

    return prepare


def test_refresh_reads_only_changed_added_and_forgets_deleted(corpus: Path) -> None:
    settings = Settings(jobs=1)
    warnings: list[str] = []
    index = open_index(corpus / ".dedup", corpus, settings, warnings.append)
    sources = discover(["articles"], settings, corpus)
    seen: list[str] = []
    first = index.refresh(sources, counting_prepare(settings, seen), prune_under=["articles"])
    assert (first.added, first.changed, first.removed) == (len(sources), 0, 0)
    assert len(seen) == len(sources)
    seen.clear()
    again = index.refresh(sources, counting_prepare(settings, seen), prune_under=["articles"])
    assert seen == [] and again.unchanged == len(sources)
    # One edit, one new file, one deletion.
    edited = corpus / "articles" / "alpine-glacier-survey.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    (corpus / "articles" / "new.txt").write_text("A brand new short note about nothing much.\n")
    (corpus / "articles" / "council-week-in-review.md").unlink()
    sources = discover(["articles"], settings, corpus)
    third = index.refresh(sources, counting_prepare(settings, seen), prune_under=["articles"])
    assert sorted(seen) == ["articles/alpine-glacier-survey.txt", "articles/new.txt"]
    assert (third.added, third.changed, third.removed) == (1, 1, 1)
    assert index.count() == len(sources)
    assert warnings == []
    index.close()
    assert (corpus / ".dedup" / ".gitignore").read_text(encoding="utf-8").endswith("*\n")


def test_scan_with_index_gives_the_same_report(corpus: Path) -> None:
    plain = scan(["articles"], Settings(jobs=1))
    first = scan(["articles"], Settings(jobs=1), use_index=True)
    second = scan(["articles"], Settings(jobs=1), use_index=True)  # everything from the index now
    assert plain.pairs == first.pairs == second.pairs
    assert plain.documents == second.documents


@pytest.mark.parametrize("damage", ["garbage", "truncate", "empty-tables"])
def test_damaged_index_is_reported_and_rebuilt(corpus: Path, damage: str) -> None:
    build_index(["articles"], Settings(jobs=1))
    path = corpus / ".dedup" / "index.sqlite"
    if damage == "garbage":
        path.write_bytes(b"this is not a database" * 100)
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:1500])
    else:
        with sqlite3.connect(path) as conn:
            conn.execute("DROP TABLE fps")
    warnings: list[str] = []
    stats, total = build_index(["articles"], Settings(jobs=1), warn=warnings.append)
    assert len(warnings) == 1 and "cannot be used" in warnings[0] and "rebuilding" in warnings[0]
    assert total == len(list((corpus / "articles").iterdir()))
    assert stats.added == total


def test_other_settings_rebuild_the_index_and_say_why(corpus: Path) -> None:
    build_index(["articles"], Settings(jobs=1))
    warnings: list[str] = []
    build_index(["articles"], Settings(jobs=1, shingle_size=4), warn=warnings.append)
    assert len(warnings) == 1 and "shingle_size" in warnings[0]
    warnings.clear()
    build_index(["articles"], Settings(jobs=1, shingle_size=4), warn=warnings.append)
    assert warnings == []


def test_index_records_everything_that_shapes_it(corpus: Path) -> None:
    build_index(["articles"], Settings(jobs=1))
    with sqlite3.connect(corpus / ".dedup" / "index.sqlite") as conn:
        signature = json.loads(conn.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()[0])
    for key in (
        "shingle_size",
        "num_perm",
        "seed",
        "minhash_scheme",
        "tokenizer_version",
        "decoder_version",
        "index_version",
    ):
        assert key in signature


def _refresh_in_process(root: str) -> int:
    stats, total = build_index(["articles"], Settings(jobs=1), cwd=Path(root))
    return total


def test_two_processes_at_once(corpus: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        totals = pool.map(_refresh_in_process, [str(corpus)] * 4)
    expected = len(list((corpus / "articles").iterdir()))
    assert totals == [expected] * 4
    with sqlite3.connect(corpus / ".dedup" / "index.sqlite") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0] == expected


def test_index_command_and_scan_index_flag(corpus: Path) -> None:
    done = CliRunner().invoke(cli, ["index", "articles"])
    assert done.exit_code == 0, done.stderr
    assert "8 documents (8 added" in done.stderr
    again = CliRunner().invoke(cli, ["index", "articles"])
    assert "(0 added, 0 changed, 0 removed, 8 unchanged)" in again.stderr
    scanned = CliRunner().invoke(cli, ["scan", "articles", "--index", "--json"])
    assert scanned.exit_code == 1
    assert json.loads(scanned.stdout)["summary"]["pairs"]["contained"] == 3


def test_scan_baseline_reports_only_new_pairs(corpus: Path) -> None:
    done = CliRunner().invoke(cli, ["baseline", "articles"])
    assert done.exit_code == 0 and "wrote 6 accepted pairs" in done.stderr
    quiet = CliRunner().invoke(cli, ["scan", "articles", "--baseline", ".dedup-baseline.json", "--json"])
    assert quiet.exit_code == 0 and json.loads(quiet.stdout)["pairs"] == []
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus / "articles" / "another-copy.txt")
    loud = CliRunner().invoke(cli, ["scan", "articles", "--baseline", ".dedup-baseline.json", "--json"])
    assert loud.exit_code == 1
    assert all("another-copy.txt" in (p["a"] + p["b"]) for p in json.loads(loud.stdout)["pairs"])


def test_bad_baseline_file_is_a_usage_error(corpus: Path) -> None:
    (corpus / "bad.json").write_text("{not json", encoding="utf-8")
    done = CliRunner().invoke(cli, ["scan", "articles", "--baseline", "bad.json"])
    assert done.exit_code == 2 and "cannot read the baseline" in done.stderr
    (corpus / "old.json").write_text('{"version": 99, "pairs": []}', encoding="utf-8")
    done = CliRunner().invoke(cli, ["scan", "articles", "--baseline", "old.json"])
    assert done.exit_code == 2 and "not a dedup baseline of version 1" in done.stderr


def test_hook_without_a_corpus_is_a_usage_error(corpus: Path) -> None:
    done = CliRunner().invoke(cli, ["hook", "articles/alpine-glacier-survey.txt"])
    assert done.exit_code == 2 and "no corpus to compare with" in done.stderr


def test_hook_indexes_a_corpus_folder_the_index_does_not_cover(corpus: Path) -> None:
    (corpus / "drafts").mkdir()
    (corpus / "drafts" / "note.txt").write_text("A short unrelated draft about the weather.\n")
    assert CliRunner().invoke(cli, ["index", "drafts"]).exit_code == 0
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus / "drafts" / "copy.txt")
    done = CliRunner().invoke(cli, ["hook", "drafts/copy.txt", "--corpus", "articles"])
    assert done.exit_code == 1, done.stdout + done.stderr
    assert "drafts/copy.txt duplicates articles/" in done.stdout
    assert "dedup baseline articles" in " ".join(done.stdout.split())


def test_a_narrow_scan_with_the_index_does_not_hide_the_corpus_from_the_hook(corpus: Path) -> None:
    """A scan with --include prunes the index to the files it selects; the hook, with its own
    patterns, must not take that for the whole corpus."""
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "articles"]).exit_code == 0
    shutil.copy(SAMPLES / "iran-russia-pact_truncated-copy.txt", corpus / "new.txt")
    hook = ["hook", "new.txt", "--corpus", "articles"]
    assert runner.invoke(cli, hook).exit_code == 1
    narrow = runner.invoke(cli, ["scan", "articles", "--index", "--include", "alpine*"])
    assert narrow.exit_code == 0, narrow.output
    again = runner.invoke(cli, hook)
    assert again.exit_code == 1, again.stdout + again.stderr
    assert "new.txt duplicates articles/iran-russia-pact_" in again.stdout
    # It says why it reads the folder again.
    assert "note: indexing the corpus (first run): 8 documents under articles" in again.stderr


def test_an_index_from_before_patterns_were_kept_covers_nothing_yet(corpus: Path) -> None:
    assert CliRunner().invoke(cli, ["index", "articles"]).exit_code == 0
    with sqlite3.connect(corpus / ".dedup" / "index.sqlite") as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'roots'", (json.dumps(["articles"]),))
    index = open_index(corpus / ".dedup", corpus, Settings(jobs=1), lambda message: None)
    assert not index.covers(corpus / "articles")
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus / "copy.txt")
    done = CliRunner().invoke(cli, ["hook", "copy.txt", "--corpus", "articles"])
    assert done.exit_code == 1 and "indexing the corpus (first run)" in done.stderr
    assert open_index(corpus / ".dedup", corpus, Settings(jobs=1), lambda message: None).covers(
        corpus / "articles"
    )


def test_an_accepted_identical_pair_stays_accepted_however_the_folder_is_named(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(corpus / "articles" / "alpine-glacier-survey.txt", corpus / "articles" / "glacier-copy.txt")
    runner = CliRunner()
    assert runner.invoke(cli, ["baseline", "articles"]).exit_code == 0
    written = json.loads((corpus / ".dedup-baseline.json").read_text(encoding="utf-8"))
    identical = [p for p in written["pairs"] if p.get("identical_paths")]
    assert [p["paths"] for p in identical] == [
        ["articles/alpine-glacier-survey.txt", "articles/glacier-copy.txt"]
    ]
    baseline = str(corpus / ".dedup-baseline.json")
    for folder in ("articles", "./articles/", str(corpus / "articles")):
        done = runner.invoke(cli, ["scan", folder, "--baseline", baseline, "--json"])
        assert done.exit_code == 0 and json.loads(done.stdout)["pairs"] == [], folder
    monkeypatch.chdir(corpus / "articles")
    done = runner.invoke(cli, ["scan", ".", "--baseline", baseline, "--json"])
    assert done.exit_code == 0 and json.loads(done.stdout)["pairs"] == []
    # Written from inside the folder, the file still names paths from its own folder.
    assert runner.invoke(cli, ["baseline", ".", "--baseline", baseline]).exit_code == 0
    assert json.loads(Path(baseline).read_text(encoding="utf-8")) == written
    # A third copy is a new pair wherever the scan starts.
    shutil.copy("alpine-glacier-survey.txt", "third.txt")
    done = runner.invoke(cli, ["scan", ".", "--baseline", baseline, "--json"])
    # Copies of one text pair with the first of them in path order only.
    assert done.exit_code == 1
    assert [(p["a"], p["b"]) for p in json.loads(done.stdout)["pairs"]] == [
        ("alpine-glacier-survey.txt", "third.txt")
    ]


def test_symlinked_corpus_folder(corpus: Path) -> None:
    (corpus / "arts").symlink_to(corpus / "articles")
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus / "articles" / "copy.txt")
    done = CliRunner().invoke(cli, ["hook", "arts/copy.txt", "--corpus", "arts"])
    assert done.exit_code == 1, done.stdout + done.stderr


def test_identical_copies_are_accepted_one_by_one(corpus: Path) -> None:
    shutil.copy(corpus / "articles" / "alpine-glacier-survey.txt", corpus / "articles" / "glacier-copy.txt")
    assert CliRunner().invoke(cli, ["baseline", "articles"]).exit_code == 0
    shutil.copy(corpus / "articles" / "alpine-glacier-survey.txt", corpus / "articles" / "third-copy.txt")
    done = CliRunner().invoke(cli, ["hook", "articles/third-copy.txt", "--corpus", "articles"])
    assert done.exit_code == 1 and "third-copy.txt duplicates" in done.stdout
    # Accepted in turn: the scan pairs it with the first copy only, and the hook, which compares it
    # with every copy, finds each of them accepted.
    assert CliRunner().invoke(cli, ["baseline", "articles"]).exit_code == 0
    written = json.loads((corpus / ".dedup-baseline.json").read_text(encoding="utf-8"))
    assert sorted(p["paths"][1] for p in written["pairs"] if p.get("identical_paths")) == [
        "articles/glacier-copy.txt",
        "articles/third-copy.txt",
    ]
    for name in ("third-copy.txt", "glacier-copy.txt"):
        done = CliRunner().invoke(cli, ["hook", f"articles/{name}", "--corpus", "articles"])
        assert done.exit_code == 0, done.stdout + done.stderr
    # A copy of another text, in an accepted copy's place, is not accepted.
    (corpus / "articles" / "third-copy.txt").write_text(
        (corpus / "articles" / "council-week-in-review.md").read_text(encoding="utf-8"), encoding="utf-8"
    )
    done = CliRunner().invoke(cli, ["hook", "articles/third-copy.txt", "--corpus", "articles"])
    assert done.exit_code == 1 and "third-copy.txt duplicates" in done.stdout


def test_index_problems_that_are_not_damage_are_usage_errors(corpus: Path) -> None:
    (corpus / "not-a-folder").write_text("x")
    done = CliRunner().invoke(cli, ["index", "articles", "--index-dir", "not-a-folder"])
    assert done.exit_code == 2 and "not a folder" in done.stderr
    (corpus / "taken").mkdir()
    (corpus / "taken" / "index.sqlite").mkdir()
    done = CliRunner().invoke(cli, ["index", "articles", "--index-dir", "taken"])
    assert done.exit_code == 2 and "cannot use index" in done.stderr
    assert not (corpus / "taken" / ".gitignore").exists()  # an existing folder is not ignored whole


@pytest.mark.parametrize("value", ["zz", "abcd"])
def test_a_malformed_boilerplate_record_is_rebuilt(corpus: Path, value: str) -> None:
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus / "articles" / "copy.txt")
    assert CliRunner().invoke(cli, ["index", "articles"]).exit_code == 0
    with sqlite3.connect(corpus / ".dedup" / "index.sqlite") as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'boilerplate'", (value,))
    # Nothing changed since the index learned its boilerplate, so the hook reads the record.
    done = CliRunner().invoke(cli, ["hook", "articles/copy.txt", "--corpus", "articles"])
    assert done.exit_code == 1, done.stdout + done.stderr
    assert "boilerplate record is malformed" in done.stderr and "rebuilding" in done.stderr


def test_an_error_inside_a_write_is_reported_not_the_failed_rollback(corpus: Path) -> None:
    from dedup.index import _transaction

    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    with pytest.raises(sqlite3.OperationalError, match="no such table: missing"), _transaction(conn):
        conn.execute("INSERT INTO t VALUES (1)")
        conn.execute("ROLLBACK")  # as SQLite does by itself on a full disk
        conn.execute("INSERT INTO missing VALUES (1)")
    assert conn.execute("SELECT COUNT(*) FROM t").fetchone() == (0,)


def test_malformed_index_contents_are_rebuilt(corpus: Path) -> None:
    build_index(["articles"], Settings(jobs=1))
    with sqlite3.connect(corpus / ".dedup" / "index.sqlite") as conn:
        conn.execute("UPDATE docs SET shingles = x'0102030405'")
    warnings: list[str] = []
    report = scan(["articles"], Settings(jobs=1), use_index=True, warn=warnings.append)
    assert any("damaged" in w for w in warnings)
    assert report.pairs == scan(["articles"], Settings(jobs=1)).pairs


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"version": 1, "pairs": null}', "'pairs' must be a list"),
        ('{"version": true, "pairs": []}', "version 1"),
        ("[" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_baselines(corpus: Path, content: str, message: str) -> None:
    (corpus / "b.json").write_text(content, encoding="utf-8")
    done = CliRunner().invoke(cli, ["scan", "articles", "--baseline", "b.json"])
    assert done.exit_code == 2 and message in done.stderr


def test_baseline_to_a_bad_path_or_of_nothing(corpus: Path) -> None:
    done = CliRunner().invoke(cli, ["baseline", "articles", "--baseline", "nodir/x.json"])
    assert done.exit_code == 2 and "cannot write the baseline" in done.stderr
    (corpus / "empty").mkdir()
    done = CliRunner().invoke(cli, ["baseline", "empty"])
    assert done.exit_code == 2 and "no documents under empty" in done.stderr


def test_scan_with_a_missing_baseline_file_is_a_usage_error(corpus: Path) -> None:
    done = CliRunner().invoke(cli, ["scan", "articles", "--baseline", "typo.json"])
    assert done.exit_code == 2 and "baseline file not found: typo.json" in done.stderr


def test_hook_uses_the_common_wording_its_index_learned(corpus: Path) -> None:
    from test_common_wording import bond_notice

    for i in range(12):
        (corpus / "articles" / f"notice-{i:02d}.txt").write_text(bond_notice(i), encoding="utf-8")
    assert CliRunner().invoke(cli, ["index", "articles"]).exit_code == 0
    with sqlite3.connect(corpus / ".dedup" / "index.sqlite") as conn:
        (common,) = conn.execute("SELECT value FROM meta WHERE key = 'common'").fetchone()
        assert len(bytes.fromhex(common)) // 8 > 20
        # An index written before common wording was learned has boilerplate only: it relearns.
        conn.execute("DELETE FROM meta WHERE key = 'common'")
    # A new notice from the same formula is no duplicate; a resent notice is.
    (corpus / "articles" / "notice-new.txt").write_text(bond_notice(40), encoding="utf-8")
    done = CliRunner().invoke(cli, ["hook", "articles/notice-new.txt", "--corpus", "articles"])
    assert done.exit_code == 0, done.stdout + done.stderr
    (corpus / "articles" / "notice-resent.txt").write_text(bond_notice(3) + "Repeated.\n", encoding="utf-8")
    done = CliRunner().invoke(cli, ["hook", "articles/notice-resent.txt", "--corpus", "articles"])
    assert done.exit_code == 1 and "notice-03.txt" in done.stdout
    with sqlite3.connect(corpus / ".dedup" / "index.sqlite") as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'common'").fetchone() is not None


def test_boilerplate_and_common_wording_are_learned_again_under_other_settings(corpus: Path) -> None:
    from test_common_wording import bond_notice

    for i in range(12):
        (corpus / "articles" / f"notice-{i:02d}.txt").write_text(bond_notice(i), encoding="utf-8")
    build_index(["articles"], Settings(jobs=1))
    index = open_index(corpus / ".dedup", corpus, Settings(jobs=1), lambda message: None)
    try:
        assert not index.boilerplate_is_stale(Settings(jobs=1))
        assert index.boilerplate_is_stale(Settings(jobs=1, common_docs=100))
        assert index.boilerplate_is_stale(Settings(jobs=1, boilerplate_docs=20))
        learned = len(index.common())
    finally:
        index.close()
    build_index(["articles"], Settings(jobs=1, common_docs=100))
    index = open_index(corpus / ".dedup", corpus, Settings(jobs=1), lambda message: None)
    try:
        assert learned > 20 and len(index.common()) == 0
        assert not index.boilerplate_is_stale(Settings(jobs=1, common_docs=100))
    finally:
        index.close()
