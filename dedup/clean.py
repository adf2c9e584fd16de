"""Which documents a deduplicated corpus keeps, and for each dropped one the kept one it duplicates.

Pure decisions over a scan's report; reading and writing the corpus is dedup.output's.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from dedup.cluster import components
from dedup.models import Pair, Relation, Report
from dedup.words import counted

KEEP_POLICIES = ("original", "longest", "first")
DEFAULT_DROP: tuple[Relation, ...] = ("identical", "near-duplicate", "contained")


@dataclass(frozen=True, slots=True)
class Drop:
    """One document left out of the clean corpus: the kept document it duplicates, the pair of the
    two (``a``/``b`` in path order, as in a report), and why the other one was kept."""

    dropped: str
    kept: str
    pair: Pair
    keep_reason: str


@dataclass(frozen=True, slots=True)
class _Rank:
    key: tuple[int, int, int]
    reason: str


def decide(
    report: Report,
    drop: Collection[Relation],
    keep: str,
    order: Mapping[str, int],
    pair_of: Callable[[str, str], Pair | None],
    against: Collection[str] = (),
) -> list[Drop]:
    """The documents to drop, sorted by path.

    Documents linked by a pair whose relation is in ``drop`` (``contained`` aside) are one
    duplicate group, with copies of one text and groups of near-copies; the member ranked first by
    ``keep`` is kept: ``original`` (dedup's verdict where it has evidence, else the longest, then
    the first), ``longest`` (then the first) or ``first`` (``order``: the input order). Every
    other member is dropped for the pair it makes with the kept one (``pair_of`` verifies it when
    the scan did not, as between two near-copies); a member that pair does not relate closely
    enough is kept. Then a ``contained`` pair drops the document that lies inside a kept one. An
    ``overlap`` drops nothing unless asked.

    With ``against`` (the reference documents), only documents outside it are dropped, each for a
    pair with a reference document; pairs between two of the others are not looked at.
    """
    words = {d.path: d.words for d in report.documents}
    reference = set(against)
    wanted: set[str] = set(drop)
    rank = _ranks(report, wanted, keep, order, words)
    drops: dict[str, Drop] = {}
    if reference:
        return _against(report, wanted, reference, rank)
    # Duplicate groups over the symmetric relations, and the near-copy groups of the scan.
    direct: dict[tuple[str, str], Pair] = {}
    links: list[tuple[str, str]] = []
    for pair in report.pairs:
        direct[(pair.a, pair.b)] = pair
        if pair.relation in wanted and pair.relation != "contained":
            links.append((pair.a, pair.b))
    if "near-duplicate" in wanted:
        links.extend((group.members[0], member) for group in report.groups for member in group.members[1:])
    groups = components(links)
    for members in groups:
        ordered = sorted(members, key=lambda m: rank[m].key)
        kept = ordered[0]
        for other in ordered[1:]:
            found = _pair(direct, kept, other, pair_of)
            if found is not None and found.relation in wanted and _drops(found, other):
                drops[other] = Drop(other, kept, found, rank[kept].reason)
    if "contained" in wanted:
        # Larger documents first: a container is decided before what lies inside it.
        inside: dict[str, list[Pair]] = {}
        for pair in report.pairs:
            if pair.relation == "contained":
                inner = pair.a if pair.direction == "a_in_b" else pair.b
                inside.setdefault(inner, []).append(pair)
        for doc in sorted(inside, key=lambda d: (-words.get(d, 0), order.get(d, 0), d)):
            if doc in drops:
                continue
            holders = [p for p in inside[doc] if (p.b if p.a == doc else p.a) not in drops]
            if holders:
                best = min(holders, key=lambda p: rank[p.b if p.a == doc else p.a].key)
                holder = best.b if best.a == doc else best.a
                drops[doc] = Drop(doc, holder, best, f"{doc} lies inside it")
    # A document dropped for one that a containment dropped in turn: dropped for the document
    # that one went to, when their own pair says so (a copy of a text inside a reprint lies
    # inside the reprint too), else kept.
    for doc in sorted(drops):
        d = drops[doc]
        seen = {doc}
        while d.kept in drops and d.kept not in seen:
            seen.add(d.kept)
            final = drops[d.kept].kept
            found = _pair(direct, final, doc, pair_of)
            if found is None or found.relation not in wanted or not _drops(found, doc):
                del drops[doc]
                break
            why = f"{doc} lies inside it" if found.relation == "contained" else rank[final].reason
            d = drops[doc] = Drop(doc, final, found, why)
    return [drops[d] for d in sorted(drops)]


def _against(report: Report, wanted: set[str], reference: set[str], rank: Mapping[str, _Rank]) -> list[Drop]:
    best: dict[str, Pair] = {}
    for pair in report.pairs:
        if (pair.a in reference) == (pair.b in reference) or pair.relation not in wanted:
            continue
        doc = pair.b if pair.a in reference else pair.a
        if not _drops(pair, doc):
            continue
        other = pair.a if pair.a in reference else pair.b
        known = best.get(doc)
        if known is None or rank[other].key < rank[known.a if known.a in reference else known.b].key:
            best[doc] = pair
    drops = {
        doc: Drop(doc, pair.a if pair.a in reference else pair.b, pair, "it is in the reference")
        for doc, pair in best.items()
    }
    # Byte-for-byte copies beside the inputs: a scan against a reference compares copies on one
    # side through the first of them.
    same: dict[str, list[str]] = {}
    for d in report.documents:
        if d.path not in reference:
            same.setdefault(d.content_hash, []).append(d.path)
    for group in same.values():
        dropped = [doc for doc in group if doc in drops]
        for other in group:
            if dropped and other not in drops:
                first = drops[dropped[0]]
                why = f"it is in the reference; {other} has the bytes of {dropped[0]}"
                drops[other] = Drop(other, first.kept, first.pair, why)
    return [drops[doc] for doc in sorted(drops)]


def _drops(pair: Pair, doc: str) -> bool:
    """Whether ``pair`` can drop ``doc``: any relation can, but a ``contained`` pair drops only the
    document that lies inside the other."""
    if pair.relation != "contained":
        return True
    inner = pair.a if pair.direction == "a_in_b" else pair.b
    return doc == inner


def _pair(
    direct: Mapping[tuple[str, str], Pair], x: str, y: str, pair_of: Callable[[str, str], Pair | None]
) -> Pair | None:
    a, b = (x, y) if x < y else (y, x)
    found = direct.get((a, b))
    return found if found is not None else pair_of(a, b)


def _ranks(
    report: Report, wanted: set[str], keep: str, order: Mapping[str, int], words: Mapping[str, int]
) -> dict[str, _Rank]:
    """Each document's place in the order of keeping (lowest first), and the reason it gives."""
    evidence: dict[str, str] = {}
    if keep == "original":
        copies: set[str] = set()
        for pair in report.pairs:
            verdict = pair.explanation.verdict if pair.explanation is not None else None
            if pair.relation not in wanted or verdict is None or verdict.original == "unknown":
                continue
            source, copy = (pair.a, pair.b) if verdict.original == "a" else (pair.b, pair.a)
            copies.add(copy)
            evidence.setdefault(source, verdict.reasons[0] if verdict.reasons else "dedup's verdict")
        for cluster in report.clusters:
            if cluster.original is not None:
                evidence.setdefault(cluster.original, cluster.reason)
        evidence = {doc: why for doc, why in evidence.items() if doc not in copies}
    out = {}
    by_name = {doc: i for i, doc in enumerate(sorted(words))}
    for doc in words:
        # Only "first" depends on the input's order: the others break ties by name.
        place = order.get(doc, 0) if keep == "first" else by_name[doc]
        if keep == "first":
            out[doc] = _Rank((0, 0, place), "first in input order")
        elif keep == "longest" or doc not in evidence:
            why = f"longest ({counted(words[doc], 'word')}), then first by name"
            if keep == "original":
                why = f"no evidence of which is the original; {why}"
            out[doc] = _Rank((1, -words[doc], place), why)
        else:
            out[doc] = _Rank((0, -words[doc], place), f"looks like the original: {evidence[doc]}")
    return out


def input_order(paths: Sequence[str], positions: Mapping[str, tuple[str, int]]) -> dict[str, int]:
    """Each document's place in input order: by file in path order, then by record position
    (``positions``: a record's file and position; other documents are their own file)."""
    keyed = sorted(paths, key=lambda p: positions.get(p, (p, 0)))
    return {path: i for i, path in enumerate(keyed)}
