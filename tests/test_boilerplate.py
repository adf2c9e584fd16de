from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.boilerplate import boilerplate_shingles
from dedup.shingle import shingle_hashes
from dedup.wordhash import word_hashes

K = 5
MIN_DOCS = 10
SHARE = 0.3


def _random_words(rng: np.random.Generator, n: int) -> list[str]:
    return [f"w{int(i)}" for i in rng.integers(0, 100_000, size=n)]


def _distinct(docs: list[list[str]]) -> list[np.ndarray]:
    return [np.unique(shingle_hashes(word_hashes(d), K)) for d in docs]


def _shingle_set(ws: list[str]) -> set[int]:
    return set(shingle_hashes(word_hashes(ws), K).tolist())


def test_shared_site_footer_is_boilerplate() -> None:
    rng = np.random.default_rng(0)
    footer = _random_words(rng, 40)
    docs = [_random_words(rng, int(rng.integers(150, 400))) + footer for _ in range(12)]
    out = boilerplate_shingles(_distinct(docs), MIN_DOCS, SHARE)
    assert out.dtype == np.uint64
    assert out.tolist() == sorted(out.tolist())
    # Exactly the shingles wholly inside the footer (36 of them), none straddling into a body.
    assert set(out.tolist()) == _shingle_set(footer)
    assert len(out) == 40 - K + 1


def test_footer_in_too_few_documents_is_not_boilerplate() -> None:
    rng = np.random.default_rng(1)
    footer = _random_words(rng, 40)
    docs = [_random_words(rng, 200) + footer for _ in range(MIN_DOCS - 1)]
    docs += [_random_words(rng, 200) for _ in range(5)]
    assert len(boilerplate_shingles(_distinct(docs), MIN_DOCS, SHARE)) == 0


def test_footer_and_header_both_found() -> None:
    rng = np.random.default_rng(2)
    header = _random_words(rng, 12)
    footer = _random_words(rng, 40)
    docs = [header + _random_words(rng, 300) + footer for _ in range(15)]
    out = set(boilerplate_shingles(_distinct(docs), MIN_DOCS, SHARE).tolist())
    assert out == _shingle_set(header) | _shingle_set(footer)


def test_widely_reprinted_article_is_not_boilerplate() -> None:
    rng = np.random.default_rng(3)
    article = _random_words(rng, 300)
    docs = [article + _random_words(rng, int(rng.integers(10, 80))) for _ in range(12)]
    distinct = _distinct(docs)
    # The article's shingles are in all 12 documents, yet they are most of each one.
    counts = {h: sum(h in set(d.tolist()) for d in distinct) for h in _shingle_set(article)}
    assert min(counts.values()) == 12
    out = boilerplate_shingles(distinct, MIN_DOCS, SHARE)
    assert len(out) == 0


def test_reprinted_article_beside_footer_pages() -> None:
    rng = np.random.default_rng(4)
    footer = _random_words(rng, 40)
    article = _random_words(rng, 300)
    site = [_random_words(rng, 300) + footer for _ in range(12)]
    reprints = [_random_words(rng, 20) + article for _ in range(12)]
    out = set(boilerplate_shingles(_distinct(site + reprints), MIN_DOCS, SHARE).tolist())
    assert out == _shingle_set(footer)
    assert not out & _shingle_set(article)


def test_share_threshold_decides() -> None:
    rng = np.random.default_rng(5)
    footer = _random_words(rng, 40)  # 36 shingles
    docs = [_random_words(rng, 100) + footer for _ in range(12)]  # ~36 of ~136 shingles: 0.26
    distinct = _distinct(docs)
    assert set(boilerplate_shingles(distinct, MIN_DOCS, 0.3).tolist()) == _shingle_set(footer)
    assert len(boilerplate_shingles(distinct, MIN_DOCS, 0.2)) == 0


def test_min_docs_threshold_decides() -> None:
    rng = np.random.default_rng(6)
    footer = _random_words(rng, 40)
    docs = [_random_words(rng, 300) + footer for _ in range(6)]
    distinct = _distinct(docs)
    assert len(boilerplate_shingles(distinct, 7, SHARE)) == 0
    assert set(boilerplate_shingles(distinct, 6, SHARE).tolist()) == _shingle_set(footer)


def test_fewer_documents_than_min_docs_gives_nothing() -> None:
    rng = np.random.default_rng(7)
    same = _random_words(rng, 40)
    docs = [same for _ in range(MIN_DOCS - 1)]
    assert len(boilerplate_shingles(_distinct(docs), MIN_DOCS, 1.0)) == 0


def test_empty_inputs() -> None:
    assert len(boilerplate_shingles([], MIN_DOCS, SHARE)) == 0
    empties = [np.empty(0, dtype=np.uint64) for _ in range(12)]
    out = boilerplate_shingles(empties, MIN_DOCS, SHARE)
    assert len(out) == 0
    assert out.dtype == np.uint64


def test_empty_documents_do_not_break_counting() -> None:
    rng = np.random.default_rng(8)
    footer = _random_words(rng, 40)
    docs = [_random_words(rng, 300) + footer for _ in range(10)] + [[] for _ in range(5)]
    out = set(boilerplate_shingles(_distinct(docs), MIN_DOCS, SHARE).tolist())
    assert out == _shingle_set(footer)


def test_prefilter_gives_the_exact_result(monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.boilerplate as module

    rng = np.random.default_rng(3)
    common = rng.integers(0, 2**63, 50, dtype=np.uint64)
    sets = []
    for i in range(3000):
        own = rng.integers(0, 2**63, 300, dtype=np.uint64)
        if i % 5 == 0:
            own = np.concatenate([own, common[: rng.integers(5, 50)]])
        sets.append(np.unique(own))
    monkeypatch.setattr(module, "_PREFILTER_FROM", 1 << 40)
    plain = module.boilerplate_shingles(sets, 10, 0.3)
    monkeypatch.setattr(module, "_PREFILTER_FROM", 0)
    filtered = module.boilerplate_shingles(sets, 10, 0.3)
    assert len(plain) > 40
    assert np.array_equal(plain, filtered)


@settings(max_examples=80, deadline=None)
@given(
    data_seed=st.integers(0, 2**32 - 1),
    n_docs=st.integers(min_value=0, max_value=40),
    min_docs=st.integers(min_value=2, max_value=8),
    share=st.sampled_from([0.1, 0.3, 0.5, 1.0]),
    chunk=st.integers(min_value=1, max_value=300),
    jobs=st.sampled_from([1, 2]),
    min_count=st.sampled_from([1, 7, 1 << 20]),
    table_bits=st.sampled_from([None, 2, 5]),
)
def test_corpus_boilerplate_equals_the_rule_on_distinct_sets(
    data_seed: int,
    n_docs: int,
    min_docs: int,
    share: float,
    chunk: int,
    jobs: int,
    min_count: int,
    table_bits: int | None,
) -> None:
    """The scan's path (bucket counts over sequences laid end to end, repeats included, in
    stretches of whole chunks or of parts of them, and with tables so small that the corpus is
    counted in parts of its values) gives exactly the rule computed on each document's distinct
    set."""
    from unittest.mock import patch

    import dedup.boilerplate as module
    from dedup.boilerplate import corpus_boilerplate
    from dedup.shingle import ShingleStore, sorted_unique

    rng = np.random.default_rng(data_seed)
    common = rng.integers(0, 2**64, size=12, dtype=np.uint64)
    docs = []
    for _ in range(n_docs):
        own = rng.integers(0, 2**64, size=int(rng.integers(0, 30)), dtype=np.uint64)
        shared = common[rng.integers(0, len(common), size=int(rng.integers(0, 15)))]
        docs.append(rng.permutation(np.concatenate((own, shared, shared[:3]))))

    class Small(ShingleStore):
        CHUNK = chunk

    store = Small()
    stored = [store(d) for d in docs]
    expected = boilerplate_shingles([sorted_unique(d) for d in docs], min_docs, share)
    top = module._BUCKET_BITS if table_bits is None else table_bits
    bits = {"_BUCKET_BITS": top, "_MIN_BUCKET_BITS": min(top, module._MIN_BUCKET_BITS)}
    with patch.object(module, "_MIN_COUNT", min_count), patch.multiple(module, **bits):
        assert np.array_equal(corpus_boilerplate(stored, min_docs, share, jobs), expected)
        assert np.array_equal(corpus_boilerplate(docs, min_docs, share, jobs), expected)


@pytest.mark.parametrize("n_docs", [50, 1 << 61])
def test_distinct_entries_sorts_by_value_then_document_without_repeats(n_docs: int) -> None:
    # 1 << 61 documents leave no room to number the values beside them: the two-key sort then.
    from dedup.boilerplate import _distinct_entries

    rng = np.random.default_rng(5)
    values = rng.integers(0, 2**64, size=40, dtype=np.uint64)
    value = values[rng.integers(0, 40, size=3000)]
    doc = np.sort(rng.integers(0, 50, size=3000))[rng.permutation(3000)]
    got_value, got_doc = _distinct_entries(value, doc, n_docs)
    expected = sorted(set(zip(value.tolist(), doc.tolist(), strict=True)))
    assert list(zip(got_value.tolist(), got_doc.tolist(), strict=True)) == expected
    assert len(expected) < 2000  # the input repeated entries
