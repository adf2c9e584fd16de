"""Accepted pairs: a baseline file of pairs the team has seen and accepted, keyed by content.

The file is JSON, sorted, with no timestamps, so it reads well in a code review and changes only
when the accepted pairs do. Each pair is keyed by the sha256 of both documents' bytes: edits to
other documents leave it alone, and a renamed file keeps its acceptance. The paths are kept for
the reader and are not used to match.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from dedup.atomic import atomic_write_text
from dedup.errors import ConfigError
from dedup.models import Document, Pair

BASELINE_VERSION = 1

Key = tuple[str, str]


def pair_key(pair: Pair, hashes: Mapping[str, str]) -> Key:
    """The content key of a pair: both documents' sha256, in sorted order.

    Two copies of the same bytes have the same hash, so accepting one identical pair by content
    alone would accept every later copy too; those pairs are keyed by their paths as well.
    """
    a, b = hashes[pair.a], hashes[pair.b]
    if a == b:
        return (f"{a}@{pair.a}", f"{b}@{pair.b}")
    return (a, b) if a <= b else (b, a)


def baseline_text(pairs: Sequence[Pair], documents: Sequence[Document]) -> str:
    """The baseline file for ``pairs``, as text (stable: same pairs, same bytes)."""
    hashes = {d.path: d.content_hash for d in documents}
    entries: dict[Key, dict[str, object]] = {}
    for pair in pairs:
        key = pair_key(pair, hashes)
        paths = [pair.a, pair.b] if hashes[pair.a] <= hashes[pair.b] else [pair.b, pair.a]
        entries[key] = {"sha256": list(key), "relation": pair.relation, "paths": paths}
        if hashes[pair.a] == hashes[pair.b]:
            entries[key]["sha256"] = [hashes[pair.a], hashes[pair.b]]
            entries[key]["identical_paths"] = True
    data = {
        "version": BASELINE_VERSION,
        "about": "Pairs of documents accepted as duplicates; written by `dedup baseline`. "
        "Pairs are matched by the sha256 of both files; paths are for the reader.",
        "pairs": [entries[k] for k in sorted(entries)],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_baseline(path: Path, pairs: Sequence[Pair], documents: Sequence[Document]) -> int:
    """Write the baseline atomically; returns the number of accepted pairs."""
    text = baseline_text(pairs, documents)
    try:
        atomic_write_text(path, text)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot write the baseline {path}: {getattr(exc, 'strerror', None) or exc}"
        ) from exc
    return len(json.loads(text)["pairs"])


def load_baseline(path: Path) -> frozenset[Key]:
    """The accepted pair keys in ``path``; an absent file accepts nothing. A file that is not a
    baseline of a version this dedup reads is a ConfigError."""
    if not path.exists():
        return frozenset()
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
    keys = set()
    for entry in pairs:
        hashes = entry.get("sha256") if isinstance(entry, dict) else None
        if not (isinstance(hashes, list) and len(hashes) == 2 and all(isinstance(h, str) for h in hashes)):
            raise ConfigError(f"{path}: a pair has no 'sha256' list of two hashes: {entry!r}")
        paths = entry.get("paths")
        if entry.get("identical_paths") and isinstance(paths, list) and len(paths) == 2:
            keys.add((f"{hashes[0]}@{paths[0]}", f"{hashes[1]}@{paths[1]}"))
            keys.add((f"{hashes[1]}@{paths[1]}", f"{hashes[0]}@{paths[0]}"))
            continue
        a, b = sorted(hashes)
        keys.add((a, b))
    return frozenset(keys)


def new_pairs(pairs: Sequence[Pair], documents: Sequence[Document], accepted: frozenset[Key]) -> list[Pair]:
    """The pairs not accepted in the baseline."""
    hashes = {d.path: d.content_hash for d in documents}
    return [p for p in pairs if pair_key(p, hashes) not in accepted]
