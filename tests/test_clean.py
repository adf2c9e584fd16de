"""dedup clean: the deduplicated corpus in the input's format, and every drop explained (issue 20)."""

from __future__ import annotations

import gzip
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from dedup import Settings
from dedup.cli import cli
from dedup.errors import InputError
from dedup.pipeline import clean

TEXTS = {
    p.stem: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.iterdir()) if p.suffix in (".txt", ".md")
}
ORIGINAL = TEXTS["iran-russia-pact_original"]


def _corpus() -> list[dict[str, str]]:
    """The samples plus copies: an identical one, a lightly edited one."""
    rows = [{"id": name, "text": text, "lang": "en"} for name, text in TEXTS.items()]
    rows.append({"id": "copy", "text": ORIGINAL, "lang": "en"})
    rows.append({"id": "edited", "text": ORIGINAL.replace("Strategic", "Strategical", 1), "lang": "en"})
    return rows


def _write(path: Path, rows: list[dict[str, str]]) -> list[bytes]:
    lines = [json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in rows]
    path.write_bytes(b"".join(lines))
    return lines


def _removed(out: Path) -> list[dict[str, object]]:
    text = out.with_name(out.name + ".removed.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_jsonl_in_jsonl_out_untouched_and_every_drop_explained(tmp_path: Path) -> None:
    lines = _write(tmp_path / "c.jsonl", _corpus())
    done = CliRunner().invoke(
        cli, ["clean", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o.jsonl"), "-j", "1"]
    )
    assert done.exit_code == 1, done.output
    removed = _removed(tmp_path / "o.jsonl")
    dropped = {r["dropped"] for r in removed}
    prefix = f"{tmp_path}/c.jsonl#"
    # The copy and the edited copy of the original, the original inside its reprint, the truncated
    # copy inside it too.
    assert dropped == {
        prefix + n for n in ("copy", "edited", "iran-russia-pact_original", "iran-russia-pact_truncated-copy")
    }
    # Kept lines are the input's own bytes, in order.
    kept = [line for line in lines if json.loads(line)["id"] not in {d.rsplit("#", 1)[1] for d in dropped}]
    assert (tmp_path / "o.jsonl").read_bytes() == b"".join(kept)
    for r in removed:
        assert r["kept"] not in dropped
        assert r["relation"] in ("identical", "near-duplicate", "contained")
        assert isinstance(r["summary"], str) and r["keep_reason"]
        assert r["record"]["file"] == f"{tmp_path}/c.jsonl"
        if r["relation"] == "contained":
            assert r["keep_reason"] == f"{r['dropped']} lies inside it"
    assert f"Kept {len(lines) - 4} of {len(lines)} documents; dropped 4" in done.stdout


def test_an_answer_that_only_overlaps_is_kept(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "council-week-in-review.md", tmp_path / "council.md")
    shutil.copy(SAMPLES / "riverside-library-reopens.txt", tmp_path / "library.txt")
    done = clean([tmp_path], tmp_path.parent / f"{tmp_path.name}-out", Settings(jobs=1))
    assert done.report.pairs and {p.relation for p in done.report.pairs} == {"overlap"}
    assert done.drops == () and done.kept == 2
    assert sorted(p.name for p in (tmp_path.parent / f"{tmp_path.name}-out").iterdir()) == [
        ".dedup-clean",
        "council.md",
        "library.txt",
    ]
    # Unless overlaps are asked to drop.
    again = clean([tmp_path], tmp_path.parent / f"{tmp_path.name}-out", Settings(jobs=1), drop=["overlap"])
    assert len(again.drops) == 1


@pytest.mark.parametrize("keep", ["original", "longest", "first"])
def test_keep_policies(tmp_path: Path, keep: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    # The longest, first by name, says it is a reprint; the other is the original.
    credited = ORIGINAL + "\n\nAn editor's note this copy adds.\n\nReprinted from The Daily Example"
    (folder / "a-reprint.txt").write_text(credited, encoding="utf-8")
    (folder / "b-plain.txt").write_text(ORIGINAL.replace("Strategic", "Strategical", 1), encoding="utf-8")
    done = clean(
        [folder], tmp_path / "out", Settings(jobs=1), keep=keep, drop=["identical", "near-duplicate"]
    )
    kept = {p.name for p in (tmp_path / "out").iterdir()} - {".dedup-clean"}
    expected = {"first": "a-reprint.txt", "longest": "a-reprint.txt", "original": "b-plain.txt"}[keep]
    assert kept == {expected}
    (drop,) = done.drops
    word = {"first": "first in input order", "longest": "longest", "original": "looks like the original"}[
        keep
    ]
    assert word in drop.keep_reason


def test_the_result_does_not_depend_on_order_or_workers(tmp_path: Path) -> None:
    rows = _corpus()
    outputs = []
    for seed, jobs in ((1, 1), (2, 2), (3, 1)):
        shuffled = list(rows)
        random.Random(seed).shuffle(shuffled)
        _write(tmp_path / f"c{seed}.jsonl", shuffled)
        clean([tmp_path / f"c{seed}.jsonl"], tmp_path / f"o{seed}.jsonl", Settings(jobs=jobs))
        removed = _removed(tmp_path / f"o{seed}.jsonl")
        outputs.append(sorted((r["dropped"].split("#")[1], r["kept"].split("#")[1]) for r in removed))
    assert outputs[0] == outputs[1] == outputs[2]


def test_parquet_in_parquet_out(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = _corpus()
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "c.parquet")
    done = clean([tmp_path / "c.parquet"], tmp_path / "o.parquet", Settings(jobs=1))
    table = pq.read_table(tmp_path / "o.parquet")
    assert table.schema == pq.read_table(tmp_path / "c.parquet").schema
    dropped = {d.dropped.rsplit("#", 1)[1] for d in done.drops}
    assert table.to_pylist() == [r for r in rows if r["id"] not in dropped]
    assert len(dropped) == 4


def test_gzip_csv_and_json_keep_their_format(tmp_path: Path) -> None:
    import csv

    rows = _corpus()
    with gzip.open(tmp_path / "c.jsonl.gz", "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows)
    with open(tmp_path / "c.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["id", "text", "lang"])
        writer.writeheader()
        writer.writerows(rows)
    (tmp_path / "c.json").write_text(json.dumps(rows), encoding="utf-8")
    for name in ("c.jsonl.gz", "c.csv", "c.json"):
        done = clean([tmp_path / name], tmp_path / f"o-{name}", Settings(jobs=1))
        dropped = {d.dropped.rsplit("#", 1)[1] for d in done.drops}
        left = [r for r in rows if r["id"] not in dropped]
        out = tmp_path / f"o-{name}"
        if name.endswith(".gz"):
            with gzip.open(out, "rt", encoding="utf-8") as g:
                got = [json.loads(line) for line in g]
        elif name.endswith(".csv"):
            with open(out, encoding="utf-8", newline="") as f:
                got = list(csv.DictReader(f))
        else:
            got = json.loads(out.read_text(encoding="utf-8"))
        assert got == left, name
        assert len(dropped) == 4, name


def test_against_a_reference_drops_only_what_the_reference_holds(tmp_path: Path) -> None:
    reference = tmp_path / "ref"
    reference.mkdir()
    (reference / "old.txt").write_text(ORIGINAL, encoding="utf-8")
    (reference / "old-copy.txt").write_text(ORIGINAL, encoding="utf-8")
    rows = [
        {"id": "again", "text": ORIGINAL},
        {"id": "glacier", "text": TEXTS["alpine-glacier-survey"]},
        {"id": "glacier-twin", "text": TEXTS["alpine-glacier-survey"]},
    ]
    _write(tmp_path / "new.jsonl", rows)
    done = clean([tmp_path / "new.jsonl"], tmp_path / "o.jsonl", Settings(jobs=1), against=[reference])
    # The pair inside the new file (the glacier twins) and the one inside the reference are not
    # looked at: only "again" duplicates the reference.
    assert [d.dropped.rsplit("#", 1)[1] for d in done.drops] == ["again"]
    assert all(d.kept.startswith(str(reference)) for d in done.drops)
    assert [json.loads(line)["id"] for line in (tmp_path / "o.jsonl").read_text().splitlines()] == [
        "glacier",
        "glacier-twin",
    ]
    report = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "new.jsonl"), "--against", str(reference), "--json", "-j", "1"]
    )
    pairs = json.loads(report.stdout)["pairs"]
    # Only pairs across: the copy with both reference copies, not the twins or the reference's own.
    assert {(p["a"].rsplit("/", 1)[1], p["b"].rsplit("/", 1)[1], p["relation"]) for p in pairs} == {
        ("new.jsonl#again", "old-copy.txt", "identical"),
        ("new.jsonl#again", "old.txt", "identical"),
    }


def test_bad_output_and_options_are_errors_before_any_work(tmp_path: Path) -> None:
    _write(tmp_path / "c.jsonl", _corpus())
    runner = CliRunner()
    same = runner.invoke(cli, ["clean", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "c.jsonl")])
    assert same.exit_code == 2 and "would overwrite" in same.stderr
    bad = runner.invoke(
        cli, ["clean", str(tmp_path / "c.jsonl"), "--out", str(tmp_path / "o"), "--drop", "similar"]
    )
    assert bad.exit_code == 2 and "--drop" in bad.stderr
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "mine.txt").write_text("keep me", encoding="utf-8")
    folder = runner.invoke(cli, ["clean", str(SAMPLES), "--out", str(tmp_path / "busy")])
    assert folder.exit_code == 2 and "did not write" in folder.stderr
    assert (tmp_path / "busy" / "mine.txt").read_text() == "keep me"
    with pytest.raises(InputError):
        clean([tmp_path / "c.jsonl"], tmp_path / "o.jsonl", keep="shortest")


def test_a_failed_write_leaves_no_partial_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dedup import output

    _write(tmp_path / "c.jsonl", _corpus())
    (tmp_path / "o.jsonl").write_text("the previous clean copy\n", encoding="utf-8")

    def broken(*args: object) -> int:
        raise OSError("disk full")

    monkeypatch.setattr(output, "copy_records", broken)
    with pytest.raises(OSError):
        clean([tmp_path / "c.jsonl"], tmp_path / "o.jsonl", Settings(jobs=1))
    assert (tmp_path / "o.jsonl").read_text() == "the previous clean copy\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.jsonl", "o.jsonl"]
