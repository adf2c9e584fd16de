"""The JSON report of samples/ compared exactly with tests/golden/samples.json.

Regenerate on purpose only: DEDUP_REGENERATE=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from dedup.cli import cli

GOLDEN = Path(__file__).parent / "golden" / "samples.json"
SCHEMA = Path(__file__).parents[1] / "dedup" / "schema" / "report.schema.json"


def scan_json(*args: str) -> str:
    result = CliRunner().invoke(cli, ["scan", "samples/", "--json", *args])
    assert result.exit_code == 1, result.stderr
    return result.stdout


def test_samples_json_matches_golden(in_root: Path) -> None:
    out = scan_json()
    if os.environ.get("DEDUP_REGENERATE"):
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_samples_json_validates_against_schema(in_root: Path) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(scan_json()), schema)


def test_same_output_whatever_the_number_of_processes(in_root: Path) -> None:
    assert scan_json("--jobs", "1") == scan_json("--jobs", "2")


def test_json_text_holds_the_report_dict_one_record_per_line(in_root: Path) -> None:
    from dedup.pipeline import scan
    from dedup.render.json import chunks, dumps, report_dict

    report = scan(["samples/"])
    text = dumps(report)
    assert json.loads(text) == report_dict(report)
    assert "".join(chunks(report)) == text
    lines = text.splitlines()
    # One line per document and per pair, each a complete JSON object.
    for record in report_dict(report)["documents"] + report_dict(report)["pairs"]:
        assert "    " + json.dumps(record, ensure_ascii=False) in {line.rstrip(",") for line in lines}
    empty = scan(["samples/alpine-glacier-survey.txt"])
    assert json.loads(dumps(empty)) == report_dict(empty)
    assert '"pairs": []' in dumps(empty)


@given(
    st.text(),
    st.text(alphabet="0123456789abcdef", max_size=64),
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(["utf-8", "utf-16", "cp1252"]),
    st.none() | st.text(),
)
def test_document_line_is_the_encoded_record(
    path: str, content_hash: str, words: int, encoding: str, attribution: str | None
) -> None:
    from dedup.models import Document
    from dedup.render.json import _document_line, document_dict

    document = Document(path, content_hash, words, encoding, attribution)
    expected = json.dumps(document_dict(document), ensure_ascii=False)
    assert _document_line(document) == expected
    assert json.loads(_document_line(document)) == document_dict(document)
