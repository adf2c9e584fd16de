"""The quality benchmark's scoring (benchmarks/quality.py), checked on cases worked out by hand."""

from __future__ import annotations

import math
import sys

import pytest
from conftest import ROOT, needs_shared

sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402
from quality import Case, plagdet  # noqa: E402

CASE = Case("s.txt", "r.txt", 100, 200, 1000, 1100, "artificial/none")


def det(s0: int, s1: int, r0: int, r1: int, susp: str = "s.txt") -> Case:
    return Case(susp, "r.txt", s0, s1, r0, r1, "detection")


def test_an_exact_detection_scores_one() -> None:
    assert plagdet([CASE], [det(100, 200, 1000, 1100)]) == (1.0, 1.0, 1.0, 1.0)


def test_a_case_found_in_two_halves_has_granularity_two() -> None:
    precision, recall, gran, score = plagdet([CASE], [det(100, 150, 1000, 1050), det(150, 200, 1050, 1100)])
    assert (precision, recall, gran) == (1.0, 1.0, 2.0)
    assert score == pytest.approx(1 / math.log2(3))


def test_a_detection_twice_too_long_in_one_document() -> None:
    # 100 + 100 characters of the case out of 200 + 100 detected.
    precision, recall, gran, score = plagdet([CASE], [det(100, 300, 1000, 1100)])
    assert precision == pytest.approx(2 / 3)
    assert (recall, gran) == (1.0, 1.0)
    assert score == pytest.approx(2 * (2 / 3) / (2 / 3 + 1))


def test_half_a_case_found() -> None:
    precision, recall, gran, _ = plagdet([CASE], [det(100, 150, 1000, 1050)])
    assert (precision, recall, gran) == (1.0, 0.5, 1.0)


def test_detections_elsewhere_find_nothing() -> None:
    # The right ranges in another suspicious document, and the right document at other ranges.
    precision, recall, _, score = plagdet(
        [CASE], [det(100, 200, 1000, 1100, susp="t.txt"), det(300, 400, 1000, 1100)]
    )
    assert (precision, recall, score) == (0.0, 0.0, 0.0)


def _gold_pairs() -> dict[tuple[str, str], str]:
    pairs = {}
    for answer, (task, category) in quality.clough_labels().items():
        if category in ("cut", "light") and answer not in quality.UNREACHABLE:
            pairs[tuple(sorted((answer, f"orig_task{task}.txt")))] = "overlap"
    return pairs  # type: ignore[return-value]


@needs_shared()
def test_clough_gold_pairs_score_one_and_every_other_pair_is_false() -> None:
    perfect = quality.score_clough("t", _gold_pairs())
    assert (perfect.precision, perfect.recall, perfect.false_reports) == (1.0, 1.0, 0)
    assert perfect.answers == {"cut": 17, "light": 19, "heavy": 19, "non": 38}
    assert perfect.non_paired == []

    noisy = quality.score_clough(
        "t",
        {
            **_gold_pairs(),
            ("g0pA_taska.txt", "orig_taska.txt"): "overlap",  # a non answer with its source
            ("g0pA_taskb.txt", "g1pD_taskb.txt"): "overlap",  # two cut answers to task b
            ("g4pC_taskd.txt", "orig_taskd.txt"): "contained",  # a heavy answer: neutral
        },
    )
    assert noisy.precision == pytest.approx(36 / 37)  # 17 cut and 19 light; one non
    assert noisy.recall == 1.0
    assert noisy.false_reports == 2
    assert noisy.per_category["false"] == "2 (1 through a common source)"
    assert noisy.non_paired == ["g0pA_taska.txt ~ orig_taska.txt"]
    assert noisy.with_source["heavy"] == {"g4pC_taskd.txt": "contained"}


@needs_shared()
def test_targets_name_what_misses_them() -> None:
    clough = quality.score_clough("t", {**_gold_pairs(), ("g4pC_taskd.txt", "orig_taskd.txt"): "contained"})
    verbatim = {"artificial/none": (1.0, 1.0, 1.0)}
    run = quality.DedupRun(
        clough=clough,
        clough_report=None,  # type: ignore[arg-type]
        pan_doc=verbatim,
        pan_chars={"artificial/none": (0.97, 0.94, 1.0, 0.9)},
        pan_report=None,  # type: ignore[arg-type]
        seeds=[("one", True), ("two", False)],
    )
    rows = {target: (measured, met) for target, measured, met in quality.targets(run, [0.2, -0.01])}
    assert rows["Clough: every reachable `cut` answer with its source"] == ("17/17", True)
    assert rows["Clough: at least 90% of `light` answers with their source"] == ("19/19 (100%)", True)
    heavy = rows["Clough: `heavy` reported as `overlap` or not at all"]
    assert heavy == ("1/19 (1 contained); stronger: g4pC_taskd.txt (contained)", False)
    assert rows["PAN verbatim: character precision and recall at least 0.95"] == ("0.970, 0.940", False)
    assert rows["Seeds: every expected span and label"] == ("1/2", False)
    assert rows["F1 above both peers on every data set"] == ("smallest margin -0.010", False)
