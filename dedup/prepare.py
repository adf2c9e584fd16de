"""Per-document work, pure over a batch of files: read, tokenise, shingle, note attribution lines.

Runs in worker processes; its output depends only on the files and the settings, never on the batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from dedup.label import attribution
from dedup.models import Document, Skipped
from dedup.shingle import U64, quoted_shingles, shingle_hashes, word_hashes
from dedup.sources import Source, read_text
from dedup.tokens import quoted_words, words


@dataclass(frozen=True)
class Prepared:
    """A document ready for sketching: its record and its shingle hashes in text order."""

    document: Document
    shingles: U64
    text_hash: str
    quoted: npt.NDArray[np.bool_] | None = None
    """Per shingle, whether it lies wholly inside quotation marks (None: the text has none)."""
    """sha256 of the normalised words: equal for documents that differ only in layout or case."""


def prepare_batch(sources: Sequence[Source], shingle_size: int, max_bytes: int) -> list[Prepared | Skipped]:
    """Read and shingle each file; a file that cannot be used becomes a Skipped record."""
    cache: dict[str, int] = {}
    out: list[Prepared | Skipped] = []
    for source in sources:
        text = read_text(source, max_bytes)
        if isinstance(text, Skipped):
            out.append(text)
            continue
        ws = words(text.text)
        if not ws:
            out.append(Skipped(source.display, "no words"))
            continue
        shingles = shingle_hashes(word_hashes(ws, cache), shingle_size)
        flags = quoted_words(text.text)
        quoted = quoted_shingles(flags, shingle_size) if flags is not None else None
        text_hash = hashlib.sha256("\x1f".join(ws).encode("utf-8")).hexdigest()
        document = Document(
            path=source.display,
            content_hash=text.content_hash,
            words=len(ws),
            encoding=text.encoding,
            attribution=attribution(text.text),
        )
        out.append(Prepared(document, shingles, text_hash, quoted))
    return out
