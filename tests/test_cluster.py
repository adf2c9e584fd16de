from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.cluster import clusters, guess_original
from dedup.models import Cluster, Pair


def _pair(a: str, b: str) -> Pair:
    return Pair(a, b, "near-duplicate", 0.9, 0.9, 0.9, 10, 20, 20, 20)


def test_no_pairs_no_clusters() -> None:
    assert clusters([], {}) == ()


def test_single_pair_is_one_cluster() -> None:
    out = clusters([_pair("a.txt", "b.txt")], {})
    assert len(out) == 1
    assert out[0].members == ("a.txt", "b.txt")


def test_chain_is_one_cluster() -> None:
    out = clusters([_pair("a", "b"), _pair("b", "c")], {})
    assert [c.members for c in out] == [("a", "b", "c")]
    longer = clusters([_pair("c", "d"), _pair("a", "b"), _pair("b", "c"), _pair("x", "y")], {})
    assert [c.members for c in longer] == [("a", "b", "c", "d"), ("x", "y")]


def test_chain_joined_through_its_end() -> None:
    # Pairs that meet only at the far end still merge into one group.
    out = clusters([_pair("m", "z"), _pair("a", "n"), _pair("n", "z")], {})
    assert [c.members for c in out] == [("a", "m", "n", "z")]


def test_separate_groups_sorted_by_first_member() -> None:
    pairs = [_pair("q/2", "r/1"), _pair("b/9", "z/0"), _pair("a/5", "c/3"), _pair("c/3", "d")]
    out = clusters(pairs, {})
    assert [c.members for c in out] == [("a/5", "c/3", "d"), ("b/9", "z/0"), ("q/2", "r/1")]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12)).filter(lambda p: p[0] != p[1]),
        max_size=20,
    ),
    st.randoms(use_true_random=False),
)
def test_clusters_are_connected_components_in_any_order(
    edges: list[tuple[int, int]], rnd: random.Random
) -> None:
    names = [f"doc{i:02d}.txt" for i in range(13)]
    pairs = [_pair(*sorted((names[a], names[b]))) for a, b in edges]
    out = clusters(pairs, {})
    # Naive components by repeated merging.
    groups: list[set[str]] = []
    for p in pairs:
        touching = [g for g in groups if p.a in g or p.b in g]
        merged = {p.a, p.b}.union(*touching)
        groups = [g for g in groups if g not in touching] + [merged]
    assert [set(c.members) for c in out] == sorted(groups, key=min)
    members = [m for c in out for m in c.members]
    assert len(members) == len(set(members))
    for c in out:
        assert list(c.members) == sorted(c.members)
    assert [c.members[0] for c in out] == sorted(c.members[0] for c in out)
    # Deterministic: the same pairs in another order give the same clusters.
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    assert clusters(shuffled, {}) == out


def test_all_permutations_same_result() -> None:
    pairs = [_pair("a", "b"), _pair("c", "d"), _pair("b", "c"), _pair("e", "f")]
    results = {clusters(list(p), {}) for p in itertools.permutations(pairs)}
    assert len(results) == 1


def test_original_is_the_one_uncredited_member() -> None:
    attributions = {"orig.txt": None, "copy1.txt": "The Algemeiner", "copy2.txt": "JNS"}
    out = clusters([_pair("copy1.txt", "orig.txt"), _pair("copy2.txt", "orig.txt")], attributions)
    assert out == (
        Cluster(
            ("copy1.txt", "copy2.txt", "orig.txt"),
            "orig.txt",
            "the other members say they are reprinted ('JNS', 'The Algemeiner')",
        ),
    )


def test_guess_original_one_uncredited() -> None:
    original, reason = guess_original(["a", "b"], {"a": "The Conversation"})
    assert original == "b"
    assert "'The Conversation'" in reason


def test_guess_original_names_at_most_three_sources() -> None:
    members = ["a", "b", "c", "d", "e"]
    attributions = {"a": "S1", "b": "S2", "c": "S3", "d": "S4"}
    original, reason = guess_original(members, attributions)
    assert original == "e"
    assert "'S1', 'S2', 'S3'" in reason
    assert "S4" not in reason


def test_guess_original_same_source_named_once() -> None:
    original, reason = guess_original(["a", "b", "c"], {"a": "Wire", "b": "Wire"})
    assert original == "c"
    assert reason.count("'Wire'") == 1


def test_no_attribution_gives_no_original() -> None:
    original, reason = guess_original(["a", "b", "c"], {})
    assert original is None
    assert reason == "no attribution line tells source from copy"


def test_two_uncredited_members_give_no_original() -> None:
    original, reason = guess_original(["a", "b", "c"], {"a": "Wire", "b": None})
    assert original is None
    assert reason


def test_all_credited_gives_no_original() -> None:
    original, reason = guess_original(["a", "b"], {"a": "Wire", "b": "Other"})
    assert original is None
    assert reason


def test_empty_attribution_counts_as_uncredited() -> None:
    original, _ = guess_original(["a", "b"], {"a": "", "b": "Wire"})
    assert original == "a"


def test_cluster_without_attribution_has_reason() -> None:
    out = clusters([_pair("a", "b")], {"a": None, "b": None})
    assert out[0].original is None
    assert out[0].reason == "no attribution line tells source from copy"
