"""Accepting pairs into the baseline file without losing the ones accepted before.

``dedup baseline PATHS`` accepts the pairs the documents under PATHS are in and keeps every other
entry of the file (``replace`` rewrites it from scratch); ``dedup baseline --pair A B`` accepts one
pair, which must be one. Entries naming a file that no longer exists, and whose content is nowhere
else in sight (this run's documents, the index), are dropped, each with a note.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dedup.baseline import Entry, Key, entries_of, read_entries, relative_to, write_entries
from dedup.config import Settings
from dedup.errors import ConfigError, InputError
from dedup.index import INDEX_FILE, with_index
from dedup.models import Document, Pair, Skipped


@dataclass(frozen=True)
class Accepted:
    """What a write of the baseline did."""

    total: int
    """Entries in the file now."""
    added: int
    """Entries that were not in the file before."""
    kept: int
    """Entries of the file kept as they were (not found again in this run)."""
    dropped: tuple[str, ...]
    """One line for each entry dropped because a file it names no longer exists."""
    documents: int
    skipped: tuple[Skipped, ...] = ()


def accept_paths(
    paths: Sequence[str],
    settings: Settings,
    *,
    corpus: Sequence[str] = (),
    cwd: Path | None = None,
    replace: bool = False,
    warn: Callable[[str], None] = lambda message: None,
) -> Accepted:
    """Accept every pair the documents under ``paths`` are in: the pairs among them (a scan with
    the index) and, for those inside a corpus folder (``corpus`` or ``settings.corpus``) that
    ``paths`` do not name whole, their pairs with the rest of that folder (as the hook finds
    them). An InputError, and no write, when ``paths`` hold no document."""
    from dedup.hook import check
    from dedup.pipeline import scan

    cwd = cwd or Path.cwd()
    report = scan(paths, settings, cwd=cwd, explain_spans=False, use_index=True, warn=warn)
    if not report.documents:
        raise InputError(f"no documents under {' '.join(paths)}: the baseline was left as it was")
    pairs: list[Pair] = list(report.pairs)
    documents = {d.path: d for d in report.documents}
    roots = list(corpus) or list(settings.corpus)
    partial = _partly_named(roots, paths, cwd)
    inside = [d.path for d in report.documents if any(_under(_real(cwd, d.path), r) for r in partial)]
    if inside:
        result = check(inside, settings, corpus=roots, cwd=cwd, warn=warn)
        pairs.extend(result.found)
        documents.update({d.path: d for d in result.documents})
    accepted = _write(settings, cwd, pairs, list(documents.values()), replace=replace)
    return Accepted(
        accepted.total, accepted.added, accepted.kept, accepted.dropped, len(report.documents), report.skipped
    )


def accept_pair(path_a: str, path_b: str, settings: Settings, *, cwd: Path | None = None) -> Accepted:
    """Accept the pair of two documents, compared in full; an InputError, and no write, when they
    earn no relation."""
    from dedup.pipeline import compare

    cwd = cwd or Path.cwd()
    if _real(cwd, path_a) == _real(cwd, path_b):
        raise InputError(f"--pair names the same file twice: {path_a}")
    comparison = compare(path_a, path_b, settings, cwd=cwd)
    if comparison.pair.relation is None:
        raise InputError(
            f"{path_a} and {path_b} are not a pair (no relation at these settings): nothing accepted"
        )
    return _write(settings, cwd, [comparison.pair], [comparison.a, comparison.b], replace=False)


def _write(
    settings: Settings, cwd: Path, pairs: Sequence[Pair], documents: Sequence[Document], *, replace: bool
) -> Accepted:
    """Merge the entries of ``pairs`` into the baseline file (or replace it) and write it."""
    path = cwd / settings.baseline
    new = entries_of(pairs, documents, relative_to(Path(settings.baseline), cwd))
    try:
        old = {} if replace else read_entries(path)
    except ConfigError as exc:
        raise ConfigError(f"{exc}; it was left as it was (--replace writes a new one)") from exc
    folder = Path(os.path.realpath(path.parent))
    # Content of a file that moved: this run's documents, or an indexed file still on disk.
    alive = {d.content_hash for d in documents}
    missing = {h: name for entry in old.values() for h, name in _missing(entry, folder) if h not in alive}
    if missing:
        # Look for them where they were: the index learns what is in those folders now (reading
        # only files it has not seen), so a file renamed in its folder keeps its acceptance.
        from dedup.pipeline import build_index

        places = {os.path.dirname(folder / name) for name in missing.values()}
        places = {p for p in places if os.path.isdir(p) and _under(p, str(folder)) and p != str(folder)}
        if places:
            build_index(sorted(places), settings, cwd=cwd)
        if (cwd / settings.index / INDEX_FILE).is_file():
            alive |= with_index(
                cwd / settings.index, cwd, settings, lambda m: None, lambda i: i.present(missing)
            )
    kept: dict[Key, Entry] = {}
    dropped: list[str] = []
    for key, entry in old.items():
        if key in new:
            # The same content under the paths it was accepted with: the file stays as it was.
            if _gone(entry, folder, set()) is None:
                new[key] = entry
            continue
        gone = _gone(entry, folder, alive)
        if gone is None:
            kept[key] = entry
        else:
            dropped.append(gone)
    entries = {**kept, **new}
    write_entries(path, entries)
    added = sum(1 for key in new if key not in old)
    return Accepted(len(entries), added, len(kept), tuple(dropped), len(documents))


def _gone(entry: Entry, folder: Path, alive: set[str]) -> str | None:
    """Why ``entry`` no longer stands for a pair (a file of it was deleted, and its content is
    nowhere else in sight), or None."""
    hashes, paths = entry.get("sha256"), entry.get("paths")
    if not (isinstance(hashes, list) and isinstance(paths, list) and len(paths) == len(hashes) == 2):
        return None
    for digest, name in zip(hashes, paths, strict=True):
        if not isinstance(name, str) or (folder / name).exists():
            continue
        # A renamed file keeps its acceptance, except a copy of one text, accepted in its place.
        if digest in alive and not entry.get("identical_paths"):
            continue
        return f"dropped the accepted pair {paths[0]} and {paths[1]}: {name} no longer exists"
    return None


def _missing(entry: Entry, folder: Path) -> list[tuple[str, str]]:
    """The hash and path of each file of ``entry`` that is not where it names it."""
    hashes, paths = entry.get("sha256"), entry.get("paths")
    if not (isinstance(hashes, list) and isinstance(paths, list) and len(paths) == len(hashes) == 2):
        return []
    return [
        (str(h), name)
        for h, name in zip(hashes, paths, strict=True)
        if isinstance(name, str) and not (folder / name).exists()
    ]


def _real(cwd: Path, path: str) -> str:
    return os.path.realpath(cwd / path)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _partly_named(roots: Sequence[str], paths: Sequence[str], cwd: Path) -> list[str]:
    """The corpus folders (real paths) that no folder of ``paths`` holds whole."""
    named = [_real(cwd, p) for p in paths if (cwd / p).is_dir()]
    real_roots = [_real(cwd, r) for r in roots if (cwd / r).is_dir()]
    return [r for r in real_roots if not any(_under(r, folder) for folder in named)]
