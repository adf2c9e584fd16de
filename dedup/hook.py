"""The pre-commit check: does any changed file duplicate a document already in the corpus?

pre-commit passes only the changed files, perhaps split over several calls, so each file is
compared with the whole corpus through the persistent index: the changed files are (re)indexed,
their winnowed fingerprints find the few indexed documents that can pair with them, and every such
candidate is verified exactly. Pairs accepted in the baseline file stay quiet.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dedup import gitsync
from dedup.baseline import load_baseline, new_pairs, relative_to
from dedup.cluster import clusters
from dedup.config import Settings
from dedup.errors import ConfigError
from dedup.fingerprint import fingerprints
from dedup.index import Index, index_key, root_key, with_index
from dedup.models import Document, Note, Pair, Report, Skipped
from dedup.pipeline import learn_boilerplate, prepare_all, read_texts, with_explanation
from dedup.prepare import Prepared
from dedup.shingle import HashSet
from dedup.sources import Source, discover, display_path, selects
from dedup.verify import measure, sketched
from dedup.words import counted


@dataclass(frozen=True)
class Finding:
    """A changed file that duplicates another document, and how."""

    path: str
    other: str
    pair: Pair


@dataclass(frozen=True)
class HookResult:
    """What the check found; exit code 1 when any new pair was found."""

    findings: tuple[Finding, ...]
    checked: int
    skipped: tuple[Skipped, ...]
    accepted: int
    documents: tuple[Document, ...] = ()
    """The changed files' documents and every corpus document in a pair with one of them."""
    found: tuple[Pair, ...] = ()
    """Every pair found, accepted ones included (``findings`` holds the new ones)."""

    @property
    def return_code(self) -> int:
        """1 when a changed file makes a pair the baseline does not accept, else 0."""
        return 1 if self.findings else 0


def check(
    files: Sequence[str],
    settings: Settings,
    *,
    corpus: Sequence[str] = (),
    cwd: Path | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> HookResult:
    """Compare each of ``files`` with every document of the corpus folders.

    The corpus is ``corpus`` or, when empty, ``settings.corpus`` (``[tool.dedup] corpus``); a
    ConfigError when neither names one. The first run builds the index of the whole corpus.
    """
    cwd = cwd or Path.cwd()
    roots = list(corpus) or list(settings.corpus)
    if not roots:
        raise ConfigError("no corpus to compare with: give --corpus DIR or set corpus in [tool.dedup]")
    for root in roots:
        if not (cwd / root).is_dir():
            raise ConfigError(f"corpus folder does not exist: {root}")
    existing = [f for f in files if (cwd / f).is_file()]
    passed_over: list[Skipped] = []
    changed = discover(existing, settings, cwd, passed_over) if existing else []
    for skipped in passed_over:
        warn(f"skipped {skipped.path}: {skipped.reason}")

    def run(index: Index) -> HookResult:
        def prepare(todo: Sequence[Source]) -> list[Prepared | Skipped]:
            return prepare_all(todo, settings)

        root_keys = [root_key(cwd / r, cwd) for r in roots]
        missing = [r for r in roots if not index.covers(cwd / r)]
        if missing:
            passed_over_in_corpus: list[Skipped] = []
            corpus_sources = discover(missing, settings, cwd, passed_over_in_corpus)
            # The first run reads the whole corpus, which takes a while: say what it is doing.
            warn(
                Note(
                    f"indexing the corpus (first run): {counted(len(corpus_sources), 'document')} "
                    f"under {', '.join(missing)}; later runs read only changes"
                )
            )
            built = index.refresh(corpus_sources, prepare, prune_under=[str(cwd / r) for r in missing])
            for skipped in (*passed_over_in_corpus, *built.skipped):
                warn(f"skipped {skipped.path}: {skipped.reason}")
        _catch_up(index, roots, cwd, settings, prepare, fresh=missing, warn=warn)
        stats = index.refresh(changed, prepare)
        if index.boilerplate_is_stale(settings):
            learn_boilerplate(index, settings)
        boilerplate = index.boilerplate()
        common = HashSet(index.common())
        records = index.load(changed)
        pairs: dict[tuple[str, str], Pair] = {}
        documents: dict[str, Document] = {}
        left_out: dict[str, str] = {}  # candidates the index no longer holds, and why
        for source, record in zip(changed, records, strict=True):
            if record is None:
                continue
            documents[record.document.path] = record.document
            own_key = index_key(source.path, cwd)
            keys = [
                k
                for k in index.candidates(
                    fingerprints(record.shingles, settings.window, boilerplate), own_key
                )
                if any(_below(k, r) for r in root_keys)
            ]
            others = [
                Source(index.path_of(k), display_path(os.path.relpath(index.path_of(k), cwd))) for k in keys
            ]
            # A candidate may have changed on disk since it was indexed: bring those few up to date.
            unreadable = {s.path: s.reason for s in index.refresh(others, prepare).skipped}
            mine = sketched(
                record.document.path,
                record.shingles,
                record.document.words,
                record.text_hash,
                boilerplate,
                record.quoted,
            )
            for other_source, other in zip(others, index.load(others), strict=True):
                if other is None:
                    # Deleted, or no longer readable: the refresh dropped it from the index.
                    reason = unreadable.get(other_source.display, "deleted since it was indexed")
                    left_out.setdefault(other_source.display, reason)
                    continue
                if other_source.display == record.document.path:
                    continue
                documents[other.document.path] = other.document
                theirs = sketched(
                    other.document.path,
                    other.shingles,
                    other.document.words,
                    other.text_hash,
                    boilerplate,
                    other.quoted,
                )
                a, b = sorted((mine, theirs), key=lambda s: s.path)
                # The hook sees the corpus through its index: common wording is what the index
                # learned, and no pair found elsewhere makes any of it a pair's own.
                pair = measure(a, b, settings, None, common)
                if pair.relation is not None:
                    pairs[(pair.a, pair.b)] = pair
        for path, reason in sorted(left_out.items()):
            warn(f"{path} is left out of the comparison: {reason}")
        accepted = load_baseline(cwd / settings.baseline)
        found = sorted(pairs.values(), key=lambda p: (p.a, p.b))
        fresh = new_pairs(
            found, list(documents.values()), accepted, relative_to(Path(settings.baseline), cwd)
        )
        findings = _explained(fresh, changed, settings, boilerplate, cwd)
        changed_paths = {s.display for s in changed}
        involved = changed_paths | {p for pair in found for p in (pair.a, pair.b)}
        return HookResult(
            tuple(findings),
            len(changed),
            stats.skipped,
            len(found) - len(fresh),
            tuple(documents[p] for p in sorted(involved) if p in documents),
            tuple(found),
        )

    return with_index(cwd / settings.index, cwd, settings, warn, run)


def _catch_up(
    index: Index,
    roots: Sequence[str],
    cwd: Path,
    settings: Settings,
    prepare: Callable[[Sequence[Source]], list[Prepared | Skipped]],
    *,
    fresh: Sequence[str],
    warn: Callable[[str], None],
) -> None:
    """Bring the index up to date with what git changed in the corpus folders since the hook last
    ran (a checkout, merge or pull): the tracked files whose ``git ls-files`` entry differs from
    the listing the index recorded are refreshed, added or forgotten. A folder without a recorded
    listing (indexed by ``dedup index``, or before this check existed) is compared with the disk
    once, file by file, unless it was indexed whole in this run (``fresh``). Outside a git work
    tree nothing is checked: the index is trusted, as before."""
    select = selects(settings)
    for root in roots:
        now = gitsync.listing(root, cwd)
        if now is None:
            continue
        key = root_key(cwd / root, cwd)
        before = index.git_listing(key)
        passed_over: list[Skipped] = []
        if before is None and root not in fresh:
            sources = discover([root], settings, cwd, passed_over)
            done = index.refresh(sources, prepare, prune_under=[str(cwd / root)])
        elif before is not None:
            todo = [
                Source(cwd / path, display_path(path))
                for path in gitsync.changed(before, now)
                if select(Path(os.path.relpath(cwd / path, cwd / root)).as_posix())
            ]
            done = index.refresh(todo, prepare)
        else:
            done = None
        for skipped in (*passed_over, *(done.skipped if done else ())):
            warn(f"skipped {skipped.path}: {skipped.reason}")
        if now != before:
            index.set_git_listing(key, now)


def _below(key: str, root: str) -> bool:
    return root in ("", ".") or key == root or key.startswith(root.rstrip("/") + "/")


def _explained(
    pairs: Sequence[Pair], changed: Sequence[Source], settings: Settings, boilerplate: np.ndarray, cwd: Path
) -> list[Finding]:
    """Each new pair with its explanation, named from the changed file's side."""
    paths = {p for pair in pairs for p in (pair.a, pair.b)}
    texts = read_texts([Source(cwd / p, p) for p in sorted(paths)], settings.max_bytes)
    changed_paths = {s.display for s in changed}
    out = []
    for pair in pairs:
        if pair.a in texts and pair.b in texts:
            pair = with_explanation(pair, texts, settings, boilerplate)
        mine, other = (
            (pair.b, pair.a) if pair.b in changed_paths and pair.a not in changed_paths else (pair.a, pair.b)
        )
        out.append(Finding(mine, other, pair))
    return out


def hook_report(result: HookResult, settings: Settings) -> Report:
    """The hook's findings as a scan report (for the JSON renderer): its pairs are the new pairs,
    explained; its documents the changed files and the corpus documents they pair with."""
    pairs = [f.pair for f in result.findings]
    attributions = {d.path: d.attribution for d in result.documents}
    return Report(
        result.documents, tuple(pairs), clusters(pairs, attributions), result.skipped, settings.as_dict()
    )
