"""Reported pairs to clusters, and a guess, with its reason, at which member is the original."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence

from dedup.models import UNKNOWN_ORIGINAL, Cluster, Pair, Relation


def components(links: Iterable[tuple[str, str]]) -> list[list[str]]:
    """The connected groups of the documents in ``links`` (each sorted, sorted by first member)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for node in sorted(parent):
        groups.setdefault(find(node), []).append(node)
    return sorted(groups.values())


def clusters(pairs: Sequence[Pair], attributions: Mapping[str, str | None]) -> tuple[Cluster, ...]:
    """Connected groups of documents linked by pairs, sorted by their first member's path."""
    out = []
    for members in components((pair.a, pair.b) for pair in pairs):
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


def through_sources(pairs: Sequence[Pair]) -> dict[tuple[str, str], str]:
    """The pairs between two copies of a common source, each with that source: ``(a, b) -> s``
    when ``s`` is paired with both, ranks above both, and each of the two shares no more words
    with the other than with ``s`` (what they share, they took from it). Documents rank by the
    pairs they are in, then by the words their partners share with them, then by path: a total
    order, so of three copies of one text the highest stands for the other two and their pair is
    listed. A document a pair's verdict calls a copy of one of the two is not their source. The
    highest ranked such source is chosen."""
    partners: dict[str, dict[str, Pair]] = {}
    for pair in pairs:
        partners.setdefault(pair.a, {})[pair.b] = pair
        partners.setdefault(pair.b, {})[pair.a] = pair
    rank = {
        doc: (len(others), sum(_shared_by(p, doc) for p in others.values()), doc)
        for doc, others in partners.items()
    }
    out: dict[tuple[str, str], str] = {}
    for pair in pairs:
        a, b = pair.a, pair.b
        mine, theirs = partners[a], partners[b]
        floor = max(rank[a], rank[b])
        best: str | None = None
        for source in mine.keys() & theirs.keys():
            if rank[source] <= floor or (best is not None and rank[source] <= rank[best]):
                continue
            with_a, with_b = mine[source], theirs[source]
            if _original(with_a) in (a, b) or _original(with_b) in (a, b):
                continue  # a verdict says it copies one of them: it is no source of theirs
            if _shared_by(pair, a) <= _shared_by(with_a, a) and _shared_by(pair, b) <= _shared_by(with_b, b):
                best = source
        if best is not None:
            out[(a, b)] = best
    return out


def _original(pair: Pair) -> str | None:
    """The document of ``pair`` its verdict calls the original, if it says."""
    verdict = pair.explanation.verdict.original if pair.explanation is not None else "unknown"
    return pair.a if verdict == "a" else pair.b if verdict == "b" else None


def _shared_by(pair: Pair, doc: str) -> int:
    """Words of ``doc`` in ``pair`` that are shared with the other document."""
    return pair.shared_words_a if pair.a == doc else pair.shared_words_b
