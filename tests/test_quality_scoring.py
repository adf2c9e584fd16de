"""The quality benchmark's scoring (benchmarks/quality.py), checked on cases worked out by hand."""

from __future__ import annotations

import math
import sys
from pathlib import Path

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


def test_longest_common_run_counts_the_words_of_the_longest_shared_passage() -> None:
    a = ["the", "cat", "sat", "on", "the", "mat", "today"]
    b = ["a", "dog", "sat", "on", "the", "mat", "while", "the", "cat", "slept"]
    assert quality.longest_common_run(a, b) == 4  # "sat on the mat"
    assert quality.longest_common_run(a, ["nothing", "in", "common"]) == 0
    assert quality.longest_common_run(a, a) == len(a)


def test_common_text_needs_a_passage_outside_the_source_and_twice_the_chance_length() -> None:
    quote = "it has been used in a wide variety of contexts ranging from marine biology".split()  # noqa: SIM905
    a = ["first", "answer", "says"] + quote + ["and", "more"]
    b = ["another", "answer"] + quote
    assert quality.common_text(a, b, source=["unrelated", "source", "text"], background=6) == len(quote)
    # The source holds the passage: the source, not a text outside the data, explains it.
    assert quality.common_text(a, b, source=quote, background=6) is None
    # Not long enough against what answers to different questions share by chance.
    assert quality.common_text(a, b, source=[], background=len(quote)) is None


def test_cross_question_run_ignores_answers_to_the_same_question_and_sources() -> None:
    labels = {"a1": ("a", "non"), "a2": ("a", "non"), "b1": ("b", "non"), "orig_taskb.txt": ("b", "orig")}
    texts = {
        "a1": ["one", "two", "three", "four", "five", "six"],
        "a2": ["one", "two", "three", "four", "five", "six"],  # same question: not chance
        "b1": ["zero", "two", "three", "four", "nine"],  # three words shared across questions
        "orig_taskb.txt": ["one", "two", "three", "four", "five", "six"],  # a source: left out
    }
    assert quality.cross_question_run(texts, labels) == 3


@needs_shared()
def test_a_long_verbatim_passage_between_two_non_answers_is_a_common_text_not_a_false_pair() -> None:
    texts = quality.clough_words()
    pairs = {
        **_gold_pairs(),
        ("g2pE_taskd.txt", "g4pD_taskd.txt"): "overlap",  # 49 words verbatim, in neither's source
        ("g0pA_taske.txt", "g2pA_taske.txt"): "overlap",  # paraphrases, no long verbatim passage
    }
    score = quality.score_clough("t", pairs, texts)
    assert score.background == 6  # no two answers to different questions share more
    assert score.common_text == ["g2pE_taskd.txt ~ g4pD_taskd.txt (49 words verbatim)"]
    assert score.non_paired == ["g0pA_taske.txt ~ g2pA_taske.txt"]
    assert score.false_detail == ["g0pA_taske.txt ~ g2pA_taske.txt (overlap; non/non)"]
    false = "2 (0 through a common source, 1 through a common text outside the data)"
    assert score.per_category["false"] == false
    # Without the texts nothing is told apart.
    assert quality.score_clough("t", pairs).non_paired == [
        "g0pA_taske.txt ~ g2pA_taske.txt",
        "g2pE_taskd.txt ~ g4pD_taskd.txt",
    ]


def test_wording_separation_takes_the_light_answer_at_the_90_percent_rank() -> None:
    source = [f"w{i}" for i in range(10)]
    texts: dict[str, list[str]] = {"orig_taska.txt": source}
    labels = {"orig_taska.txt": ("a", "orig")}
    for i in range(1, 11):  # light answer i holds i of the source's 10 words: containment i/10
        texts[f"l{i}"] = source[:i] + [f"l{i}pad{j}" for j in range(10 - i)]
        labels[f"l{i}"] = ("a", "light")
    shared = [f"x{j}" for j in range(5)]
    texts["n1"] = source[:3] + shared + ["n1a", "n1b"]  # 0.3 of it in the source, 0.5 in n2
    texts["n2"] = shared + [f"n2pad{j}" for j in range(5)]
    # As close to n2 as n1 is (and named later, so it would win the tie), but a derived pair.
    texts["n3"] = [f"n2pad{j}" for j in range(5)] + [f"n3pad{j}" for j in range(5)]
    labels.update({"n1": ("a", "non"), "n2": ("a", "non"), "n3": ("a", "non")})
    rows = quality.wording_separation(texts, labels, [("n2", "n3")])
    assert [(kind, k) for kind, k, *_ in rows] == [
        (kind, k) for kind in ("all words", "content words") for k in range(1, 6)
    ]
    # Ten light answers: the 9th best (ceil of 90%) holds 2 of 10 words.
    assert rows[0] == ("all words", 1, 0.2, 0.3, 0.5, "n1 ~ n2")


# ---------------------------------------------------------------- Reuters-21578


def _j(a: int, b: int, label: str, weight: float | None) -> quality.Judged:
    stratum = "hard-negative" if weight is None else "band"
    return quality.Judged(f"{a}.txt", f"{b}.txt", label, stratum, weight, f"note {a}")


# A made-up judged sample: weights chosen so that weighted and unweighted figures differ.
COPY = _j(1, 2, "copy", 3.0)
PASSAGE_AS_NEAR = _j(3, 4, "passage", 1.0)
TEMPLATE = _j(5, 6, "template", 2.0)
HARD = _j(7, 8, "template", None)
CONTAINS = _j(9, 10, "contains", 4.0)
PASSAGE = _j(15, 16, "passage", 2.0)
MISSED = _j(17, 18, "copy", 5.0)
JUDGED = [COPY, PASSAGE_AS_NEAR, TEMPLATE, HARD, CONTAINS, PASSAGE, MISSED]
UNJUDGED_POOL = ("11.txt", "12.txt")
OUTSIDE = ("13.txt", "14.txt")
POOL = {j.key for j in JUDGED if j.weight is not None} | {UNJUDGED_POOL}
REPORTED: dict[tuple[str, str], str | None] = {
    COPY.key: "identical",
    PASSAGE_AS_NEAR.key: "near-duplicate",
    TEMPLATE.key: "overlap",
    ("9.txt", "10.txt"): "contained",  # not in key order: the scoring must not care
    PASSAGE.key: "overlap",
    UNJUDGED_POOL: "overlap",
    OUTSIDE: "overlap",
    HARD.key: "overlap",
}


def _score(reported: dict[tuple[str, str], str | None] = REPORTED) -> quality.ReutersScore:
    return quality.score_reuters("t", reported, JUDGED, POOL)


def test_reuters_precision_and_recall_weight_each_judged_pair() -> None:
    score = _score()
    # Reuse found: 3 + 1 + 4 + 2 = 10. False: the template (2), the pair outside the pool and the
    # hard negative (1 each). Reuse judged: 10 + the missed copy's 5. Unweighted, precision would be
    # 4/7 and recall 4/5.
    assert score.precision == pytest.approx(10 / 14)
    assert score.recall == pytest.approx(10 / 15)
    assert score.f1 == pytest.approx(quality.f1(10 / 14, 10 / 15))
    assert score.reported == 8
    assert score.missed == [MISSED]


def test_reuters_pair_outside_the_pool_is_a_false_report_and_an_unjudged_pool_pair_is_not() -> None:
    without_outside = _score({k: v for k, v in REPORTED.items() if k != OUTSIDE})
    assert without_outside.precision == pytest.approx(10 / 13)
    assert _score().outside == [("7.txt", "8.txt", "overlap"), ("13.txt", "14.txt", "overlap")]
    # A pool pair nobody judged is stood for by the judged pairs' weights: it changes nothing.
    without_unjudged = _score({k: v for k, v in REPORTED.items() if k != UNJUDGED_POOL})
    assert (without_unjudged.precision, without_unjudged.recall) == (_score().precision, _score().recall)


def test_reuters_hard_negatives_are_counted_apart_and_never_weighted() -> None:
    score = _score()
    assert score.hard_negatives == [(HARD, "overlap")]
    assert score.hard_negative_total == 1
    assert "template" in score.confusion and sum(score.confusion["template"].values()) == 1  # not HARD
    assert (HARD, "overlap") in score.false_reports
    clean = _score({k: v for k, v in REPORTED.items() if k != HARD.key})
    assert clean.hard_negatives == []
    assert clean.recall == score.recall  # a hard negative is no reuse to find
    assert clean.precision == pytest.approx(10 / 13)


def test_reuters_per_relation_precision_counts_outside_pairs_as_false() -> None:
    overlap = _score().per_relation["overlap"]
    # Judged: the passage (2, reuse) and the template (2); outside: two pairs of weight 1.
    assert overlap.precision == pytest.approx(2 / 6)
    assert (overlap.reported, overlap.reuse, overlap.not_reuse, overlap.outside) == (5, 1, 1, 2)
    assert _score().per_relation["identical"].precision == 1.0
    only_judged = {COPY.key: "identical"}
    assert _score(only_judged).per_relation["overlap"].precision is None  # nothing to judge it by


def test_reuters_relation_match_is_the_weighted_share_that_fits_the_label() -> None:
    score = _score()
    # copy as identical (3), contains as contained (4), passage as overlap (2) fit; the passage
    # reported as near-duplicate (1) does not. Unweighted it would be 3/4.
    assert score.relation_match == pytest.approx(9 / 10)
    assert score.confusion["passage"] == {"near-duplicate": 1, "overlap": 1}
    assert score.confusion["copy"] == {"identical": 1, "not reported": 1}
    wrong = _score({**REPORTED, CONTAINS.key: "near-duplicate"})  # contains is not a copy
    assert wrong.relation_match == pytest.approx(5 / 10)


def test_reuters_a_tool_without_relations_gets_no_relation_figures() -> None:
    peer = _score(dict.fromkeys(REPORTED))
    assert (peer.precision, peer.recall) == (_score().precision, _score().recall)
    assert peer.relation_match is None
    assert peer.per_relation == {}
    assert peer.confusion["copy"] == {"reported": 1, "not reported": 1}


def test_reuters_targets_name_what_misses_them() -> None:
    run = quality.DedupRun(reuters=_score())
    rows = {target: (measured, met) for target, measured, met in quality.targets(run, None)}
    assert len(rows) == 5  # only the data set that was run
    assert rows["Reuters: reuse precision at least 0.95"] == ("0.714", False)
    assert rows["Reuters: precision of identical, near-duplicate and contained each at least 0.98"] == (
        "identical 1.000, near-duplicate 1.000, contained 1.000",
        True,
    )
    assert rows["Reuters: relation matches the label for at least 90% of the reuse pairs found"] == (
        "90.0%",
        True,
    )
    assert rows["Reuters: no hard negative reported"] == ("1/1: 7 ~ 8 (overlap)", False)


def test_reuters_files_are_read_with_stories_named_by_file(tmp_path: Path) -> None:
    (tmp_path / "judged_pairs.jsonl").write_text(
        '{"a": 37, "b": 8736, "label": "template", "note": "n", "stratum": "hard-negative", "weight": null}\n'
        '{"a": 81, "b": 10156, "label": "copy", "note": "m", "stratum": "pool", "weight": 7.5}\n',
        encoding="utf-8",
    )
    (tmp_path / "pool_pairs.tsv").write_text("a\tb\n81\t10156\n4\t16\n", encoding="utf-8")
    hard, copy = quality.reuters_judged(tmp_path)
    assert (hard.key, hard.weight, hard.hard_negative) == (("37.txt", "8736.txt"), None, True)
    assert (copy.key, copy.weight, copy.reuse) == (("10156.txt", "81.txt"), 7.5, True)
    assert copy.shown == "81 ~ 10156"
    assert quality.reuters_pool(tmp_path) == {("10156.txt", "81.txt"), ("16.txt", "4.txt")}
    (tmp_path / "judged_pairs.jsonl").write_text(
        '{"a": 1, "b": 2, "label": "copy", "note": "", "stratum": "pool", "weight": null}\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="has no weight"):
        quality.reuters_judged(tmp_path)


@needs_shared()
def test_reuters_judged_pool_pairs_are_in_the_pool_and_hard_negatives_are_not() -> None:
    judged, pool = quality.reuters_judged(), quality.reuters_pool()
    hard = [j for j in judged if j.hard_negative]
    assert (len(judged), len(hard), len(pool)) == (301, 54, 3800)
    assert all(j.key in pool for j in judged if not j.hard_negative)
    assert not any(j.key in pool for j in hard)
    docs = quality.REUTERS / "docs"
    assert all((docs / j.a).is_file() and (docs / j.b).is_file() for j in judged)
