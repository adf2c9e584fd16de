"""Common wording: a formula many stories share is no pair; a reprinted or copied text still is."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from dedup import Settings, boilerplate, scan
from dedup.boilerplate import corpus_common, pair_common, text_groups
from dedup.models import Report
from dedup.shingle import flatten

NAMES = [
    "Halvorsen Shipping",
    "Kestrel Mining",
    "Ostend Trust",
    "Marigold Foods",
    "Braganza Textiles",
    "Quill Insurance",
    "Tamsin Breweries",
    "Corvid Holdings",
    "Lindqvist Paper",
    "Ardent Chemicals",
    "Pelham Motors",
    "Vesper Electric",
]
BANKS = ["Orchard Bank", "Harbour Securities", "Northgate Capital", "Pell and Co"]
VOCABULARY = [
    *(
        [
            "harbour",
            "council",
            "winter",
            "grain",
            "vessel",
            "cargo",
            "strike",
            "union",
            "talks",
            "port",
            "wages",
            "delay",
            "ministry",
        ]
    ),
    *(
        [
            "rail",
            "freight",
            "coal",
            "export",
            "season",
            "board",
            "quarter",
            "profit",
            "shares",
            "dividend",
            "analysts",
            "forecast",
        ]
    ),
    *(
        [
            "market",
            "demand",
            "supply",
            "plant",
            "workers",
            "output",
            "contract",
            "order",
            "tender",
            "rival",
            "bid",
        ]
    ),
]


def _prose(rng: random.Random, words: int) -> str:
    sentences = []
    for _ in range(words // 12):
        sentences.append(" ".join(rng.choice(VOCABULARY) for _ in range(12)).capitalize() + ".")
    return " ".join(sentences)


def bond_notice(i: int) -> str:
    """A short wire notice written from one formula: the names, figures and lines between differ."""
    rng = random.Random(i)
    name, bank = NAMES[i % len(NAMES)], rng.choice(BANKS)
    amount, year = rng.choice([50, 75, 100, 125, 150, 200]) + i, 1990 + rng.randrange(12)
    coupon, price = f"{rng.randrange(6, 11)}-{rng.choice(['1/4', '1/2', '3/4'])}", 100 + rng.randrange(3)
    denominations = rng.choice(["1,000", "5,000", "10,000", "50,000"])
    exchange = rng.choice(["Luxembourg", "London", "Zurich"])
    return (
        f"{name.upper()} ISSUES {amount} MLN STG BOND\n\n"
        f"{name} is issuing a {amount} mln stg eurobond due {year} paying {coupon} pct and priced "
        f"at {price} pct, lead manager {bank} said. {_prose(rng, 12)}\n"
        f"The non-callable bond is available in denominations of {denominations} stg and will be "
        f"listed in {exchange}. {_prose(rng, 12)}\n"
        f"The selling concession is {rng.choice(['1-1/2', '1-3/8', '1-1/4'])} pct while management "
        f"and underwriting combined pays {rng.choice(['1/2', '5/8', '3/4'])} pct.\n"
    )


def _pairs(report: Report) -> dict[tuple[str, str], str]:
    return {(Path(p.a).name, Path(p.b).name): str(p.relation) for p in report.pairs}


def test_a_formula_many_stories_share_makes_no_pair(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"notice-{i:02d}.txt").write_text(bond_notice(i), encoding="utf-8")
    # One notice sent again with a correction line, and one inside a digest: reuse of its text.
    (tmp_path / "notice-07-resent.txt").write_text(bond_notice(7) + "Corrects the selling concession.\n")
    rng = random.Random(99)
    digest = f"MARKET DIGEST\n\n{_prose(rng, 120)}\n{bond_notice(19)}\n{_prose(rng, 120)}\n"
    (tmp_path / "digest.txt").write_text(digest, encoding="utf-8")
    report = scan([tmp_path], Settings(jobs=1))
    assert _pairs(report) == {
        ("notice-07-resent.txt", "notice-07.txt"): "near-duplicate",
        ("digest.txt", "notice-19.txt"): "contained",
    }
    assert report.stats["common_shingles"] > 20
    # Without the rule (every shingle counted as the pair's own) the formula pairs the notices.
    plain = scan([tmp_path], Settings(jobs=1, common_docs=1000))
    assert len(plain.pairs) > 100
    assert {p.relation for p in plain.pairs} >= {"overlap"}


def test_a_source_several_documents_copy_stays_a_pair_with_each(tmp_path: Path) -> None:
    """A passage of a source copied by several answers is common by count, yet every holder of it
    derives from the source: the short copy is still reported with the source."""
    rng = random.Random(5)
    source = _prose(rng, 240).split()
    long_copy = " ".join(source[40:88])  # 48 words: a pair on its own
    short_copy = " ".join(source[52:70])  # 18 words inside it: common wording, 4 texts hold it
    files = {
        "source.txt": " ".join(source),
        "answer-a.txt": _prose(random.Random(6), 120) + " " + long_copy + " " + _prose(random.Random(7), 60),
        "answer-b.txt": _prose(random.Random(8), 60) + " " + long_copy + " " + _prose(random.Random(9), 120),
        "answer-c.txt": _prose(random.Random(10), 200)
        + " "
        + short_copy
        + " "
        + _prose(random.Random(11), 60),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    for name in ("unrelated-1.txt", "unrelated-2.txt"):
        (tmp_path / name).write_text(_prose(random.Random(len(name) * 31 + ord(name[-5])), 200))
    found = _pairs(scan([tmp_path], Settings(jobs=1)))
    assert found[("answer-c.txt", "source.txt")] == "overlap"
    assert found[("answer-a.txt", "source.txt")] == "overlap"
    assert not any("unrelated" in a + b for a, b in found)
    # The same short copy among strangers who also hold it is common wording, not evidence.
    for i in range(3):
        stranger = (
            _prose(random.Random(100 + i), 150) + " " + short_copy + " " + _prose(random.Random(200 + i), 60)
        )
        (tmp_path / f"stranger-{i}.txt").write_text(stranger, encoding="utf-8")
    found = _pairs(scan([tmp_path], Settings(jobs=1)))
    assert ("answer-c.txt", "source.txt") not in found
    assert found[("answer-a.txt", "source.txt")] == "overlap"


def test_results_with_common_wording_are_the_same_on_two_workers(tmp_path: Path) -> None:
    for i in range(60):  # notices from one formula, some sent twice
        (tmp_path / f"notice-{i:03d}.txt").write_text(bond_notice(i % 45), encoding="utf-8")
    for i in range(200):  # enough files for worker batches
        (tmp_path / f"story-{i:03d}.txt").write_text(_prose(random.Random(1000 + i), 150), encoding="utf-8")
    source = _prose(random.Random(5), 240)
    for name, words in (("answer-a", 60), ("answer-b", 60), ("answer-c", 18)):
        copied = " ".join(source.split()[40 : 40 + words])
        (tmp_path / f"{name}.txt").write_text(_prose(random.Random(len(name) + words), 150) + " " + copied)
    (tmp_path / "source.txt").write_text(source, encoding="utf-8")
    one = scan([tmp_path], Settings(jobs=1))
    two = scan([tmp_path], Settings(jobs=2))
    assert one.pairs == two.pairs
    relations = {(Path(p.a).stem, Path(p.b).stem): p.relation for p in one.pairs}
    assert relations[("answer-c", "source")] == "overlap"  # found when held back pairs were settled
    assert {r for (a, b), r in relations.items() if a.startswith("notice")} == {"identical"}


def _u64(*values: int) -> np.ndarray:
    return np.array(values, dtype=np.uint64)


def common_shingles(sets: list[np.ndarray], min_texts: int, groups: np.ndarray | None = None) -> np.ndarray:
    """The rule written plainly: shingles in at least ``min_texts`` texts (a group is one text)."""
    texts: dict[int, set[int]] = {}
    for i, values in enumerate(sets):
        for value in set(values.tolist()):
            texts.setdefault(value, set()).add(i if groups is None else int(groups[i]))
    return np.array(sorted(v for v, t in texts.items() if len(t) >= min_texts), dtype=np.uint64)


def test_corpus_common_counts_identical_texts_once() -> None:
    sets = [_u64(1, 2, 3), _u64(1, 2, 3), _u64(1, 2, 4), _u64(1, 5)]
    assert corpus_common(flatten(sets), None, 3).common.tolist() == [1, 2]
    # The first two documents are one text: only shingle 1 is in three different texts.
    groups = text_groups(["x", "x", "y", "z"])
    assert groups.tolist() == [0, 0, 2, 3]
    assert corpus_common(flatten(sets), groups, 3).common.tolist() == [1]


@pytest.mark.parametrize("stretch", [None, 7])
def test_corpus_common_counts_every_common_shingle_and_its_holders(
    stretch: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if stretch is not None:  # the corpus's passes in many short stretches, several to a chunk
        monkeypatch.setattr(boilerplate, "_COUNT_CHUNK", stretch)
    rng = np.random.default_rng(3)
    docs = [rng.integers(0, 400, size=int(rng.integers(5, 60))).astype(np.uint64) for _ in range(80)]
    # Values that differ only in their low 32 bits, which the first count cannot tell apart.
    docs += [_u64(7 << 40 | 1, 5 << 40), _u64(7 << 40 | 2, 5 << 40), _u64(7 << 40 | 3)]
    groups = text_groups([f"t{i % 70}" for i in range(len(docs))])
    distinct = [np.unique(d) for d in docs]
    flat = flatten(docs)
    assert len(flat.chunks) == 1
    wording = corpus_common(flat, groups, 3)
    assert np.array_equal(wording.common, common_shingles(distinct, 3, groups))
    assert (7 << 40 | 1) not in wording.common.tolist()  # three values under one key, once each
    for value in wording.common.tolist():
        expected = [i for i, d in enumerate(distinct) if value in d.tolist()]
        assert wording.held_by(value).tolist() == expected
    assert wording.held_by(10**12).tolist() == []
    assert len(corpus_common(flatten(docs[:2]), None, 3).common) == 0


def test_pair_common_leaves_out_wording_held_only_by_the_pair_and_its_relatives() -> None:
    docs = [_u64(1, 2), _u64(1, 2), _u64(1, 2), _u64(2), _u64(9)]
    wording = corpus_common(flatten(docs), None, 3)
    assert wording.common.tolist() == [1, 2]
    held = [(0, 1, _u64(1, 2, 7))]
    # Shingle 1 is held by documents 0, 1 and 2; shingle 2 by 3 as well; 7 by no one else.
    assert pair_common(held, {}, wording)[(0, 1)].tolist() == [1, 2]
    assert pair_common(held, {0: {2}, 2: {0}}, wording)[(0, 1)].tolist() == [2]
    assert pair_common(held, {0: {2}, 1: {3}, 2: {0}, 3: {1}}, wording)[(0, 1)].tolist() == []


def test_corpus_common_is_the_same_when_its_keys_are_sorted_in_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    pool = rng.integers(0, 2**63, size=300, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    docs = [pool[rng.integers(0, 300, size=int(rng.integers(5, 40)))] for _ in range(120)]
    groups = text_groups([f"t{i % 100}" for i in range(len(docs))])
    whole = corpus_common(flatten(docs), groups, 3)
    assert len(whole.common) > 20
    for per_part in (16, 100, 1000):  # 2**8, 2**5 and 2**2 parts of the 2,700 keys or so
        monkeypatch.setattr(boilerplate, "_KEYS_PER_PART", per_part)
        parted = corpus_common(flatten(docs), groups, 3)
        assert np.array_equal(parted.common, whole.common)
        assert np.array_equal(parted.starts, whole.starts) and np.array_equal(parted.holders, whole.holders)
