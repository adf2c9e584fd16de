"""The scan on a local Ray cluster against the local scan: wall time, peak memory, overhead.

Generates (or reuses) corpora with ``benchmarks/gencorpus.py`` (seed 7) under the work folder and
scans each, as a whole process per run: ``dedup.scan`` (local mode, worker processes) and
``dedup.engine.scan`` on a Ray cluster this process starts on loopback (``--cpus`` CPUs, every
core by default), with an output folder, so the bytes each stage sends back to the driver can be
read off its stage files. Checks that both JSON reports are equal byte for byte, and prints a
markdown table and the per-document costs docs/ray.md works from.

    python benchmarks/ray_speed.py --sizes 10000
    python benchmarks/ray_speed.py --sizes 10000 100000 --runs 1

Memory is the peak of the summed RSS of the whole process tree, sampled from /proc every 0.1 s
(Ray's raylet, object store and workers are the driver's descendants on a local cluster; pages of
the shared object store count once per process that maps them, so this bounds from above).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import speed

ROOT = Path(__file__).resolve().parents[1]


def child(mode: str, corpus: str, out: str) -> None:
    """One measured scan (in its own process); its figures go to ``out/metrics.json``."""
    from dedup import Settings, scan
    from dedup.render.json import dumps

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    backend = None
    if mode == "ray":
        from dedup.engine.ray import RayBackend
        from dedup.engine.scan import Distributed

        backend = RayBackend()
        engine = Distributed(backend, folder / "run")
    cluster = time.perf_counter() - started
    clock = time.perf_counter()
    report = scan([corpus], Settings(), engine=engine if backend is not None else None)
    seconds = time.perf_counter() - clock
    text = dumps(report)
    stages: dict[str, int] = {}
    if backend is not None:
        for path in sorted((folder / "run" / "stages").glob("*.pkl")):
            name = path.stem.split("-", 1)[1]
            stages[name] = stages.get(name, 0) + path.stat().st_size
        backend.close()
    metrics = {
        "cluster_seconds": cluster,
        "scan_seconds": seconds,
        "timings": report.timings,
        "stats": report.stats,
        "documents": len(report.documents),
        "words": sum(d.words for d in report.documents),
        "pairs": len(report.pairs),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
        "stage_bytes": stages,
        "partitions": backend.partitions if backend is not None else None,
        "moved": engine.counts if backend is not None else {},
    }
    (folder / "metrics.json").write_text(json.dumps(metrics, indent=1))


def run(mode: str, corpus: Path, scratch: Path) -> dict[str, Any]:
    out = scratch / mode
    m = speed.measure(
        [sys.executable, __file__, "--child", mode, str(corpus), str(out)],
        scratch / f"{mode}.out",
        scratch / f"{mode}.err",
    )
    if m.code != 0:
        raise SystemExit(f"{mode} scan failed:\n" + (scratch / f"{mode}.err").read_text()[-3000:])
    metrics: dict[str, Any] = json.loads((out / "metrics.json").read_text())
    metrics["wall"] = m.wall
    metrics["peak_tree_rss"] = max((s.rss for s in m.samples), default=m.maxrss)
    metrics["maxrss"] = m.maxrss
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CORPUS", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/dedup-bench"))
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rows = []
    for size in args.sizes:
        corpus = speed.ensure_corpus(args.workdir, size)
        results: dict[str, list[dict[str, Any]]] = {"local": [], "ray": []}
        for i in range(args.runs):
            for mode in ("local", "ray"):
                scratch = args.workdir / f"ray-{size}-{i}"
                subprocess.run(["rm", "-rf", str(scratch)], check=True)
                scratch.mkdir(parents=True)
                results[mode].append(run(mode, corpus.path, scratch))
                print(f"{size} {mode} run {i + 1}: {results[mode][-1]['wall']:.1f} s", file=sys.stderr)
        same = {r["sha256"] for rs in results.values() for r in rs}
        rows.append((size, results, len(same) == 1))
    print(report(rows))


def _median(results: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in results)


def report(rows: list[tuple[int, dict[str, list[dict[str, Any]]], bool]]) -> str:
    lines = [
        "| documents | local wall s | Ray wall s (cluster start) | Ray scan s | overhead | local peak MB | "
        "Ray peak MB | same JSON |",
        "|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    per_doc = []
    for size, results, same in rows:
        local, ray = results["local"], results["ray"]
        lw, rw = _median(local, "wall"), _median(ray, "wall")
        lines.append(
            f"| {size:,} | {lw:.1f} | {rw:.1f} ({_median(ray, 'cluster_seconds'):.1f}) | "
            f"{_median(ray, 'scan_seconds'):.1f} | {rw / lw:.2f}x ({_median(ray, 'scan_seconds') / lw:.2f}x "
            f"without start) | {_median(local, 'peak_tree_rss') / 2**20:.0f} | "
            f"{_median(ray, 'peak_tree_rss') / 2**20:.0f} | {'yes' if same else 'NO'} |"
        )
        r = ray[0]
        docs = r["documents"]
        stats = r["stats"]
        per_doc.append(
            {
                "documents": docs,
                "words_per_document": r["words"] / docs,
                "windows_per_document": stats["windows"] / docs,
                "candidates_per_document": stats["candidates"] / docs,
                "pairs_per_document": r["pairs"] / docs,
                "lsh_rows_per_document": r["moved"].get("lsh_rows", 0) / docs,
                "lsh_passes": r["moved"].get("lsh_passes", 0),
                "stage_bytes_per_document": {k: v / docs for k, v in r["stage_bytes"].items()},
                "ray_stage_seconds": {k: round(v, 2) for k, v in r["timings"].items()},
                "local_stage_seconds": {k: round(v, 2) for k, v in local[0]["timings"].items()},
                "partitions": r["partitions"],
            }
        )
    return (
        "\n".join(lines)
        + "\n\nPer-document costs (first Ray run):\n\n```json\n"
        + json.dumps(per_doc, indent=1)
        + "\n```\n"
    )


if __name__ == "__main__":
    main()
