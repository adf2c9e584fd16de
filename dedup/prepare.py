"""Per-document work, pure over a batch of files: read, tokenise, shingle, note attribution lines.

Runs in worker processes; its output depends only on the files and the settings, never on the batch.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from dedup.label import ATTRIBUTION_VERBS, ATTRIBUTION_WORDS, attribution
from dedup.models import Document, Skipped
from dedup.shingle import U64, batch_shingle_hashes, quoted_shingles
from dedup.sources import Source, Text, read_text
from dedup.tokens import TokenList, quoted_words, words
from dedup.wordhash import ascii_word_spans, ascii_words_marked, word_hashes


@dataclass(frozen=True)
class Prepared:
    """A document ready for sketching: its record and its shingle hashes in text order."""

    document: Document
    shingles: U64
    text_hash: str
    """sha256 of the word hashes: equal for documents whose normalised words are equal."""
    quoted: npt.NDArray[np.bool_] | None = None
    """Per shingle, whether it lies wholly inside quotation marks (None: the text has none)."""


EDGE = 3000
"""Characters at each end of a document searched for an attribution line (headers and footers)."""


def _attribution(text: str) -> str | None:
    if len(text) <= 2 * EDGE:
        return attribution(text)
    return attribution(text[:EDGE]) or attribution(text[-EDGE:])


@lru_cache(maxsize=1)
def _attribution_hashes() -> tuple[U64, U64, U64]:
    return word_hashes(list(ATTRIBUTION_WORDS)), word_hashes(["first"]), word_hashes(list(ATTRIBUTION_VERBS))


def _attribution_starts(hashes: U64) -> npt.NDArray[np.bool_]:
    """Words (by hash) that may begin an attribution line; no text without one has any (see
    ``label.ATTRIBUTION_WORDS``). Ruling the others out here costs about 1 µs a document, against
    about 12 µs for the substring searches of ``label.attribution`` (measured on 5,000 documents
    of the speed benchmark's corpus)."""
    keys, first, verbs = _attribution_hashes()
    out = np.isin(hashes, keys)
    at = np.flatnonzero(hashes[:-1] == first[0])
    out[at[np.isin(hashes[at + 1], verbs)]] = True
    return out


def prepare_batch(sources: Sequence[Source], shingle_size: int, max_bytes: int) -> list[Prepared | Skipped]:
    """Read and shingle each file; a file that cannot be used becomes a Skipped record.

    ASCII documents are tokenised and hashed together on their bytes (``wordhash.ascii_words``);
    the others word by word with the ``regex`` tokenizer. Both give the same hashes.
    """
    return prepare_texts([read_text(source, max_bytes) for source in sources], shingle_size)


def prepare_texts(texts: Sequence[Text | Skipped], shingle_size: int) -> list[Prepared | Skipped]:
    """:func:`prepare_batch` on texts already read (Skipped records pass through)."""
    ascii_texts = [t for t in texts if isinstance(t, Text) and t.text.isascii()]
    found, may_attribute = ascii_words_marked([t.text for t in ascii_texts], _attribution_starts)
    bulk = dict(zip((id(t) for t in ascii_texts), found, strict=True))
    no_attribution = {id(t) for t, may in zip(ascii_texts, may_attribute.tolist(), strict=True) if not may}
    hashed: list[tuple[Text, U64, npt.NDArray[np.bool_] | None] | Skipped] = []
    # Copies of one text in a batch are tokenised once (the regex tokenizer's path is the slow one).
    done: dict[str, tuple[U64, npt.NDArray[np.bool_] | None]] = {}
    for text in texts:
        if isinstance(text, Skipped):
            hashed.append(text)
            continue
        flags: npt.NDArray[np.bool_] | None
        if id(text) in bulk:
            hashes, flags = bulk[id(text)]
            if not flags.any():
                flags = None
        elif text.text in done:
            hashes, flags = done[text.text]
        else:
            hashes = word_hashes(words(text.text))
            flags = quoted_words(text.text)
            done[text.text] = (hashes, flags)
        hashed.append(Skipped(text.source.display, "no words") if not len(hashes) else (text, hashes, flags))
    usable = [h for h in hashed if not isinstance(h, Skipped)]
    shingled = iter(batch_shingle_hashes([h[1] for h in usable], shingle_size))
    out: list[Prepared | Skipped] = []
    for item in hashed:
        if isinstance(item, Skipped):
            out.append(item)
            continue
        text, hashes, flags = item
        shingles = next(shingled)
        quoted = quoted_shingles(flags, shingle_size) if flags is not None else None
        document = Document(
            path=text.source.display,
            content_hash=text.content_hash,
            words=len(hashes),
            encoding=text.encoding,
            attribution=None if id(text) in no_attribution else _attribution(text.text),
        )
        out.append(Prepared(document, shingles, hashlib.sha256(hashes.tobytes()).hexdigest(), quoted))
    return out


@dataclass(frozen=True)
class Tokenized:
    """A text's tokens with offsets, and what verification needs of it: the same shingles, text
    hash and quotation flags as :func:`prepare_texts` gives."""

    tokens: TokenList
    shingles: U64
    text_hash: str
    quoted: npt.NDArray[np.bool_] | None


def tokenize_batch(texts: Sequence[str], shingle_size: int) -> list[Tokenized]:
    """Tokenise texts keeping offsets, ASCII ones together in one pass (see :func:`prepare_texts`)."""
    ascii_at = [i for i, text in enumerate(texts) if text.isascii()]
    found: dict[int, tuple[TokenList, npt.NDArray[np.bool_] | None]] = {}
    for i, (starts, ends, hashes, inside) in zip(
        ascii_at, ascii_word_spans([texts[i] for i in ascii_at]), strict=True
    ):
        found[i] = (TokenList.from_ascii(texts[i], starts, ends, hashes), inside if inside.any() else None)
    first: dict[str, int] = {}
    for i, text in enumerate(texts):
        if i not in found:
            # Copies of one text share their tokens (they are read, never changed).
            at = first.setdefault(text, i)
            found[i] = found[at] if at != i else (TokenList(text), quoted_words(text))
    pieces = [found[i] for i in range(len(texts))]
    shingled = batch_shingle_hashes([tokens.hashes for tokens, _ in pieces], shingle_size)
    for (tokens, _), shingles in zip(pieces, shingled, strict=True):
        tokens.remember_shingles(shingle_size, shingles)
    return [
        Tokenized(
            tokens,
            shingles,
            hashlib.sha256(tokens.hashes.tobytes()).hexdigest(),
            quoted_shingles(flags, shingle_size) if flags is not None else None,
        )
        for (tokens, flags), shingles in zip(pieces, shingled, strict=True)
    ]


@dataclass(frozen=True)
class PackedBatch:
    """A batch of :func:`prepare_batch` results in a few flat arrays and tuples: what a worker
    process sends back, several times cheaper to pickle than the records themselves."""

    shingles: U64
    """Every prepared document's shingles, concatenated."""
    lengths: npt.NDArray[np.int64]
    quoted: npt.NDArray[np.bool_]
    """Quotation flags of the documents that have them, concatenated."""
    rows: tuple[tuple[str, str, int, str, str | None, str, bool] | tuple[str, str], ...]
    """Per result: (path, content hash, words, encoding, attribution, text hash, has quotes), or
    (path, reason) for a skipped file."""
    placed: tuple[int, int] | None = None
    """Where the shingles were left instead (``arena.Arena.place``); ``shingles`` is then empty."""


def pack(results: Sequence[Prepared | Skipped]) -> PackedBatch:
    """The results of a batch, packed for sending between processes (see :func:`unpack`)."""
    prepared = [r for r in results if isinstance(r, Prepared)]
    rows: list[tuple[str, str, int, str, str | None, str, bool] | tuple[str, str]] = []
    for r in results:
        if isinstance(r, Skipped):
            rows.append((r.path, r.reason))
        else:
            d = r.document
            has_quotes = r.quoted is not None
            rows.append((d.path, d.content_hash, d.words, d.encoding, d.attribution, r.text_hash, has_quotes))
    flags = [r.quoted for r in prepared if r.quoted is not None]
    return PackedBatch(
        np.concatenate([r.shingles for r in prepared]) if prepared else np.empty(0, np.uint64),
        np.fromiter((len(r.shingles) for r in prepared), dtype=np.int64, count=len(prepared)),
        np.concatenate(flags) if flags else np.empty(0, bool),
        tuple(rows),
    )


def unpack(batch: PackedBatch, store: Callable[[U64], U64] | None = None) -> list[Prepared | Skipped]:
    """The results packed by :func:`pack`. ``store``, when given, copies each document's shingles
    where they should live and returns that copy (see ``pipeline.ShingleStore``)."""
    out: list[Prepared | Skipped] = []
    shingles = store(batch.shingles) if store is not None else batch.shingles
    ends = np.cumsum(batch.lengths).tolist()
    at = 0
    flag_at = 0
    index = 0
    for row in batch.rows:
        if len(row) == 2:
            out.append(Skipped(row[0], row[1]))
            continue
        path, content_hash, words, encoding, found, text_hash, has_quotes = row
        end = ends[index]
        index += 1
        quoted = None
        if has_quotes:
            quoted = batch.quoted[flag_at : flag_at + end - at]
            flag_at += end - at
        document = Document(path, content_hash, words, encoding, found)
        out.append(Prepared(document, shingles[at:end], text_hash, quoted))
        at = end
    return out


def without_repeats(batch: PackedBatch, seen: set[str]) -> tuple[PackedBatch, npt.NDArray[np.bool_] | None]:
    """``batch`` without the shingles (and quotation flags) of documents whose text hash is in
    ``seen`` or comes earlier in the batch (their lengths become 0), and which of the batch's
    shingle values are kept (None when all are). ``seen`` gets the batch's new text hashes. A scan
    compares copies of one text through the first (see pipeline), so the others' shingles are
    never used: 10,000 copies of an article held 56 MB of them."""
    lengths = batch.lengths.copy()
    rows = list(batch.rows)
    keep: list[npt.NDArray[np.bool_]] = []
    flags: list[npt.NDArray[np.bool_]] = []
    changed = False
    index = 0
    for number, row in enumerate(batch.rows):
        if len(row) == 2:
            continue
        n = int(batch.lengths[index])
        text_hash, has_quotes = row[5], row[6]
        repeat = text_hash in seen
        seen.add(text_hash)
        keep.append(np.full(n, not repeat))
        if has_quotes:
            flags.append(np.full(n, not repeat))
        if repeat:
            changed = True
            lengths[index] = 0
            rows[number] = (*row[:6], False)
        index += 1
    if not changed:
        return batch, None
    mask = np.concatenate(keep)
    quoted = batch.quoted[np.concatenate(flags)] if flags else batch.quoted
    shingles = batch.shingles[mask] if len(batch.shingles) else batch.shingles
    return dataclasses.replace(
        batch, shingles=shingles, lengths=lengths, quoted=quoted, rows=tuple(rows)
    ), mask


def prepare_packed(sources: Sequence[Source], shingle_size: int, max_bytes: int) -> PackedBatch:
    """:func:`prepare_batch`, packed: the task a worker process runs."""
    return pack(prepare_batch(sources, shingle_size, max_bytes))
