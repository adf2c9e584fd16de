from __future__ import annotations

import random
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup import Settings, scan
from dedup.models import Report

WORDS = [
    "river",
    "bank",
    "council",
    "budget",
    "library",
    "treaty",
    "signed",
    "minister",
    "said",
    "week",
    "year",
    "school",
    "road",
    "market",
    "price",
    "rain",
    "storm",
    "north",
    "south",
    "city",
    "plan",
    "report",
    "court",
    "judge",
    "vote",
    "party",
    "leader",
]


def article(seed: int, n: int = 120) -> str:
    rng = random.Random(seed)
    sentences = []
    for _ in range(n // 10):
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(10)).capitalize() + ".")
    return " ".join(sentences)


CORPUS = {
    "orig": article(1, 300),
    "reprint": "Reprinted from The Daily.\n" + article(1, 300) + "\nRELATED:\n" + article(9),
    "truncated": article(1, 300)[:900],
    "other": article(2, 300),
    "third": article(3, 200),
}


def relations(report: Report, names: dict[str, str]) -> set[tuple[frozenset[str], str, float]]:
    """Pairs keyed by document content, not by file name."""
    return {
        (frozenset((names[Path(p.a).name], names[Path(p.b).name])), p.relation, p.jaccard)
        for p in report.pairs
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(sorted(CORPUS)))
def test_results_do_not_depend_on_file_order(tmp_path_factory: object, order: list[str]) -> None:
    folder = tmp_path_factory.mktemp("corpus")  # type: ignore[attr-defined]
    names = {}
    for i, key in enumerate(order):
        name = f"{i:02d}.txt"
        (folder / name).write_text(CORPUS[key], encoding="utf-8")
        names[name] = key
    found = relations(scan([folder], Settings(jobs=1)), names)
    reference = {
        (frozenset(("orig", "reprint")), "contained"),
        (frozenset(("orig", "truncated")), "contained"),
        (frozenset(("reprint", "truncated")), "contained"),
    }
    assert {(pair, rel) for pair, rel, _ in found} == reference


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1))
def test_identical_files_are_identical(tmp_path_factory: object, text: str) -> None:
    folder = tmp_path_factory.mktemp("same")  # type: ignore[attr-defined]
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text(text, encoding="utf-8")
    report = scan([folder], Settings(jobs=1))
    if len(report.documents) < 2:  # text without words or not text at all is skipped, both alike
        assert len(report.skipped) == 2 and not report.pairs
        return
    (pair,) = report.pairs
    assert pair.relation == "identical"
    assert pair.jaccard == 1.0 and pair.a_in_b == 1.0 and pair.b_in_a == 1.0


def test_parallel_batches_give_the_same_report(tmp_path: Path) -> None:
    for i in range(700):  # several worker batches
        (tmp_path / f"{i:04d}.txt").write_text(article(i % 350, 80), encoding="utf-8")
    one = scan([tmp_path], Settings(jobs=1))
    two = scan([tmp_path], Settings(jobs=2))
    assert one.pairs == two.pairs
    assert one.clusters == two.clusters
    assert len(one.pairs) == 350
    assert {p.relation for p in one.pairs} == {"identical"}


def test_shared_boilerplate_alone_makes_no_pair(tmp_path: Path) -> None:
    footer = (
        "Subscribe to our newsletter for the latest news from the valley and beyond. "
        "Follow us on social media, share this story with your friends, and leave a comment "
        "below. All rights reserved by the Valley Courier media group and its partners."
    )
    for i in range(12):
        (tmp_path / f"site-{i:02d}.txt").write_text(article(100 + i, 250) + "\n" + footer)
    report = scan([tmp_path], Settings(jobs=1))
    assert report.pairs == ()
    assert report.stats["boilerplate_shingles"] > 20


def test_widely_reprinted_article_is_not_boilerplate(tmp_path: Path) -> None:
    body = article(7, 400)
    for i in range(15):
        extra = article(200 + i, 60)
        (tmp_path / f"copy-{i:02d}.txt").write_text(f"Site {i} edition.\n{body}\n{extra}")
    report = scan([tmp_path], Settings(jobs=1))
    assert len(report.pairs) == 15 * 14 // 2
    assert len(report.clusters) == 1


def test_file_changed_or_gone_during_the_scan(tmp_path: Path) -> None:
    """Candidates are verified on texts read again: a file that is gone gives a warning and no
    pair; a file whose content changed gives a warning and is checked on its current text."""
    from dedup.pipeline import check_batch
    from dedup.sources import Source

    for name, text in CORPUS.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    sources = {f"{n}.txt": Source(tmp_path / f"{n}.txt", f"{n}.txt") for n in CORPUS}
    report = scan([tmp_path], Settings(jobs=1))
    hashes = {d.path.rsplit("/", 1)[-1]: d.content_hash for d in report.documents}
    candidates = [("orig.txt", "reprint.txt"), ("orig.txt", "truncated.txt")]
    empty = np.empty(0, dtype=np.uint64)
    pairs, warnings, _ = check_batch(candidates, sources, hashes, Settings(), empty)
    assert [(p.a, p.b) for p in pairs] == candidates and warnings == []
    before = pairs[0]
    (tmp_path / "reprint.txt").write_text(CORPUS["reprint"] + "\nA late correction.", encoding="utf-8")
    (tmp_path / "truncated.txt").unlink()
    pairs, warnings, _ = check_batch(candidates, sources, hashes, Settings(), empty)
    assert [(p.a, p.b) for p in pairs] == [("orig.txt", "reprint.txt")]
    assert pairs[0].relation == before.relation and pairs[0].b_in_a < before.b_in_a  # the new text
    assert warnings == [
        "reprint.txt changed since it was read; its pairs are checked on its current text",
        "truncated.txt could not be read again: unreadable (No such file or directory);"
        " its pairs are left out",
    ]


def test_index_record_stale_behind_same_size_and_time_keeps_its_pairs(tmp_path: Path) -> None:
    """An edit that keeps a file's size and modification time is invisible to the index; the
    pair is still reported (checked on the current text), with a warning."""
    import os

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in CORPUS.items():
        (corpus / f"{name}.txt").write_text(text, encoding="utf-8")
    plain = scan([corpus], Settings(jobs=1), cwd=tmp_path)
    indexed = scan([corpus], Settings(jobs=1), cwd=tmp_path, use_index=True)
    assert indexed.pairs == plain.pairs
    target = corpus / "reprint.txt"
    stat = target.stat()
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("Reprinted", "REPRINTED"), encoding="utf-8")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    warned: list[str] = []
    again = scan([corpus], Settings(jobs=1), cwd=tmp_path, use_index=True, warn=warned.append)
    assert {(p.a, p.b) for p in again.pairs} == {(p.a, p.b) for p in plain.pairs}
    assert any("reprint.txt changed since it was read" in w for w in warned)


def test_explained_pairs_survive_the_trip_between_processes() -> None:
    # Workers send explained pairs to the parent by pickling; the records pickle as constructor
    # calls, so a field out of order would come back in the wrong place.
    import pickle

    samples = Path(__file__).parent.parent / "samples"
    report = scan([samples], Settings(jobs=1))
    pairs = [p for p in report.pairs if p.explanation is not None]
    assert pairs and any(s.edits for p in pairs for s in p.explanation.spans_a)  # type: ignore[union-attr]
    back = pickle.loads(pickle.dumps(pairs, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == pairs
    assert [p.explanation for p in back] == [p.explanation for p in pairs]


def test_candidates_that_share_too_little_are_dropped_and_counted(monkeypatch: object) -> None:
    import pytest

    import dedup.pipeline as pipeline
    from dedup.sketch import layout

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2**64, size=300, dtype=np.uint64)
    twin = a ^ (rng.integers(1, 256, size=300, dtype=np.uint64) << np.uint64(32))  # alike in 32 bits only
    copy = np.concatenate((rng.integers(0, 2**64, size=50, dtype=np.uint64), a[:200]))
    near = twin.copy()
    near[[40, 41, 200]] = a[[40, 41, 200]]  # three shingles of ``a`` itself: a run of two words' worth
    seqs = [a, twin, copy, near]
    lay = layout(seqs, range(4), 20)
    text_hashes = ["a", "twin", "copy", "near"]
    # The twins meet ``a`` in every band, so by default they are not even looked at.
    stats: dict[str, int] = {}
    every = [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    assert pipeline.candidates_of(lay, text_hashes, Settings(), stats) == every
    assert stats["candidates_sharing_nothing"] == stats["candidates_sharing_too_little"] == 0
    monkeypatch.setattr(pipeline, "FEW_BANDS", 32)
    stats = {}
    assert pipeline.candidates_of(lay, text_hashes, Settings(), stats) == [(0, 2), (1, 3)]
    # near shares 3 shingles with a, and 2 with copy (a's first 200 are in it): too few for any
    # relation at the defaults. twin shares none with a or copy; near is nearly all twin.
    assert stats["candidates_sharing_nothing"] == 2
    assert stats["candidates_sharing_too_little"] == 2
    assert stats["candidates"] == 6
    # A threshold low enough for three shingles (7 words) keeps the pair that has them.
    stats = {}
    low = Settings(overlap_words=7)
    assert pipeline.candidates_of(lay, text_hashes, low, stats) == [(0, 2), (0, 3), (1, 3)]
    assert stats["candidates_sharing_too_little"] == 1


def test_candidates_checked_later_give_the_same_pairs_in_path_order(
    tmp_path: Path, monkeypatch: object
) -> None:
    """check_all checks what ``later`` returns once the first candidates are on their way, on one
    process or several, and returns the pairs sorted by path as if all had come at once."""
    from concurrent.futures import ProcessPoolExecutor

    import pytest

    import dedup.pipeline as pipeline
    from dedup.pipeline import check_all
    from dedup.sources import Source

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setattr(pipeline, "CHECK_BATCH", 2)  # several tasks, so the pool is used

    for name, text in CORPUS.items():
        (tmp_path / f"{name}.txt").write_text(text, encoding="utf-8")
    names = sorted(f"{n}.txt" for n in CORPUS)
    sources = {n: Source(tmp_path / n, n) for n in names}
    report = scan([tmp_path], Settings(jobs=1))
    hashes = {d.path.rsplit("/", 1)[-1]: d.content_hash for d in report.documents}
    every = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    empty = np.empty(0, dtype=np.uint64)
    at_once = check_all(every, sources, hashes, Settings(), empty, True).pairs
    assert len(at_once) >= 3
    calls: list[int] = []

    def later() -> list[tuple[str, str]]:
        calls.append(1)
        return every[:5]  # holds (orig, reprint), which comes before the first's pairs

    with ProcessPoolExecutor(2) as pool:
        for run_on in (None, pool):
            calls.clear()
            split = check_all(every[5:], sources, hashes, Settings(), empty, True, run_on, None, later).pairs
            assert calls == [1]
            assert split == at_once
