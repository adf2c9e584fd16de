"""The HTML report as text: what the page holds, how document text is kept out of its markup, and
the --html option of scan and compare. What the page does in a browser: test_html_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.pipeline import compare, scan
from dedup.render.html import render, script_json

ORIGINAL = "samples/iran-russia-pact_original.txt"
REPRINT = "samples/iran-russia-pact_reprint.txt"


def blocks(page: str) -> dict[str, str]:
    """The page's JSON blocks by id."""
    found = re.findall(r'<script type="application/json" id="([a-z0-9-]+)">(.*?)</script>', page, re.S)
    return dict(found)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.append(tag)


def elements(page: str) -> list[str]:
    """The start tags of ``page``, in order, as an HTML parser sees them."""
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser.names


def test_script_json_hides_markup_and_round_trips() -> None:
    value = {"text": "</script><script>alert(1)</script> & <!-- \u2028 \U0001f600", "n": [1, None]}
    out = script_json(value)
    assert not set("<>&") & set(out)
    assert "\u2028" not in out
    assert json.loads(out) == value


def test_a_lone_surrogate_is_an_escape_not_an_unwritable_character() -> None:
    out = script_json("a\udcffb")
    out.encode("utf-8")  # would raise if the surrogate were left as a character
    assert json.loads(out) == "a\udcffb"


def test_comparison_page_holds_both_texts_and_the_spans(in_root: Path) -> None:
    result = compare(ORIGINAL, REPRINT)
    page = render(result)
    data = blocks(page)
    head = json.loads(data["dedup-data"])
    assert head["kind"] == "compare"
    assert [d["path"] for d in head["docs"]] == [ORIGINAL, REPRINT]
    assert head["pairs"][0]["relation"] == "contained"
    assert "Algemeiner" in head["pairs"][0]["reasons"][0]
    assert json.loads(data["t0"]) == result.texts[ORIGINAL]
    assert json.loads(data["t1"]) == result.texts[REPRINT]
    spans = json.loads(data["s0"])
    explanation = result.pair.explanation
    assert explanation is not None
    assert [s[:4] for s in spans["b"]] == [[s.start, s.end, s.kind, s.label] for s in explanation.spans_b]
    # Nothing but the page's own markup: every element in it is one the renderer writes.
    head_tags = ["html", "head", "meta", "meta", "meta", "title", "style", "body", "header", "h1", "p"]
    # The data, the spans of the pair, its two texts, the page's script.
    assert elements(page) == [*head_tags, "main", "noscript", *["script"] * 5]


def test_the_policy_allows_exactly_the_page_script(in_root: Path) -> None:
    page = render(compare(ORIGINAL, REPRINT))
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy is not None
    policy_text = unescape(policy.group(1))
    assert "default-src 'none'" in policy_text
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy_text
    assert "http:" not in page and "https:" not in page  # nothing to fetch


def test_offsets_count_utf16_units_after_wide_characters(tmp_path: Path) -> None:
    shared = " ".join(f"word{i} moves along the shared line number {i}." for i in range(60))
    (tmp_path / "a.txt").write_text("\U0001f600\U0001f600 title\n\n" + shared + "\n")
    (tmp_path / "b.txt").write_text(
        "\U0001f600\U0001f600 title\n\n" + shared + "\n\nReprinted from The Example\n"
    )
    result = compare(tmp_path / "a.txt", tmp_path / "b.txt")
    spans = json.loads(blocks(render(result))["s0"])
    text_b = result.texts[str(tmp_path / "b.txt")]
    attribution = next(s for s in spans["b"] if s[3] == "attribution")
    # The same range as JavaScript slices it: in UTF-16 code units, the two emoji take four.
    units = text_b.encode("utf-16-le")
    assert (
        units[attribution[0] * 2 : attribution[1] * 2].decode("utf-16-le").strip()
        == "Reprinted from The Example"
    )
    assert spans["b"][-1][1] * 2 == len(units)


def test_a_scan_page_lists_only_documents_in_pairs(in_root: Path) -> None:
    report = scan(["samples/"], keep_texts=True)
    head = json.loads(blocks(render(report))["dedup-data"])
    paths = {d["path"] for d in head["docs"]}
    assert "samples/alpine-glacier-survey.txt" not in paths
    assert len(head["pairs"]) == len(report.pairs) == 6
    assert len(head["clusters"]) == 2
    original = next(c for c in head["clusters"] if c["original"] is not None)
    assert head["docs"][original["original"]]["path"] == ORIGINAL


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_scan_html_writes_the_page_and_still_prints_the_report(in_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, out, err = run("scan", "samples/", "--html", str(target), "--no-progress")
    assert code == 1
    assert out.startswith("Scanned 8 documents")
    assert err == f"wrote {target}\n"
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    head = json.loads(blocks(page)["dedup-data"])
    assert head["kind"] == "scan" and len(head["pairs"]) == 6
    assert all(head["texts"])  # the texts were kept for the page
    assert not list(tmp_path.glob(".*"))  # no temporary left beside it


def test_scan_html_with_json_keeps_stdout_valid_json(in_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    code, out, err = run("scan", "samples/", "--json", "--html", str(target))
    assert code == 1
    assert json.loads(out)["summary"]["documents"] == 8
    assert err == f"wrote {target}\n"
    assert target.is_file()


def test_compare_html(in_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "pair.html"
    code, out, err = run("compare", ORIGINAL, REPRINT, "--html", str(target))
    assert code == 1
    assert "CONTAINED samples/iran-russia-pact_original.txt" in out
    assert err == f"wrote {target}\n"
    head = json.loads(blocks(target.read_text(encoding="utf-8"))["dedup-data"])
    assert head["kind"] == "compare"


@pytest.mark.parametrize("where", ["folder", "missing folder", "under a file"])
def test_a_bad_html_path_is_exit_2_before_the_work(in_root: Path, tmp_path: Path, where: str) -> None:
    if where == "folder":
        target, expected = tmp_path, "it is a folder"
    elif where == "missing folder":
        target, expected = tmp_path / "nowhere" / "r.html", "no folder"
    else:
        # A file where its folder should be: the same error whoever runs the test (root ignores
        # permission bits, so a read-only folder would not do).
        (tmp_path / "file").write_text("x")
        target, expected = tmp_path / "file" / "r.html", "Not a directory"
    for command in (["scan", "samples/"], ["compare", ORIGINAL, REPRINT]):
        code, out, err = run(*command, "--html", str(target))
        assert code == 2, err
        assert out == ""  # said before the scan, so no report either
        assert err.startswith("Error: cannot write ") and expected in err
        assert len(err.splitlines()) == 1


def test_a_failed_html_write_is_exit_2(
    in_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write that fails after the scan (a full disk, say) is an output error, not 'pairs found'."""

    def full(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr("dedup.atomic.atomic_write_text", full)
    code, out, err = run("compare", ORIGINAL, REPRINT, "--html", str(tmp_path / "pair.html"))
    assert code == 2
    assert "No space left on device" in err
