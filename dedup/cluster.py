"""Reported pairs to clusters, and a guess, with its reason, at which member is the original."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from dedup.models import UNKNOWN_ORIGINAL, Cluster, Pair, Relation


def clusters(pairs: Sequence[Pair], attributions: Mapping[str, str | None]) -> tuple[Cluster, ...]:
    """Connected groups of documents linked by pairs, sorted by their first member's path."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for node in sorted(parent):
        groups.setdefault(find(node), []).append(node)
    out = []
    for members in sorted(groups.values()):
        original, reason = guess_original(members, attributions)
        out.append(Cluster(tuple(members), original, reason))
    return tuple(out)


def guess_original(members: Sequence[str], attributions: Mapping[str, str | None]) -> tuple[str | None, str]:
    """Which member looks like the original, and why; ``(None, reason)`` when evidence is thin."""
    credited = {m: attributions.get(m) for m in members if attributions.get(m)}
    uncredited = [m for m in members if m not in credited]
    if credited and len(uncredited) == 1:
        sources = sorted({str(s) for s in credited.values()})
        named = ", ".join(f"'{s}'" for s in sources[:3])
        return uncredited[0], f"the other members say they are reprinted ({named})"
    # Containment alone cannot tell a source from a copy: a reprint that adds text contains its
    # source, but a truncated copy is contained in its source. So without attribution, say so.
    return None, UNKNOWN_ORIGINAL


def every_pair(pairs: Sequence[Pair]) -> Iterator[tuple[str, str, Relation]]:
    """Every pair a scan's ``pairs`` stand for, one at a time, as ``(a, b, relation)`` with ``a``
    before ``b``: a scan pairs each copy of a text (an ``identical`` pair) with the first copy
    only, and lets the first copy stand for all in its other pairs; here every two copies are a
    pair, and every copy is in each pair of its first copy. Nothing is held but the copies."""
    copies: dict[str, list[str]] = {}
    for pair in pairs:
        if pair.relation == "identical":
            copies.setdefault(pair.a, [pair.a]).append(pair.b)
    for group in copies.values():
        for i, a in enumerate(group):
            for b in group[i + 1 :]:
                yield (a, b, "identical") if a < b else (b, a, "identical")
    for pair in pairs:
        if pair.relation == "identical" or pair.relation is None:
            continue
        for a in copies.get(pair.a, [pair.a]):
            for b in copies.get(pair.b, [pair.b]):
                yield (a, b, pair.relation) if a < b else (b, a, pair.relation)
