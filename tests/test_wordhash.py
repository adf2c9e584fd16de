"""The byte-level tokenizer and hasher agree with the regex tokenizer on any text."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup.tokens import quoted_words, words
from dedup.wordhash import ascii_words, segment_hashes, word_hashes

ASCII = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=127), max_size=300)


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(ASCII, min_size=1, max_size=6))
def test_ascii_batch_equals_regex_tokenizer(texts: list[str]) -> None:
    for text, (hashes, inside) in zip(texts, ascii_words(texts), strict=True):
        assert np.array_equal(hashes, word_hashes(words(text)))
        flags = quoted_words(text)
        expected = np.zeros(len(hashes), dtype=bool) if flags is None else flags
        assert np.array_equal(inside, expected)


def test_ascii_batch_edge_cases() -> None:
    texts = ["Iran's PACT, \"signed today\" 'tis a''b\n\"open", "", "x", "dogs' day"]
    got = ascii_words(texts)
    assert [len(h) for h, _ in got] == [len(words(t)) for t in texts]
    assert got[0][1].tolist() == [False, False, True, True, False, False, False, True]


def test_segment_hashes_depend_on_bytes_and_length() -> None:
    data = np.frombuffer(b"abab\x00ab", dtype=np.uint8)
    starts = np.array([0, 2, 5, 0], dtype=np.int64)
    ends = np.array([2, 4, 7, 4], dtype=np.int64)
    h = segment_hashes(data, starts, ends)
    assert h[0] == h[1] == h[2]  # "ab" wherever it stands
    assert h[3] != h[0]
