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
from dedup.models import RELATIONS, Explanation, Pair, Span, SpanEdit, Verdict

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


_TEXT = st.text(max_size=12)
_RATIO = st.floats(min_value=0.0, max_value=1.0).map(lambda x: round(x, 4))
_EDITS = st.lists(st.builds(SpanEdit, *[st.integers(0, 10**7)] * 4), max_size=3).map(tuple)
_SPAN = st.builds(
    Span,
    start=st.integers(0, 10**7),
    end=st.integers(0, 10**7),
    kind=st.sampled_from(["shared", "divergent"]),
    label=st.none() | _TEXT,
    evidence=st.none() | _TEXT,
    preview=_TEXT,
    words=st.integers(0, 10**6),
    other_start=st.none() | st.integers(0, 10**7),
    other_end=st.none() | st.integers(0, 10**7),
    moved=st.booleans(),
    edits=_EDITS,
)
_SPANS = st.lists(_SPAN, max_size=4).map(tuple)
_EXPLANATION = st.builds(
    Explanation,
    spans_a=_SPANS,
    spans_b=_SPANS,
    verdict=st.builds(
        Verdict, st.sampled_from(["a", "b", "unknown"]), st.lists(_TEXT, max_size=3).map(tuple)
    ),
    summary=_TEXT,
)


@given(
    st.builds(
        Pair,
        a=_TEXT,
        b=_TEXT,
        relation=st.none() | st.sampled_from(RELATIONS),
        jaccard=_RATIO,
        a_in_b=_RATIO,
        b_in_a=_RATIO,
        shared_shingles=st.integers(0, 10**7),
        shared_words_a=st.integers(0, 10**7),
        shared_words_b=st.integers(0, 10**7),
        longest_passage=st.integers(0, 10**7),
        explanation=st.none() | _EXPLANATION,
    ),
    st.none() | st.integers(1, 10**6),
)
def test_pair_line_is_the_encoded_record(pair: Pair, cluster: int | None) -> None:
    from dedup.render.json import _pair_line, pair_dict

    expected = json.dumps(pair_dict(pair, cluster), ensure_ascii=False)
    assert _pair_line(pair, cluster) == expected
