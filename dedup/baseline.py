"""Accepted pairs: a baseline file of pairs the team has seen and accepted, keyed by content.

The file is JSON, sorted, with no timestamps, so it reads well in a code review and changes only
when the accepted pairs do. Each pair is keyed by the sha256 of both documents' bytes: edits to
other documents leave it alone, and a renamed file keeps its acceptance. The paths, written from
the baseline's own folder, are kept for the reader and are not used to match, except for a pair of
byte-identical files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from dedup.atomic import atomic_write_text
from dedup.errors import ConfigError
from dedup.models import Document, Pair

BASELINE_VERSION = 1

Key = tuple[str, str]

COPY = "copy"
"""First element of the keys that name one accepted copy of a text (``(COPY, "sha256@path")``);
a real pair's key holds two hashes."""


def relative_to(baseline: Path, cwd: Path) -> Callable[[str], str]:
    """How a baseline in file ``baseline`` names a document shown as ``path`` from ``cwd``: its
    path from the baseline's folder, however the scan spelled it (``articles/a.txt``,
    ``./articles/a.txt``, an absolute path, or ``a.txt`` from inside ``articles``)."""
    folder = os.path.realpath(baseline.parent if baseline.is_absolute() else cwd / baseline.parent)

    def where(path: str) -> str:
        return Path(os.path.relpath(os.path.realpath(cwd / path), folder)).as_posix()

    return where


def pair_key(pair: Pair, hashes: Mapping[str, str], where: Callable[[str], str] = str) -> Key:
    """The content key of a pair: both documents' sha256, in sorted order.

    Two copies of the same bytes have the same hash, so accepting one identical pair by content
    alone would accept every later copy too; those pairs are keyed by their paths as well, as
    ``where`` names them (:func:`relative_to`).
    """
    a, b = hashes[pair.a], hashes[pair.b]
    if a == b:
        return (f"{a}@{where(pair.a)}", f"{b}@{where(pair.b)}")
    return (a, b) if a <= b else (b, a)


Entry = dict[str, object]
"""One accepted pair as the file writes it: ``sha256``, ``relation``, ``paths`` and, for two
byte-identical files, ``identical_paths``."""


def entries_of(
    pairs: Sequence[Pair], documents: Sequence[Document], where: Callable[[str], str] = str
) -> dict[Key, Entry]:
    """The baseline entries of ``pairs``, by key; paths are written as ``where`` names them."""
    hashes = {d.path: d.content_hash for d in documents}
    entries: dict[Key, Entry] = {}
    for pair in pairs:
        key = pair_key(pair, hashes, where)
        a, b = where(pair.a), where(pair.b)
        paths = [a, b] if hashes[pair.a] <= hashes[pair.b] else [b, a]
        entries[key] = {"sha256": list(key), "relation": pair.relation, "paths": paths}
        if hashes[pair.a] == hashes[pair.b]:
            entries[key]["sha256"] = [hashes[pair.a], hashes[pair.b]]
            entries[key]["identical_paths"] = True
    return entries


def entry_key(entry: Entry) -> Key:
    """The key of an entry read from a file, as :func:`entries_of` keys the entry it wrote."""
    hashes, paths = entry["sha256"], entry.get("paths")
    assert isinstance(hashes, list) and len(hashes) == 2
    if entry.get("identical_paths") and isinstance(paths, list) and len(paths) == 2:
        return (f"{hashes[0]}@{paths[0]}", f"{hashes[1]}@{paths[1]}")
    a, b = sorted(str(h) for h in hashes)
    return (a, b)


def entries_text(entries: Mapping[Key, Entry]) -> str:
    """The baseline file holding ``entries``, as text (stable: same entries, same bytes)."""
    data = {
        "version": BASELINE_VERSION,
        "about": "Pairs of documents accepted as duplicates; written by `dedup baseline`. "
        "Pairs are matched by the sha256 of both files; paths are for the reader.",
        "pairs": [entries[k] for k in sorted(entries)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def baseline_text(
    pairs: Sequence[Pair], documents: Sequence[Document], where: Callable[[str], str] = str
) -> str:
    """The baseline file for ``pairs``, as text (stable: same pairs, same bytes). Paths are
    written as ``where`` names them."""
    return entries_text(entries_of(pairs, documents, where))


def write_entries(path: Path, entries: Mapping[Key, Entry]) -> None:
    """Write a baseline file of ``entries`` atomically."""
    try:
        atomic_write_text(path, entries_text(entries))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot write the baseline {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from exc


def write_baseline(path: Path, pairs: Sequence[Pair], documents: Sequence[Document], cwd: Path) -> int:
    """Write the baseline atomically; returns the number of accepted pairs. Paths in ``pairs`` are
    relative to ``cwd``; the file names them from its own folder."""
    entries = entries_of(pairs, documents, relative_to(path, cwd))
    write_entries(path, entries)
    return len(entries)


def read_entries(path: Path) -> dict[Key, Entry]:
    """The entries of the baseline file ``path`` by key (none when it does not exist), checked as
    :func:`load_baseline` checks them."""
    load_baseline(path)
    if not path.exists():
        return {}
    pairs = json.loads(path.read_text(encoding="utf-8"))["pairs"]
    return {entry_key(entry): entry for entry in pairs}


def load_baseline(path: Path) -> frozenset[Key]:
    """The accepted pair keys in ``path``; an absent file accepts nothing. A file that is not a
    baseline of a version this dedup reads is a ConfigError."""
    if not path.exists():
        return frozenset()
    if not path.is_file():  # a pipe would block the read, a folder cannot be read
        raise ConfigError(f"{path}: cannot read the baseline: not a regular file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the baseline: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{path}: cannot read the baseline: nested too deeply") from exc
    if (
        not isinstance(data, dict)
        or type(data.get("version")) is not int
        or data["version"] != BASELINE_VERSION
    ):
        raise ConfigError(f"{path}: not a dedup baseline of version {BASELINE_VERSION}")
    pairs = data.get("pairs")
    if not isinstance(pairs, list):
        raise ConfigError(f"{path}: 'pairs' must be a list")
    keys: set[Key] = set()
    for entry in pairs:
        hashes = entry.get("sha256") if isinstance(entry, dict) else None
        if not (isinstance(hashes, list) and len(hashes) == 2 and all(isinstance(h, str) for h in hashes)):
            raise ConfigError(f"{path}: a pair has no 'sha256' list of two hashes: {entry!r}")
        paths = entry.get("paths")
        named = isinstance(paths, list) and len(paths) == 2 and all(isinstance(p, str) for p in paths)
        if named and entry.get("relation") == "identical":
            # Each accepted copy of a text, by content and place: see new_pairs.
            keys.update((COPY, f"{h}@{p}") for h, p in zip(hashes, paths, strict=True))
        if entry.get("identical_paths") and named:
            keys.add((f"{hashes[0]}@{paths[0]}", f"{hashes[1]}@{paths[1]}"))
            keys.add((f"{hashes[1]}@{paths[1]}", f"{hashes[0]}@{paths[0]}"))
            continue
        a, b = sorted(hashes)
        keys.add((a, b))
    return frozenset(keys)


def new_pairs(
    pairs: Sequence[Pair],
    documents: Sequence[Document],
    accepted: frozenset[Key],
    where: Callable[[str], str] = str,
) -> list[Pair]:
    """The pairs not accepted in the baseline; ``where`` names paths as the baseline does
    (:func:`relative_to`).

    A scan pairs each copy of a text with the first copy only, so a baseline accepts copies one by
    one: two documents with the same words are an accepted pair when each was accepted as a copy,
    in its place, with its content (the hook, which pairs a changed copy with every other one,
    then stays quiet about copies the team accepted)."""
    hashes = {d.path: d.content_hash for d in documents}

    def accepted_copy(path: str) -> bool:
        return (COPY, f"{hashes[path]}@{where(path)}") in accepted

    return [
        p
        for p in pairs
        if pair_key(p, hashes, where) not in accepted
        and not (p.relation == "identical" and accepted_copy(p.a) and accepted_copy(p.b))
    ]
