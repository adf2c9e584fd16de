"""Detection and alignment quality of dedup on labelled data, side by side with the peers.

Runs dedup's library on each data set of ../shared/data and on the seed pair, runs the peers
(the by-hand datasketch pipeline and text-dedup's MinHash at two settings) on the same documents,
scores everything the same way, prints one table and writes it to benchmarks/QUALITY.md.

    python benchmarks/quality.py                      # everything, peers included
    python benchmarks/quality.py --no-peers           # dedup only (no text-dedup set-up)
    python benchmarks/quality.py --set overlap_words=30 --no-write   # try a setting
    python benchmarks/quality.py --sweep overlap_words=20,30,40      # one row per value
    python benchmarks/quality.py --only reuters --no-peers           # one data set, in seconds

``--only`` takes a comma-separated list of clough, pan, seeds, reuters (for --sweep too); a run
limited that way prints its sections and targets but never writes QUALITY.md.

Scoring (the same for every tool):

* Clough-Stevenson (document level). Gold pairs: each `cut` and `light` answer with its own task's
  source (the two `cut` answers the data README calls unreachable are left out of the gold set
  and of the scoring). `heavy` answers with their source are neutral: neither a hit nor a false
  report. Every other reported pair is a false report (an answer paired with a source or answer
  it does not derive from). Precision, recall and F1 over the gold pairs; per category, the share
  of answers reported with their source and the relation dedup gave. Two answers to one question
  that share a verbatim passage absent from its source, at least twice as long as any passage
  shared by two answers to different questions, derive from a common text outside the data set:
  such a pair is listed as that, not held against the `non` target (see ``common_text``).
* Indonesian PAN (document and character level). Gold document pairs: (suspicious, source) with at
  least one reuse case. Character level, as the PAN overview papers define it (Potthast et al.
  2010, "An Evaluation Framework for Plagiarism Detection"): cases S and detections R are pairs of
  character ranges (one in the suspicious document, one in the source); r detects s when both
  ranges overlap and the documents match.
      prec = 1/|R| sum_r |union_s (s AND r)| / |r|
      rec  = 1/|S| sum_s |union_r (s AND r)| / |s|
      gran = 1/|S_R| sum_{s in S_R} |R_s|      (S_R: detected cases, R_s: detections of s)
      plagdet = F1(prec, rec) / log2(1 + gran)
  where s AND r is the characters they share in each document and |x| counts both documents'
  characters. dedup's detections are its shared spans (trimmed of surrounding whitespace) between
  the two documents of each reported pair. Per obfuscation type, S is that type's cases and R the
  detections that detect one of them; precision over all detections is given separately.
  Peers report document pairs only, so they are scored at document level.
* Seeds: every span and label the reprint issue's acceptance list expects.
* Reuters-21578 (document level, ../shared/data/reuters21578). Reuse is a judged `copy`,
  `contains` or `passage`. The judged pool pairs are a stratified sample of the pool: each stands
  for `weight` pool pairs, so with weighted counts
      precision = w(reported judged reuse) / (w(reported judged pool pairs) + reported outside pool)
      recall    = w(reported judged reuse) / w(judged reuse)
  where a reported pair outside the pool is a false report of weight 1. `hard-negative` pairs
  (outside the pool, no weight) count there too and are also counted apart; the target is none.
  For dedup, the same precision per relation, and whether the relation fits the label (`copy`:
  identical or near-duplicate; `contains`: contained; `passage`: overlap), weighted over the
  judged reuse pairs it finds.

Deterministic: fixed seeds, no randomness; the versions of every tool are printed.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import platform
import re
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The checkout this script lives in comes first: run as a script, sys.path would otherwise start
# at benchmarks/ and `import dedup` would find whatever checkout the venv has installed.
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from dedup import Settings, __version__, compare, every_pair, scan  # noqa: E402
from dedup.models import Report  # noqa: E402
from dedup.sources import decode  # noqa: E402
from dedup.tokens import words  # noqa: E402

SHARED = ROOT.parent / "shared"
CLOUGH = SHARED / "data" / "clough_stevenson"
PAN = SHARED / "data" / "indonesian_pan"
REUTERS = SHARED / "data" / "reuters21578"
UNREACHABLE = {"g2pE_taskc.txt", "g4pD_taskb.txt"}
WORK = ROOT / "benchmarks" / "work"

PairSet = set[tuple[str, str]]


def name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def read_docs(folder: Path) -> dict[str, str]:
    """Text of every .txt file under ``folder``, keyed by file name, decoded as dedup decodes."""
    out = {}
    for path in sorted(folder.rglob("*.txt")):
        decoded = decode(path.read_bytes())
        if isinstance(decoded, tuple):
            out[path.name] = decoded[0]
    return out


# ---------------------------------------------------------------- Clough-Stevenson


@dataclass
class CloughScore:
    tool: str
    precision: float
    recall: float
    f1: float
    per_category: dict[str, str]
    false_reports: int
    false_detail: list[str] = field(default_factory=list)
    answers: dict[str, int] = field(default_factory=dict)
    """Answers per category (the unreachable ones left out)."""
    with_source: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per category, the answers reported with their own source and the relation given."""
    non_paired: list[str] = field(default_factory=list)
    """Reported pairs that hold a `non` answer, as "a ~ b", but for those in ``common_text``."""
    derived: dict[tuple[str, str], int] = field(default_factory=dict)
    """Reported pairs of answers to one question that derive from a common text outside the data
    set (see :func:`common_text`), with the words of the verbatim passage they share."""
    background: int = 0
    """Words in the longest passage two answers to different questions share (0 without texts)."""

    @property
    def common_text(self) -> list[str]:
        """``derived`` as "a ~ b (N words verbatim)"."""
        return [f"{a} ~ {b} ({run} words verbatim)" for (a, b), run in sorted(self.derived.items())]


def clough_labels() -> dict[str, tuple[str, str]]:
    with (CLOUGH / "labels.csv").open(newline="") as handle:
        return {r["File"]: (r["Task"], r["Category"].strip()) for r in csv.DictReader(handle)}


def _grams(seq: Sequence[str], k: int) -> set[tuple[str, ...]]:
    return {tuple(seq[i : i + k]) for i in range(len(seq) - k + 1)}


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    """Words in the longest passage found word for word in both sequences."""
    # A common run of k words holds one of k - 1 words, so the test is monotone in k.
    lo, hi = 0, min(len(a), len(b))
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _grams(a, mid) & _grams(b, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def cross_question_run(texts: Mapping[str, Sequence[str]], labels: Mapping[str, tuple[str, str]]) -> int:
    """Words in the longest passage that two answers to different questions share: how long a
    passage independent writers share by chance on this data (answers only, sources left out)."""

    def shared(k: int) -> bool:
        tasks: dict[tuple[str, ...], str] = {}
        for answer, seq in texts.items():
            if answer not in labels or labels[answer][1] == "orig":
                continue
            for gram in _grams(seq, k):
                if tasks.setdefault(gram, labels[answer][0]) != labels[answer][0]:
                    return True
        return False

    lo, hi = 0, max((len(seq) for seq in texts.values()), default=0)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if shared(mid) else (lo, mid - 1)
    return lo


def common_text(a: Sequence[str], b: Sequence[str], source: Sequence[str], background: int) -> int | None:
    """The words of the verbatim passage two answers to one question share, when it shows that
    they derive from a common text outside the data set; else None.

    It must be absent from their question's source (else the source explains it) and at least
    twice ``background``, the longest passage shared by answers to different questions.
    """
    run = longest_common_run(a, b)
    if run < max(1, 2 * background):
        return None
    outside = (_grams(a, run) & _grams(b, run)) - _grams(source, run)
    return run if outside else None


@lru_cache(maxsize=1)
def clough_words() -> dict[str, list[str]]:
    """The normalised words of every Clough-Stevenson text, keyed by file name."""
    return {n: words(t) for n, t in read_docs(CLOUGH / "texts").items()}


def score_clough(
    tool: str, pairs: Mapping[tuple[str, str], str], texts: Mapping[str, Sequence[str]] | None = None
) -> CloughScore:
    """Score document pairs (file names, sorted) with their relation (or 'pair' for peers).

    With ``texts`` (the words of each file), pairs of answers that derive from a common text
    outside the data set (:func:`common_text`) are told apart from the other false reports.
    """
    labels = clough_labels()
    gold, neutral = set(), set()
    for answer, (task, category) in labels.items():
        if category == "orig" or answer in UNREACHABLE:
            continue
        key = tuple(sorted((answer, f"orig_task{task}.txt")))
        if category in ("cut", "light"):
            gold.add(key)
        elif category == "heavy":
            neutral.add(key)
    reported = {k: v for k, v in pairs.items() if not (set(k) & UNREACHABLE)}
    with_source = {k: v for k, v in reported.items() if any(x.startswith("orig_task") for x in k)}
    hits = [k for k in with_source if k in gold]
    wrong_source = [k for k in with_source if k not in gold and k not in neutral]
    precision = len(hits) / max(1, len(hits) + len(wrong_source))
    recall = len(hits) / len(gold)
    per_category = {}
    answers: dict[str, int] = {}
    found: dict[str, dict[str, str]] = {}
    for category in ("cut", "light", "heavy", "non"):
        members = [a for a, (_, c) in labels.items() if c == category and a not in UNREACHABLE]
        answers[category] = len(members)
        found[category] = {}
        for answer in members:
            key = tuple(sorted((answer, f"orig_task{labels[answer][0]}.txt")))
            if key in reported:
                found[category][answer] = reported[key]
        relations: dict[str, int] = defaultdict(int)
        for relation in found[category].values():
            relations[relation] += 1
        detail = ", ".join(f"{n} {rel}" for rel, n in sorted(relations.items()))
        per_category[category] = f"{len(found[category])}/{len(members)}" + (f" ({detail})" if detail else "")
    # Pairs of answers: neither derives from the other, so each is a false report by the data's
    # definition; but two answers that both copy their task's source do share that text.
    false = sorted(set(reported) - set(with_source)) + sorted(wrong_source)
    via_source = [k for k in false if _same_source(labels, *k)]
    derived: dict[tuple[str, str], int] = {}
    background = 0
    if texts is not None:
        background = cross_question_run(texts, labels)
        for a, b in false:
            la, lb = labels.get(a), labels.get(b)
            if la and lb and la[0] == lb[0] and (a, b) not in via_source:
                run = common_text(texts[a], texts[b], texts[f"orig_task{la[0]}.txt"], background)
                if run is not None:
                    derived[(a, b)] = run
    detail = [
        f"{a} ~ {b} ({reported[(a, b)]}; {_cats(labels, a, b)})"
        for a, b in false
        if (a, b) not in via_source and (a, b) not in derived
    ]
    per_category["false"] = f"{len(false)} ({len(via_source)} through a common source" + (
        f", {len(derived)} through a common text outside the data)" if derived else ")"
    )
    non_paired = [
        f"{a} ~ {b}"
        for a, b in sorted(reported)
        if "non" in (labels.get(a, ("", ""))[1], labels.get(b, ("", ""))[1]) and (a, b) not in derived
    ]
    return CloughScore(
        tool,
        precision,
        recall,
        f1(precision, recall),
        per_category,
        len(false),
        detail,
        answers,
        found,
        non_paired,
        derived,
        background,
    )


def _same_source(labels: Mapping[str, tuple[str, str]], a: str, b: str) -> bool:
    """Both are answers to the same task that reuse its source (cut, light or heavy)."""
    la, lb = labels.get(a), labels.get(b)
    return bool(
        la
        and lb
        and la[0] == lb[0]
        and la[1] in ("cut", "light", "heavy")
        and lb[1] in ("cut", "light", "heavy")
    )


def _cats(labels: Mapping[str, tuple[str, str]], a: str, b: str) -> str:
    return "/".join(labels.get(x, ("", "source"))[1] or "source" for x in (a, b))


FUNCTION_WORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just may me might more most must my myself no nor not now of off on once only or
    other our ours ourselves out over own same shall she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself
    yourselves
    """.split()  # noqa: SIM905 - a word list reads better as prose
)
"""English function words, dropped for the 'content words' rows of :func:`wording_separation`."""


def _containment(a: Sequence[str], b: Sequence[str], k: int) -> float:
    ga, gb = _grams(a, k), _grams(b, k)
    if not ga or not gb:
        return 0.0
    both = len(ga & gb)
    return max(both / len(ga), both / len(gb))


def wording_separation(
    texts: Mapping[str, Sequence[str]],
    labels: Mapping[str, tuple[str, str]],
    derived: Iterable[tuple[str, str]],
) -> list[tuple[str, int, float, float, float, str]]:
    """Whether any threshold on shared wording finds 90% of `light` answers with their source and
    pairs no `non` answer: per representation and k, the containment (as dedup measures it, the
    larger of the two shares) of k-word runs of the `light` answer that ranks at 90% against its
    source, of the closest `non` answer and its source, and of the closest two `non` answers to one
    question (leaving out ``derived``, the pairs that derive from a common text).

    Rows: (words, k, light at 90%, non ~ source, non ~ non, that pair).
    """
    skip = set(derived)
    answers = sorted(a for a, (_, c) in labels.items() if c != "orig" and a not in UNREACHABLE)
    lights = [a for a in answers if labels[a][1] == "light"]
    nons = [a for a in answers if labels[a][1] == "non"]
    rank = math.ceil(0.9 * len(lights))
    rows = []
    for kind in ("all words", "content words"):
        seqs = {
            n: list(seq) if kind == "all words" else [w for w in seq if w not in FUNCTION_WORDS]
            for n, seq in texts.items()
        }

        def source(a: str) -> list[str]:
            return seqs[f"orig_task{labels[a][0]}.txt"]  # noqa: B023 - used within the iteration

        for k in range(1, 6):
            light = sorted((_containment(seqs[a], source(a), k) for a in lights), reverse=True)[rank - 1]
            non_source = max(_containment(seqs[a], source(a), k) for a in nons)
            closest = max(
                (_containment(seqs[a], seqs[b], k), f"{a} ~ {b}")
                for i, a in enumerate(nons)
                for b in nons[i + 1 :]
                if labels[a][0] == labels[b][0] and (a, b) not in skip
            )
            rows.append((kind, k, light, non_source, closest[0], closest[1]))
    return rows


# ---------------------------------------------------------------- Indonesian PAN

# One case of the data (suspicious-document00028, source-document00012) is tagged "featue": a
# typo in the corpus, read as the case it describes.
_FEATURE = re.compile(
    r'<(?:feature|featue) name="plagiarism" type="(?P<type>\w+)"(?: obfuscation="(?P<obf>[\w-]+)")? '
    r'this_offset="(?P<to>\d+)" this_length="(?P<tl>\d+)" source_reference="(?P<src>[^"]+)" '
    r'source_offset="(?P<so>\d+)" source_length="(?P<sl>\d+)"'
)


@dataclass(frozen=True)
class Case:
    susp: str
    src: str
    s0: int
    s1: int
    r0: int
    r1: int
    kind: str


def pan_cases() -> list[Case]:
    cases = []
    for xml in sorted((PAN / "suspicious-documents").glob("*.xml")):
        susp = xml.name.replace(".xml", ".txt")
        for m in _FEATURE.finditer(xml.read_text(encoding="utf-8")):
            kind = "simulated" if m["type"] == "simulated" else f"artificial/{m['obf'] or 'none'}"
            s0, r0 = int(m["to"]), int(m["so"])
            cases.append(Case(susp, m["src"], s0, s0 + int(m["tl"]), r0, r0 + int(m["sl"]), kind))
    return cases


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _union_len(ranges: Iterable[tuple[int, int]]) -> int:
    total, end = 0, -1
    for lo, hi in sorted(ranges):
        if hi <= end:
            continue
        total += hi - max(lo, end)
        end = hi
    return total


def plagdet(cases: list[Case], detections: list[Case]) -> tuple[float, float, float, float]:
    """PAN precision, recall, granularity and plagdet of detections against cases."""

    def detects(r: Case, s: Case) -> bool:
        return (r.susp, r.src) == (s.susp, s.src) and bool(
            _overlap(r.s0, r.s1, s.s0, s.s1) and _overlap(r.r0, r.r1, s.r0, s.r1)
        )

    def shared(s: Case, rs: list[Case], mode: str) -> int:
        susp = [(max(s.s0, r.s0), min(s.s1, r.s1)) for r in rs]
        src = [(max(s.r0, r.r0), min(s.r1, r.r1)) for r in rs]
        return _union_len(x for x in susp if x[0] < x[1]) + _union_len(x for x in src if x[0] < x[1])

    if not cases:
        return 0.0, 0.0, 0.0, 0.0
    rec_terms = []
    detected_counts = []
    for s in cases:
        rs = [r for r in detections if detects(r, s)]
        rec_terms.append(shared(s, rs, "rec") / ((s.s1 - s.s0) + (s.r1 - s.r0)))
        if rs:
            detected_counts.append(len(rs))
    prec_terms = []
    for r in detections:
        ss = [s for s in cases if detects(r, s)]
        # The characters r shares with all the cases it detects, in both documents.
        mirrored = [Case(s.susp, s.src, s.s0, s.s1, s.r0, s.r1, s.kind) for s in ss]
        susp = [(max(r.s0, s.s0), min(r.s1, s.s1)) for s in mirrored]
        src = [(max(r.r0, s.r0), min(r.r1, s.r1)) for s in mirrored]
        covered = _union_len(x for x in susp if x[0] < x[1]) + _union_len(x for x in src if x[0] < x[1])
        prec_terms.append(covered / max(1, (r.s1 - r.s0) + (r.r1 - r.r0)))
    precision = sum(prec_terms) / len(prec_terms) if prec_terms else 0.0
    recall = sum(rec_terms) / len(rec_terms)
    gran = sum(detected_counts) / len(detected_counts) if detected_counts else 1.0
    score = f1(precision, recall) / math.log2(1 + gran)
    return precision, recall, gran, score


def dedup_detections(report: Report, texts: Mapping[str, str]) -> list[Case]:
    """dedup's shared spans between suspicious and source documents, as PAN detections."""
    out = []
    for pair in report.pairs:
        a, b = name(pair.a), name(pair.b)
        if pair.explanation is None:
            continue
        if a.startswith("source") and b.startswith("suspicious"):
            susp_spans = pair.explanation.spans_b
            susp, src = b, a
        elif a.startswith("suspicious") and b.startswith("source"):
            susp_spans = pair.explanation.spans_a
            susp, src = a, b
        else:
            continue
        for span in susp_spans:
            if span.kind != "shared" or span.other_start is None or span.other_end is None:
                continue
            s0, s1 = _trim(texts[susp], span.start, span.end)
            r0, r1 = _trim(texts[src], span.other_start, span.other_end)
            out.append(Case(susp, src, s0, s1, r0, r1, "detection"))
    return out


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass
class PanScore:
    tool: str
    doc: dict[str, tuple[float, float, float]]  # kind -> (precision, recall, f1) at document level
    chars: dict[str, tuple[float, float, float, float]]  # kind -> (prec, rec, gran, plagdet)


PAN_KINDS = (
    "all",
    "artificial/none",
    "artificial/random-shuffling",
    "artificial/semantic-variation",
    "artificial/pos-preserving",
    "simulated",
)


def score_pan_docs(
    pairs: Iterable[tuple[str, str]], cases: list[Case]
) -> dict[str, tuple[float, float, float]]:
    reported = {tuple(sorted(p)) for p in pairs}
    out = {}
    for kind in PAN_KINDS:
        gold = {tuple(sorted((c.susp, c.src))) for c in cases if kind == "all" or c.kind == kind}
        all_gold = {tuple(sorted((c.susp, c.src))) for c in cases}
        hits = len(gold & reported)
        # Precision per kind: reported pairs that are gold for this kind, or gold for no kind at all.
        false = len(reported - all_gold)
        precision = hits / max(1, hits + false)
        recall = hits / max(1, len(gold))
        out[kind] = (precision, recall, f1(precision, recall))
    return out


def score_pan_chars(
    detections: list[Case], cases: list[Case]
) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for kind in PAN_KINDS:
        subset = [c for c in cases if kind == "all" or c.kind == kind]
        if kind == "all":
            rs = detections
        else:
            rs = [
                r
                for r in detections
                if any(
                    (r.susp, r.src) == (s.susp, s.src)
                    and _overlap(r.s0, r.s1, s.s0, s.s1)
                    and _overlap(r.r0, r.r1, s.r0, s.r1)
                    for s in subset
                )
            ]
        out[kind] = plagdet(subset, rs)
    return out


# ---------------------------------------------------------------- seeds

SEED_EXPECTED = [
    ("a", "A major comprehensive bilateral agreement", "shared", None, False, "article body shared"),
    ("a", "Russian President Vladimir Putin meets", "shared", "caption", True, "caption shared and moved"),
    ("b", "Russian President Vladimir Putin meets", "shared", "caption", True, "caption moved to the top"),
    ("a", "google8c874a0b684bfa11.html", "divergent", "junk", False, "original: junk file name"),
    (
        "a",
        "\nIran-Russia Strategic Pact to Last 20 Years, Ambassador Says Ahead of Signing\n\nRussian",
        "divergent",
        "repeated",
        False,
        "original: repeated title line",
    ),
    ("a", "Read More", "divergent", "boilerplate", False, "original: 'Read More' boilerplate"),
    (
        "a",
        "Verified by MonsterInsights",
        "divergent",
        "boilerplate",
        False,
        "original: MonsterInsights badge",
    ),
    ("b", "January 14, 2025", "divergent", "dateline", False, "reprint: date"),
    ("b", "Reprinted from The Algemeiner", "divergent", "attribution", False, "reprint: attribution"),
    ("b", "RELATED:", "divergent", "related", False, "reprint: related section"),
    ("b", "Michael Foust has covered", "divergent", "related", False, "related section runs to the bio"),
    ("b", "Leave A Comment", "divergent", "boilerplate", False, "reprint: 'Leave A Comment'"),
]


def compare_relation(settings: Settings) -> str:
    seeds = SHARED / "seeds"
    a, b = seeds / "000_5d7cd035426885dc.txt", seeds / "003_8086b627738b3232.txt"
    return str(compare(a, b, settings).pair.relation)


def score_seeds(settings: Settings) -> list[tuple[str, bool]]:
    seeds = SHARED / "seeds"
    a, b = seeds / "000_5d7cd035426885dc.txt", seeds / "003_8086b627738b3232.txt"
    result = compare(a, b, settings)
    exp = result.pair.explanation
    texts = {"a": a.read_text(encoding="utf-8"), "b": b.read_text(encoding="utf-8")}
    out = [
        (
            "reported as contained, original in reprint",
            result.pair.relation == "contained" and result.pair.direction == "a_in_b",
        )
    ]
    assert exp is not None
    for side, needle, kind, label, moved, what in SEED_EXPECTED:
        spans = exp.spans_a if side == "a" else exp.spans_b
        text = texts[side]
        at = text.index(needle) + (1 if needle.startswith("\n") else 0)
        span = next(s for s in spans if s.start <= at < s.end)
        ok = span.kind == kind and span.label == label and (span.moved or not moved)
        if what.startswith("related section runs"):
            related = next(s for s in spans if s.label == "related")
            ok = related.start <= at < related.end
        out.append((what, ok))
    out.append(("original verdict: the original", exp.verdict.original == "a"))
    return out


# ---------------------------------------------------------------- Reuters-21578

REUSE_LABELS = frozenset({"copy", "contains", "passage"})
JUDGED_LABELS = ("copy", "contains", "passage", "template", "same-event", "unrelated")
RELATIONS = ("identical", "near-duplicate", "contained", "overlap")
RELATION_FITS: dict[str, frozenset[str]] = {
    "copy": frozenset({"identical", "near-duplicate"}),
    "contains": frozenset({"contained"}),
    "passage": frozenset({"overlap"}),
}
"""The relations that say what a reuse label says."""
HARD_NEGATIVE = "hard-negative"


def pair_key(a: str, b: str) -> tuple[str, str]:
    """A pair of file names in the order every tool's pairs are keyed by."""
    return (a, b) if a <= b else (b, a)


@dataclass(frozen=True)
class Judged:
    """One judged Reuters pair: file names, label, stratum, weight (None for a hard negative)."""

    a: str
    b: str
    label: str
    stratum: str
    weight: float | None
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return pair_key(self.a, self.b)

    @property
    def reuse(self) -> bool:
        return self.label in REUSE_LABELS

    @property
    def hard_negative(self) -> bool:
        return self.stratum == HARD_NEGATIVE

    @property
    def shown(self) -> str:
        """The pair as the data names it: "81 ~ 10156"."""
        return f"{self.a.removesuffix('.txt')} ~ {self.b.removesuffix('.txt')}"


def reuters_judged(folder: Path = REUTERS) -> list[Judged]:
    """The judged pairs of ``judged_pairs.jsonl``, with stories named by their file."""
    out = []
    for line in (folder / "judged_pairs.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        judged = Judged(
            f"{row['a']}.txt",
            f"{row['b']}.txt",
            row["label"],
            row["stratum"],
            row["weight"],
            row.get("note", ""),
        )
        if judged.weight is None and not judged.hard_negative:
            raise ValueError(f"pool pair {judged.shown} has no weight")
        out.append(judged)
    return out


def reuters_pool(folder: Path = REUTERS) -> PairSet:
    """The pool pairs of ``pool_pairs.tsv`` (a header line, then NEWID a, NEWID b)."""
    with (folder / "pool_pairs.tsv").open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return {pair_key(f"{r['a']}.txt", f"{r['b']}.txt") for r in rows}


@dataclass
class RelationScore:
    """The pairs a tool reported with one relation, scored against the judgements."""

    reported: int
    precision: float | None
    """Weight of judged reuse over weight of judged pool pairs plus pairs outside the pool (1 each);
    None when no judged or outside pair carries the relation."""
    reuse: int
    not_reuse: int
    outside: int
    """Unweighted counts: judged reuse and judged not-reuse pool pairs, pairs outside the pool."""


@dataclass
class ReutersScore:
    tool: str
    precision: float
    recall: float
    f1: float
    reported: int
    outside: list[tuple[str, str, str | None]]
    """Reported pairs outside the pool (hard negatives included), with their relation."""
    hard_negatives: list[tuple[Judged, str | None]]
    """Reported hard negatives, with their relation."""
    hard_negative_total: int
    per_relation: dict[str, RelationScore] = field(default_factory=dict)
    relation_match: float | None = None
    """Weighted share of the judged reuse pairs found whose relation fits the label; None when the
    tool gives no relations or finds none."""
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    """label -> relation (or "not reported") -> judged pool pairs, unweighted."""
    false_reports: list[tuple[Judged, str | None]] = field(default_factory=list)
    """Judged pairs (pool and hard negatives) that are not reuse but were reported, with relation."""
    missed: list[Judged] = field(default_factory=list)
    """Judged reuse pool pairs the tool did not report."""
    seconds: float | None = None


def _share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def score_reuters(
    tool: str,
    pairs: Mapping[tuple[str, str], str | None],
    judged: Sequence[Judged],
    pool: PairSet,
    seconds: float | None = None,
) -> ReutersScore:
    """Score reported pairs (file names, in either order) with their relation (None: the tool
    gives none) against the judged sample of the pool.

    Each judged pool pair stands for ``weight`` pool pairs; a reported pair outside the pool is a
    false report of weight 1 (a hard negative is outside the pool, so it counts there too, and is
    also listed apart). Pool pairs nobody judged count only through the judged pairs' weights.
    """
    reported = {pair_key(*k): v for k, v in pairs.items()}
    in_pool = [j for j in judged if not j.hard_negative]
    outside: list[tuple[str, str, str | None]] = []
    for (a, b), rel in reported.items():
        if (a, b) not in pool:
            # Shown as the data shows pairs: lower NEWID first, in NEWID order.
            lo, hi = sorted((a, b), key=_newid)
            outside.append((lo, hi, rel))
    outside.sort(key=lambda t: (_newid(t[0]), _newid(t[1])))
    found = [j for j in in_pool if j.key in reported]
    hits = sum(j.weight or 0.0 for j in found if j.reuse)
    false = sum(j.weight or 0.0 for j in found if not j.reuse) + len(outside)
    gold = sum(j.weight or 0.0 for j in in_pool if j.reuse)
    precision, recall = _share(hits, hits + false), _share(hits, gold)

    per_relation: dict[str, RelationScore] = {}
    for relation in RELATIONS:
        mine = [j for j in found if reported[j.key] == relation]
        out = sum(1 for *_, rel in outside if rel == relation)
        total = sum(j.weight or 0.0 for j in mine) + out
        per_relation[relation] = RelationScore(
            reported=sum(1 for rel in reported.values() if rel == relation),
            precision=_share(sum(j.weight or 0.0 for j in mine if j.reuse), total) if total else None,
            reuse=sum(j.reuse for j in mine),
            not_reuse=sum(not j.reuse for j in mine),
            outside=out,
        )
    found_reuse = [j for j in found if j.reuse and reported[j.key] is not None]
    relation_match = None
    if found_reuse:
        fits = sum(j.weight or 0.0 for j in found_reuse if reported[j.key] in RELATION_FITS[j.label])
        relation_match = _share(fits, sum(j.weight or 0.0 for j in found_reuse))
    confusion: dict[str, dict[str, int]] = {label: defaultdict(int) for label in JUDGED_LABELS}
    for j in in_pool:
        # A tool without relations (a peer) still shows which pairs it found.
        rel = (reported[j.key] or "reported") if j.key in reported else "not reported"
        confusion.setdefault(j.label, defaultdict(int))[rel] += 1
    hard = [j for j in judged if j.hard_negative]
    return ReutersScore(
        tool=tool,
        precision=precision,
        recall=recall,
        f1=f1(precision, recall),
        reported=len(reported),
        outside=outside,
        hard_negatives=[(j, reported[j.key]) for j in hard if j.key in reported],
        hard_negative_total=len(hard),
        per_relation=per_relation if any(rel is not None for rel in reported.values()) else {},
        relation_match=relation_match,
        confusion={label: dict(row) for label, row in confusion.items()},
        false_reports=[(j, reported[j.key]) for j in _by_newid(judged) if not j.reuse and j.key in reported],
        missed=[j for j in _by_newid(in_pool) if j.reuse and j.key not in reported],
        seconds=seconds,
    )


def _newid(file_name: str) -> tuple[int, str]:
    stem = file_name.removesuffix(".txt")
    return (int(stem), "") if stem.isdigit() else (-1, stem)


def _by_newid(judged: Iterable[Judged]) -> list[Judged]:
    return sorted(judged, key=lambda j: (_newid(j.a), _newid(j.b)))


# ---------------------------------------------------------------- running the tools


def run_dedup(folder: Path, settings: Settings) -> tuple[Report, float]:
    started = time.perf_counter()
    report = scan([folder], settings)
    return report, time.perf_counter() - started


def dedup_pairs(report: Report) -> dict[tuple[str, str], str]:
    """Every pair the report stands for (copies of one text expanded: ``dedup.every_pair``)."""
    out = {}
    for a, b, relation in every_pair(report.pairs):
        key = tuple(sorted((name(a), name(b))))
        out[key] = str(relation)
    return out  # type: ignore[return-value]


def run_peers(docs: Mapping[str, str]) -> dict[str, tuple[PairSet, float]]:
    import peers

    out: dict[str, tuple[PairSet, float]] = {}
    started = time.perf_counter()
    out["by-hand datasketch (5-shingles, LSH 0.5)"] = (
        peers.byhand_pairs(docs),
        time.perf_counter() - started,
    )
    # The news settings are text-dedup's news benchmark config; the 5-shingle run uses its README's
    # MinHash example (240 permutations, false-positive check on).
    for label, ngram, threshold, perms, check in (
        ("text-dedup (news: 2-shingles, 0.45, 256 perms)", 2, 0.45, 256, False),
        ("text-dedup (5-shingles, 0.5, 240 perms, checked)", 5, 0.5, 240, True),
    ):
        pairs, seconds = peers.textdedup_pairs(
            docs,
            workdir=WORK,
            ngram=ngram,
            threshold=threshold,
            num_perm=perms,
            check_false_positive=check,
        )
        out[label] = (pairs, seconds)
    return out


def versions(with_peers: bool) -> str:
    import datasketch

    parts = [
        f"dedup {__version__}",
        f"datasketch {datasketch.__version__}",
        f"Python {platform.python_version()}",
    ]
    if with_peers:
        import peers

        parts.append(f"text-dedup {peers.textdedup_version(peers.setup_textdedup(WORK))}")
    return ", ".join(parts)


def fmt(x: float) -> str:
    return f"{x:.3f}"


# ---------------------------------------------------------------- dedup's figures and the targets

DATASETS = ("clough", "pan", "seeds", "reuters")
"""The data sets, as ``--only`` names them."""


@dataclass
class DedupRun:
    """dedup's figures at one set of settings, on the data sets that were run (the others empty)."""

    clough: CloughScore | None = None
    clough_report: Report | None = None
    pan_doc: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    pan_chars: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    pan_report: Report | None = None
    seeds: list[tuple[str, bool]] = field(default_factory=list)
    reuters: ReutersScore | None = None


def run_dedup_all(settings: Settings, only: Collection[str] = DATASETS) -> DedupRun:
    """Run and score dedup on each data set named in ``only``."""
    run = DedupRun()
    if "clough" in only:
        run.clough_report, _ = run_dedup(CLOUGH / "texts", settings)
        run.clough = score_clough("dedup", dedup_pairs(run.clough_report), clough_words())
    if "pan" in only:
        cases = pan_cases()
        run.pan_report, _ = run_dedup(PAN, settings)
        run.pan_doc = score_pan_docs([(name(p.a), name(p.b)) for p in run.pan_report.pairs], cases)
        run.pan_chars = score_pan_chars(dedup_detections(run.pan_report, read_docs(PAN)), cases)
    if "seeds" in only:
        run.seeds = score_seeds(settings)
    if "reuters" in only:
        report, seconds = run_dedup(REUTERS / "docs", settings)
        run.reuters = score_reuters("dedup", dedup_pairs(report), reuters_judged(), reuters_pool(), seconds)
    return run


def _relation_precision(score: ReutersScore, relation: str) -> str:
    found = score.per_relation.get(relation)
    return "none reported" if found is None or found.precision is None else fmt(found.precision)


def reuters_targets(r: ReutersScore) -> list[tuple[str, str, bool]]:
    """The Reuters targets: (target, measured, met)."""
    strong = ("identical", "near-duplicate", "contained")
    # A relation nothing is reported with cannot be wrong, so it does not miss the target.
    strong_ok = all(
        (s := r.per_relation.get(rel)) is None or s.precision is None or s.precision >= 0.98 for rel in strong
    )
    match = r.relation_match
    hard = ", ".join(f"{j.shown} ({rel})" for j, rel in r.hard_negatives)
    return [
        ("Reuters: reuse precision at least 0.95", fmt(r.precision), r.precision >= 0.95),
        ("Reuters: reuse recall at least 0.85", fmt(r.recall), r.recall >= 0.85),
        (
            "Reuters: precision of identical, near-duplicate and contained each at least 0.98",
            ", ".join(f"{rel} {_relation_precision(r, rel)}" for rel in strong),
            strong_ok,
        ),
        (
            "Reuters: relation matches the label for at least 90% of the reuse pairs found",
            "no reuse pair found" if match is None else f"{match:.1%}",
            match is not None and match >= 0.9,
        ),
        (
            "Reuters: no hard negative reported",
            f"{len(r.hard_negatives)}/{r.hard_negative_total}" + (f": {hard}" if hard else ""),
            not r.hard_negatives,
        ),
    ]


def targets(run: DedupRun, margins: list[float] | None) -> list[tuple[str, str, bool]]:
    """The quality issue's targets for dedup's defaults, on the data sets run: (target, measured, met)."""
    rows = []
    if (c := run.clough) is not None:
        found = c.with_source
        light = len(found["light"]) / c.answers["light"]
        not_overlap = sorted(f"{a} ({r})" for a, r in found["heavy"].items() if r != "overlap")
        rows += [
            (
                "Clough: every reachable `cut` answer with its source",
                f"{len(found['cut'])}/{c.answers['cut']}",
                len(found["cut"]) == c.answers["cut"],
            ),
            (
                "Clough: at least 90% of `light` answers with their source",
                f"{len(found['light'])}/{c.answers['light']} ({light:.0%})",
                light >= 0.9,
            ),
            (
                "Clough: `heavy` reported as `overlap` or not at all",
                c.per_category["heavy"] + ("; stronger: " + ", ".join(not_overlap) if not_overlap else ""),
                not not_overlap,
            ),
            (
                "Clough: no `non` answer paired with anything it does not derive from",
                f"{c.per_category['non']} with their source; every other pair holding one: "
                + (", ".join(c.non_paired) if c.non_paired else "none")
                + ("; deriving from a common text: " + ", ".join(c.common_text) if c.common_text else ""),
                not c.non_paired,
            ),
        ]
    if run.pan_doc and run.pan_chars:
        verbatim_doc = run.pan_doc["artificial/none"][1]
        vp, vr, vg, _ = run.pan_chars["artificial/none"]
        rows += [
            ("PAN verbatim: document-pair recall 1.0", fmt(verbatim_doc), verbatim_doc == 1.0),
            (
                "PAN verbatim: character precision and recall at least 0.95",
                f"{fmt(vp)}, {fmt(vr)}",
                vp >= 0.95 and vr >= 0.95,
            ),
            ("PAN verbatim: granularity 1.0", f"{vg:.2f}", vg == 1.0),
        ]
    if run.seeds:
        seeds_passed = sum(ok for _, ok in run.seeds)
        rows.append(
            (
                "Seeds: every expected span and label",
                f"{seeds_passed}/{len(run.seeds)}",
                seeds_passed == len(run.seeds),
            )
        )
    if run.reuters is not None:
        rows += reuters_targets(run.reuters)
    if margins:
        rows.append(
            (
                "F1 above both peers on every data set",
                f"smallest margin {min(margins):+.3f}",
                min(margins) > 0,
            )
        )
    return rows


def sweep_row(run: DedupRun) -> list[tuple[str, str]]:
    """One line of a sweep, as (column, value): the figures that decide a default, for the data
    sets that were run."""
    row = []
    if (c := run.clough) is not None:
        row += [
            ("Clough F1", fmt(c.f1)),
            ("light", f"{len(c.with_source['light'])}/{c.answers['light']}"),
            ("heavy not overlap", str(sum(r != "overlap" for r in c.with_source["heavy"].values()))),
            ("false pairs with a non", str(len(c.non_paired))),
        ]
    if run.pan_doc and run.pan_chars:
        vp, vr, vg, _ = run.pan_chars["artificial/none"]
        row += [
            ("PAN char precision (all)", fmt(run.pan_chars["all"][0])),
            ("verbatim doc recall", fmt(run.pan_doc["artificial/none"][1])),
            ("verbatim char P / R", f"{fmt(vp)} / {fmt(vr)}"),
            ("verbatim gran", f"{vg:.2f}"),
        ]
    if run.seeds:
        row.append(("seed checks", f"{sum(ok for _, ok in run.seeds)}/{len(run.seeds)}"))
    if (r := run.reuters) is not None:
        row += [
            ("Reuters P / R / F1", f"{fmt(r.precision)} / {fmt(r.recall)} / {fmt(r.f1)}"),
            (
                "Reuters P identical / near-dup / contained / overlap",
                " / ".join(_relation_precision(r, rel).replace("none reported", "-") for rel in RELATIONS),
            ),
            ("Reuters pairs (outside pool)", f"{r.reported} ({len(r.outside)})"),
            ("Reuters hard negatives", str(len(r.hard_negatives))),
        ]
    return row


def _value(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def sweep(
    key: str, values: list[str], base: dict[str, int | float], only: Collection[str] = DATASETS
) -> None:
    """Print dedup's deciding figures for each value of one setting (the others as given)."""
    print(f"Sweep of {key} (other settings: defaults{' with ' + repr(base) if base else ''}):")
    print()
    for i, text in enumerate(values):
        row = sweep_row(run_dedup_all(Settings(jobs=1, **{**base, key: _value(text)}), only))
        if i == 0:
            print(f"| {key} | " + " | ".join(column for column, _ in row) + " |")
            print("|---" * (len(row) + 1) + "|")
        print(f"| {text} | " + " | ".join(value for _, value in row) + " |", flush=True)


# ---------------------------------------------------------------- the report

Emit = Callable[..., None]


def emit_clough(emit: Emit, run: DedupRun, settings: Settings, with_peers: bool) -> list[tuple[str, float]]:
    """The Clough-Stevenson section; returns dedup's F1 margin over each peer."""
    assert run.clough is not None and run.clough_report is not None
    scores = [run.clough]
    clough_docs = read_docs(CLOUGH / "texts")
    peer_runs = run_peers(clough_docs) if with_peers else {}
    for tool, (pairs, _) in peer_runs.items():
        scores.append(score_clough(tool, {p: "pair" for p in pairs}, clough_words()))
    emit("## Clough-Stevenson (95 answers, 5 sources; document level)")
    emit()
    emit("| tool | precision | recall | F1 | cut | light | heavy | non | false reports |")
    emit("|---|---|---|---|---|---|---|---|---|")
    for s in scores:
        c = s.per_category
        emit(
            f"| {s.tool} | {fmt(s.precision)} | {fmt(s.recall)} | {fmt(s.f1)} | {c['cut']} | {c['light']} "
            f"| {c['heavy']} | {c['non']} | {c['false']} |"
        )
    emit()
    emit(
        "Precision, recall and F1 are over answer-source pairs. Gold: `cut` and `light` answers with "
        "their own source (g2pE_taskc and g4pD_taskb, which copy another article, left out); `heavy` "
        "with its source is neutral. Columns cut..non: answers reported with their own source, with "
        "dedup's relations. False reports: every other reported pair, that is an answer with another "
        "task's source, or two answers (of which those where both reuse their task's source share "
        "that text through it, and those that share a long verbatim passage absent from the source "
        "derive from a common text outside the data)."
    )
    emit()
    emit("dedup's false reports that go through no common text:")
    for d in scores[0].false_detail or ["none"]:
        emit(f"- {d}")
    emit()
    words_of = clough_words()
    labels = clough_labels()
    closest_non = max(
        longest_common_run(words_of[a], words_of[b])
        for a, b in combinations(sorted(n for n, (_, c) in labels.items() if c == "non"), 2)
        if labels[a][0] == labels[b][0] and (a, b) not in scores[0].derived
    )
    emit(
        "Pairs of answers to one question that dedup reports and that derive from a common text "
        "outside the data set: they share a verbatim passage absent from the question's source and "
        f"at least twice as long as the longest ({scores[0].background} words) shared by any two "
        f"answers to different questions (any other two `non` answers to one question share "
        f"{closest_non} words in a row at most):"
    )
    for d in scores[0].common_text or ["none"]:
        emit(f"- {d}")
    emit()
    emit(
        "Answers dedup does not report with their source, measured exactly against it "
        "(share of the answer's shingles in the source; longest shared passage):"
    )
    emit()
    reported = dedup_pairs(run.clough_report)
    for answer, (task, category) in sorted(labels.items()):
        source = f"orig_task{task}.txt"
        if category not in ("cut", "light", "non") or answer in UNREACHABLE:
            continue
        if tuple(sorted((answer, source))) in reported and category != "non":
            continue
        pair = compare(CLOUGH / "texts" / answer, CLOUGH / "texts" / source, settings).pair
        if category == "non" and pair.a_in_b < 0.03 and pair.longest_passage < 8:
            continue
        emit(
            f"- {category} {answer}: {pair.a_in_b:.2f} of it in the source, "
            f"passage {pair.longest_passage} words"
        )
    emit()
    emit(
        "Can any threshold on shared wording find 90% of `light` answers and pair no `non` answer? "
        "Containment of k-word runs (the larger share, as dedup measures it) of the `light` answer "
        "that ranks at 90% against its source, against the closest `non` answer and its source and "
        "the closest two `non` answers to one question (content words: English function words "
        "dropped; exact sets, no sketching):"
    )
    emit()
    emit("| words | k | light at 90% | non ~ its source | non ~ non | closest non pair | apart |")
    emit("|---|---|---|---|---|---|---|")
    for kind, k, light, non_source, non_non, closest in wording_separation(
        clough_words(), clough_labels(), scores[0].derived
    ):
        gap = light - max(non_source, non_non)
        emit(f"| {kind} | {k} | {light:.3f} | {non_source:.3f} | {non_non:.3f} | {closest} | {gap:+.3f} |")
    emit()
    return [(s.tool, scores[0].f1 - s.f1) for s in scores[1:]]


def emit_pan(emit: Emit, run: DedupRun, with_peers: bool) -> list[tuple[str, float]]:
    """The Indonesian PAN section; returns dedup's document F1 margin over each peer."""
    cases = pan_cases()
    texts = read_docs(PAN)
    emit(f"## Indonesian PAN ({len(texts)} documents, {len(cases)} reuse cases)")
    emit()
    emit("dedup, per obfuscation type (document pairs; characters of the shared spans):")
    emit()
    emit("| cases | n | doc precision | doc recall | char precision | char recall | granularity | plagdet |")
    emit("|---|---|---|---|---|---|---|---|")
    for kind in PAN_KINDS:
        n = sum(1 for c in cases if kind == "all" or c.kind == kind)
        dp, dr, _ = run.pan_doc[kind]
        cp, cr, g, pd = run.pan_chars[kind]
        emit(f"| {kind} | {n} | {fmt(dp)} | {fmt(dr)} | {fmt(cp)} | {fmt(cr)} | {g:.2f} | {fmt(pd)} |")
    emit()
    peer_pan = run_peers(texts) if with_peers else {}
    emit("Document pairs, all tools (F1 over all cases; recall on verbatim cases):")
    emit()
    emit("| tool | precision | recall | F1 | verbatim recall |")
    emit("|---|---|---|---|---|")
    dedup_doc = run.pan_doc
    emit(
        f"| dedup | {fmt(dedup_doc['all'][0])} | {fmt(dedup_doc['all'][1])} | {fmt(dedup_doc['all'][2])} "
        f"| {fmt(dedup_doc['artificial/none'][1])} |"
    )
    margins = []
    for tool, (pairs, _) in peer_pan.items():
        sc = score_pan_docs(pairs, cases)
        emit(
            f"| {tool} | {fmt(sc['all'][0])} | {fmt(sc['all'][1])} | {fmt(sc['all'][2])} "
            f"| {fmt(sc['artificial/none'][1])} |"
        )
        margins.append((tool, dedup_doc["all"][2] - sc["all"][2]))
    emit()
    return margins


def emit_seeds(emit: Emit, run: DedupRun, settings: Settings, with_peers: bool) -> list[tuple[str, float]]:
    """The seed pair section; returns dedup's margin in checks passed over each peer."""
    emit("## Seed pair (../shared/seeds)")
    emit()
    for what, ok in run.seeds:
        emit(f"- [{'x' if ok else ' '}] {what}")
    emit()
    seeds = {n: t for n, t in read_docs(SHARED / "seeds").items()}
    margins = []
    dedup_seed = sum(ok for _, ok in run.seeds) / len(run.seeds)
    if with_peers:
        # A peer that finds the pair passes the first check; it reports no spans or labels, so it
        # passes none of the others.
        emit("Share of the checks above passed (a peer can only pass the first: it reports no spans):")
        emit()
        emit("| tool | seed pair found | checks passed |")
        emit("|---|---|---|")
        emit(f"| dedup | yes ({compare_relation(settings)}) | {fmt(dedup_seed)} |")
        for tool, (pairs, _) in run_peers(seeds).items():
            found = bool(pairs)
            score = float(found) / len(run.seeds)
            emit(f"| {tool} | {'yes' if found else 'no'} | {fmt(score)} |")
            margins.append((tool, dedup_seed - score))
        emit()
    return margins


def emit_reuters(emit: Emit, run: DedupRun, with_peers: bool) -> list[tuple[str, float]]:
    """The Reuters-21578 section; returns dedup's reuse F1 margin over each peer."""
    assert run.reuters is not None
    judged, pool = reuters_judged(), reuters_pool()
    scores = [run.reuters]
    reading = None
    if with_peers:
        started = time.perf_counter()
        docs = read_docs(REUTERS / "docs")
        reading = time.perf_counter() - started
        for tool, (pairs, seconds) in run_peers(docs).items():
            scores.append(score_reuters(tool, dict.fromkeys(pairs), judged, pool, seconds))
    stories = sum(1 for _ in (REUTERS / "docs").glob("*.txt"))
    pool_judged = sum(not j.hard_negative for j in judged)
    emit(
        f"## Reuters-21578 ({stories:,} stories; {len(judged)} judged pairs: {pool_judged} from the "
        f"pool of {len(pool):,}, {len(judged) - pool_judged} hard negatives)"
    )
    emit()
    emit("| tool | precision | recall | F1 | pairs reported | outside the pool | hard negatives | seconds |")
    emit("|---|---|---|---|---|---|---|---|")
    for s in scores:
        seconds = "" if s.seconds is None else f"{s.seconds:.1f}"
        emit(
            f"| {s.tool} | {fmt(s.precision)} | {fmt(s.recall)} | {fmt(s.f1)} | {s.reported:,} "
            f"| {len(s.outside)} | {len(s.hard_negatives)}/{s.hard_negative_total} | {seconds} |"
        )
    emit()
    hard_labels = sorted({j.label for j in judged if j.hard_negative})
    read_note = "" if reading is None else f" (reading them took {reading:.1f} s)"
    emit(
        "Reuse is a judged `copy`, `contains` or `passage`. Each judged pool pair counts for the "
        "`weight` pool pairs it stands for, so precision and recall estimate those over the whole "
        "pool; a reported pair outside the pool is a false report of weight 1. Hard negatives "
        "(judged pairs from outside the pool that share a little wording, labelled "
        f"{' or '.join(f'`{x}`' for x in hard_labels)}) carry no weight: they count among the pairs "
        "outside the pool and are counted apart; the target is none. Seconds: dedup's scan of the "
        f"folder; a peer's run on the texts already read{read_note}."
    )
    emit()
    r = run.reuters
    emit("dedup, per relation (precision weighted as above; counts of pairs, unweighted):")
    emit()
    emit("| relation | pairs reported | precision | judged reuse | judged not reuse | outside the pool |")
    emit("|---|---|---|---|---|---|")
    for relation in RELATIONS:
        rs = r.per_relation[relation]
        emit(
            f"| {relation} | {rs.reported:,} | {_relation_precision(r, relation)} | {rs.reuse} "
            f"| {rs.not_reuse} | {rs.outside} |"
        )
    emit()
    match = "no reuse pair found" if r.relation_match is None else f"{r.relation_match:.1%}"
    emit(
        f"Relation matches label for {match} of the judged reuse pairs dedup finds (weighted; "
        "`copy` as identical or near-duplicate, `contains` as contained, `passage` as overlap). "
        "Judged pool pairs by label and dedup's relation (unweighted):"
    )
    emit()
    columns = (*RELATIONS, "not reported")
    emit("| label | " + " | ".join(columns) + " |")
    emit("|---" * (len(columns) + 1) + "|")
    for label in JUDGED_LABELS:
        row = r.confusion.get(label, {})
        emit(f"| {label} | " + " | ".join(str(row.get(c, 0)) for c in columns) + " |")
    emit()
    emit("dedup's false reports among the judged pairs (label, dedup's relation, weight, the judge's note):")
    emit()
    for j, rel in r.false_reports or []:
        weight = "hard negative" if j.weight is None else f"weight {j.weight:g}"
        emit(f"- {j.shown}: {j.label}, {rel}, {weight}. {j.note}")
    if not r.false_reports:
        emit("- none")
    emit()
    emit("Reuse pairs dedup misses (label, weight, the judge's note):")
    emit()
    for j in r.missed:
        emit(f"- {j.shown}: {j.label}, weight {j.weight:g}. {j.note}")
    if not r.missed:
        emit("- none")
    emit()
    emit("Pairs dedup reports outside the pool (no judgement; each counts as a false report):")
    emit()
    for a, b, rel in r.outside:
        emit(f"- {a.removesuffix('.txt')} ~ {b.removesuffix('.txt')}: {rel}")
    if not r.outside:
        emit("- none")
    emit()
    return [(s.tool, r.f1 - s.f1) for s in scores[1:]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-peers", action="store_true", help="Skip the peers (no text-dedup set-up).")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Override a dedup setting, e.g. overlap_words=30.",
    )
    parser.add_argument(
        "--sweep",
        metavar="KEY=V1,V2,...",
        help="Print dedup's deciding figures for each value of one setting, and nothing else.",
    )
    parser.add_argument(
        "--only",
        metavar="SET,...",
        help=f"Run only these data sets (of {', '.join(DATASETS)}); QUALITY.md is then not written.",
    )
    parser.add_argument("--no-write", action="store_true", help="Do not write benchmarks/QUALITY.md.")
    args = parser.parse_args()
    only: tuple[str, ...] = DATASETS
    if args.only:
        only = tuple(x.strip() for x in args.only.split(",") if x.strip())
        unknown = sorted(set(only) - set(DATASETS))
        if unknown:
            parser.error(f"unknown data set(s) {', '.join(unknown)}; choose from {', '.join(DATASETS)}")
    overrides = {}
    for item in args.set:
        key, value = item.split("=", 1)
        overrides[key] = _value(value)
    if args.sweep:
        key, values = args.sweep.split("=", 1)
        sweep(key, values.split(","), overrides, only)
        return
    settings = Settings(jobs=1, **overrides)
    with_peers = not args.no_peers
    lines: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    emit("# dedup quality benchmark")
    emit()
    emit(f"Run with `python benchmarks/quality.py`: {versions(with_peers)}.")
    changed = {k: v for k, v in settings.as_dict().items() if k in overrides}
    emit(f"dedup settings: defaults{'' if not changed else ' with ' + repr(changed)}.")
    if only != DATASETS:
        emit(f"Data sets: {', '.join(only)} only.")
    emit()
    run = run_dedup_all(settings, only)

    margins: dict[str, list[tuple[str, float]]] = {}
    if "clough" in only:
        margins["Clough-Stevenson"] = emit_clough(emit, run, settings, with_peers)
    if "pan" in only:
        margins["Indonesian PAN"] = emit_pan(emit, run, with_peers)
    if "seeds" in only:
        margins["seed pair"] = emit_seeds(emit, run, settings, with_peers)
    if "reuters" in only:
        margins["Reuters-21578"] = emit_reuters(emit, run, with_peers)

    all_margins = None
    if with_peers:
        what = {
            "Clough-Stevenson": "F1",
            "Indonesian PAN": "F1",
            "seed pair": "share of seed checks",
            "Reuters-21578": "reuse F1",
        }
        emit(f"## Margins (dedup's score minus the peer's: {', '.join(what[m] for m in margins)})")
        emit()
        emit("| peer | " + " | ".join(margins) + " |")
        emit("|---" * (len(margins) + 1) + "|")
        tools = [tool for tool, _ in next(iter(margins.values()), [])]
        for i, tool in enumerate(tools):
            emit(f"| {tool} | " + " | ".join(f"{m[i][1]:+.3f}" for m in margins.values()) + " |")
        emit()
        all_margins = [value for m in margins.values() for _, value in m]

    emit("## The quality issue's targets, at these settings")
    emit()
    emit("| target | measured | met |")
    emit("|---|---|---|")
    for target, measured, met in targets(run, all_margins):
        emit(f"| {target} | {measured} | {'yes' if met else 'no'} |")
    emit()
    emit(
        "Why a target is not met, and what meeting it would cost: the README's section "
        "'Why the defaults are what they are'."
    )
    emit()
    if not args.no_write and only == DATASETS:
        (ROOT / "benchmarks" / "QUALITY.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
