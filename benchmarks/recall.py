"""Recall of dedup's candidate generation against brute force, on real folders.

Every pair of documents is verified exactly (the brute force), and the pairs that earn a relation
are compared with the pairs the window-LSH index proposes. Prints one line per setting.

    python benchmarks/recall.py ../shared/data/clough_stevenson/texts ../shared/data/indonesian_pan
    python benchmarks/recall.py FOLDER... --window 50 --window 30 --lsh-threshold 0.5
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import Counter
from pathlib import Path

import numpy as np

from dedup import Settings
from dedup.boilerplate import boilerplate_shingles
from dedup.pipeline import find_pairs, prepare_all
from dedup.prepare import Prepared
from dedup.sources import discover
from dedup.verify import sketched, verify


def measure(folders: list[str], settings: Settings) -> str:
    sources = discover(folders, settings, Path.cwd())
    prepared = [p for p in prepare_all(sources, settings) if isinstance(p, Prepared)]
    stats: dict[str, int] = {}
    started = time.perf_counter()
    found = {(p.a, p.b) for p in find_pairs(prepared, settings, stats)[0]}
    seconds = time.perf_counter() - started
    boiler = boilerplate_shingles(
        [np.unique(p.shingles) for p in prepared],
        settings.boilerplate_docs,
        settings.boilerplate_share,
    )
    docs = [
        sketched(p.document.path, p.shingles, p.document.words, p.text_hash, boiler, p.quoted)
        for p in prepared
    ]
    truth = {}
    for a, b in itertools.combinations(docs, 2):
        pair = verify(a, b, settings)
        if pair is not None:
            truth[(pair.a, pair.b)] = pair.relation
    missed = Counter(rel for key, rel in truth.items() if key not in found)
    recall = 1 - sum(missed.values()) / max(1, len(truth))
    return (
        f"window={settings.window:<3} lsh_threshold={settings.lsh_threshold:<4} "
        f"docs={len(docs)} true_pairs={len(truth)} recall={recall:.3f} "
        f"candidates={stats['candidates']} windows={stats['windows']} "
        f"missed={dict(missed) or '-'} find_pairs={seconds:.2f}s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--window", type=int, action="append")
    parser.add_argument("--lsh-threshold", type=float, action="append")
    args = parser.parse_args()
    for window in args.window or [Settings().window]:
        for threshold in args.lsh_threshold or [Settings().lsh_threshold]:
            print(measure(args.folders, Settings(window=window, lsh_threshold=threshold, jobs=1)))


if __name__ == "__main__":
    main()
