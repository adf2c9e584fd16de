"""Whole-scan time and peak memory of two commits of dedup, side by side, in one run.

Checks each commit out into a temporary git worktree, then runs ``python -m dedup scan DIR --json
--timings --no-progress`` from each in turn (A, B, A, B, ...) on the same corpus, so that both meet
the same machine load, and prints the median wall time, the median peak RSS of the largest
process (from ``wait4``, as ``speed.py`` measures it), the median seconds of each stage, the ratio
B / A, and whether the two reports hold the same pairs with the same relations.

    python benchmarks/ab.py bfd83d0 HEAD --corpus benchmarks/work/corpus-10000 --runs 7
    python benchmarks/gencorpus.py benchmarks/work/corpus-100000 --docs 100000   # a corpus, once

Runs with the Python that runs this script (its environment must hold dedup's dependencies).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import speed  # noqa: E402


@dataclass
class Runs:
    """What the runs of one commit measured."""

    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    stages: list[dict[str, float]] = field(default_factory=list)
    pairs: dict[tuple[str, str], str] = field(default_factory=dict)


def run_once(tree: Path, corpus: Path, runs: Runs, scratch: Path) -> None:
    """One whole scan with the dedup of ``tree``; its figures go into ``runs``."""
    command = [sys.executable, "-m", "dedup", "scan", str(corpus), "--json", "--timings", "--no-progress"]
    out, err = scratch / "stdout", scratch / "stderr"
    os.environ["PYTHONPATH"] = str(tree)
    try:
        measured = speed.measure(command, out, err, cwd=tree)
    finally:
        del os.environ["PYTHONPATH"]
    if measured.code not in (0, 1):
        raise SystemExit(f"{tree}: dedup exited {measured.code}:\n{err.read_text()[-2000:]}")
    runs.seconds.append(measured.wall)
    runs.rss_mb.append(measured.maxrss / 2**20)
    for line in err.read_text().splitlines():
        if line.startswith("timings:"):
            runs.stages.append(json.loads(line[len("timings:") :]))
    report = json.loads(out.read_text())
    runs.pairs = {(p["a"], p["b"]): p["relation"] for p in report["pairs"]}


def worktree(commit: str, into: Path) -> Path:
    """A checkout of ``commit`` in ``into`` (a git worktree of this repository)."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(into), commit],
        check=True,
        capture_output=True,
    )
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="the baseline commit")
    parser.add_argument("b", help="the commit to compare with it")
    parser.add_argument("--corpus", type=Path, required=True, help="folder to scan")
    parser.add_argument("--runs", type=int, default=5, help="runs of each commit (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dedup-ab-") as scratch:
        trees = [worktree(commit, Path(scratch) / name) for commit, name in ((args.a, "a"), (args.b, "b"))]
        try:
            measured = [Runs(), Runs()]
            for _ in range(args.runs):
                for tree, runs in zip(trees, measured, strict=True):
                    run_once(tree, args.corpus.resolve(), runs, Path(scratch))
        finally:
            for tree in trees:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
                )
    print(f"corpus {args.corpus}, {args.runs} alternating runs each; medians")
    for commit, runs in zip((args.a, args.b), measured, strict=True):
        stages = {
            key: round(statistics.median(s[key] for s in runs.stages), 3)
            for key in (runs.stages[0] if runs.stages else {})
        }
        print(
            f"{commit}: {statistics.median(runs.seconds):.3f} s "
            f"(runs {', '.join(f'{s:.2f}' for s in runs.seconds)}), "
            f"peak {statistics.median(runs.rss_mb):.0f} MB, {len(runs.pairs)} pairs; stages {stages}"
        )
    first, second = measured
    ratio = statistics.median(second.seconds) / statistics.median(first.seconds)
    print(f"time {args.b} / {args.a}: {ratio:.3f}")
    print(f"same pairs and relations: {first.pairs == second.pairs}")


if __name__ == "__main__":
    main()
