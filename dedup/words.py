"""Counts in words: "1 pair", "2 pairs", for every message and report that prints a count."""

from __future__ import annotations

_PLURALS = {"copy": "copies", "near-copy": "near-copies", "process": "processes", "batch": "batches"}


def article(n: int) -> str:
    """ "a" or "an" before ``n`` read aloud: "an 8-word", "an 11-word", "a 40-word"."""
    digits = str(n)
    eleven = len(digits) % 3 == 2 and digits[:2] in ("11", "18")
    return "an" if digits.startswith("8") or eleven else "a"


def counted(n: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is 1 (``grouped``: 12,345 not 12345)."""
    number = f"{n:,}" if grouped else str(n)
    if n == 1:
        return f"{number} {noun}"
    return f"{number} {plural or _PLURALS.get(noun, noun + 's')}"
