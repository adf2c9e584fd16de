"""Words of a text, normalised, each keeping its character offsets in the original.

A word is a run of letters, digits and combining marks of any script, with inner apostrophes
("Iran's"). Everything else separates words, so hyphens and dashes of every kind fold to a break.
An apostrophe is any of ' ’ ‘ ʼ ` ´ ＇ between two letters or digits, or a double quotation mark
(" “ ”) between two letters, unless a lower-case letter comes before it and a capital after
(``said"It`` is a quotation opened with no space before it). Typists and converters put all of
these where an apostrophe belongs ("Iran"s", "don`t"), and Hebrew writes its acronyms with '"'.

Normalisation drops the apostrophes, then applies NFKC and case folding, so "Tomorrow's",
"Tomorrow"s" and "Tomorrows" are one word, "tomorrows"; elisions stay one word ("l'homme" is
"lhomme"). Soft hyphens and zero-width joiners inside a word are dropped too, so
"co\u00adoperate" is "cooperate". A code in angle brackets ("<GM>", a ticker) is not a word at
all: copies of a wire story add or drop it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cached_property, lru_cache
from typing import overload

import numpy as np
import numpy.typing as npt
import regex

from dedup.models import Token

TOKENIZER_VERSION = 4
"""Bumped whenever the words produced for some text change (indexes record it)."""

_LETTER = r"(?:(?!\u02bc)[\p{L}\p{N}\p{M}])"  # U+02BC is a letter to Unicode but an apostrophe here
_JOINER = r"[\u00ad\u200c\u200d\u2060]"  # soft hyphen and zero-width joiners stay inside a word
_SINGLE = "'\u2019\u2018\u02bc`\u00b4\uff07"
_DOUBLE = '"\u201c\u201d'
# A double mark between letters, except lower case before and a capital after.
_DOUBLE_INSIDE = (
    rf"(?:(?<=\p{{Ll}})[{_DOUBLE}](?=[\p{{Ll}}\p{{Lm}}\p{{Lo}}])"
    rf"|(?<=[\p{{Lu}}\p{{Lt}}\p{{Lm}}\p{{Lo}}\p{{M}}])[{_DOUBLE}](?=\p{{L}}))"
)
WORD_PATTERN = rf"{_LETTER}+(?:(?:[{_SINGLE}]|{_DOUBLE_INSIDE}|{_JOINER}+){_LETTER}+)*"
_WORD = regex.compile(WORD_PATTERN)
# Restricted to ASCII, WORD_PATTERN matches exactly this; the stdlib engine is about twice as fast.
_ASCII_WORD = re.compile(
    r"""[A-Za-z0-9]+(?:(?:['`]|(?<=[a-z])"(?=[a-z])|(?<=[A-Z])"(?=[A-Za-z]))[A-Za-z0-9]+)*"""
)
_ASCII_MARKS = "'`\""
_DROPPED = str.maketrans(dict.fromkeys(_SINGLE + _DOUBLE + "\u00ad\u200c\u200d\u2060"))
_ASCII_DROPPED = str.maketrans(dict.fromkeys(_ASCII_MARKS))


@lru_cache(maxsize=1 << 16)
def normalize(word: str) -> str:
    """The normalised form of one word: apostrophes and joiners dropped, NFKC, case-folded."""
    # Dropped before NFKC, which turns "´" into a space and a combining accent, and after, since
    # NFKC writes "ŉ" as "ʼn".
    return unicodedata.normalize("NFKC", word.translate(_DROPPED)).casefold().translate(_DROPPED)


def _ascii_norm(lowered: str) -> str:
    """The normalised form of an ASCII word already lower-cased: its apostrophes dropped."""
    if "'" in lowered or '"' in lowered or "`" in lowered:
        return lowered.translate(_ASCII_DROPPED)
    return lowered


CODE_PATTERN = r'<[^\x00-\x20<>"]{1,15}>'
"""A code in angle brackets: a ticker ("<GM>", "<LLOY.L>"), a tag, an address. Wire services add
or drop them from one copy to the next, so they are not words (a name with spaces, such as
"<Woodco Inc>", is prose and stays)."""
_CODE = re.compile(CODE_PATTERN)


def blank_codes(text: str) -> str:
    """``text`` with every code in angle brackets (``CODE_PATTERN``) blanked out by as many spaces,
    so that every other character keeps its offset."""
    if "<" not in text:
        return text
    return _CODE.sub(lambda m: " " * len(m.group()), text)


def tokenize(text: str) -> list[Token]:
    """Every word of ``text`` with its offsets: ``text[t.start:t.end]`` is the word as written."""
    return [Token(normalize(m.group()), m.start(), m.end()) for m in _WORD.finditer(blank_codes(text))]


class TokenList(Sequence[Token]):
    """The tokens of a text held as parallel arrays; a Token is built only when indexed.

    Equal to ``tokenize(text)`` item by item, at a fraction of the cost for long texts. ``hashes``
    holds each word's 64-bit hash (``wordhash.word_hashes`` of the normalised words).
    """

    hashes: npt.NDArray[np.uint64]
    _starts: list[int] | npt.NDArray[np.int64]
    _ends: list[int] | npt.NDArray[np.int64]

    def __init__(self, text: str) -> None:
        from dedup.wordhash import ascii_tokens, word_hashes

        self._norms: list[str] | None
        if text.isascii():
            # ASCII: a byte-level tokenizer finds exactly WORD_PATTERN's words, and lowering keeps
            # every offset, so the normalised words are slices of the lowered text less apostrophes.
            self._starts, self._ends, self.hashes = ascii_tokens(text)
            self._lower: str | None = text.lower()
            self._norms = None
        else:
            matches = list(_WORD.finditer(blank_codes(text)))
            self._norms = [normalize(m.group()) for m in matches]
            self._starts = [m.start() for m in matches]
            self._ends = [m.end() for m in matches]
            self._lower = None
            self.hashes = word_hashes(self._norms)

    @classmethod
    def from_ascii(
        cls,
        text: str,
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
        hashes: npt.NDArray[np.uint64],
    ) -> TokenList:
        """The tokens of an ASCII text from its words' offsets and hashes, as
        ``wordhash.ascii_word_spans`` gives them for a whole batch of texts."""
        tokens = cls.__new__(cls)
        tokens._starts, tokens._ends, tokens.hashes = starts, ends, hashes
        tokens._lower, tokens._norms = text.lower(), None
        return tokens

    def shingles(self, k: int) -> npt.NDArray[np.uint64]:
        """The text's ``k``-word shingle hashes (``shingle.shingle_hashes`` of ``hashes``), worked
        out once: verification, alignment and the boilerplate check of each pair all use them."""
        found: dict[int, npt.NDArray[np.uint64]] = self.__dict__.setdefault("_shingles", {})
        if k not in found:
            from dedup.shingle import shingle_hashes

            found[k] = shingle_hashes(self.hashes, k)
        return found[k]

    def remember_shingles(self, k: int, shingles: npt.NDArray[np.uint64]) -> None:
        """Keep ``shingles``, computed elsewhere, as :meth:`shingles` of ``k``."""
        self.__dict__.setdefault("_shingles", {})[k] = shingles

    @cached_property
    def starts(self) -> list[int]:
        """Each word's start offset (a list: single lookups in it are fast)."""
        return self._starts if isinstance(self._starts, list) else list(self._starts.tolist())

    @cached_property
    def ends(self) -> list[int]:
        """Each word's end offset."""
        return self._ends if isinstance(self._ends, list) else list(self._ends.tolist())

    @property
    def norms(self) -> list[str]:
        """The normalised words."""
        if self._norms is None:
            lower = self._lower or ""
            self._norms = [_ascii_norm(lower[a:b]) for a, b in zip(self.starts, self.ends, strict=True)]
        return self._norms

    def __len__(self) -> int:
        return len(self._starts)

    @overload
    def __getitem__(self, index: int) -> Token: ...

    @overload
    def __getitem__(self, index: slice) -> list[Token]: ...

    def __getitem__(self, index: int | slice) -> Token | list[Token]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if self._norms is None and self._lower is not None:
            start, end = self.starts[index], self.ends[index]
            return Token(_ascii_norm(self._lower[start:end]), start, end)
        return Token(self.norms[index], self.starts[index], self.ends[index])


def words(text: str) -> list[str]:
    """The normalised words of ``text``; the same as ``[t.norm for t in tokenize(text)]``, faster."""
    text = blank_codes(text)
    if text.isascii():
        # Only a double quotation mark needs the case of its neighbours to tell it from a quote.
        if '"' in text:
            found = [w.lower() for w in _ASCII_WORD.findall(text)]
        else:
            found = _ASCII_WORD.findall(text.lower())
        if "'" in text or '"' in text or "`" in text:
            return [_ascii_norm(w) for w in found]
        return found
    return [normalize(w) for w in _WORD.findall(text)]


_QUOTES = regex.compile(r"[\u201c\u201d\u201e\u201f\"\u00ab\u00bb\u300c\u300d]")


def quoted_words(text: str) -> npt.NDArray[np.bool_] | None:
    """For each word of ``words(text)``, whether it stands inside quotation marks; None when the
    text has no quotation marks at all.

    Every quotation mark toggles the state, which resets at each line break, so a quotation left
    open at the end of a paragraph (as multi-paragraph quotes are written) does not run on. A mark
    inside a word stands for an apostrophe ("Iran"s") and toggles nothing.
    """
    if not _QUOTES.search(text):
        return None
    text = blank_codes(text)
    flags: list[bool] = []
    for line in text.split("\n"):
        marks = [m.start() for m in _QUOTES.finditer(line)]
        if not marks:
            flags.extend([False] * len(words(line)))
            continue
        inside, at = False, 0
        for word in _WORD.finditer(line):
            while at < len(marks) and marks[at] < word.start():
                inside, at = not inside, at + 1
            flags.append(inside)
            while at < len(marks) and marks[at] < word.end():
                at += 1
    return np.asarray(flags, dtype=bool)
