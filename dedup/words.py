"""Counts in words: "1 pair", "2 pairs", for every message and report that prints a count."""

from __future__ import annotations

_PLURALS = {"copy": "copies", "near-copy": "near-copies", "process": "processes", "batch": "batches"}


def counted(n: int, noun: str, plural: str | None = None, *, grouped: bool = False) -> str:
    """``n`` and ``noun``, the noun plural unless ``n`` is 1 (``grouped``: 12,345 not 12345)."""
    number = f"{n:,}" if grouped else str(n)
    if n == 1:
        return f"{number} {noun}"
    return f"{number} {plural or _PLURALS.get(noun, noun + 's')}"
