"""Many copies of one text: each is paired with the first, so cost grows with the copies (issue 19)."""

from __future__ import annotations

import re
import shutil
import tracemalloc
from pathlib import Path

from conftest import SAMPLES

from dedup import Settings, compare, every_pair, scan


def test_hundreds_of_copies_cost_one_pair_each(tmp_path: Path) -> None:
    original = SAMPLES / "iran-russia-pact_original.txt"
    for i in range(250):
        shutil.copy(original, tmp_path / f"copy-{i:03d}.txt")
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", tmp_path / "reprint.txt")
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", tmp_path / "glacier.txt")
    tracemalloc.start()
    try:
        report = scan([tmp_path], Settings(jobs=1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    found = {(Path(p.a).name, Path(p.b).name): p.relation for p in report.pairs}
    first = "copy-000.txt"
    # Every copy accounted for, once: paired with the first copy, which stands for all of them
    # against the rest (the reprint contains it).
    assert found == {
        **{(first, f"copy-{i:03d}.txt"): "identical" for i in range(1, 250)},
        (first, "reprint.txt"): "contained",
    }
    assert report.stats["copies"] == 249
    assert [len(c.members) for c in report.clusters] == [251]
    # All pairs among the copies (31,125 of them, explained) took more than 1 GB here.
    assert peak < 64 * 2**20, peak
    # Every pair the report stands for, on request, one at a time.
    every = list(every_pair(report.pairs))
    assert len(every) == 250 * 249 // 2 + 250
    contained = {(Path(a).name, Path(b).name) for a, b, r in every if r == "contained"}
    assert contained == {(f"copy-{i:03d}.txt", "reprint.txt") for i in range(250)}
    assert all(a < b for a, b, _ in every) and len(set(every)) == len(every)
    # Copies share one explanation but for the names in its summary: as if explained one by one.
    by_pair = {(Path(p.a).name, Path(p.b).name): p for p in report.pairs}
    for last in ("copy-001.txt", "copy-249.txt"):
        fresh = compare(tmp_path / first, tmp_path / last, Settings(jobs=1)).pair.explanation
        assert by_pair[(first, last)].explanation == fresh
        assert fresh is not None and last in fresh.summary


def test_the_report_shows_copies_as_one_group(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import cli

    for i in range(30):
        shutil.copy(SAMPLES / "alpine-glacier-survey.txt", tmp_path / f"copy-{i:02d}.txt")
    shutil.copy(SAMPLES / "riverside-library-reopens.txt", tmp_path / "library.txt")
    shutil.copy(SAMPLES / "riverside-library-reopens_edited.html", tmp_path / "library.html")
    done = CliRunner().invoke(cli, ["scan", str(tmp_path), "--no-progress"], env={"COLUMNS": "200"})
    assert done.exit_code == 1, done.output
    out = done.stdout
    assert "30 pairs (29 identical, 1 near-duplicate)" in out
    assert re.search(r"copy-00\.txt \(\d+ words\) and 29 identical copies", out)
    assert "has 29 copies with the same words:" in out and "and 26 more (all in the JSON)" in out
    assert "copy-29.txt" not in out  # folded, not listed
    assert out.count("IDENTICAL") == 1 and "NEAR-DUPLICATE" in out
    assert len(out.splitlines()) < 30


def test_copies_shingles_are_not_kept_while_reading(tmp_path: Path) -> None:
    from dedup.prepare import pack, prepare_batch, unpack, without_repeats
    from dedup.sources import Source

    quoted = 'He said "the pact will last twenty years and bind both sides to it" and left.'
    names = ["a.txt", "b.txt", "c.txt", "d.txt"]
    texts = [quoted, "An unrelated line of plain words for the test.", quoted, quoted]
    for name, text in zip(names, texts, strict=True):
        (tmp_path / name).write_text(text, encoding="utf-8")
    sources = [Source(tmp_path / name, name) for name in names]
    batch = pack(prepare_batch(sources, 5, 10**6))
    seen: set[str] = set()
    lean, mask = without_repeats(batch, seen)
    assert mask is not None and len(mask) == len(batch.shingles)
    full = unpack(batch)
    kept = unpack(lean)
    assert [len(p.shingles) for p in kept] == [len(full[0].shingles), len(full[1].shingles), 0, 0]  # type: ignore[union-attr]
    assert [p.quoted is not None for p in kept] == [True, False, False, False]  # type: ignore[union-attr]
    assert (kept[0].quoted == full[0].quoted).all()  # type: ignore[union-attr]
    # A later batch with the same text: left out too; a batch with nothing seen is unchanged.
    again, _ = without_repeats(pack(prepare_batch(sources[:1], 5, 10**6)), seen)
    assert len(again.shingles) == 0
    fresh, none = without_repeats(batch, set())
    assert none is not None
    plain = pack(prepare_batch(sources[1:2], 5, 10**6))
    assert without_repeats(plain, set()) == (plain, None)
