"""Records shared between the pipeline stages. All are frozen: stages never mutate their input."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any, Literal, TypeVar

_T = TypeVar("_T")


def _pickled_by_fields(cls: type[_T]) -> type[_T]:
    """Pickle instances as a call of ``cls`` with their fields in order. A scan sends every pair's
    explanation from a worker process, and the default protocol of slotted dataclasses sets each
    field from Python on loading: this is about twice as fast both ways (measured on explained
    pairs of the speed benchmark: 18 against 40 microseconds to dump one, 17 against 33 to load)."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    get = attrgetter(*names)

    def __reduce__(self: _T) -> tuple[type[_T], tuple[Any, ...]]:
        return cls, get(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]
    return cls


Relation = Literal["identical", "near-duplicate", "contained", "overlap"]

PROGRESS_UNITS: dict[str, str | None] = {
    "finding files": None,
    "reading the index": None,
    "reading": "documents",
    "finding boilerplate": None,
    "sketching": None,
    "finding candidates": None,
    "grouping near-copies": "pairs",
    "comparing": "pairs",
}
"""The stages a scan reports through its ``progress(stage, done, total)`` callback, in order, and
what each counts (None: a step that is not counted, reported once with ``done`` and ``total`` 0)."""


class Note(str):
    """A message the library hands to a ``warn`` callback that is news, not a warning (what a
    command is doing, or how it adapted a setting): still a ``str``, so any callback takes it; the
    command line prints it as ``note: ...``, and a real warning as ``warning: ...``."""

    __slots__ = ()


UNKNOWN_ORIGINAL = "no attribution line tells source from copy"
"""Why a pair's or a cluster's original is unknown, in the one wording both give."""
RELATIONS: tuple[Relation, ...] = ("identical", "near-duplicate", "contained", "overlap")


@dataclass(frozen=True, slots=True)
class Token:
    """One word: its normalised form and where it stands in the original text (``text[start:end]``)."""

    norm: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Document:
    """A readable document: where it is and what it holds, without its text."""

    path: str
    """The path as the user would type it, relative to the current directory where possible."""
    content_hash: str
    """sha256 of the file's bytes, hex."""
    words: int
    encoding: str
    attribution: str | None = None
    """A line such as 'Reprinted from The Algemeiner', if the document carries one."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file that was not scanned, and why."""

    path: str
    reason: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class SpanEdit:
    """A small difference inside a shared span, as character ranges in both documents."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Span:
    """A character range ``[start, end)`` of one document; the spans of a document tile it."""

    start: int
    end: int
    kind: Literal["shared", "divergent"]
    label: str | None
    """What the text is (see dedup.label.LABELS); None for ordinary shared text."""
    evidence: str | None
    preview: str
    words: int
    other_start: int | None = None
    """For shared spans: where the same text stands in the other document."""
    other_end: int | None = None
    moved: bool = False
    """For shared spans: it stands in another order relative to the rest of the shared text."""
    edits: tuple[SpanEdit, ...] = ()


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Verdict:
    """Which document of a pair looks like the source, and why. Never more than a guess."""

    original: Literal["a", "b", "unknown"]
    reasons: tuple[str, ...]


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Explanation:
    """Shared and divergent spans of both documents of a pair, the verdict, a one-line summary."""

    spans_a: tuple[Span, ...]
    spans_b: tuple[Span, ...]
    verdict: Verdict
    summary: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Pair:
    """A verified pair of documents; every number is exact, computed on shingle sets."""

    a: str
    b: str
    relation: Relation | None
    """None only in a comparison of two documents that earn no relation; never in a scan."""
    jaccard: float
    a_in_b: float
    b_in_a: float
    shared_shingles: int
    shared_words_a: int
    shared_words_b: int
    longest_passage: int
    """Words in the longest run of consecutive shared shingles (the longer of the runs in ``a`` and
    in ``b``), leaving out runs that lie wholly inside quotation marks in both documents: those are
    a shared quotation, not a copied passage."""
    specific_passage: int | None = None
    """For an overlap that rests on a passage shorter than ``overlap_words``: words in the longest
    run of shared shingles that are the pair's own wording, not common wording (see
    ``boilerplate.pair_common``), measured as ``longest_passage`` is. None for every other pair,
    and when no corpus tells what is common (``dedup compare``)."""
    explanation: Explanation | None = None

    @property
    def direction(self) -> Literal["a_in_b", "b_in_a"] | None:
        """For a ``contained`` pair, which document lies inside which."""
        if self.relation != "contained":
            return None
        return "a_in_b" if self.a_in_b >= self.b_in_a else "b_in_a"


@dataclass(frozen=True, slots=True)
class Cluster:
    """Documents linked by reported pairs, with a guess at which one is the original."""

    members: tuple[str, ...]
    original: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class Group:
    """Near-copies compared through one of them: each member's pair with the representative is
    reported; the pairs between two other members are not verified (see dedup.groups)."""

    representative: str
    members: tuple[str, ...]
    """All members, the representative among them, in path order."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a scan found; ``return_code`` is the process exit code it implies."""

    documents: tuple[Document, ...]
    pairs: tuple[Pair, ...]
    clusters: tuple[Cluster, ...]
    skipped: tuple[Skipped, ...]
    settings: dict[str, object]
    seconds: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    """Decoded texts of the documents in pairs, for renderers that show them (not in the JSON)."""
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    """Seconds spent in each stage (not in the JSON, which stays the same from run to run)."""
    groups: tuple[Group, ...] = ()
    """Groups of near-copies, sorted by representative."""

    @property
    def return_code(self) -> int:
        """1 when any pair was reported, else 0."""
        return 1 if self.pairs else 0

    def pair_counts(self) -> dict[str, int]:
        """Number of pairs of each relation, in the canonical relation order."""
        counts: dict[str, int] = {relation: 0 for relation in RELATIONS}
        for pair in self.pairs:
            if pair.relation is not None:
                counts[pair.relation] += 1
        return counts


@dataclass(frozen=True, slots=True)
class Check:
    """One figure of a pair held against the setting a relation needs of it."""

    measure: Literal["jaccard", "containment", "longest_passage", "own_passage", "own_share"]
    value: float
    threshold: float


@dataclass(frozen=True, slots=True)
class Missed:
    """A relation two documents do not earn: the checks that failed, and a line that says so
    (``Jaccard 0.12 < 0.8``)."""

    relation: Relation
    reason: str
    checks: tuple[Check, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two documents compared in full: their numbers, relation (or None) and explanation."""

    a: Document
    b: Document
    pair: Pair
    settings: dict[str, object]
    texts: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    missed: tuple[Missed, ...] = ()
    """When the two are no pair: each relation and the thresholds it missed."""
    shared_quotation: int = 0
    """Words of the longest shared run inside quotation marks in both documents, when it is
    longer than the longest shared passage that counts (which leaves such runs out); else 0."""

    @property
    def return_code(self) -> int:
        """1 when the two documents earn a relation, else 0."""
        return 1 if self.pair.relation is not None else 0
