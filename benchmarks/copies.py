"""Many copies of one article among a generated corpus: the scan's cost against the same corpus without.

Issue 19's target: 10,000 identical copies plus 1,000 near-copies (light edits) of one article
among 100,000 generated documents scan in at most 1.5x the time of the corpus without them, with
no more memory, and every copy accounted for. Runs alternate between the two corpora; medians.

    python benchmarks/copies.py [--docs 100000] [--identical 10000] [--near 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import speed  # noqa: E402  (beside this script)

BENCHMARKS = Path(__file__).parent


def edited(text: str, seed: int, edits: int) -> str:
    """``text`` with ``edits`` words replaced, deleted or inserted; the same for the same seed."""
    rng = random.Random(seed)
    words = text.split(" ")
    for _ in range(edits):
        at = rng.randrange(len(words))
        choice = rng.random()
        if choice < 0.4:
            words[at] = f"edit{rng.randrange(10**6)}"
        elif choice < 0.7:
            del words[at]
        else:
            words.insert(at, f"added{rng.randrange(10**6)}")
    return " ".join(words)


def plant(corpus: Path, out: Path, identical: int, near: int) -> Path:
    """Write the copies of one of the corpus's documents into ``out`` (made afresh); returns it."""
    article = sorted(corpus.glob("*/*.txt"))[len(list(corpus.glob("000/*.txt"))) // 2]
    text = article.read_text(encoding="utf-8")
    marker = out / "planted.json"
    wanted = {"article": str(article), "identical": identical, "near": near}
    if marker.exists() and json.loads(marker.read_text(encoding="utf-8")) == wanted:
        return out
    if out.exists():
        for f in out.rglob("*.txt"):
            f.unlink()
    (out / "identical").mkdir(parents=True, exist_ok=True)
    (out / "near").mkdir(parents=True, exist_ok=True)
    for i in range(identical):
        (out / "identical" / f"copy-{i:05d}.txt").write_text(text, encoding="utf-8")
    for i in range(near):
        (out / "near" / f"near-{i:04d}.txt").write_text(edited(text, i, 1 + i % 5), encoding="utf-8")
    marker.write_text(json.dumps(wanted), encoding="utf-8")
    return out


def accounted(report_json: Path, extra: Path) -> tuple[int, int, int]:
    """Of the planted copies: how many are in some reported pair, and the pairs and groups reported."""
    data = json.loads(report_json.read_text(encoding="utf-8"))
    planted = {str(p) for p in extra.rglob("*.txt")}
    seen = {x for p in data["pairs"] for x in (p["a"], p["b"])}
    return len(planted & seen), len(data["pairs"]), len(data["groups"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--identical", type=int, default=10_000)
    parser.add_argument("--near", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=BENCHMARKS / "work")
    parser.add_argument(
        "--output", type=Path, default=BENCHMARKS / "COPIES.md", help="where to write the figures"
    )
    args = parser.parse_args()
    lines: list[str] = []

    def say(line: str) -> None:
        print(line)
        lines.append(line)

    corpus = speed.ensure_corpus(args.workdir, args.docs)
    extra = plant(corpus.path, args.workdir / f"copies-{args.docs}", args.identical, args.near)
    exe = speed.dedup_executable()
    scratch = args.workdir / "copies-runs"
    scratch.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[speed.Measured]] = {"without": [], "with": []}
    for run in range(args.runs):
        for name, paths in (("without", [corpus.path]), ("with", [corpus.path, extra])):
            cmd = [exe, "scan", *map(str, paths), "--json", "--no-progress", "--jobs", "2"]
            m = speed.measure(cmd, scratch / f"{name}-{run}.json", scratch / f"{name}-{run}.err")
            if m.code not in (0, 1):
                sys.exit(f"dedup failed ({m.code}): {m.stderr.read_text(encoding='utf-8')[-2000:]}")
            results[name].append(m)
            print(f"run {run + 1} {name}: {m.wall:.1f} s, {m.maxrss / 1e6:,.0f} MB peak RSS", file=sys.stderr)
    found, pairs, groups = accounted(scratch / f"with-{args.runs - 1}.json", extra)
    wall = {k: statistics.median(m.wall for m in v) for k, v in results.items()}
    rss = {k: statistics.median(m.maxrss for m in v) for k, v in results.items()}
    planted = args.identical + args.near
    say(f"corpus: {args.docs:,} generated documents; planted: {args.identical:,} identical copies and")
    say(f"{args.near:,} near-copies (1-5 word edits) of one of them; median of {args.runs} runs each")
    say("| corpus | wall s | peak RSS MB |")
    say("|---|---|---|")
    for k in ("without", "with"):
        say(f"| {k} the copies | {wall[k]:.1f} | {rss[k] / 1e6:,.0f} |")
    say(
        f"time ratio {wall['with'] / wall['without']:.2f}x (target at most 1.5x); memory ratio "
        f"{rss['with'] / rss['without']:.2f}x (target at most 1.0x)"
    )
    say(f"planted copies in a reported pair: {found:,} of {planted:,}; pairs {pairs:,}; groups {groups}")

    head = f"# `python benchmarks/copies.py` ({speed.code_state()})\n\n"
    args.output.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
