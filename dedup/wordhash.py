"""Words to 64-bit hashes in bulk, with no Python work per word.

A word's hash is a polynomial over the UTF-8 bytes of its normalised form (see ``tokens``),
finished with MurmurHash3's 64-bit mixer. For ASCII documents the words are found and hashed on
the raw bytes with numpy: a byte-level tokenizer equivalent to ``tokens.words`` (a test checks it
on arbitrary text). Other documents go through the ``regex`` tokenizer and then the same hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from dedup.shingle import U64, fmix64

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

_P = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_P_INV = pow(_P, -1, 1 << 64)
_LEN = np.uint64(0x9E3779B97F4A7C15)

_ALNUM = np.zeros(256, dtype=bool)
for _lo, _hi in (("0", "9"), ("a", "z"), ("A", "Z")):
    _ALNUM[ord(_lo) : ord(_hi) + 1] = True
_CAPITAL = np.zeros(256, dtype=bool)
_CAPITAL[ord("A") : ord("Z") + 1] = True
_SMALL = np.zeros(256, dtype=bool)
_SMALL[ord("a") : ord("z") + 1] = True
_QUOTE, _NEWLINE, _APOSTROPHE, _BACKTICK = ord('"'), ord("\n"), ord("'"), ord("`")
_OPEN, _CLOSE = ord("<"), ord(">")


def _alnum(raw: U8) -> npt.NDArray[np.bool_]:
    """Whether each ASCII byte is a letter or a digit (``_ALNUM[raw]``, computed faster)."""
    with np.errstate(over="ignore"):
        letter: npt.NDArray[np.bool_] = np.less((raw | np.uint8(32)) - np.uint8(97), 26)
        out: npt.NDArray[np.bool_] = letter | np.less(raw - np.uint8(48), 10)
        return out


_POWER_CACHE: dict[int, U64] = {}


def _powers(n: int, base: int) -> U64:
    """``base ** t mod 2**64`` for t in 0..n-1, from a table that grows by doubling."""
    table = _POWER_CACHE.get(base)
    if table is None or len(table) < n:
        size = max(n, 2 * len(table) if table is not None else 1 << 16)
        out = np.full(size, base, dtype=np.uint64)
        out[0] = 1
        with np.errstate(over="ignore"):
            table = np.cumprod(out, dtype=np.uint64)
        _POWER_CACHE[base] = table
    return table[:n]


def segment_hashes(data: U8, starts: I64, ends: I64) -> U64:
    """The hash of every byte segment ``data[s:e]``: ``fmix64(sum(b_t * P**(t-s)) + len * C)``."""
    if not len(starts):
        return np.empty(0, dtype=np.uint64)
    n = len(data)
    with np.errstate(over="ignore"):
        # prefix[i] = sum of data[t] * P**t for t < i, built in one buffer.
        prefix = np.empty(n + 1, dtype=np.uint64)
        prefix[0] = 0
        np.multiply(data, _powers(n, _P), out=prefix[1:])
        np.cumsum(prefix[1:], out=prefix[1:])
        raw = (prefix[ends] - prefix[starts]) * _powers(n + 1, _P_INV)[starts]
        lengths = (ends - starts).astype(np.uint64)
        return fmix64(raw + lengths * _LEN)


def word_hashes(words: Sequence[str]) -> U64:
    """The hash of each (already normalised) word."""
    if not words:
        return np.empty(0, dtype=np.uint64)
    data = np.frombuffer("\x00".join(words).encode("utf-8"), dtype=np.uint8)
    seps = np.flatnonzero(data == 0)
    starts = np.concatenate(([0], seps + 1)).astype(np.int64)
    ends = np.concatenate((seps, [len(data)])).astype(np.int64)
    return segment_hashes(data, starts, ends)


def _codes(raw: U8) -> npt.NDArray[np.bool_] | None:
    """Which ASCII bytes lie in a code in angle brackets (``tokens.CODE_PATTERN``), brackets
    included; None when there are none."""
    opens = np.flatnonzero(raw == _OPEN)
    if not len(opens):
        return None
    closes = np.flatnonzero(raw == _CLOSE)
    following = np.searchsorted(closes, opens)
    opens, following = opens[following < len(closes)], following[following < len(closes)]
    ends = closes[following]
    # Between the brackets: 1 to 15 bytes, none a space, a control byte, '<', '>' or '"'.
    banned = np.concatenate(([0], np.cumsum((raw <= 32) | (raw == _OPEN) | (raw == _QUOTE))))
    inside = ends - opens - 1
    code = (inside >= 1) & (inside <= 15) & (banned[ends] - banned[opens + 1] == 0)
    if not code.any():
        return None
    delta = np.zeros(len(raw) + 1, dtype=np.int64)
    np.add.at(delta, opens[code], 1)
    np.add.at(delta, ends[code] + 1, -1)
    out: npt.NDArray[np.bool_] = np.cumsum(delta[:-1]) > 0
    return out


def _word_bounds(raw: U8) -> tuple[I64, I64, I64]:
    """Start and end offsets of the words in ASCII bytes (``tokens.words``'s definition), and the
    offsets of the apostrophes inside them, which their normalised forms leave out."""
    alnum = _alnum(raw)
    codes = _codes(raw)
    if codes is not None:
        alnum &= ~codes
    # Apostrophes are rare: their neighbours are looked at only where one stands.
    inside = raw[1:-1]
    at = np.flatnonzero((inside == _APOSTROPHE) | (inside == _QUOTE) | (inside == _BACKTICK)) + 1
    if len(at):
        before, mark, after = raw[at - 1], raw[at], raw[at + 1]
        double = (_SMALL[before] & _SMALL[after]) | (_CAPITAL[before] & (_CAPITAL[after] | _SMALL[after]))
        # Neighbours inside a code are no letters (``_codes``).
        at = at[np.where(mark == _QUOTE, double, True) & alnum[at - 1] & alnum[at + 1]]
        alnum[at] = True
    edges = np.diff(alnum.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edges == 1).astype(np.int64)
    return starts, np.flatnonzero(edges == -1).astype(np.int64), at.astype(np.int64)


def _bound_hashes(raw: U8, starts: I64, ends: I64, inner: I64) -> U64:
    """The hashes of the words ``raw[starts:ends]`` lower-cased, less the bytes at ``inner``."""
    # Byte arithmetic, not a look-up table: gathering from a table took 6 times as long.
    lowered = raw | (np.less(raw - np.uint8(65), 26).view(np.uint8) << np.uint8(5))
    hashes = segment_hashes(lowered, starts, ends)
    if len(inner):
        # Few words hold an apostrophe: only theirs are hashed again, without it (removing the
        # bytes from the whole batch first made tokenising a quarter slower).
        which = np.searchsorted(starts, inner, side="right") - 1
        which = which[np.concatenate(([True], which[1:] != which[:-1]))]
        data = lowered.tobytes()
        words = [
            data[s:e].translate(None, b"'`\"").decode("ascii")
            for s, e in zip(starts[which].tolist(), ends[which].tolist(), strict=True)
        ]
        hashes[which] = word_hashes(words)
    return hashes


def ascii_tokens(text: str) -> tuple[I64, I64, U64]:
    """For one ASCII text: the start and end offset of every word, and every word's hash.

    The same words, offsets and hashes as ``tokens.tokenize`` followed by :func:`word_hashes`,
    with no Python work per word.
    """
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    starts, ends, inner = _word_bounds(raw)
    return starts, ends, _bound_hashes(raw, starts, ends, inner)


def ascii_words(texts: Sequence[str]) -> list[tuple[U64, npt.NDArray[np.bool_]]]:
    """For each ASCII text: its word hashes, and for each word whether it stands inside quotes.

    The same words as ``tokens.words`` (runs of ASCII letters and digits with inner apostrophes dropped,
    lower-cased) and the same quotation rule as ``tokens.quoted_words`` (every '"' toggles, line
    breaks reset), computed for the whole batch at once.
    """
    return ascii_words_marked(texts, lambda hashes: np.zeros(len(hashes), dtype=bool))[0]


def ascii_words_marked(
    texts: Sequence[str], mark: Callable[[U64], npt.NDArray[np.bool_]]
) -> tuple[list[tuple[U64, npt.NDArray[np.bool_]]], npt.NDArray[np.bool_]]:
    """:func:`ascii_words`, and for each text whether ``mark`` (given the word hashes of the whole
    batch, texts one after the other) marks one of its words: a test over the batch at once."""
    found = _ascii_batch(texts)
    if found is None:
        return [(np.empty(0, np.uint64), np.empty(0, bool)) for _ in texts], np.zeros(len(texts), bool)
    _, _, hashes, inside, cuts, _ = found
    marked = np.zeros(len(texts), dtype=bool)
    marked[np.searchsorted(cuts, np.flatnonzero(mark(hashes)), side="right")] = True
    return list(zip(np.split(hashes, cuts), np.split(inside, cuts), strict=True)), marked


def ascii_word_spans(texts: Sequence[str]) -> list[tuple[I64, I64, U64, npt.NDArray[np.bool_]]]:
    """:func:`ascii_words` with each word's start and end offset in its text in front."""
    found = _ascii_batch(texts)
    if found is None:
        empty = np.empty(0, np.int64)
        return [(empty, empty, np.empty(0, np.uint64), np.empty(0, bool)) for _ in texts]
    starts, ends, hashes, inside, cuts, text_start = found
    shift = np.repeat(text_start, np.diff(np.concatenate(([0], cuts, [len(starts)]))))
    return list(
        zip(
            np.split(starts - shift, cuts),
            np.split(ends - shift, cuts),
            np.split(hashes, cuts),
            np.split(inside, cuts),
            strict=True,
        )
    )


def _ascii_batch(
    texts: Sequence[str],
) -> tuple[I64, I64, U64, npt.NDArray[np.bool_], I64, I64] | None:
    """Words of a batch of ASCII texts joined by line breaks: offsets in the joined bytes, hashes,
    quotation flags, where each text's words begin (less the first) and where each text begins.
    None when there are no bytes at all."""
    if not texts:
        return None
    raw = np.frombuffer("\n".join(texts).encode("ascii"), dtype=np.uint8)
    if not len(raw):
        return None
    starts, ends, inner = _word_bounds(raw)
    hashes = _bound_hashes(raw, starts, ends, inner)
    # Quotation state at each word's first byte: odd count of '"' since the line began, leaving
    # out those inside words, which stand for apostrophes.
    if _QUOTE in raw:
        quotes = raw == _QUOTE
        quotes[inner] = False
        before = np.concatenate(([0], np.cumsum(quotes)))  # quotes strictly before each byte
        line_start = np.maximum.accumulate(np.where(raw == _NEWLINE, np.arange(1, len(raw) + 1), 0))
        inside = (before[starts] - before[line_start[starts]]) % 2 == 1
    else:
        inside = np.zeros(len(starts), dtype=bool)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    text_end = np.cumsum(lengths + 1) - 1  # position of the separator after each text
    cuts = np.searchsorted(starts, text_end)[:-1]
    return starts, ends, hashes, inside, cuts, text_end - lengths
