"""How long `dedup compare` takes to explain two large documents (about 1 MB each).

Builds a pair from the seed article's vocabulary: A is text of N words, B is A with a block moved,
a word changed every ~1,000 words and a related section appended. Prints the median of several runs
of explain() (tokenise, align, label), with the time to tokenise both texts as the baseline.

    python benchmarks/explain_speed.py            # about 1 MB each
    python benchmarks/explain_speed.py --words 20000 --runs 5
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from dedup.explain import explain
from dedup.tokens import tokenize

SEED = Path(__file__).resolve().parents[1] / "samples" / "iran-russia-pact_original.txt"


def make_pair(words: int) -> tuple[str, str]:
    vocab = SEED.read_text(encoding="utf-8").split()
    rng = random.Random(42)
    lines = []
    total = 0
    while total < words:
        line = " ".join(rng.choice(vocab) for _ in range(rng.randint(20, 60)))
        lines.append(line)
        total += line.count(" ") + 1
    a_lines = lines
    cut = len(lines) // 3
    b_lines = lines[cut : cut + 40] + lines[:cut] + lines[cut + 40 :]
    b_lines = [line.replace(" the ", " a ", 1) if i % 25 == 0 else line for i, line in enumerate(b_lines)]
    b_lines += ["RELATED:", "Another story", "January 2, 2025", "Reprinted from Elsewhere"] + lines[:30]
    return "\n".join(a_lines), "\n".join(b_lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=170_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text_a, text_b = make_pair(args.words)
    base, full = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        tokenize(text_a), tokenize(text_b)
        base.append(time.perf_counter() - started)
        started = time.perf_counter()
        exp = explain("a", text_a, "b", text_b)
        full.append(time.perf_counter() - started)
    print(f"documents: {len(text_a):,} and {len(text_b):,} characters; {args.runs} runs")
    print(f"tokenise both (baseline): median {statistics.median(base):.2f} s")
    print(
        f"explain (tokenise, align, label): median {statistics.median(full):.2f} s "
        f"= {statistics.median(full) / statistics.median(base):.1f}x the baseline"
    )
    print(f"spans: {len(exp.spans_a)} in A, {len(exp.spans_b)} in B; summary: {exp.summary[:100]}")


if __name__ == "__main__":
    main()
