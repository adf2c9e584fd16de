"""The human report, drawn with rich: readable at 80 columns, and without colour when piped."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, Any

from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from dedup.cluster import through_sources
from dedup.models import PROGRESS_UNITS, Comparison, Group, Note, Pair, Report, Span
from dedup.words import article, counted

_UNSEEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 and C1 controls, which start escape sequences
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidirectional controls: reorder what follows
    "\u200b\u2060-\u2064\u206a-\u206f\ufeff\ufff9-\ufffb]"  # invisible format characters
)
# Not U+200C/U+200D (zero-width non-joiner and joiner): Persian, Indic scripts and emoji need them.


def _shown(match: re.Match[str]) -> str:
    point = ord(match.group())
    return f"\\x{point:02x}" if point <= 0xFF else f"\\u{point:04x}"


def escape(text: str) -> str:
    """Text from documents and paths, safe to print: no rich markup, and control, bidirectional
    and invisible format characters shown as escapes (``\\x1b``, ``\\u202e``), so that a document
    can neither drive the terminal nor reorder or hide what is printed."""
    return _escape_markup(_UNSEEN.sub(_shown, text))


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


def _emit(out: Console, line: str) -> None:
    """Print a markup line, wrapped at word boundaries to the console's width; continuation lines
    keep its indentation. No line ends in a space, and a path, a number and the word after it, a
    "(...)" group or a quoted name is never split, unless such a group is too long for a line."""
    indent = len(line) - len(line.lstrip(" "))
    text = Text.from_markup(line[indent:])
    pad = " " * indent
    for start, end in wrap_ranges(text.plain, max(20, out.width - indent)):
        # soft_wrap: rich neither wraps again nor pads the line to the width with spaces.
        out.print(Text(pad) + text[start:end] if end > start else Text(""), soft_wrap=True)


_NUMBER = re.compile(r"[\d.,%]+")


def _units(plain: str) -> list[tuple[int, int, bool]]:
    """The words of ``plain`` as ``(start, end, joined)``: ``joined`` when no line may break
    between this word and the next (inside a "(...)" group or a quoted name, after a number, before
    a "(...)" group, which belongs to the word it follows: "path (12 words)")."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", plain)]
    out: list[tuple[int, int, bool]] = []
    depth, quoted = 0, False
    for i, (start, end) in enumerate(words):
        word = plain[start:end]
        before_group = i + 1 < len(words) and plain[words[i + 1][0]] == "("
        depth = max(0, depth + word.count("(") - word.count(")"))
        bare = word.lstrip("(").rstrip(",;:.)")
        if bare.startswith("'") and not (len(bare) > 1 and bare.endswith("'")):
            quoted = True
        elif quoted and bare.endswith("'"):
            quoted = False
        out.append((start, end, depth > 0 or quoted or before_group or bool(_NUMBER.fullmatch(word))))
    return out


def wrap_ranges(plain: str, width: int) -> list[tuple[int, int]]:
    """Where to cut ``plain`` into lines of at most ``width`` characters: ``(start, end)`` of each
    line, without the spaces between them. A group of words that must stay together (see
    :func:`_units`) moves to the next line whole; one longer than a line breaks between its words;
    a single word longer than a line (a long path) stays whole on a line of its own."""
    groups: list[list[tuple[int, int]]] = []
    tied = False
    for start, end, joined in _units(plain):
        if tied:
            groups[-1].append((start, end))
        else:
            groups.append([(start, end)])
        tied = joined
    pieces: list[tuple[int, int]] = []
    for group in groups:
        if group[-1][1] - group[0][0] <= width:
            pieces.append((group[0][0], group[-1][1]))
        else:
            pieces.extend(group)
    lines: list[tuple[int, int]] = []
    for start, end in pieces:
        if lines and end - lines[-1][0] <= width:
            lines[-1] = (lines[-1][0], end)
        else:
            lines.append((start, end))
    return lines or [(0, 0)]


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def summary_line(report: Report) -> str:
    """One line: documents scanned and skipped, pairs by relation, clusters, time."""
    counts = report.pair_counts()
    kinds = ", ".join(f"{n} {rel}" for rel, n in counts.items() if n)
    pairs = counted(len(report.pairs), "pair")
    if kinds:
        pairs += f" ({kinds})"
    clusters = counted(len(report.clusters), "cluster")
    return (
        f"Scanned {counted(len(report.documents), 'document')} ({len(report.skipped)} skipped) in "
        f"{report.seconds:.1f} s: {pairs}, {clusters}"
    )


def pair_lines(pair: Pair) -> list[str]:
    """Rich markup lines describing one pair: who relates to whom, its numbers, what differs."""
    first, second = (pair.b, pair.a) if pair.direction == "b_in_a" else (pair.a, pair.b)
    inner, outer = (
        (pair.b_in_a, pair.a_in_b)
        if pair.direction == "b_in_a"
        else (
            pair.a_in_b,
            pair.b_in_a,
        )
    )
    relation = pair.relation or "unrelated"
    style = _STYLE.get(relation, "bold")
    words = (
        f"{counted(pair.shared_words_b if first == pair.b else pair.shared_words_a, 'shared word')} · "
        f"longest shared passage {counted(pair.longest_passage, 'word')}"
    )
    lines = [
        f"  [{style}]{relation.upper()}[/] {escape(first)}",
        f"    {_VERB.get(relation, 'is unrelated to')} {escape(second)}",
        f"    {_pct(inner)} of the first is in the second, {_pct(outer)} the other way · "
        f"Jaccard {pair.jaccard:.2f}",
        f"    {words}",
    ]
    if pair.explanation is not None:
        lines.append(f"    [dim]differs:[/] {escape(pair.explanation.summary)}")
    return lines


_MARK = {"shared": "=", "moved": "~", "a": "-", "b": "+"}
_MARK_STYLE = {"=": "dim", "~": "magenta", "-": "red", "+": "green"}


def _span_lines(text: str, span: Span, mark: str, width: int, fold: int = 2) -> list[str]:
    """A span's text as marked lines cut to ``width``, long spans folded to first and last lines."""
    body = [" ".join(line.split()) for line in text[span.start : span.end].splitlines()]
    body = [line for line in body if line]
    if not body:
        return []
    tags = [t for t in (span.label, "moved" if span.moved else None) if t]
    tag = f"[{', '.join(tags)}] " if tags else ""
    room = max(20, width - 4)
    if len(body) > fold + 1:
        body = [body[0], f"… {len(body) - 2} more lines …", body[-1]]
    style = _MARK_STYLE[mark]
    out = []
    for i, line in enumerate(body):
        prefix = tag if i == 0 else ""
        shown = prefix + line
        if len(shown) > room:
            shown = shown[: room - 1] + "…"
        out.append(f"[{style}]{mark} {escape(shown)}[/]")
    return out


def explanation_lines(pair: Pair, texts: dict[str, str], width: int) -> list[str]:
    """The full view of a pair: A's spans in order, then what only B has, each marked.

    Markers survive NO_COLOR: ``=`` shared, ``~`` shared but moved, ``-`` only in A, ``+`` only in B,
    ``*`` an edit inside a shared span.
    """
    if pair.explanation is None or pair.a not in texts or pair.b not in texts:
        return []
    exp = pair.explanation
    text_a, text_b = texts[pair.a], texts[pair.b]
    verdict = exp.verdict
    lines = []
    reason = escape(verdict.reasons[0]) if verdict.reasons else ""
    # An unknown original reads as a cluster's does: "original: unknown (why)".
    lines.append(f"original: unknown ({reason})" if verdict.original == "unknown" else f"original: {reason}")
    lines.append(f"── A in order ({escape(pair.a)}) ──")
    for span in exp.spans_a:
        mark = ("~" if span.moved else "=") if span.kind == "shared" else "-"
        lines.extend(_span_lines(text_a, span, mark, width))
        for edit in span.edits:
            old = " ".join(text_a[edit.a_start : edit.a_end].split()) or "(nothing)"
            new = " ".join(text_b[edit.b_start : edit.b_end].split()) or "(nothing)"
            lines.append(f"[yellow]*   edit: {escape(old[:40])!s} → {escape(new[:40])}[/]")
    only_b = [s for s in exp.spans_b if s.kind == "divergent" and s.words > 0]
    lines.append(f"── only in B ({escape(pair.b)}) ──")
    for span in only_b:
        lines.extend(_span_lines(text_b, span, "+", width))
    if not only_b:
        lines.append("(nothing)")
    return lines


def render_comparison(comparison: Comparison, out: Console) -> None:
    """Print ``dedup compare``: the numbers, what differs, then the aligned text in full."""
    pair = comparison.pair
    words = {comparison.a.path: comparison.a.words, comparison.b.path: comparison.b.words}
    _emit(out, f"[bold]A[/] {escape(pair.a)} [dim]({counted(words[pair.a], 'word')})[/]")
    _emit(out, f"[bold]B[/] {escape(pair.b)} [dim]({counted(words[pair.b], 'word')})[/]")
    lines = pair_lines(pair)
    # Why the two are no pair goes with the numbers, before what differs.
    at = len(lines) - (pair.explanation is not None)
    why = [f"    [dim]not {missed.relation}:[/] {escape(missed.reason)}" for missed in comparison.missed]
    if comparison.shared_quotation:
        # The longest passage leaves out runs quoted in both: two reports quoting one speaker.
        why.append(
            f"    [dim]{article(comparison.shared_quotation)} {comparison.shared_quotation}-word shared "
            "quotation was not counted "
            "(quoted in both)[/]"
        )
    for line in [*lines[:at], *why, *lines[at:]]:
        _emit(out, line)
    out.print()
    for line in explanation_lines(pair, comparison.texts, out.width):
        _emit(out, line)


COPIES_SHOWN = 3
"""Copies of one text named in a cluster before the rest are counted."""


def render(report: Report, out: Console, explain: bool = False) -> None:
    """Print the summary line, then each cluster with its members and its pairs. Copies of one
    text (identical pairs, which a scan makes with the first copy) are shown as one group."""
    _emit(out, f"[bold]{escape(summary_line(report))}[/]")
    words = {d.path: d.words for d in report.documents}
    copies: dict[str, list[str]] = {}
    for pair in report.pairs:
        if pair.relation == "identical" and not explain:
            copies.setdefault(pair.a, []).append(pair.b)
    copied = {path for group in copies.values() for path in group}
    # Near-copies compared through a representative: one block each, not a pair each.
    near = {g.representative: g for g in report.groups} if not explain else {}
    member_of = {m: g.representative for g in near.values() for m in g.members}
    in_group: dict[str, list[Pair]] = {}
    by_first: dict[str, list[Pair]] = {}
    present = {(pair.a, pair.b) for pair in report.pairs}
    # Pairs of two documents that each copy a common source: counted under it, not listed.
    through = through_sources(report.pairs) if not explain else {}
    siblings: dict[str, list[Pair]] = {}
    # A near-copy's pair with a document outside its group, folded under the representative's.
    alike: dict[tuple[str, str], list[Pair]] = {}
    for pair in report.pairs:
        if member_of.get(pair.b) == pair.a:
            in_group.setdefault(pair.a, []).append(pair)
            continue
        folded = False
        for member, other in ((pair.a, pair.b), (pair.b, pair.a)):
            rep = member_of.get(member)
            if rep is not None and rep != member and member_of.get(other) != rep:
                key = (rep, other) if rep < other else (other, rep)
                if key in present:
                    alike.setdefault(key, []).append(pair)
                    folded = True
                    break
        if folded:
            continue
        if (pair.a, pair.b) in through:
            siblings.setdefault(through[(pair.a, pair.b)], []).append(pair)
            continue
        by_first.setdefault(pair.a, []).append(pair)
    for number, cluster in enumerate(report.clusters, start=1):
        out.print()
        _emit(out, f"[bold]Cluster {number}[/] · {counted(len(cluster.members), 'document')}")
        for member in cluster.members:
            if member in copied:
                continue
            if member in member_of and member_of[member] != member:
                continue
            mark = " [green](likely original)[/]" if member == cluster.original else ""
            more = (
                f" [dim]and {counted(len(copies[member]), 'identical copy', 'identical copies')}[/]"
                if member in copies
                else ""
            )
            if member in near:
                more += f" [dim]and {counted(len(near[member].members) - 1, 'near-copy')}[/]"
            _emit(out, f"  • {escape(member)} [dim]({counted(words.get(member, 0), 'word')})[/]{mark}{more}")
        if cluster.original:
            _emit(out, f"  [dim]original, a guess: {escape(cluster.reason)}[/]")
        else:
            _emit(out, f"  [dim]original: unknown ({escape(cluster.reason)})[/]")
        for member in cluster.members:
            if member in copies:
                out.print()
                for line in copies_lines(member, copies[member]):
                    _emit(out, line)
            if member in near:
                out.print()
                for line in group_lines(near[member], in_group.get(member, [])):
                    _emit(out, line)
            if member in siblings:
                out.print()
                for line in sibling_lines(member, siblings[member]):
                    _emit(out, line)
            for pair in by_first.get(member, ()):
                if pair.relation == "identical" and not explain:
                    continue
                out.print()
                for line in pair_lines(pair):
                    _emit(out, line)
                same = alike.get((pair.a, pair.b))
                if same:
                    kinds = ", ".join(sorted({p.relation or "" for p in same}))
                    _emit(out, f"    [dim]and the same with {len(same)} of the near-copies ({kinds})[/]")
                if explain:
                    out.print()
                    for line in explanation_lines(pair, report.texts, out.width - 4):
                        _emit(out, "    " + line)
    if not report.pairs:
        _emit(out, "No duplicates, reprints or shared passages found.")


def copies_lines(first: str, others: Sequence[str]) -> list[str]:
    """Rich markup lines for the copies of one text: the first copy, then the others, folded."""
    style = _STYLE.get("identical", "bold")
    shown = ", ".join(escape(path) for path in others[:COPIES_SHOWN])
    rest = len(others) - COPIES_SHOWN
    lines = [
        f"  [{style}]IDENTICAL[/] {escape(first)}",
        f"    has {counted(len(others), 'copy')} with the same words: {shown}"
        + (f" [dim]and {rest} more (all in the JSON)[/]" if rest > 0 else ""),
    ]
    return lines


def sibling_lines(source: str, pairs: Sequence[Pair]) -> list[str]:
    """Rich markup lines for the pairs of documents that each copy ``source``: a count and a few."""
    counts: dict[str, int] = {}
    for pair in pairs:
        if pair.relation is not None:
            counts[pair.relation] = counts.get(pair.relation, 0) + 1
    relations = ", ".join(f"{n} {relation}" for relation, n in counts.items())
    shown = "; ".join(f"{escape(p.a)} ~ {escape(p.b)}" for p in pairs[:COPIES_SHOWN])
    rest = len(pairs) - COPIES_SHOWN
    more = f" [dim]and {rest} more (in the JSON, `through`; --explain shows each)[/]" if rest > 0 else ""
    return [
        f"  [bold]COMMON SOURCE[/] {escape(source)}",
        f"    {counted(len(pairs), 'pair')} of documents that each copy it share no more than they took"
        f" from it ({relations}):",
        f"    {shown}{more}",
    ]


def group_lines(group: Group, pairs: Sequence[Pair]) -> list[str]:
    """Rich markup lines for a group of near-copies: the representative, the count, the relations
    and the spread of their similarity to it, a few names."""
    others = [m for m in group.members if m != group.representative]
    counts: dict[str, int] = {}
    for pair in pairs:
        if pair.relation is not None:
            counts[pair.relation] = counts.get(pair.relation, 0) + 1
    relations = ", ".join(f"{n} {relation}" for relation, n in counts.items())
    low = min((p.jaccard for p in pairs), default=1.0)
    high = max((p.jaccard for p in pairs), default=1.0)
    shown = ", ".join(escape(path) for path in others[:COPIES_SHOWN])
    rest = len(others) - COPIES_SHOWN
    return [
        f"  [bold]NEAR-COPIES[/] of {escape(group.representative)}",
        f"    {counted(len(others), 'document')} compared through it ({relations}); "
        f"Jaccard {low:.2f} to {high:.2f}",
        f"    {shown}"
        + (f" [dim]and {rest} more (all in the JSON; --explain shows each)[/]" if rest > 0 else ""),
    ]


MEMBERS_SHOWN = 3
"""Members of a cluster named in the summary view before the rest are counted."""


def render_summary(report: Report, summary: Any, out: Console) -> None:
    """Print ``scan --summary``: the summary line, pairs per relation, then the largest clusters
    (a :class:`dedup.gate.Summary`), each with its size and first members."""
    _emit(out, f"[bold]{escape(summary_line(report))}[/]")
    out.print()
    width = max(len(relation) for relation in summary.counts)
    for relation, count in summary.counts.items():
        _emit(out, f"  [{_STYLE.get(relation, 'bold')}]{relation:<{width}}[/] {count:>7,}")
    if not summary.largest:
        return
    out.print()
    shown = len(summary.largest)
    _emit(out, f"[bold]Largest clusters[/] ({shown} of {summary.clusters:,})")
    for size in summary.largest:
        cluster = size.cluster
        members = [
            escape(m) + (" [green](likely original)[/]" if m == cluster.original else "")
            for m in cluster.members[:MEMBERS_SHOWN]
        ]
        rest = len(cluster.members) - MEMBERS_SHOWN
        more = f" [dim]and {rest} more[/]" if rest > 0 else ""
        _emit(
            out,
            f"  Cluster {size.number} · {counted(len(cluster.members), 'document')}, "
            f"{counted(size.pairs, 'pair')}: {', '.join(members)}{more}",
        )


def warn(err: Console, message: str) -> None:
    """One line on the error console: ``warning: ...``, or ``note: ...`` for a
    :class:`dedup.models.Note` (news, not a warning)."""
    prefix = "[dim]note:[/]" if isinstance(message, Note) else "[yellow]warning:[/]"
    # soft_wrap: rich would otherwise break a long line at the width it assumes off a terminal
    # (80), and a warning is one line whatever its length, for grep and for the README's promise.
    err.print(f"{prefix} {escape(message)}", soft_wrap=True)


class _Count(ProgressColumn):
    """``done/total`` of a counted stage; nothing for a step that is not counted."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed):,}/{int(task.total):,}", style="progress.download")


class _Rate(ProgressColumn):
    """What a counted stage does a second, in its own unit (documents/s, pairs/s), once known."""

    def render(self, task: Task) -> Text:
        # The first batches of a stage can land together: a rate from their moments alone reads
        # millions a second, so it waits for a second of work (or the end of the stage).
        settled = task.finished or (task.elapsed or 0.0) >= 1.0
        speed = (task.finished_speed or task.speed) if settled else None
        unit = task.fields.get("unit")
        return Text(f"{speed:,.0f} {unit}/s" if speed and unit else "", style="dim")


@contextmanager
def progress_bar(err: Console, delay: float = 0.5) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback drawing a transient bar on ``err`` once a scan has run ``delay`` s."""
    started = time.monotonic()
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        _Count(),
        _Rate(),
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
            # A new stage ends the steps before it that are not counted: they leave the bar, so
            # that it says what is happening now (counted ones stay, with their figures).
            for task in bar.tasks:
                if task.total is None and task.visible:
                    bar.update(task.id, visible=False)
            unit = PROGRESS_UNITS.get(stage)
            tasks[stage] = bar.add_task(stage, total=total or None, unit=unit)
        # Total 0: a step that is not counted, drawn as a pulsing bar.
        bar.update(tasks[stage], completed=done, total=total or None)

    try:
        yield update
    finally:
        bar.stop()


def render_findings(
    result: Any,
    baseline: str,
    corpus: Sequence[str],
    out: Console,
    *,
    name_baseline: bool = False,
    fails: Callable[[Pair], bool] = lambda pair: True,
) -> None:
    """The hook's report: for each changed file that duplicates a document, what, how much, why,
    and how to accept the pair (``--baseline FILE`` in that command when ``name_baseline``); a
    pair that does not ``fails`` (its relation is not in ``--fail-on``) is marked so."""
    for finding in result.findings:
        pair = finding.pair
        inside = pair.a_in_b if finding.path == pair.a else pair.b_in_a
        outside = pair.b_in_a if finding.path == pair.a else pair.a_in_b
        relation = str(pair.relation)
        _emit(
            out,
            f"[{_STYLE.get(relation, 'bold')}]{escape(finding.path)}[/] duplicates {escape(finding.other)}",
        )
        _emit(
            out,
            f"  {relation}: {_pct(inside)} of this file is in {escape(finding.other)}, and "
            f"{_pct(outside)} of that document is in this file (Jaccard {pair.jaccard:.2f}; "
            f"longest shared passage {counted(pair.longest_passage, 'word')})",
        )
        if pair.explanation is not None:
            _emit(out, f"  differs: {escape(pair.explanation.summary)}")
        if not fails(pair):
            _emit(out, f"  [dim]does not fail: {relation} is not in --fail-on[/]")
    if result.findings:
        folders = " ".join(corpus) or "CORPUS"
        option = f" --baseline {escape(baseline)}" if name_baseline else ""
        these = "this pair" if len(result.findings) == 1 else "these pairs"
        _emit(
            out,
            f"To accept {these}, run `dedup baseline {escape(folders)}{option}` and commit "
            f"{escape(baseline)}.",
        )
    elif result.checked:
        _emit(
            out,
            f"dedup: {counted(result.checked, 'file')} checked, no new duplicates"
            + (f" ({result.accepted} accepted in {escape(baseline)})" if result.accepted else ""),
        )
