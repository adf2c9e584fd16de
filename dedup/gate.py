"""Which pairs a report shows, and which of those fail: the triage filters and the gate.

Triage (``--relation``, ``--min-words``) decides what is reported at all; the gate (``--fail-on``,
``--fail-on-new``) decides which reported pairs make the exit code 1. Pure functions over pairs:
the command line only wires its options to them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from dedup.cluster import clusters
from dedup.errors import EXIT_CLEAN, EXIT_DUPLICATES, ConfigError
from dedup.models import RELATIONS, Cluster, Pair, Relation, Report

ALL_RELATIONS: frozenset[Relation] = frozenset(RELATIONS)

SUMMARY_CLUSTERS = 10
"""Clusters the summary view shows, largest first."""


def parse_relations(values: Iterable[str], option: str) -> frozenset[Relation]:
    """The relations named by option values, each a name or a comma-separated list of names
    (``near-duplicate,contained``). An unknown or empty name is a ConfigError naming ``option``."""
    names: set[Relation] = set()
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            relation = next((r for r in RELATIONS if r == name), None)
            if relation is None:
                shown = repr(name) if name else "an empty name"
                raise ConfigError(f"{option}: {shown} is not a relation (choose from {', '.join(RELATIONS)})")
            names.add(relation)
    return frozenset(names)


def ordered(relations: Collection[Relation]) -> str:
    """Relations as a comma-separated list in the canonical order."""
    return ",".join(r for r in RELATIONS if r in relations)


def shared_words(pair: Pair) -> int:
    """The words a pair shares, as ``--min-words`` counts them: the larger of its two
    ``shared_words`` (each document's words covered by shared text)."""
    return max(pair.shared_words_a, pair.shared_words_b)


@dataclass(frozen=True)
class Triage:
    """What a report shows: pairs of these relations sharing at least ``min_words`` words."""

    relations: frozenset[Relation] = ALL_RELATIONS
    min_words: int = 0

    def __post_init__(self) -> None:
        if not self.relations:
            raise ConfigError("--relation: name at least one relation")
        if isinstance(self.min_words, bool) or not isinstance(self.min_words, int) or self.min_words < 0:
            raise ConfigError(f"--min-words must be a whole number of at least 0, got {self.min_words!r}")

    @property
    def filters(self) -> bool:
        """True when some pair could be left out."""
        return self.relations != ALL_RELATIONS or self.min_words > 0

    def keeps(self, pair: Pair) -> bool:
        """Whether ``pair`` is reported."""
        return pair.relation in self.relations and shared_words(pair) >= self.min_words


def triage(report: Report, rules: Triage) -> Report:
    """``report`` with only the pairs ``rules`` keep, its clusters rebuilt from them. Copies of one
    text are ``identical`` pairs with their first copy, so leaving out ``identical`` leaves the
    other copies out of the pairs their first copy stands for."""
    if not rules.filters:
        return report
    kept = [p for p in report.pairs if rules.keeps(p)]
    if len(kept) == len(report.pairs):
        return report
    attributions = {d.path: d.attribution for d in report.documents}
    return dataclasses.replace(report, pairs=tuple(kept), clusters=clusters(kept, attributions))


@dataclass(frozen=True)
class Gate:
    """Which reported pairs fail: those of a relation in ``fail_on`` and, with ``new_only``, not
    accepted in the baseline. Pairs that do not fail are still reported."""

    fail_on: frozenset[Relation] = ALL_RELATIONS
    new_only: bool = False

    def __post_init__(self) -> None:
        if not self.fail_on:
            raise ConfigError("--fail-on: name at least one relation")

    @property
    def narrows(self) -> bool:
        """True when some reported pair might not fail."""
        return self.fail_on != ALL_RELATIONS or self.new_only

    def failing(self, pairs: Sequence[Pair], new: Sequence[Pair] | None = None) -> list[Pair]:
        """The pairs of ``pairs`` that fail. ``new`` are the pairs the baseline does not accept
        (needed with ``new_only``; None there means that none is accepted)."""
        fresh = None if new is None or not self.new_only else {(p.a, p.b) for p in new}
        return [p for p in pairs if p.relation in self.fail_on and (fresh is None or (p.a, p.b) in fresh)]

    def return_code(self, pairs: Sequence[Pair], new: Sequence[Pair] | None = None) -> int:
        """1 when any of ``pairs`` fails, else 0."""
        return EXIT_DUPLICATES if self.failing(pairs, new) else EXIT_CLEAN

    def note(self, failing: int, reported: int) -> str:
        """One line saying how many reported pairs fail, and by which rule."""
        rules = []
        if self.fail_on != ALL_RELATIONS:
            rules.append(f"--fail-on {ordered(self.fail_on)}")
        if self.new_only:
            rules.append("only pairs the baseline does not accept")
        why = f" ({'; '.join(rules)})" if rules else ""
        verb = "fails" if failing == 1 else "fail"
        return f"{failing} of {reported} reported pair{'s' if reported != 1 else ''} {verb}{why}"


@dataclass(frozen=True)
class ClusterSize:
    """A cluster of the report (``number`` as the full report numbers it) and its pair count."""

    number: int
    cluster: Cluster
    pairs: int


@dataclass(frozen=True)
class Summary:
    """The summary view: pairs per relation and the largest clusters."""

    counts: dict[str, int]
    largest: tuple[ClusterSize, ...]
    clusters: int


def summarize(report: Report, top: int = SUMMARY_CLUSTERS) -> Summary:
    """Counts per relation and the ``top`` largest clusters (most documents, then most pairs, then
    in report order)."""
    number_of = {m: i for i, c in enumerate(report.clusters, start=1) for m in c.members}
    pair_counts: dict[int, int] = {}
    for pair in report.pairs:
        n = number_of.get(pair.a)
        if n is not None:
            pair_counts[n] = pair_counts.get(n, 0) + 1
    sizes = [ClusterSize(i, c, pair_counts.get(i, 0)) for i, c in enumerate(report.clusters, start=1)]
    sizes.sort(key=lambda s: (-len(s.cluster.members), -s.pairs, s.number))
    return Summary(report.pair_counts(), tuple(sizes[: max(0, top)]), len(report.clusters))
