"""`dedup clean` end to end on a generated corpus written as JSON Lines, beside text-dedup on the same file.

For each size: the generated corpus (benchmarks/gencorpus.py, as for speed.py) is written once as
``corpus-N.jsonl`` ({"id": path, "text": ...} per line); ``dedup clean`` writes the clean file and
its removed list (runs alternate, median); text-dedup (its news settings, filtering on, so that it
writes its deduplicated dataset too) runs on the same file. Prints wall time, documents per second,
peak RSS, the ratio of documents per second, and the recall of the planted relatives that should
drop a document (light edits, appended, truncated, moved paragraphs; a planted passage should not).

    python benchmarks/clean_speed.py [--sizes 100000] [--runs 3] [--no-peers]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import peers  # noqa: E402  (beside this script)
import speed  # noqa: E402

BENCHMARKS = Path(__file__).parent
DROPPING = {"light-edit", "appended", "truncated", "moved-paragraphs"}


def ensure_jsonl(corpus: speed.Corpus) -> Path:
    """``corpus-N.jsonl`` beside the corpus folder, written from it unless already complete."""
    out = corpus.path.with_suffix(".jsonl")
    marker = out.with_suffix(".jsonl.done")
    if marker.exists() and out.exists():
        return out
    tmp = out.with_suffix(".jsonl.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for path in sorted(corpus.path.glob("*/*.txt")):
            rel = path.relative_to(corpus.path).as_posix()
            f.write(
                json.dumps({"id": rel, "text": path.read_text(encoding="utf-8")}, ensure_ascii=False) + "\n"
            )
    tmp.replace(out)
    marker.write_text("complete\n", encoding="utf-8")
    return out


def recall(removed: Path, corpus: speed.Corpus) -> tuple[float, int, int]:
    """Of the planted pairs that should drop one document: the share whose two documents the removed
    list pairs (one dropped for the other); and planted passages wrongly dropped for their source."""
    pairs = set()
    for line in removed.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        a, b = r["dropped"].rsplit("#", 1)[1], r["kept"].rsplit("#", 1)[1]
        pairs.add((min(a, b), max(a, b)))
    wanted = [(min(a, b), max(a, b)) for (a, b), kind in corpus.planted.items() if kind in DROPPING]
    passages = [(min(a, b), max(a, b)) for (a, b), kind in corpus.planted.items() if kind == "passage"]
    found = sum(1 for p in wanted if p in pairs)
    wrong = sum(1 for p in passages if p in pairs)
    return found / len(wanted), len(wanted), wrong


def text_dedup(jsonl: Path, workdir: Path) -> speed.Measured:
    """text-dedup's minhash on ``jsonl`` with filtering on, timed as a child process."""
    python = peers.setup_textdedup(workdir)
    run = workdir / "textdedup-runs" / f"clean-{jsonl.stem}"
    run.mkdir(parents=True, exist_ok=True)
    s = peers.TEXTDEDUP_SETTINGS["news"]
    config = peers._config_toml(
        {
            "input": {"input_type": "local_files", "file_type": "json"},
            "input.read_arguments": {
                "path": "json",
                "data_files": str(jsonl),
                "split": "train",
                "cache_dir": str(run / "hf-cache"),
            },
            "algorithm": {
                "algorithm_name": "minhash",
                "text_column": "text",
                "seed": 42,
                "num_proc": 2,
                "num_perm": s.num_perm,
                "ngram_size": s.ngram,
                "threshold": s.threshold,
                "min_length": s.min_length,
                "check_false_positive": s.check_false_positive,
            },
            "output": {"output_dir": str(run / "output"), "save_clusters": False, "clean_cache": True},
            "debug": {"enable_profiling": False},
        }
    )
    (run / "config.toml").write_text(config, encoding="utf-8")
    cmd = [
        "env",
        "HF_DATASETS_OFFLINE=1",
        "HF_HUB_OFFLINE=1",
        f"HF_HOME={run / 'hf-home'}",
        f"HF_DATASETS_CACHE={run / 'hf-cache'}",
        "POLARS_MAX_THREADS=2",
        "PYTHONWARNINGS=ignore",
        str(python),
        "-m",
        "text_dedup.minhash",
    ]
    return speed.measure(cmd, run / "stdout.log", run / "stderr.log", cwd=run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peers", dest="peers", action="store_false")
    parser.add_argument("--workdir", type=Path, default=BENCHMARKS / "work")
    parser.add_argument(
        "--output", type=Path, default=BENCHMARKS / "CLEAN.md", help="where to write the figures"
    )
    args = parser.parse_args()
    lines: list[str] = []

    def say(line: str) -> None:
        print(line)
        lines.append(line)

    exe = speed.dedup_executable()
    rows = []
    for size in args.sizes:
        corpus = speed.ensure_corpus(args.workdir, size)
        jsonl = ensure_jsonl(corpus)
        out = args.workdir / f"clean-{size}.jsonl"
        runs = []
        for run in range(args.runs):
            cmd = [exe, "clean", str(jsonl), "--out", str(out), "--no-progress", "--jobs", "2"]
            m = speed.measure(cmd, args.workdir / f"clean-{size}.out", args.workdir / f"clean-{size}.err")
            if m.code not in (0, 1):
                sys.exit(f"dedup clean failed ({m.code}): {m.stderr.read_text(encoding='utf-8')[-2000:]}")
            print(
                f"dedup clean {size:,}: run {run + 1}: {m.wall:.1f} s, {m.maxrss / 1e6:,.0f} MB",
                file=sys.stderr,
            )
            runs.append(m)
        share, wanted, wrong = recall(out.with_name(out.name + ".removed.jsonl"), corpus)
        wall = statistics.median(m.wall for m in runs)
        rss = max(m.maxrss for m in runs)
        peer = None
        if args.peers:
            peer = text_dedup(jsonl, args.workdir)
            print(
                f"text-dedup {size:,}: {peer.wall:.1f} s, {peer.maxrss / 1e6:,.0f} MB (code {peer.code})",
                file=sys.stderr,
            )
        rows.append((size, wall, rss, [m.wall for m in runs], share, wanted, wrong, peer))
    say(
        "| records | dedup clean wall s (median; runs) | docs/s | peak RSS MB | planted drops found "
        "| passages dropped | text-dedup wall s | text-dedup docs/s | ratio |"
    )
    say("|---|---|---|---|---|---|---|---|---|")
    for size, wall, rss, walls, share, wanted, wrong, peer in rows:
        tail = "| – | – | – |"
        if peer is not None and peer.code == 0:
            tail = f"| {peer.wall:.1f} | {size / peer.wall:,.0f} | {peer.wall / wall:.1f}x |"
        shown = ", ".join(f"{w:.1f}" for w in walls)
        say(
            f"| {size:,} | {wall:.1f} ({shown}) | {size / wall:,.0f} | {rss / 1e6:,.0f} | "
            f"{share:.4f} of {wanted:,} | {wrong} {tail}"
        )

    head = f"# `python benchmarks/clean_speed.py` ({speed.code_state()})\n\n"
    args.output.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
