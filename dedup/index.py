"""A persistent index of prepared documents: SQLite in a folder (``.dedup/`` by default).

Each document's shingles, word count, hashes and winnowed fingerprints are kept, keyed by its
path and content hash, so a run re-reads only files that were added or changed (size or
modification time differ, then the content hash decides). The index records everything that shapes
what it stores; when any of it differs from the current settings, or the file is truncated,
corrupt or of another version, the index says so in one line and is rebuilt, never trusted.

Every write is one SQLite transaction, so a crash leaves the previous state; a rebuild happens in a
new file that replaces the old one atomically. Two processes may use one index at once: SQLite's
locking orders their writes (each waits up to a minute for the other).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import numpy as np

from dedup.atomic import atomic_write_text, remove_stale_temporaries, temporary_path
from dedup.config import Settings
from dedup.errors import InputError
from dedup.fingerprint import fingerprints
from dedup.models import Document, Skipped
from dedup.prepare import Prepared
from dedup.shingle import U64
from dedup.sketch import MINHASH_SCHEME
from dedup.sources import Source
from dedup.tokens import TOKENIZER_VERSION

INDEX_VERSION = 1
DECODER_VERSION = 2
"""How bytes become text (sources.decode); 2 reads stray Windows-1252 bytes in UTF-8 one by one."""
INDEX_FILE = "index.sqlite"
WORD_HASH = "poly64-fmix64"
MAX_FINGERPRINT_DOCS = 1000
"""A fingerprint found in more documents than this is too common to point at a source."""
BOILERPLATE_REFRESH = 0.05
"""Share of documents changed since boilerplate was last learned that makes it learned again."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    content_hash TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    words INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    attribution TEXT,
    shingles BLOB NOT NULL,
    quoted BLOB
);
CREATE TABLE IF NOT EXISTS fps (fp INTEGER NOT NULL, doc INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS fps_fp ON fps (fp);
CREATE INDEX IF NOT EXISTS fps_doc ON fps (doc);
"""


_LISTING = "git_listing:"
"""Prefix of the meta keys that hold a corpus folder's ``git ls-files`` listing."""


def _learned_with(settings: Settings) -> str:
    """The settings that shape the boilerplate and common wording an index learns."""
    keys = ("boilerplate_docs", "boilerplate_share", "common_docs")
    return json.dumps({key: getattr(settings, key) for key in keys}, sort_keys=True)


class IndexError_(Exception):
    """The index file cannot be used (corrupt, truncated, another version): it will be rebuilt."""


def signature_settings(settings: Settings) -> dict[str, object]:
    """Everything that shapes what the index stores; a difference means a rebuild."""
    return {
        "index_version": INDEX_VERSION,
        "tokenizer_version": TOKENIZER_VERSION,
        "decoder_version": DECODER_VERSION,
        "word_hash": WORD_HASH,
        "shingle_size": settings.shingle_size,
        "minhash_scheme": MINHASH_SCHEME,
        "num_perm": settings.num_perm,
        "seed": settings.seed,
        "fingerprint_window": settings.window,
        "max_bytes": settings.max_bytes,
    }


@dataclass(frozen=True)
class RefreshStats:
    """What a refresh did."""

    added: int
    changed: int
    removed: int
    unchanged: int
    skipped: tuple[Skipped, ...]


def _u64_blob(values: U64) -> bytes:
    return np.ascontiguousarray(values, dtype=np.uint64).tobytes()


def _i64(values: U64) -> list[int]:
    """uint64 values as the signed 64-bit integers SQLite stores (same bits)."""
    return [int(v) for v in np.asarray(values, dtype=np.uint64).view(np.int64)]


@lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    return os.path.realpath(folder)


def index_key(path: str | Path, root: Path) -> str:
    """How the index names a file: its real path relative to the index's root folder.

    Folders are resolved once each (a file that is itself a link keeps its own name).
    """
    folder, name = os.path.split(os.path.abspath(path))
    real = os.path.join(_real_folder(folder), name)
    rel = os.path.relpath(real, _real_folder(str(root)))
    return real.replace(os.sep, "/") if rel.startswith("..") else rel.replace(os.sep, "/")


def root_key(folder: str | Path, root: Path) -> str:
    """How the index names a folder's contents: like ``index_key``, with the folder itself resolved."""
    return index_key(os.path.join(os.path.realpath(folder), ""), root).rstrip("/") or "."


class Index:
    """An open index. Use :func:`open_index` to get one."""

    def __init__(self, folder: Path, root: Path, settings: Settings, warn: Callable[[str], None]) -> None:
        self.folder = folder
        self.root = root
        self.settings = settings
        self.warn = warn
        self.path = folder / INDEX_FILE
        self.conn = self._connect()

    # -- opening, validating, rebuilding

    def _connect(self) -> sqlite3.Connection:
        try:
            if not self.folder.exists():
                try:
                    self.folder.mkdir(parents=True)
                except FileExistsError:
                    pass  # another dedup process made it a moment ago; that one writes .gitignore
                else:
                    # Only a folder the index made for itself is ignored whole.
                    atomic_write_text(
                        self.folder / ".gitignore", "# dedup's index: local, rebuilt when needed\n*\n"
                    )
            if not self.folder.is_dir():
                raise InputError(f"cannot use index folder {self.folder}: it is not a folder")
            # A rebuild killed midway leaves its new file (as large as the index); SQLite's own
            # journal of the index itself is SQLite's business and is left alone.
            remove_stale_temporaries(self.path, "new")
            try:
                conn = self._open(self.path)
                self._validate(conn)
                return conn
            except (sqlite3.DatabaseError, IndexError_) as exc:
                if not is_damage(exc):
                    raise
                self.warn(f"index {self.path} cannot be used ({exc}); rebuilding it")
                return self._rebuild()
        except sqlite3.Error as exc:
            raise InputError(f"cannot use index {self.path}: {exc}") from exc
        except OSError as exc:
            raise InputError(f"cannot use index folder {self.folder}: {exc.strerror or exc}") from exc

    def _open(self, path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=60, isolation_level=None)
        conn.execute("PRAGMA busy_timeout = 60000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _validate(self, conn: sqlite3.Connection) -> None:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        expected = json.dumps(signature_settings(self.settings), sort_keys=True)
        if not tables:
            # executescript commits on its own; a crash before the signature is written leaves an
            # index that records no settings, which the next open rebuilds.
            conn.executescript(_SCHEMA)
            with _transaction(conn):
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('signature', ?)", (expected,))
            return
        if not {"meta", "docs", "fps"} <= tables:
            raise IndexError_("tables are missing")
        row = conn.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
        if row is None:
            raise IndexError_("it records no settings")
        if row[0] != expected:
            try:
                stored = json.loads(row[0])
                now = json.loads(expected)
                differ = sorted(k for k in set(stored) | set(now) if stored.get(k) != now.get(k))
            except (ValueError, TypeError, AttributeError) as exc:
                raise IndexError_(f"its settings record is unreadable: {exc}") from exc
            raise IndexError_(f"built with other settings: {', '.join(differ)}")
        # A full integrity check reads the whole file (seconds for a large corpus); damage deeper
        # in is caught when a read meets it (see ``guarded``).
        conn.execute("SELECT COUNT(*) FROM meta").fetchone()

    def _rebuild(self) -> sqlite3.Connection:
        # Build the new file beside the old one and swap it in, so no reader sees a half-made index.
        fresh = temporary_path(self.path, "new")
        for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
            leftover.unlink(missing_ok=True)
        try:
            conn = self._open(fresh)
            self._validate(conn)
            conn.close()
            for stale in (Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                stale.unlink(missing_ok=True)
            os.replace(fresh, self.path)
        finally:
            for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
                leftover.unlink(missing_ok=True)
        conn = self._open(self.path)
        self._validate(conn)
        return conn

    def close(self) -> None:
        """Close the database connection."""
        self.conn.close()

    # -- reading

    def count(self) -> int:
        """Documents in the index."""
        return int(self.conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0])

    def load(self, sources: Sequence[Source]) -> list[Prepared | None]:
        """The stored records of ``sources`` (None for a file the index does not hold)."""
        keys = [index_key(s.path, self.root) for s in sources]
        rows = {}
        for chunk in _chunks(keys, 900):
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                "SELECT key, content_hash, text_hash, words, encoding, attribution, shingles, quoted "
                f"FROM docs WHERE key IN ({marks})",
                chunk,
            ):
                rows[row[0]] = row
        out: list[Prepared | None] = []
        for source, key in zip(sources, keys, strict=True):
            row = rows.get(key)
            out.append(None if row is None else _prepared(source.display, row))
        return out

    def boilerplate(self) -> U64:
        """The boilerplate shingles learned when the index was last refreshed (sorted)."""
        return self._learned("boilerplate")

    def common(self) -> U64:
        """The common wording learned with the boilerplate (sorted)."""
        return self._learned("common")

    def _learned(self, key: str) -> U64:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            return np.empty(0, dtype=np.uint64)
        try:
            return np.frombuffer(bytes.fromhex(row[0]), dtype=np.uint64).copy()
        except (TypeError, ValueError) as exc:
            raise IndexError_(f"its {key} record is malformed: {exc}") from exc

    def candidates(self, prints: U64, exclude: str | None = None) -> list[str]:
        """Keys of indexed documents sharing at least one fingerprint with ``prints``."""
        found: dict[int, int] = {}
        values = _i64(prints)
        for chunk in _chunks(values, 900):
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT fp, COUNT(*) FROM fps WHERE fp IN ({marks}) GROUP BY fp "
                f"HAVING COUNT(*) <= {MAX_FINGERPRINT_DOCS}"
            )
            usable = [fp for fp, _ in self.conn.execute(sql, chunk)]
            for sub in _chunks(usable, 900):
                marks = ",".join("?" * len(sub))
                for (doc,) in self.conn.execute(f"SELECT DISTINCT doc FROM fps WHERE fp IN ({marks})", sub):
                    found[doc] = 1
        keys: list[str] = []
        for sub in _chunks(sorted(found), 900):
            marks = ",".join("?" * len(sub))
            keys.extend(k for (k,) in self.conn.execute(f"SELECT key FROM docs WHERE id IN ({marks})", sub))
        return sorted(k for k in keys if k != exclude)

    def path_of(self, key: str) -> Path:
        """Where an indexed document is on disk."""
        return Path(key) if os.path.isabs(key) else self.root / key

    # -- writing

    def refresh(
        self,
        sources: Sequence[Source],
        prepare: Callable[[Sequence[Source]], list[Prepared | Skipped]],
        *,
        prune_under: Sequence[str | Path] = (),
    ) -> RefreshStats:
        """Bring the index up to date for ``sources``: re-read only files whose size or modification
        time differ from the stored ones. Indexed files below the folders ``prune_under`` that are
        not among ``sources`` (deleted or excluded) are removed.
        """
        records = [s.display for s in sources if s.record is not None]
        if records:
            # The index keeps one entry a file, by its size and time: the records of a file would
            # overwrite each other.
            raise InputError(
                f"the index does not take record files ({records[0].rsplit('#', 1)[0]}): "
                "scan them without --index, and keep the hook's corpus in text files"
            )
        keys = [index_key(s.path, self.root) for s in sources]
        stored: dict[str, tuple[int, int, int]] = {}
        if prune_under:
            rows: Iterable[tuple[int, str, int, int]] = self.conn.execute(
                "SELECT id, key, size, mtime_ns FROM docs"
            )
        else:  # a few files (the hook's): look up just those
            rows = (
                row
                for chunk in _chunks(keys, 900)
                for row in self.conn.execute(
                    f"SELECT id, key, size, mtime_ns FROM docs WHERE key IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        for doc_id, key, size, mtime in rows:
            stored[key] = (doc_id, size, mtime)
        stale: list[tuple[Source, str, int, int]] = []
        gone: list[int] = []
        unchanged = 0
        for source, key in zip(sources, keys, strict=True):
            try:
                st = os.stat(source.path)
            except OSError:  # deleted or renamed since it was indexed
                if key in stored:
                    gone.append(stored[key][0])
                continue
            old = stored.get(key)
            if old is not None and old[1] == st.st_size and old[2] == st.st_mtime_ns:
                unchanged += 1
            else:
                stale.append((source, key, st.st_size, st.st_mtime_ns))
        prepared = prepare([s for s, _, _, _ in stale]) if stale else []
        skipped = tuple(p for p in prepared if isinstance(p, Skipped))
        added = changed = 0
        window = self.settings.window
        with _transaction(self.conn):
            for (_, key, size, mtime), item in zip(stale, prepared, strict=True):
                # Look again inside the transaction: another process may have written this file
                # since we read the table.
                row = self.conn.execute(
                    "SELECT id, size, mtime_ns FROM docs WHERE key = ?", (key,)
                ).fetchone()
                old = None if row is None else (int(row[0]), int(row[1]), int(row[2]))
                if isinstance(item, Skipped):
                    if old is not None:
                        self._delete(old[0])
                    continue
                self._write(key, size, mtime, item, fingerprints(item.shingles, window), old)
                if old is None:
                    added += 1
                else:
                    changed += 1
            for doc_id in gone:
                self._delete(doc_id)
            removed = len(gone)
            roots = [root_key(p, self.root) for p in prune_under]
            present = set(keys)
            for key, (doc_id, _, _) in stored.items():
                if key not in present and any(_below(key, r) for r in roots):
                    self._delete(doc_id)
                    removed += 1
            if roots:
                self._add_roots(roots)
            self._bump_changes(added + changed + removed)
        return RefreshStats(added, changed, removed, unchanged, skipped)

    def _write(
        self, key: str, size: int, mtime: int, item: Prepared, prints: U64, old: tuple[int, int, int] | None
    ) -> None:
        d = item.document
        quoted = (
            None
            if item.quoted is None
            else np.packbits(item.quoted).tobytes() + len(item.quoted).to_bytes(8, "little")
        )
        values = (
            size,
            mtime,
            d.content_hash,
            item.text_hash,
            d.words,
            d.encoding,
            d.attribution,
            _u64_blob(item.shingles),
            quoted,
        )
        if old is None:
            cur = self.conn.execute(
                "INSERT INTO docs (key, size, mtime_ns, content_hash, text_hash, words, encoding,"
                " attribution, shingles, quoted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, *values),
            )
            doc_id = int(cur.lastrowid or 0)
        else:
            doc_id = old[0]
            self.conn.execute(
                "UPDATE docs SET size = ?, mtime_ns = ?, content_hash = ?, text_hash = ?, words = ?,"
                " encoding = ?, attribution = ?, shingles = ?, quoted = ? WHERE id = ?",
                (*values, doc_id),
            )
            self.conn.execute("DELETE FROM fps WHERE doc = ?", (doc_id,))
        self.conn.executemany("INSERT INTO fps VALUES (?, ?)", ((fp, doc_id) for fp in _i64(prints)))

    def _delete(self, doc_id: int) -> None:
        self.conn.execute("DELETE FROM fps WHERE doc = ?", (doc_id,))
        self.conn.execute("DELETE FROM docs WHERE id = ?", (doc_id,))

    def roots(self) -> dict[str, str]:
        """Folders (as root keys) the index holds completely, each with the include and exclude
        patterns of its last whole refresh (:meth:`_patterns`)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'roots'").fetchone()
        try:
            value = json.loads(row[0]) if row else {}
        except ValueError as exc:
            raise IndexError_(f"its list of folders is unreadable: {exc}") from exc
        if isinstance(value, list):
            return {}  # written before patterns were kept: no folder is known to be whole
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise IndexError_("its list of folders is malformed")
        return value

    def covers(self, folder: str | Path) -> bool:
        """True when every document below ``folder`` that the settings' include and exclude patterns
        select has been indexed at least once."""
        key = root_key(folder, self.root)
        patterns = self._patterns()
        return any(_below(key, r) and p == patterns for r, p in self.roots().items())

    def _add_roots(self, keys: Sequence[str]) -> None:
        # A refresh with other patterns (a scan with --include, say) removed or added documents
        # below and above these folders: a folder it touched is whole only for these patterns now.
        patterns = self._patterns()
        roots = {
            r: p
            for r, p in self.roots().items()
            if p == patterns or not any(_below(r, k) or _below(k, r) for k in keys)
        }
        roots.update(dict.fromkeys(keys, patterns))
        self.conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('roots', ?)", (json.dumps(roots, sort_keys=True),)
        )

    def present(self, hashes: Iterable[str]) -> set[str]:
        """Those of ``hashes`` (sha256 of files' bytes) that an indexed document has, and that
        still exists on disk under its indexed path."""
        found: set[str] = set()
        wanted = sorted(set(hashes))
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            rows = self.conn.execute(
                f"SELECT content_hash, key FROM docs WHERE content_hash IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            found.update(str(h) for h, key in rows if self.path_of(str(key)).is_file())
        return found

    def git_listing(self, root: str) -> bytes | None:
        """The ``git ls-files`` listing of the folder ``root`` (a root key) that the index was last
        brought up to date with (see :mod:`dedup.gitsync`), or None when it has none."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (_LISTING + root,)).fetchone()
        return row[0] if row is not None and isinstance(row[0], bytes) else None

    def set_git_listing(self, root: str, listing: bytes) -> None:
        """Record the listing of ``root`` that the index is now up to date with."""
        with _transaction(self.conn):
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (_LISTING + root, listing))

    def _patterns(self) -> str:
        return json.dumps([list(self.settings.include), list(self.settings.exclude)])

    def _bump_changes(self, n: int) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()
        total = (_int(row[0]) if row else 0) + n
        self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('changes', ?)", (str(total),))

    def boilerplate_is_stale(self, settings: Settings) -> bool:
        """True when boilerplate was never learned, or learned with other settings, or many
        documents changed since."""
        have = self.conn.execute("SELECT count(*) FROM meta WHERE key IN ('boilerplate', 'common')")
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'changes'").fetchone()
        changes = _int(row[0]) if row else 0
        learned = self.conn.execute("SELECT value FROM meta WHERE key = 'learned_with'").fetchone()
        # An index written before common wording was learned has boilerplate only.
        return (
            have.fetchone()[0] < 2
            or learned is None
            or learned[0] != _learned_with(settings)
            or changes > BOILERPLATE_REFRESH * max(1, self.count())
        )

    def set_boilerplate(self, shingles: U64, common: U64, settings: Settings) -> None:
        """Store the corpus's boilerplate shingles and common wording, learned from all indexed
        documents with ``settings``."""
        with _transaction(self.conn):
            self.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('learned_with', ?)", (_learned_with(settings),)
            )
            for key, values in (("boilerplate", shingles), ("common", common)):
                self.conn.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, _u64_blob(np.sort(values)).hex())
                )
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('changes', '0')")
            self.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('boilerplate_learned', ?)", (str(int(time.time())),)
            )

    def all_records(self) -> list[Prepared]:
        """Every stored record, named by its index key (for learning boilerplate)."""
        rows = self.conn.execute(
            "SELECT key, content_hash, text_hash, words, encoding, attribution, shingles, quoted FROM docs "
            "ORDER BY key"
        )
        return [_prepared(row[0], row) for row in rows]


def _prepared(display: str, row: tuple[object, ...]) -> Prepared:
    try:
        _, content_hash, text_hash, words, encoding, attribution, shingles, quoted = row
        if not isinstance(shingles, bytes):
            raise TypeError("shingles are not a blob")
        flags = None
        if isinstance(quoted, bytes):
            n = int.from_bytes(quoted[-8:], "little")
            flags = np.unpackbits(np.frombuffer(quoted[:-8], dtype=np.uint8))[:n].astype(bool)
        document = Document(
            display,
            str(content_hash),
            int(str(words)),
            str(encoding),
            None if attribution is None else str(attribution),
        )
        return Prepared(document, np.frombuffer(shingles, dtype=np.uint64).copy(), str(text_hash), flags)
    except (ValueError, TypeError) as exc:
        raise IndexError_(f"a stored record is malformed: {exc}") from exc


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError as exc:
        raise IndexError_(f"a stored count is malformed: {value!r}") from exc


def is_damage(exc: BaseException) -> bool:
    """True for a damaged or foreign index file (rebuild it); False for locks, permissions, I/O."""
    if isinstance(exc, IndexError_):
        return True
    if isinstance(exc, sqlite3.DatabaseError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
        return not isinstance(exc, sqlite3.OperationalError)
    return False


def _below(key: str, root: str) -> bool:
    return root in ("", ".") or key == root or key.startswith(root.rstrip("/") + "/")


def _chunks(items: Sequence[object] | list[int], size: int) -> Iterator[list[int]]:
    seq = list(items)
    for i in range(0, len(seq), size):
        yield seq[i : i + size]  # type: ignore[misc]


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        # SQLite may have rolled back already (a full disk does that): the first error is the one
        # to report, not "no transaction is active".
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def open_index(folder: Path, root: Path, settings: Settings, warn: Callable[[str], None]) -> Index:
    """Open (creating, or rebuilding when unusable) the index in ``folder`` for files below ``root``."""
    return Index(folder, root, settings, warn)


T = TypeVar("T")


def with_index(
    folder: Path, root: Path, settings: Settings, warn: Callable[[str], None], action: Callable[[Index], T]
) -> T:
    """Run ``action`` on the open index. Damage found while reading (a corrupt page deep in the file)
    is reported in one line, the index is rebuilt from scratch and ``action`` runs once more."""
    for attempt in (1, 2):
        index = open_index(folder, root, settings, warn)
        try:
            return action(index)
        except (sqlite3.DatabaseError, IndexError_) as exc:
            if not is_damage(exc):
                raise InputError(f"cannot use index {index.path}: {exc}") from exc
            if attempt == 2:
                raise InputError(f"index {index.path} is still damaged after a rebuild: {exc}") from exc
            warn(f"index {index.path} is damaged ({exc}); rebuilding it")
            index.close()
            for stale in (index.path, Path(f"{index.path}-wal"), Path(f"{index.path}-shm")):
                stale.unlink(missing_ok=True)
        finally:
            index.close()
    raise AssertionError("unreachable")
