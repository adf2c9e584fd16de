"""The human report, drawn with rich: readable at 80 columns, and without colour when piped."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from dedup.models import Pair, Report

_STYLE = {
    "identical": "bold red",
    "near-duplicate": "bold red",
    "contained": "bold yellow",
    "overlap": "bold cyan",
}
_VERB = {
    "identical": "is identical to",
    "near-duplicate": "is a near-duplicate of",
    "contained": "is contained in",
    "overlap": "shares a passage with",
}


def console(file: IO[str] | None = None, *, stderr: bool = False) -> Console:
    """A console that honours NO_COLOR and drops colour when not writing to a terminal."""
    return Console(file=file, stderr=stderr, highlight=False, soft_wrap=False)


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def summary_line(report: Report) -> str:
    """One line: documents scanned and skipped, pairs by relation, clusters, time."""
    counts = report.pair_counts()
    kinds = ", ".join(f"{n} {rel}" for rel, n in counts.items() if n)
    pairs = f"{len(report.pairs)} pair{'s' if len(report.pairs) != 1 else ''}"
    if kinds:
        pairs += f" ({kinds})"
    clusters = f"{len(report.clusters)} cluster{'s' if len(report.clusters) != 1 else ''}"
    return (
        f"Scanned {len(report.documents)} documents ({len(report.skipped)} skipped) in "
        f"{report.seconds:.1f} s: {pairs}, {clusters}"
    )


def pair_lines(pair: Pair) -> list[str]:
    """Rich markup lines describing one pair: who relates to whom, then its numbers."""
    first, second = (pair.b, pair.a) if pair.direction == "b_in_a" else (pair.a, pair.b)
    inner, outer = (
        (pair.b_in_a, pair.a_in_b)
        if pair.direction == "b_in_a"
        else (
            pair.a_in_b,
            pair.b_in_a,
        )
    )
    style = _STYLE[pair.relation]
    words = (
        f"{pair.shared_words_b if first == pair.b else pair.shared_words_a} shared words · "
        f"longest shared passage {pair.longest_passage} words"
    )
    return [
        f"  [{style}]{pair.relation.upper()}[/] {escape(first)}",
        f"    {_VERB[pair.relation]} {escape(second)}",
        f"    {_pct(inner)} of the first is in the second, {_pct(outer)} the other way · "
        f"Jaccard {pair.jaccard:.2f}",
        f"    {words}",
    ]


def render(report: Report, out: Console) -> None:
    """Print the summary line, then each cluster with its members and its pairs."""
    out.print(f"[bold]{escape(summary_line(report))}[/]")
    words = {d.path: d.words for d in report.documents}
    for number, cluster in enumerate(report.clusters, start=1):
        out.print()
        out.print(f"[bold]Cluster {number}[/] · {len(cluster.members)} documents")
        for member in cluster.members:
            mark = " [green](likely original)[/]" if member == cluster.original else ""
            out.print(f"  • {escape(member)} [dim]({words.get(member, 0)} words)[/]{mark}")
        if cluster.original:
            out.print(f"  [dim]original, a guess: {escape(cluster.reason)}[/]")
        else:
            out.print(f"  [dim]original: unknown ({escape(cluster.reason)})[/]")
        for pair in report.pairs:
            if pair.a in cluster.members:
                out.print()
                for line in pair_lines(pair):
                    out.print(line)
    if not report.pairs:
        out.print("No duplicates, reprints or shared passages found.")


def warn(err: Console, message: str) -> None:
    """One warning line on the error console."""
    err.print(f"[yellow]warning:[/] {escape(message)}")


@contextmanager
def progress_bar(err: Console, delay: float = 0.5) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback drawing a transient bar on ``err`` once a scan has run ``delay`` s."""
    started = time.monotonic()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    tasks: dict[str, TaskID] = {}

    def update(stage: str, done: int, total: int) -> None:
        if not bar.live.is_started and time.monotonic() - started >= delay:
            bar.start()
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    try:
        yield update
    finally:
        bar.stop()
