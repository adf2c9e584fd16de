"""The terminal report and messages: counts in words, one wording for an unknown original, lines
that end without spaces and never split a path or a "(...)" group, notes apart from warnings, a
progress bar that names every stage in its own unit, and why two documents compared are no pair."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from dedup import scan
from dedup.cli import cli
from dedup.config import Settings
from dedup.explain import summary
from dedup.models import PROGRESS_UNITS, UNKNOWN_ORIGINAL, Note, Span, Verdict
from dedup.render import terminal
from dedup.words import article, counted

STORY = (
    "The council voted on Tuesday to reopen the riverside library after two years of repairs, "
    "and the mayor said the reading rooms would stay open late on weekdays through the winter. "
)
QUOTE = (
    "we will not accept any agreement that leaves the farmers of this valley without water for the "
    "summer and we will keep on asking the ministry to publish every figure it has about the new dam"
)


def invoke(*args: str, columns: int = 80) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), env={"NO_COLOR": "1", "COLUMNS": str(columns)})
    return result.exit_code, result.stdout, result.stderr


def test_counted() -> None:
    assert counted(1, "pair") == "1 pair"
    assert counted(0, "pair") == "0 pairs"
    assert counted(2, "copy") == "2 copies"
    assert counted(12345, "document", grouped=True) == "12,345 documents"
    assert [article(n) for n in (8, 11, 18, 40, 80, 110, 800, 11000, 1)] == [
        "an",
        "an",
        "an",
        "a",
        "an",
        "a",
        "an",
        "an",
        "a",
    ]


def test_wrapping_never_leaves_spaces_at_a_line_end() -> None:
    buffer = io.StringIO()
    out = Console(file=buffer, width=40)
    terminal._emit(out, "    ")
    terminal._emit(out, "    differs: " + "word " * 20)
    assert [line for line in buffer.getvalue().splitlines() if line.endswith(" ")] == []
    assert buffer.getvalue().splitlines()[0] == ""


def test_piped_scan_has_no_trailing_spaces_and_keeps_groups_whole(in_root: Path) -> None:
    code, out, err = invoke("scan", "samples/")
    assert code == 1, err
    lines = out.splitlines()
    assert [line for line in lines if line.endswith(" ")] == []
    assert max(len(line) for line in lines) <= 80
    # A parenthesised figure and a number with its word stay on one line.
    assert any("(44% of its words)" in line for line in lines)
    assert any("(1 near-duplicate, 3 contained, 2 overlap)" in line for line in lines)
    assert any("182 words of other text" in line for line in lines)
    # Continuation lines keep the indentation of the line they continue.
    differs = next(i for i, line in enumerate(lines) if "differs: reprint adds" in line)
    assert lines[differs + 1].startswith("    ") and lines[differs + 1][4] != " "


def test_a_long_path_is_never_broken_at_80_columns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    folder = Path("archive-of-the-riverside-county-weekly-newspaper") / "second-half-of-the-year"
    folder.mkdir(parents=True)
    long_a = folder / "council-reopens-the-riverside-library-after-repairs.txt"
    long_b = folder / "council-reopens-the-riverside-library-after-repairs-reprint.txt"
    long_a.write_text(STORY * 4, encoding="utf-8")
    long_b.write_text(STORY * 4 + "Reprinted with permission of the editors.", encoding="utf-8")
    assert len(str(long_b)) > 80 - 4
    for args in (
        ("scan", "archive-of-the-riverside-county-weekly-newspaper"),
        ("compare", str(long_a), str(long_b)),
    ):
        code, out, err = invoke(*args)
        assert code == 1, err
        for path in (str(long_a), str(long_b)):
            assert path in out
            # Every line that starts the path holds all of it.
            starts = [line for line in out.splitlines() if "archive-of-the" in line]
            assert all(str(folder) in line for line in starts), out
        assert [line for line in out.splitlines() if line.endswith(" ")] == []


def test_counts_are_singular_for_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("story.txt").write_text(STORY * 3, encoding="utf-8")
    Path("reprint.txt").write_text(STORY * 3 + "Again.", encoding="utf-8")
    code, out, err = invoke("scan", ".")
    assert code == 1, err
    flat = " ".join(out.split())
    assert flat.startswith("Scanned 2 documents (0 skipped)")
    assert ": 1 pair (" in flat and ", 1 cluster" in flat
    assert "1 word of other text" in flat
    assert "1 words" not in flat and "1 pairs" not in flat and "1 clusters" not in flat
    code, out, err = invoke("compare", "story.txt", "reprint.txt")
    assert "(1 word)" not in out and "1 word of other text" in " ".join(out.split())


def _moved(start: int, label: str | None = None) -> Span:
    return Span(start, start + 1, "shared", label, None, "x", 1, moved=True)


def test_moved_passages_are_counted_not_repeated() -> None:
    spans = [_moved(i) for i in range(10)] + [_moved(20, "caption")]
    line = summary("a.txt", "b.txt", spans, [], 100, 100, Verdict("unknown", (UNKNOWN_ORIGINAL,)))
    assert line.endswith("; moved: 10 passages, caption")
    one = summary("a.txt", "b.txt", [_moved(0)], [], 100, 100, Verdict("unknown", (UNKNOWN_ORIGINAL,)))
    assert one.endswith("; moved: a passage")


def test_an_unknown_original_has_one_wording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("one.txt").write_text(STORY * 3, encoding="utf-8")
    Path("two.txt").write_text(STORY * 3 + "Also.", encoding="utf-8")
    code, out, err = invoke("scan", ".", "--explain", columns=200)
    assert code == 1, err
    phrase = f"original: unknown ({UNKNOWN_ORIGINAL})"
    assert out.count(phrase) == 2, out  # the cluster header and the pair's full view
    assert "editorial additions" not in out and "tells the copies apart" not in out


def test_notes_are_not_warnings() -> None:
    buffer = io.StringIO()
    err = Console(file=buffer, width=80)
    terminal.warn(err, Note("jobs: using 2 worker processes, not 64 (2 batches of work)"))
    terminal.warn(err, "skipped a.bin: binary")
    assert buffer.getvalue().splitlines() == [
        "note: jobs: using 2 worker processes, not 64 (2 batches of work)",
        "warning: skipped a.bin: binary",
    ]


def test_the_hooks_first_run_says_it_indexes_the_corpus(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("articles").mkdir()
    Path("articles/story.txt").write_text(STORY * 3, encoding="utf-8")
    Path("articles/other.txt").write_text("A quiet week in the markets. " * 5, encoding="utf-8")
    Path("new.txt").write_text("Nothing like the rest, about glaciers and ice. " * 4, encoding="utf-8")
    code, out, err = invoke("hook", "new.txt", "--corpus", "articles")
    assert code == 0, out + err
    assert err.splitlines() == [
        "note: indexing the corpus (first run): 2 documents under articles; later runs read only changes"
    ]
    code, out, err = invoke("hook", "new.txt", "--corpus", "articles")
    assert code == 0 and err == ""


def test_every_stage_is_named_and_comparing_counts_pairs(in_root: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    report = scan(["samples/"], Settings(jobs=1), progress=lambda *call: calls.append(call))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    assert stages == [s for s in PROGRESS_UNITS if s in stages]  # in the documented order
    for stage in ("finding files", "reading", "finding boilerplate", "finding candidates", "comparing"):
        assert stage in stages
    # Steps that are not counted say so (total 0); "comparing 0/1" stood still before.
    assert all(total == 0 for stage, _, total in calls if PROGRESS_UNITS[stage] is None)
    comparing = [(done, total) for stage, done, total in calls if stage == "comparing"]
    assert comparing[-1][0] == comparing[-1][1] >= len(report.pairs)
    assert comparing[0] == (0, comparing[-1][1])


def test_a_scan_with_the_index_says_it_reads_the_index(in_root: Path, tmp_path: Path) -> None:
    settings = Settings(jobs=1, index=str(tmp_path / "index"))
    scan(["samples/"], settings, use_index=True)
    calls: list[tuple[str, int, int]] = []
    scan(["samples/"], settings, use_index=True, progress=lambda *call: calls.append(call))
    stages = list(dict.fromkeys(stage for stage, _, _ in calls))
    # Nothing changed: nothing is read, and the bar says where the documents come from.
    assert stages[:2] == ["finding files", "reading the index"] and "reading" not in stages


def test_the_bar_gives_each_stage_its_unit() -> None:
    buffer = io.StringIO()
    err = Console(file=buffer, force_terminal=True, width=120)
    with terminal.progress_bar(err, delay=0) as update:
        update("finding files", 0, 0)
        for done in range(0, 1001, 250):
            update("reading", done, 1000)
        update("finding boilerplate", 0, 0)
        update("finding candidates", 0, 0)
        for done in range(0, 501, 100):
            update("comparing", done, 500)
    shown = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", buffer.getvalue())
    last = shown.split("reading ")[-1]  # the last frame: each one starts with the reading line
    assert "documents/s" in shown and "pairs/s" in shown and "docs/s" not in shown
    assert re.search(r"comparing .*500/500 +[\d,]+ pairs/s", last), last
    assert "finding boilerplate" in shown
    assert "finding boilerplate" not in last  # a finished step leaves the bar


def test_compare_says_which_thresholds_two_documents_missed(in_root: Path) -> None:
    code, out, err = invoke(
        "compare", "samples/alpine-glacier-survey.txt", "samples/riverside-library-reopens.txt"
    )
    assert code == 0, err
    assert re.search(r"not near-duplicate: Jaccard 0\.\d+ < 0\.80", out)
    assert re.search(r"not contained: \d+% < 90%", out)
    assert re.search(
        r"not overlap: longest shared passage \d+ words? < 30 \(and \d+ < 15 of own wording\)", out
    )
    code, out, err = invoke(
        "compare", "samples/alpine-glacier-survey.txt", "samples/riverside-library-reopens.txt", "--json"
    )
    result = json.loads(out)
    assert [m["relation"] for m in result["missed"]] == ["near-duplicate", "contained", "overlap"]
    near = result["missed"][0]["checks"][0]
    assert near["measure"] == "jaccard" and near["value"] == result["pair"]["jaccard"]
    assert near["threshold"] == 0.8
    assert result["shared_quotation_words"] == 0
    # A pair misses nothing.
    code, out, err = invoke(
        "compare", "samples/iran-russia-pact_original.txt", "samples/iran-russia-pact_reprint.txt", "--json"
    )
    assert code == 1 and json.loads(out)["missed"] == []


def test_compare_says_a_shared_quotation_was_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a.txt").write_text(
        "Reporters gathered at the town hall on Monday morning to hear the mayor speak. "
        f'She told them: "{QUOTE}." The meeting ended after an hour with no vote taken.',
        encoding="utf-8",
    )
    Path("b.txt").write_text(
        "A second paper covered the event in another way, describing the crowd and the weather. "
        f'Later the mayor said: "{QUOTE}." Several farmers applauded and walked out into the rain.',
        encoding="utf-8",
    )
    code, out, err = invoke("compare", "a.txt", "b.txt")
    assert code == 0, err
    words = len(QUOTE.split())
    assert f"{article(words)} {words}-word shared quotation was not counted (quoted in both)" in " ".join(
        out.split()
    )
    code, out, err = invoke("compare", "a.txt", "b.txt", "--json")
    assert json.loads(out)["shared_quotation_words"] == words


def test_compare_json_follows_its_schema(in_root: Path) -> None:
    import jsonschema

    schema = json.loads((in_root / "dedup/schema/compare.schema.json").read_text(encoding="utf-8"))
    for b in ("samples/riverside-library-reopens.txt", "samples/iran-russia-pact_reprint.txt"):
        code, out, err = invoke("compare", "samples/iran-russia-pact_original.txt", b, "--json")
        jsonschema.validate(json.loads(out), schema)
