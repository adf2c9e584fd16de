"""Finding documents under the given paths and reading them: the only module that touches files."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fnmatch import translate
from html.parser import HTMLParser
from pathlib import Path
from typing import IO

from dedup.config import Settings
from dedup.errors import InputError
from dedup.models import Skipped
from dedup.records import SPOOL_FIELD, Record, list_records, read_record, record_format

HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
_SNIFF = 8192
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
"""Opens a named pipe without waiting for a writer; a regular file reads as without it."""
_NOT_CONTROL = bytes(b for b in range(256) if b >= 32 or chr(b) in "\t\n\r\f\v\x1b")


@dataclass(frozen=True, slots=True)
class Source:
    """A file to scan: where it is on disk and how the user would name it."""

    path: str | Path
    """Where the file is on disk (absolute, or relative to the current folder)."""
    display: str
    record: Record | None = None
    """For a record of a record file (``display`` is then ``FILE#ID``): where its text is in the
    file at ``path`` (the record file, or its spool)."""


@dataclass(frozen=True, slots=True)
class Text:
    """A decoded document."""

    source: Source
    text: str
    encoding: str
    content_hash: str


def display_path(given: str, rel: str = "") -> str:
    """A file's path as the user would type it: the path they gave, joined with the part below it."""
    joined = os.path.normpath(os.path.join(given, rel)) if rel else os.path.normpath(given)
    # normpath already leaves what a Path would; only the separator may need changing.
    return joined if os.sep == "/" else joined.replace(os.sep, "/")


class _Patterns:
    """Glob patterns compiled once; a path matches when its relative path or its name does."""

    def __init__(self, patterns: Iterable[str]) -> None:
        # "drafts/" names a folder, as in .gitignore: it matches the folder's path "drafts".
        globs = [g.rstrip("/") or g for g in patterns]
        self.regex = re.compile("|".join(f"(?:{translate(g)})" for g in globs)) if globs else None

    def __call__(self, rel: str) -> bool:
        if self.regex is None:
            return False
        return bool(self.regex.match(rel) or self.regex.match(rel.rsplit("/", 1)[-1]))


def selects(settings: Settings) -> Callable[[str], bool]:
    """Whether :func:`discover`, walking a folder, would list the file at ``rel`` below it (a path
    with "/" separators): nothing hidden on the way, the include patterns match it, and the
    exclude patterns match neither it nor a folder above it."""
    include, exclude = _Patterns(settings.include), _Patterns(settings.exclude)

    def selected(rel: str) -> bool:
        parts = rel.split("/")
        if any(not part or part.startswith(".") or part == ".." for part in parts):
            return False
        if any(exclude("/".join(parts[:i])) for i in range(1, len(parts))):
            return False
        return include(rel) and not exclude(rel)

    return selected


def discover(
    paths: Sequence[str],
    settings: Settings,
    cwd: Path,
    skipped: list[Skipped] | None = None,
    spool_dir: str | Path | None = None,
) -> list[Source]:
    """Every file to scan under ``paths``, sorted by display path, each listed once.

    Folders are walked recursively; hidden folders and files (``.git`` among them) are skipped, files
    must match an ``include`` pattern and no ``exclude`` pattern. A file named directly is always
    scanned unless excluded. A path that does not exist, is neither a file nor a folder (a pipe, a
    device), or is a folder that cannot be read raises InputError. Links to folders are not
    followed, so a link loop cannot trap the walk; a link to a file is the file, listed once under
    the first of its names. Files whose path is not valid UTF-8 (they cannot be named in JSON or in
    the index) and folders below that cannot be read are left out, and added to ``skipped`` when
    one is given.

    A record file (JSON Lines, JSON array, CSV/TSV, Parquet: see dedup.records) is not a document:
    each of its records is, named ``FILE#ID``. Its bad records are added to ``skipped``. Records
    that cannot be read in place are copied into a file in ``spool_dir`` (a record file of such a
    format raises InputError without one).
    """
    include, exclude = _Patterns(settings.include), _Patterns(settings.exclude)
    found: dict[str, Source] = {}
    passed_over: dict[str, Skipped] = {}

    def add(key: str, source: Source) -> None:
        # Names of one file (links to it) may come in any order: the first in display order wins.
        known = found.get(key)
        if known is None or source.display < known.display:
            found[key] = source

    spools = 0

    def spool() -> IO[bytes]:
        nonlocal spools
        if spool_dir is None:
            raise InputError("record files of this format can only be read by a scan")
        spools += 1
        return open(os.path.join(spool_dir, f"records-{spools}.jsonl"), "w+b")  # noqa: SIM115

    def add_file(key: str, path: str | Path, display: str) -> None:
        kind = record_format(display, settings.record_format)
        if kind is None:
            add(key, Source(path, display))
            return
        listing = list_records(
            path, display, *kind, settings.text_field, settings.id_field, settings.max_bytes, spool
        )
        for bad in listing.skipped:
            passed_over[bad.path] = bad
        for ident, record in listing.records:
            where = (
                path
                if record.field != SPOOL_FIELD
                else os.path.join(spool_dir or "", f"records-{spools}.jsonl")
            )
            add(f"{key}#{ident}", Source(where, f"{display}#{ident}", record))

    def bad_name(display: str) -> None:
        shown = os.fsencode(display).decode("utf-8", "backslashreplace")
        passed_over[shown] = Skipped(shown, "file name is not valid UTF-8")

    for given in paths:
        absolute = given if os.path.isabs(given) else os.path.join(cwd, given)
        if not os.path.exists(absolute):
            raise InputError(f"path does not exist: {given}")
        given_ok = _utf8(given)
        if os.path.isfile(absolute):
            if not exclude(os.path.basename(absolute)):
                if not given_ok:
                    bad_name(display_path(given))
                    continue
                add_file(os.path.realpath(absolute), Path(absolute), display_path(given))
            continue
        if not os.path.isdir(absolute):
            raise InputError(f"not a file or folder: {given}")
        real_root = os.path.realpath(absolute)
        # Names from a folder listing hold no separator, '.' or '..', so below the given folder a
        # display path is the folder's own, normalised once, joined with the relative path.
        shown = display_path(given)
        shown_prefix = "" if shown == "." else shown if shown.endswith("/") else shown + "/"
        real_prefix = real_root if real_root.endswith(os.sep) else real_root + os.sep
        stack = [""]
        while stack:
            rel_dir = stack.pop()
            try:
                entries = list(os.scandir(os.path.join(absolute, rel_dir)))
            except OSError as exc:
                if not rel_dir:
                    raise InputError(f"cannot read folder {given}: {exc.strerror or exc}") from exc
                folder = shown_prefix + rel_dir
                passed_over[folder] = Skipped(folder, f"unreadable folder ({exc.strerror or exc})")
                continue
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                rel = rel_dir + name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if not exclude(rel):
                            stack.append(rel + "/")
                        continue
                    if not entry.is_file():  # sockets, pipes, broken links
                        continue
                    link = entry.is_symlink()
                except OSError:
                    continue
                if include(rel) and not exclude(rel):
                    if not (given_ok and _utf8(rel)):
                        bad_name(shown_prefix + rel)
                        continue
                    if link:
                        add_file(os.path.realpath(entry.path), entry.path, shown_prefix + rel)
                    elif record_format(rel, settings.record_format) is not None:
                        add_file(real_prefix + rel, entry.path, shown_prefix + rel)
                    else:
                        key = real_prefix + (rel if os.sep == "/" else rel.replace("/", os.sep))
                        # A second name of this file can only be a link: add() sorts that out.
                        if key in found:
                            add(key, Source(entry.path, shown_prefix + rel))
                        else:
                            found[key] = Source(entry.path, shown_prefix + rel)
    if skipped is not None:
        skipped.extend(passed_over[k] for k in sorted(passed_over))
    return sorted(found.values(), key=lambda src: src.display)


def _utf8(name: str) -> bool:
    """Whether a name from the file system is valid UTF-8 (Python keeps other bytes as surrogates)."""
    if name.isascii():
        return True
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_text(source: Source, max_bytes: int) -> Text | Skipped:
    """Read and decode one file, or say in a few words why it is skipped. Never raises for bad files."""
    if source.record is not None:
        try:
            text = read_record(source.path, source.record)
        except (OSError, ValueError) as exc:
            return Skipped(source.display, f"unreadable ({exc})")
        data = text.encode("utf-8", "surrogatepass")
        return Text(source, text, "utf-8", hashlib.sha256(data).hexdigest())
    try:
        # A file descriptor, not a buffered file object: 5 µs a file against 9 µs (measured on
        # the 10,000 files of the speed benchmark's corpus, already in the page cache).
        # Without waiting: a file replaced by a named pipe since it was found would block the open
        # until something wrote to the pipe, that is forever. Only a regular file is then read.
        fd = os.open(source.path, os.O_RDONLY | _NONBLOCK | getattr(os, "O_BINARY", 0))
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                return Skipped(source.display, "unreadable (not a regular file)")
            size = status.st_size
            if size > max_bytes:
                return Skipped(source.display, f"too large ({size} bytes > --max-bytes {max_bytes})")
            data = _read_all(fd, size)
        finally:
            os.close(fd)
    except OSError as exc:
        return Skipped(source.display, f"unreadable ({exc.strerror or exc})")
    decoded = decode(data)
    if isinstance(decoded, str):
        return Skipped(source.display, decoded)
    text, encoding = decoded
    if os.path.splitext(source.path)[1].lower() in HTML_SUFFIXES:
        try:
            text = html_to_text(text)
        except Exception as exc:  # html.parser asserts on some malformed markup
            return Skipped(source.display, f"unparsable HTML ({exc})")
    if not text.strip():
        return Skipped(source.display, "empty")
    return Text(source, text, encoding, hashlib.sha256(data).hexdigest())


def _read_all(fd: int, size: int) -> bytes:
    """Everything up to the end of the file: one read when the file holds the ``size`` bytes its
    status gave, more when it grew since or its size says nothing (a size of 0)."""
    data = os.read(fd, size + 1)
    if len(data) == size and size:
        return data
    parts = [data]
    while more := os.read(fd, max(size, 1 << 16)):
        parts.append(more)
    return b"".join(parts)


def _cp1252_bytes(error: UnicodeError) -> tuple[str, int]:
    """Decode-error handler: the bytes that are not UTF-8, read as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("cp1252"), error.end


_CP1252_BYTES = "dedup-cp1252-bytes"
codecs.register_error(_CP1252_BYTES, _cp1252_bytes)

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode(data: bytes) -> tuple[str, str] | str:
    """Decode bytes as text: ``(text, encoding)``, or a reason string when they are not text.

    UTF-8 (with or without a byte-order mark) and UTF-16/32 with a mark are read as such; bytes that
    are not UTF-8 are read as Windows-1252, the usual encoding of older Western text (``cp1252``
    when the whole file reads so, ``utf-8+cp1252`` when it mixes the two). Bytes with NULs or many
    control characters are binary.
    """
    if not data.strip():
        return "empty"
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding.replace("-sig", "")
            except UnicodeDecodeError:
                return f"undecodable (invalid {encoding})"
    head = data[:_SNIFF]
    if b"\x00" in head:
        return "binary"
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Byte by byte: a UTF-8 file with one stray Windows-1252 byte (a curly quote pasted in)
        # keeps its accents, and a plain Windows-1252 file reads as before.
        try:
            text = data.decode("utf-8", _CP1252_BYTES)
        except UnicodeDecodeError:
            return "undecodable (neither UTF-8 nor Windows-1252)"
        encoding = "cp1252" if text == data.decode("cp1252") else "utf-8+cp1252"
    # Text has almost no C0 control bytes besides whitespace; counted in C by deleting the rest.
    controls = len(head.translate(None, _NOT_CONTROL))
    if controls > max(2, len(head) // 100):
        return "binary"
    return text, encoding


_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
        "title",
    ]
)
_SPACES = re.compile(r"\s+")
_HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head"})


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0
        self.in_title = False
        self.pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag == "body":
            self.hidden = 0  # </head> may be left out: <body> ends the head all the same
        elif tag == "pre":
            self.pre += 1
        elif tag in _HIDDEN_TAGS:
            self.hidden += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag == "pre" and self.pre:
            self.pre -= 1
        elif tag in _HIDDEN_TAGS and self.hidden:
            self.hidden -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        # The title is shown in the browser's tab, so it counts as visible even inside <head>.
        if self.in_title or not self.hidden:
            # Line breaks in markup are spaces; only blocks (and <pre>) break lines.
            self.parts.append(data if self.pre else _SPACES.sub(" ", data))


def html_to_text(markup: str) -> str:
    """The visible text of an HTML page: no tags, scripts or styles; blocks on their own lines.

    Python's parser gives up on a ``<![`` that opens no section it knows (it is not valid HTML);
    such a page is read again with those two characters as text, as a browser shows them.
    """
    try:
        return _visible_text(markup)
    except AssertionError:
        return _visible_text(markup.replace("<![", "&lt;!["))


def _visible_text(markup: str) -> str:
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)
