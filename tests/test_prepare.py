from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dedup.models import Document, Skipped
from dedup.prepare import Prepared, _attribution, attribution, prepare_batch, prepare_texts
from dedup.shingle import shingle_hashes
from dedup.sources import Source, Text
from dedup.tokens import words
from dedup.wordhash import word_hashes

K = 5
MAX_BYTES = 1_000_000

ARTICLE = (
    "Iran and Russia signed a long-term strategic partnership treaty on Friday, "
    "pledging closer cooperation in energy, transport and security over twenty years."
)


def _source(tmp_path: Path, name: str, data: str | bytes) -> Source:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return Source(path, f"docs/{name}")


def _prepared(item: Prepared | Skipped) -> Prepared:
    assert isinstance(item, Prepared), item
    return item


def test_document_record(tmp_path: Path) -> None:
    text = "Reprinted from The Algemeiner\n\n" + ARTICLE + "\n"
    out = prepare_batch([_source(tmp_path, "a.txt", text)], K, MAX_BYTES)
    assert len(out) == 1
    item = _prepared(out[0])
    n_words = len(words(text))
    assert n_words == 27  # 'long-term' is two words
    assert item.document == Document(
        path="docs/a.txt",
        content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        words=n_words,
        encoding="utf-8",
        attribution="The Algemeiner",
    )
    assert item.shingles.dtype == np.uint64
    assert len(item.shingles) == n_words - K + 1
    expected = shingle_hashes(word_hashes(words(text)), K)
    assert np.array_equal(item.shingles, expected)
    assert item.text_hash == hashlib.sha256(word_hashes(words(text)).tobytes()).hexdigest()


def test_content_hash_is_of_the_raw_bytes(tmp_path: Path) -> None:
    data = b"\xef\xbb\xbf" + ARTICLE.encode("utf-8")
    item = _prepared(prepare_batch([_source(tmp_path, "bom.txt", data)], K, MAX_BYTES)[0])
    assert item.document.content_hash == hashlib.sha256(data).hexdigest()
    assert item.document.encoding == "utf-8"
    legacy = b"caf\xe9 \x93quoted\x94 text"
    old = _prepared(prepare_batch([_source(tmp_path, "old.txt", legacy)], K, MAX_BYTES)[0])
    assert old.document.encoding == "cp1252"
    assert old.document.content_hash == hashlib.sha256(legacy).hexdigest()
    assert old.document.words == 3
    assert item.document.words == len(words(ARTICLE))


def test_short_document_has_one_shingle(tmp_path: Path) -> None:
    item = _prepared(prepare_batch([_source(tmp_path, "s.txt", "Just three words")], K, 100)[0])
    assert item.document.words == 3
    assert len(item.shingles) == 1


def test_text_hash_ignores_layout_and_case(tmp_path: Path) -> None:
    a = _source(tmp_path, "a.txt", ARTICLE)
    b = _source(tmp_path, "b.txt", "  " + ARTICLE.upper().replace(" ", "\n\n  ") + "\n")
    c = _source(tmp_path, "c.txt", ARTICLE.replace("Friday", "Monday"))
    pa, pb, pc = (_prepared(x) for x in prepare_batch([a, b, c], K, MAX_BYTES))
    assert pa.text_hash == pb.text_hash
    assert pa.document.content_hash != pb.document.content_hash
    assert np.array_equal(pa.shingles, pb.shingles)
    assert pa.text_hash != pc.text_hash


def test_skipped_records_in_order(tmp_path: Path) -> None:
    sources = [
        _source(tmp_path, "good.txt", ARTICLE),
        _source(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        _source(tmp_path, "empty.txt", b""),
        _source(tmp_path, "blank.txt", "  \n\n\t "),
        _source(tmp_path, "dashes.txt", "--- *** !!! ---"),
        _source(tmp_path, "big.txt", "word " * 50),
        _source(tmp_path, "second.md", "# Title\n\nSome more words."),
    ]
    out = prepare_batch(sources, K, 200)
    assert [type(x).__name__ for x in out] == [
        "Prepared",
        "Skipped",
        "Skipped",
        "Skipped",
        "Skipped",
        "Skipped",
        "Prepared",
    ]
    assert out[1] == Skipped("docs/image.txt", "binary")
    assert out[2] == Skipped("docs/empty.txt", "empty")
    assert out[3] == Skipped("docs/blank.txt", "empty")
    assert out[4] == Skipped("docs/dashes.txt", "no words")
    assert isinstance(out[5], Skipped)
    assert out[5].reason.startswith("too large")
    assert _prepared(out[6]).document.words == 4


def test_missing_file_is_skipped_not_raised(tmp_path: Path) -> None:
    out = prepare_batch([Source(tmp_path / "gone.txt", "gone.txt")], K, MAX_BYTES)
    assert isinstance(out[0], Skipped)
    assert out[0].reason.startswith("unreadable")


def test_result_does_not_depend_on_the_batch(tmp_path: Path) -> None:
    a = _source(tmp_path, "a.txt", ARTICLE)
    b = _source(tmp_path, "b.txt", "Other words entirely, and " + ARTICLE)
    alone = _prepared(prepare_batch([a], K, MAX_BYTES)[0])
    together = _prepared(prepare_batch([b, a], K, MAX_BYTES)[1])
    assert alone.document == together.document
    assert alone.text_hash == together.text_hash
    assert np.array_equal(alone.shingles, together.shingles)


def test_html_document_counts_visible_words(tmp_path: Path) -> None:
    html = "<html><head><title>Pact</title></head><body><script>x = 1</script><p>{}</p></body></html>"
    item = _prepared(prepare_batch([_source(tmp_path, "p.html", html.format(ARTICLE))], K, 10_000)[0])
    assert item.document.words == len(words(ARTICLE)) + 1  # the title is visible
    assert item.document.content_hash == hashlib.sha256(html.format(ARTICLE).encode()).hexdigest()


def test_documents_attribution_per_file(tmp_path: Path) -> None:
    sources = [
        _source(tmp_path, "orig.txt", ARTICLE),
        _source(
            tmp_path,
            "conv.txt",
            ARTICLE + "\n\nThis article originally appeared in The Conversation.\n",
        ),
    ]
    docs = [_prepared(x).document for x in prepare_batch(sources, K, MAX_BYTES)]
    assert [d.attribution for d in docs] == [None, "The Conversation"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Reprinted from The Algemeiner", "The Algemeiner"),
        ("Headline\n\nReprinted from The Algemeiner\n\nBody text.", "The Algemeiner"),
        ("This article originally appeared in The Conversation.", "The Conversation"),
        ("This story was first published on BBC News.", "BBC News"),
        ("Originally published by Reuters", "Reuters"),
        ("REPUBLISHED WITH PERMISSION FROM Haaretz", "Haaretz"),
        ("Syndicated courtesy of JNS.org", "JNS.org"),
        ("— Reprinted from The Algemeiner —", "The Algemeiner"),
        ("Source: Associated Press", "Associated Press"),
        ("Body first.\nReprinted from A\nOriginally appeared in B", "A"),  # the first line wins
    ],
)
def test_attribution_finds_the_source(text: str, expected: str) -> None:
    assert attribution(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        ARTICLE,
        "",
        "The source of the river lies high in the mountains.",
        "He reprinted the letter from his friend in the newsletter.",
        "We first published our findings in 2020 and again later.",
        "Reprinted\n",
        "Open source software is everywhere; its source code is public.",
    ],
)
def test_attribution_none_for_ordinary_text(text: str) -> None:
    assert attribution(text) is None


SAMPLES = Path(__file__).parents[1] / "samples"


def test_tokenize_batch_gives_what_prepare_gives(tmp_path: Path) -> None:
    """The check stage re-tokenises texts with offsets; its shingles, text hashes and quotation
    flags must be the scan's, for ASCII texts (batched) and others alike."""
    from dedup.prepare import tokenize_batch
    from dedup.tokens import TokenList, tokenize

    texts = [
        'He said "we will not leave" and left.\nNext line "open quote\nclosed" here.',
        "Café owners say “no” to the plan; the mayor’s office disagrees.",
        "plain words only, no quotes at all in this one",
        "tiny",
        "",
        "!!! ---",
        *(p.read_text(encoding="utf-8") for p in sorted(SAMPLES.glob("*.txt"))),
    ]
    files = []
    for i, text in enumerate(texts):
        path = tmp_path / f"{i:02}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        files.append(Source(path, path.name))
    prepared = prepare_batch(files, 5, 10**7)
    tokenized = tokenize_batch([text + "\n" for text in texts], 5)
    for text, p, t in zip(texts, prepared, tokenized, strict=True):
        assert list(t.tokens) == tokenize(text + "\n")
        if isinstance(p, Skipped):
            assert len(t.tokens) == 0
            continue
        assert np.array_equal(p.shingles, t.shingles)
        # The tokens keep those shingles for alignment, equal to what they would work out.
        assert t.tokens.shingles(5) is t.shingles
        assert np.array_equal(TokenList(text + "\n").shingles(5), t.shingles)
        assert p.text_hash == t.text_hash
        assert (p.quoted is None) == (t.quoted is None)
        if p.quoted is not None and t.quoted is not None:
            assert np.array_equal(p.quoted, t.quoted)


_ATTRIBUTION_PIECES = st.sampled_from(
    [
        "Reprinted",
        "REPUBLISHED",
        "x'republished",
        "'Reposted",
        "Syndicated",
        "adapted",
        "from",
        "with permission",
        "courtesy of",
        "This article",
        "was",
        "Originally",
        "FIRST",
        "first,",
        "appeared",
        "Published",
        "ran",
        "posted",
        "in",
        "on",
        "by",
        "Source",
        "source:",
        ":",
        "—",
        "\n",
        "\n\n",
        "The Algemeiner",
        "1851,",
        "Creative",
        "Commons",
        "commonsx",
        "under a",
        "word",
        "İ",
    ]
)


@settings(max_examples=300, deadline=None)
@example([["word"], ["Reprinted", "from", "The Algemeiner"]], " ")  # a text's first word
@example([[], ["Source", ":", "The Algemeiner"]], "\n")  # after a text with no words
@example([["x'republished", "from", "The Algemeiner", "under a", "Creative", "Commons"]], " ")
@example([["This article", "was", "FIRST", "Published", "in", "The Algemeiner"]], " ")
@given(st.lists(st.lists(_ATTRIBUTION_PIECES, max_size=12), max_size=6), st.sampled_from([" ", "\n", " — "]))
def test_batch_attribution_equals_the_full_search(pieces: list[list[str]], sep: str) -> None:
    # Word hashes rule most ASCII texts out before any pattern is tried; whatever the batch, no
    # text may get a different attribution from the one the full search of its text gives.
    texts = [sep.join(p) for p in pieces]
    records = [Text(Source(Path(f"{i}.txt"), f"{i}.txt"), t, "utf-8", str(i)) for i, t in enumerate(texts)]
    for text, out in zip(texts, prepare_texts(records, K), strict=True):
        expected = _attribution(text)
        if isinstance(out, Skipped):
            assert not words(text)
        else:
            assert out.document.attribution == expected, text
