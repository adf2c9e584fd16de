"""dedup on the Clough-Stevenson corpus of plagiarised short answers (../shared/data)."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import SHARED, needs_shared

from dedup import Settings, scan

DATA = SHARED / "data" / "clough_stevenson"
UNREACHABLE = {"g2pE_taskc.txt", "g4pD_taskb.txt"}  # copy another article; see the data README


@needs_shared()
def test_cut_answers_found_and_non_answers_never_paired_with_a_source() -> None:
    with (DATA / "labels.csv").open(newline="") as handle:
        labels = {row["File"]: (row["Task"], row["Category"].strip()) for row in csv.DictReader(handle)}
    report = scan([DATA / "texts"], Settings(jobs=1))
    with_source: dict[str, set[str]] = {}
    for pair in report.pairs:
        a, b = Path(pair.a).name, Path(pair.b).name
        for answer, other in ((a, b), (b, a)):
            if other.startswith("orig_task"):
                with_source.setdefault(answer, set()).add(other)
    cut = [f for f, (_, c) in labels.items() if c == "cut" and f not in UNREACHABLE]
    assert len(cut) == 17
    missed = [f for f in cut if f"orig_task{labels[f][0]}.txt" not in with_source.get(f, set())]
    assert missed == []
    non = [f for f, (_, c) in labels.items() if c == "non"]
    assert [f for f in non if with_source.get(f)] == []
    # No answer is paired with the source of another task.
    wrong = [
        (f, s)
        for f, sources in with_source.items()
        if f in labels
        for s in sources
        if s != f"orig_task{labels[f][0]}.txt"
    ]
    assert wrong == []
