"""Many copies of one text: each is paired with the first, so cost grows with the copies (issue 19)."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

from conftest import SAMPLES

from dedup import Settings, scan


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
