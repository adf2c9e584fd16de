"""Groups of near-copies: many documents that are versions of one text, compared through one of them.

A story lightly edited on 3,000 sites makes 4.5 million candidate pairs, each to verify and explain.
Documents that are candidates with many others are compared first with one representative of
their candidates (the first in path order); those that hold most of its text and
have most of theirs in it form a group with it, and the pairs between two members of a group
are not verified: each member's relation and numbers against the representative stand for them.
Every other candidate pair, a member's with a document outside the group among them, is verified
as usual. Cost then grows with the documents, not with the square of a group's size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

GROUP = 50
"""A document that is a candidate with more than this many others is compared with a
representative first (a cost trade-off only: below it, every candidate pair is verified)."""

ROUNDS = 8
"""Rounds of comparing with representatives: each round's representatives are taken from the
documents no group took in the rounds before."""

CLOSE = 0.8
"""A document is a member of its representative's group when each of the two holds at least this
share of the other's shingles. Two members then share at least 60% of the representative's
shingles (so they relate too); a document contained in the representative is not enough, since
two excerpts of one text may have nothing in common."""


def dense_components(
    pairs: npt.NDArray[np.int32], n: int, taken: npt.NDArray[np.bool_], least: int = GROUP
) -> list[list[int]]:
    """Connected components (each sorted, the list sorted by first member) of the documents not
    ``taken`` joined by the ``pairs`` that have a dense document at one end at least: one that is
    in more than ``least`` of them. Components of one document are left out.

    A near-copy with fewer candidates than that (the large buckets pair most documents with a few
    others only) still joins its copies' component through them."""
    if not len(pairs):
        return []
    degree = np.bincount(pairs.ravel(), minlength=n)
    dense = (degree > least) & ~taken
    if not dense.any():
        return []
    a, b = pairs[:, 0], pairs[:, 1]
    inside = pairs[(dense[a] | dense[b]) & ~taken[a] & ~taken[b]]
    parent = np.arange(n)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for x, y in inside.tolist():
        rx, ry = find(x), find(y)
        if rx != ry:
            # The smaller root wins, so a component's root is its first member.
            parent[max(rx, ry)] = min(rx, ry)
    members: dict[int, list[int]] = {}
    for x in np.unique(inside).tolist():
        members.setdefault(find(x), []).append(x)
    return [group for _, group in sorted(members.items()) if len(group) > 1]


def to_representatives(components: Iterable[Sequence[int]]) -> list[tuple[int, int]]:
    """The pairs to verify first: each member of a component with its first member, sorted."""
    return sorted((group[0], x) for group in components for x in group[1:])


def grow(
    components: Sequence[Sequence[int]],
    shares: dict[tuple[int, int], float],
    group_of: npt.NDArray[np.int64],
    groups: list[list[int]],
) -> int:
    """Record the groups these components make, given the smaller of the two containments found
    between each member and its representative (``shares``; absent when no pair): ``group_of``
    gets each new member's group number, ``groups`` the new groups. Returns how many documents
    joined a group."""
    joined = 0
    for component in components:
        rep = component[0]
        close = [x for x in component[1:] if shares.get((rep, x), 0.0) >= CLOSE]
        if not close:
            continue
        number = len(groups)
        groups.append([rep, *close])
        group_of[[rep, *close]] = number
        joined += 1 + len(close)
    return joined


def outside_groups(pairs: npt.NDArray[np.int32], group_of: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Which of ``pairs`` still need verifying: not both members of one group."""
    if not len(pairs):
        return np.zeros(0, dtype=bool)
    ga, gb = group_of[pairs[:, 0]], group_of[pairs[:, 1]]
    inside: npt.NDArray[np.bool_] = (ga >= 0) & (ga == gb)
    return ~inside
