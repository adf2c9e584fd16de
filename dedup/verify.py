"""Exact verification of a candidate pair on its shingle sets, and the relation it earns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.config import Settings
from dedup.models import Check, Missed, Pair, Relation
from dedup.regions import reused
from dedup.shingle import U64, HashSet, contains, member, shingle_words, sorted_unique


@dataclass(frozen=True)
class Sketched:
    """What verification needs of one document."""

    path: str
    sequence: U64
    """Shingle hashes in text order, boilerplate included (it keeps word positions)."""
    distinct: U64
    """Sorted distinct shingle hashes, boilerplate removed."""
    words: int
    text_hash: str
    quoted: npt.NDArray[np.bool_] | None = None
    """Per shingle, whether it lies wholly inside quotation marks."""


def sketched(
    path: str,
    sequence: U64,
    words: int,
    text_hash: str,
    boilerplate: U64 | HashSet,
    quoted: npt.NDArray[np.bool_] | None = None,
) -> Sketched:
    """Build the verification record of a document, leaving out boilerplate shingles."""
    distinct = sorted_unique(sequence)
    if len(boilerplate):
        distinct = distinct[~contains(distinct, boilerplate)]
    return Sketched(path, sequence, distinct, words, text_hash, quoted)


def _passage(mask: npt.NDArray[np.bool_], doc: Sketched, k: int, quoted: bool = False) -> int:
    """Words in the longest run of shared shingles that is not wholly inside quotation marks (with
    ``quoted``: in the longest run that is)."""
    if doc.quoted is None or not mask.any():
        return 0 if quoted else shingle_words(longest_run(mask), doc.words, k)
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = edges[::2], edges[1::2]
    quoted_before = np.concatenate(([0], np.cumsum(doc.quoted)))
    all_quoted = (quoted_before[ends] - quoted_before[starts]) == (ends - starts)
    lengths = (ends - starts)[all_quoted if quoted else ~all_quoted]
    return shingle_words(int(lengths.max()) if len(lengths) else 0, doc.words, k)


def shared_quotation(a: Sketched, b: Sketched, settings: Settings) -> int:
    """Words of the longest shared run inside quotation marks that the longest shared passage of
    :func:`measure` leaves out (longer than the passage it counts, so quoted in both documents:
    a run quoted in one only is counted in the other); 0 when there is none."""
    k = settings.shingle_size
    shared = shared_shingles(a, b)
    mask_a, mask_b = member(a.sequence, shared), member(b.sequence, shared)
    counted_run = max(_passage(mask_a, a, k), _passage(mask_b, b, k))
    quoted = max(_passage(mask_a, a, k, quoted=True), _passage(mask_b, b, k, quoted=True))
    return quoted if quoted > counted_run else 0


def _below(value: float, threshold: float, shown: Callable[[float, int], str], places: int) -> str:
    """``value < threshold``, each shown with as many decimals as it takes to tell them apart."""
    while places < 4 and shown(value, places) == shown(threshold, places):
        places += 1
    return f"{shown(value, places)} < {shown(threshold, places)}"


def _fraction(x: float, places: int) -> str:
    return f"{x:.{places}f}"


def _percent(x: float, places: int) -> str:
    return f"{x * 100:.{places}f}%"


def missed(pair: Pair, settings: Settings) -> tuple[Missed, ...]:
    """Each relation a pair measured without common wording (as :func:`dedup.compare` measures
    it: all its shared wording is its own) does not earn, with the thresholds it missed, in the
    order :func:`relation_of` tries them; nothing when it earns one."""
    if pair.relation is not None:
        return ()
    containment = max(pair.a_in_b, pair.b_in_a)
    passage = pair.longest_passage
    out = [
        Missed(
            "near-duplicate",
            f"Jaccard {_below(pair.jaccard, settings.near_duplicate, _fraction, 2)}",
            (Check("jaccard", pair.jaccard, settings.near_duplicate),),
        ),
        Missed(
            "contained",
            _below(containment, settings.contained, _percent, 0),
            (Check("containment", containment, settings.contained),),
        ),
    ]
    checks = [
        Check("longest_passage", passage, settings.overlap_words),
        Check("own_passage", passage, settings.specific_words),
    ]
    reason = (
        f"longest shared passage {passage} word{'' if passage == 1 else 's'} < {settings.overlap_words} "
        f"(and {passage} < {settings.specific_words} of own wording"
    )
    if passage >= 2 * settings.shingle_size:
        # The rule for a short passage that is a good part of a document failed on the share.
        checks.append(Check("own_share", containment, settings.overlap_share))
        reason += (
            f", or {_below(containment, settings.overlap_share, _percent, 0)} of a document shared for "
            f"a passage of {2 * settings.shingle_size} words or more"
        )
    out.append(Missed("overlap", reason + ")", tuple(checks)))
    return tuple(out)


def longest_run(mask: npt.NDArray[np.bool_]) -> int:
    """Length of the longest run of True values."""
    if not mask.any():
        return 0
    padded = np.concatenate(([False], mask, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return int((edges[1::2] - edges[::2]).max())


def covered_words(mask: npt.NDArray[np.bool_], words: int, k: int) -> int:
    """Words covered by at least one shingle whose mask is True (shingle i spans words i..i+k-1),
    leaving out incidental matches far from any reused passage (``regions.reused``)."""
    if not mask.any():
        return 0
    width = min(k, words)
    idx = np.flatnonzero(mask)
    # +1 where a shingle's words begin, -1 just after they end; a word is covered while the sum > 0.
    delta = np.bincount(idx, minlength=words + 1) - np.bincount(
        np.minimum(idx + width, words), minlength=words + 1
    )
    return int(np.count_nonzero(reused(np.cumsum(delta[:words]) > 0, k)))


def relation_of(
    identical: bool,
    jaccard: float,
    containment: float,
    passage: int,
    settings: Settings,
    specific: tuple[int, float] | None = None,
) -> Relation | None:
    """The strongest relation the numbers support, or None when the pair is not reported.

    ``specific`` is the longest shared passage and the containment counted without common
    wording; None when the two are ``passage`` and ``containment``. Higher numbers never take a
    relation away: :func:`may_relate` relies on it.
    """
    if identical:
        return "identical"
    if jaccard >= settings.near_duplicate:
        return "near-duplicate"
    if containment >= settings.contained:
        return "contained"
    if passage >= settings.overlap_words:
        return "overlap"
    # A shorter passage is evidence of reuse only when the wording is the two documents' own:
    # two stories written from one formula share a 10-20 word run of it, and so do hundreds of
    # others (measured on Reuters-21578: see the README's "How it decides").
    own_passage, own_share = specific if specific is not None else (passage, containment)
    if own_passage >= settings.specific_words:
        return "overlap"
    # A shorter one still counts when it is a good part of the smaller document, as in a short
    # answer or note that copies a sentence or two.
    if own_passage >= 2 * settings.shingle_size and own_share >= settings.overlap_share:
        return "overlap"
    return None


def may_relate(places_a: int, places_b: int, distinct_a: int, distinct_b: int, settings: Settings) -> bool:
    """Whether two different texts could earn a relation, from bounds on what they share: at most
    ``places_a`` shingle places of the first and ``places_b`` of the second hold a shared shingle,
    and the two have at least ``distinct_a`` and ``distinct_b`` distinct shingles
    (``candidates.shared_bounds``). False proves that :func:`verify` finds no relation."""
    shared = min(places_a, places_b)
    if shared <= 0:
        return False
    # The longest shared run in either text is at most its shared places, and its words at most
    # the shingles' worth; the shared shingles are at most the fewer places.
    passage = max(places_a, places_b) + settings.shingle_size - 1
    containment = min(1.0, shared / max(1, min(distinct_a, distinct_b)))
    jaccard = min(1.0, shared / max(1, distinct_a, distinct_b))
    return relation_of(False, jaccard, containment, passage, settings) is not None


def verify(a: Sketched, b: Sketched, settings: Settings, common: U64 | HashSet | None = None) -> Pair | None:
    """The exact numbers of a pair and its relation; None when it earns no relation.

    ``a`` and ``b`` must be given in path order. Every figure excludes boilerplate shingles.
    ``common`` is the wording that is no evidence of a short passage (``boilerplate.pair_common``);
    None when nothing says (all shared wording then counts as the pair's own).
    """
    shared = shared_shingles(a, b)
    # Most candidates that fail share nothing at all: no need for the rest of the numbers then.
    nothing = not len(shared) and a.text_hash != b.text_hash and len(a.distinct) and len(b.distinct)
    if nothing and relation_of(False, 0.0, 0.0, 0, settings) is None:
        return None
    pair = measure(a, b, settings, shared, common)
    return pair if pair.relation is not None else None


def rests_on_own_wording(pair: Pair, settings: Settings) -> bool:
    """Whether a pair found with all its shared wording counted as its own would lose its relation
    if some of that wording were common: an overlap with no passage of ``overlap_words``."""
    return pair.relation == "overlap" and pair.longest_passage < settings.overlap_words


def shared_shingles(a: Sketched, b: Sketched) -> U64:
    """The sorted distinct shingles two documents share, boilerplate left out."""
    out: U64 = np.intersect1d(a.distinct, b.distinct, assume_unique=True)
    return out


def measure(
    a: Sketched,
    b: Sketched,
    settings: Settings,
    shared: U64 | None = None,
    common: U64 | HashSet | None = None,
) -> Pair:
    """The exact numbers of a pair, with its relation or None when it earns none. ``shared`` is
    the intersection of the two distinct sets, when the caller has it already; ``common`` as for
    :func:`verify`."""
    k = settings.shingle_size
    if shared is None:
        shared = shared_shingles(a, b)
    n_shared = len(shared)
    identical = a.text_hash == b.text_hash
    union = len(a.distinct) + len(b.distinct) - n_shared
    jaccard = n_shared / union if union else 1.0
    a_in_b = n_shared / len(a.distinct) if len(a.distinct) else (1.0 if identical else 0.0)
    b_in_a = n_shared / len(b.distinct) if len(b.distinct) else (1.0 if identical else 0.0)
    mask_a = member(a.sequence, shared)
    mask_b = member(b.sequence, shared)
    # Two reports that quote the same speaker share the quotation, not each other's text: a shared
    # run that lies wholly inside quotation marks in both documents is not a copied passage.
    passage = max(_passage(mask_a, a, k), _passage(mask_b, b, k))
    specific = None
    if common is not None:
        mine = shared[~contains(shared, common)] if len(common) else shared
        share = max(len(mine) / max(1, len(a.distinct)), len(mine) / max(1, len(b.distinct)))
        run = max(_passage(member(a.sequence, mine), a, k), _passage(member(b.sequence, mine), b, k))
        specific = (run, share)
    relation = relation_of(identical, jaccard, max(a_in_b, b_in_a), passage, settings, specific)
    short = passage < settings.overlap_words
    return Pair(
        a=a.path,
        b=b.path,
        relation=relation,
        jaccard=round(jaccard, 4),
        a_in_b=round(a_in_b, 4),
        b_in_a=round(b_in_a, 4),
        shared_shingles=n_shared,
        shared_words_a=covered_words(mask_a, a.words, k),
        shared_words_b=covered_words(mask_b, b.words, k),
        longest_passage=passage,
        specific_passage=specific[0] if specific is not None and relation == "overlap" and short else None,
    )
