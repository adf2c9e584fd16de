"""Record files as input: every format, names, bad records, wrong fields (issue 20)."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from dedup import Settings, scan
from dedup.cli import cli
from dedup.errors import InputError
from dedup.pipeline import compare_texts, scan_texts

TEXTS = {
    p.stem: p.read_text(encoding="utf-8") for p in sorted(SAMPLES.iterdir()) if p.suffix in (".txt", ".md")
}


def _expected_pairs(prefix: str) -> set[tuple[str, str, str]]:
    report = scan([SAMPLES], Settings(jobs=1, include=("*.txt", "*.md")))
    return {(f"{prefix}{Path(p.a).stem}", f"{prefix}{Path(p.b).stem}", str(p.relation)) for p in report.pairs}


def _found(report: object) -> set[tuple[str, str, str]]:
    return {(p.a, p.b, str(p.relation)) for p in report.pairs}  # type: ignore[attr-defined]


def _write_jsonl(path: Path, rows: list[dict[str, object]], opener: object = open) -> None:
    with opener(path, "wt", encoding="utf-8") as f:  # type: ignore[operator]
        for row in rows:
            f.write(json.dumps(row) + "\n")


def _rows(text_key: str = "text") -> list[dict[str, object]]:
    return [{"id": name, text_key: text, "source": "samples"} for name, text in TEXTS.items()]


def test_json_lines_records_are_documents_named_file_and_id(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "c.jsonl", _rows())
    report = scan([tmp_path / "c.jsonl"], Settings(jobs=1))
    assert len(report.documents) == len(TEXTS)
    assert _found(report) == _expected_pairs(f"{tmp_path}/c.jsonl#")


@pytest.mark.parametrize(
    "suffix", [".jsonl.gz", ".jsonl.zst", ".ndjson", ".json", ".csv", ".tsv", ".parquet"]
)
def test_every_format_gives_the_same_pairs(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"c{suffix}"
    rows = _rows()
    if suffix == ".jsonl.gz":
        _write_jsonl(path, rows, gzip.open)
    elif suffix == ".jsonl.zst":
        import zstandard

        data = "".join(json.dumps(r) + "\n" for r in rows).encode()
        path.write_bytes(zstandard.ZstdCompressor().compress(data))
    elif suffix == ".ndjson":
        _write_jsonl(path, rows)
    elif suffix == ".json":
        path.write_text(json.dumps(rows), encoding="utf-8")
    elif suffix in (".csv", ".tsv"):
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, ["id", "text", "source"], delimiter="\t" if suffix == ".tsv" else ",")
            writer.writeheader()
            writer.writerows(rows)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path)
    report = scan([path], Settings(jobs=1))
    assert report.skipped == ()
    assert _found(report) == _expected_pairs(f"{path}#")


def test_bad_records_are_skipped_one_line_each_and_the_rest_scanned(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    rows = [json.dumps(r) for r in _rows()]
    rows[1:1] = [
        "{not json",
        json.dumps({"id": "x", "body": "no text field"}),
        json.dumps({"id": "y", "text": 17}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "z", "text": "   "}),
        json.dumps({"id": list(TEXTS)[0], "text": "a second record with the same id"}),
    ]
    path.write_bytes("\n".join(rows).encode() + b"\n\xff\xfe bad bytes\n")
    done = CliRunner().invoke(cli, ["scan", str(path), "--no-progress", "--jobs", "1", "--json"])
    assert done.exit_code == 1, done.output
    data = json.loads(done.stdout)
    assert len(data["documents"]) == len(TEXTS)
    reasons = {s["path"].rsplit(" ", 1)[-1]: s["reason"] for s in data["skipped"]}
    assert reasons["2"].startswith("invalid JSON")
    assert reasons["3"] == "no field 'text'"
    assert reasons["4"] == "field 'text' is a number, not text"
    assert reasons["5"] == "not an object but a list"
    assert reasons["6"] == "empty"
    assert reasons["7"].startswith("duplicate id")
    assert reasons[str(len(rows) + 1)].startswith("undecodable")
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning: skipped")]
    assert len(warnings) == 7 and all(f"{path} line " in w for w in warnings)


def test_a_wrong_text_field_is_an_error(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "c.jsonl", _rows("body"))
    done = CliRunner().invoke(cli, ["scan", str(tmp_path / "c.jsonl"), "--no-progress"])
    assert done.exit_code == 2
    assert "no record of" in done.stderr and "--text-field" in done.stderr and "body" in done.stderr
    done = CliRunner().invoke(
        cli, ["scan", str(tmp_path / "c.jsonl"), "--no-progress", "--text-field", "body", "--jobs", "1"]
    )
    assert done.exit_code == 1, done.output


def test_id_field_and_positions(tmp_path: Path) -> None:
    rows = [{"key": f"k{i}", "text": text} for i, text in enumerate(TEXTS.values())]
    _write_jsonl(tmp_path / "c.jsonl", rows)
    named = scan([tmp_path / "c.jsonl"], Settings(jobs=1, id_field="key"))
    assert {d.path.rsplit("#", 1)[1] for d in named.documents} == {f"k{i}" for i in range(len(rows))}
    # No id field: the line number names the record.
    numbered = scan([tmp_path / "c.jsonl"], Settings(jobs=1))
    assert {d.path.rsplit("#", 1)[1] for d in numbered.documents} == {str(i) for i in range(1, len(rows) + 1)}


def test_format_option_overrides_the_extension(tmp_path: Path) -> None:
    path = tmp_path / "records.txt"
    _write_jsonl(path, _rows())
    as_text = scan([path], Settings(jobs=1))
    assert [d.path for d in as_text.documents] == [str(path)]
    as_records = scan([path], Settings(jobs=1, record_format="jsonl"))
    assert len(as_records.documents) == len(TEXTS)
    done = CliRunner().invoke(cli, ["scan", str(path), "--format", "xml"])
    assert done.exit_code == 2


def test_a_broken_record_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"not": "an array"}', encoding="utf-8")
    (tmp_path / "b.parquet").write_bytes(b"PAR1 this is no parquet file")
    (tmp_path / "c.jsonl.gz").write_bytes(b"not gzip at all")
    for name in ("a.json", "b.parquet", "c.jsonl.gz"):
        done = CliRunner().invoke(cli, ["scan", str(tmp_path / name), "--no-progress"])
        assert done.exit_code == 2, (name, done.output)
        assert "Traceback" not in done.output
        assert name in done.stderr


def test_records_beside_folders_in_one_scan(tmp_path: Path) -> None:
    original = TEXTS["iran-russia-pact_original"]
    _write_jsonl(tmp_path / "c.jsonl", [{"id": "copy", "text": original}])
    report = scan([SAMPLES, tmp_path / "c.jsonl"], Settings(jobs=1))
    pairs = {(frozenset((Path(p.a).name, Path(p.b).name)), p.relation) for p in report.pairs}
    assert (frozenset(("c.jsonl#copy", "iran-russia-pact_original.txt")), "identical") in pairs


def test_scan_texts_is_the_scan_of_the_files(tmp_path: Path) -> None:
    report = scan_texts(list(TEXTS.items()) + [("blank", "  ")], Settings(jobs=1))
    assert _found(report) == _expected_pairs("")
    assert [(s.path, s.reason) for s in report.skipped] == [("blank", "empty")]
    with pytest.raises(InputError):
        scan_texts([("a", "x y z"), ("a", "x y z")])


def test_compare_texts_is_compare_of_the_files() -> None:
    from dedup import compare

    a, b = SAMPLES / "iran-russia-pact_original.txt", SAMPLES / "iran-russia-pact_reprint.txt"
    by_path = compare(a, b).pair
    by_text = compare_texts(
        a.read_text(encoding="utf-8"), b.read_text(encoding="utf-8"), names=("o", "r")
    ).pair
    assert (by_text.a, by_text.b) == ("o", "r")
    assert (by_text.relation, by_text.jaccard, by_text.a_in_b) == (
        by_path.relation,
        by_path.jaccard,
        by_path.a_in_b,
    )
    assert by_text.explanation is not None and "The Algemeiner" in by_text.explanation.summary


def test_the_index_refuses_record_files_rather_than_mixing_their_records(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    _write_jsonl(tmp_path / "c.jsonl", _rows())
    for args in (
        ["index", "c.jsonl"],
        ["scan", "c.jsonl", "--index", "--no-progress"],
        ["baseline", "c.jsonl"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "dedup", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            check=False,
        )
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "the index does not take record files" in done.stderr
        assert "Traceback" not in done.stderr
