"""Record files: JSON Lines, JSON arrays, CSV/TSV and Parquet, each record one document.

A record file is listed once, when documents are found: every record is checked (a bad one is
skipped with a warning naming file and line or row), and each good one becomes a
:class:`~dedup.sources.Source` that points at its bytes. Plain JSON Lines is read in place; the
other formats (and compressed JSON Lines) are copied once, one record a line, into a spool file
that the scan deletes when done, so that verification can read any record again without holding
every text in memory.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dedup.errors import InputError
from dedup.models import Skipped

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
}
"""Record formats by file extension (after a compression extension)."""
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
RECORD_FORMATS = ("jsonl", "json", "csv", "tsv", "parquet")
SPOOL_FIELD = "t"
"""The text's key in a spool file's records."""


@dataclass(frozen=True, slots=True)
class Record:
    """Where one record's text is: ``length`` bytes at ``offset`` of a JSON Lines file (the record
    file itself, or its spool), an object whose ``field`` holds the text. ``file`` is the record
    file's display path, ``position`` the record's line (JSON Lines) or row (other formats,
    counted from 1)."""

    file: str
    position: int
    offset: int
    length: int
    field: str


def record_format(path: str, forced: str = "") -> tuple[str, str | None] | None:
    """``(format, compression)`` of a record file, from its extension or ``forced``; None for a
    file that is one document."""
    name = path.lower()
    compression = None
    for ext, kind in COMPRESSIONS.items():
        if name.endswith(ext):
            compression, name = kind, name[: -len(ext)]
    if forced == "text":
        return None
    if forced:
        return forced, compression
    fmt = FORMATS.get(os.path.splitext(name)[1])
    return (fmt, compression) if fmt is not None else None


@dataclass
class Listing:
    """What listing one record file found: records as ``(id, Record)``, and the bad ones."""

    records: list[tuple[str, Record]]
    skipped: list[Skipped]


def list_records(
    path: str | Path,
    display: str,
    fmt: str,
    compression: str | None,
    text_field: str,
    id_field: str,
    max_bytes: int,
    spool: Callable[[], IO[bytes]],
) -> Listing:
    """Check every record of one record file and say where each good one's text is. ``spool``
    gives the file to copy records into when they cannot be read in place (opened once).

    Raises InputError when the file cannot be read as its format at all, or when no record has
    ``text_field`` (a wrong field name, not bad records)."""
    out = Listing([], [])
    seen_ids: set[str] = set()
    fields_seen: set[str] = set()
    with_text = 0
    spooled: IO[bytes] | None = None

    def bad(position: int, reason: str) -> None:
        unit = "line" if fmt == "jsonl" else "row" if fmt in ("csv", "tsv", "parquet") else "record"
        out.skipped.append(Skipped(f"{display} {unit} {position}", reason))

    in_place = fmt == "jsonl" and compression is None
    try:
        for position, offset, length, value in _read(path, fmt, compression, text_field, id_field):
            if isinstance(value, str):
                bad(position, value)
                continue
            fields_seen.update(value)
            if text_field not in value:
                bad(position, f"no field '{text_field}'")
                continue
            with_text += 1
            text = value[text_field]
            if not isinstance(text, str):
                bad(position, f"field '{text_field}' is {_kind(text)}, not text")
                continue
            if not text.strip():
                bad(position, "empty")
                continue
            size = len(text.encode("utf-8", "surrogatepass"))
            if size > max_bytes:
                bad(position, f"too large ({size} bytes > --max-bytes {max_bytes})")
                continue
            raw_id = value.get(id_field)
            ident = str(position) if raw_id is None or isinstance(raw_id, dict | list) else str(raw_id)
            if ident in seen_ids:
                bad(position, f"duplicate id '{ident}'")
                continue
            seen_ids.add(ident)
            if in_place:
                record = Record(display, position, offset, length, text_field)
            else:
                if spooled is None:
                    spooled = spool()
                line = json.dumps({SPOOL_FIELD: text}, ensure_ascii=False).encode("utf-8", "surrogatepass")
                at = spooled.tell()
                spooled.write(line + b"\n")
                record = Record(display, position, at, len(line), SPOOL_FIELD)
            out.records.append((ident, record))
    except (InputError, OSError, EOFError, ValueError, csv.Error, ImportError) as exc:
        raise InputError(f"cannot read {display} as {fmt}: {exc}") from exc
    finally:
        if spooled is not None:
            spooled.close()
    if not with_text and fields_seen:
        shown = ", ".join(sorted(fields_seen)[:8])
        raise InputError(
            f"no record of {display} has the field '{text_field}' (fields: {shown}); "
            "name the text's field with --text-field"
        )
    return out


def _kind(value: object) -> str:
    return {type(None): "null", bool: "a boolean", int: "a number", float: "a number"}.get(
        type(value), "a list" if isinstance(value, list) else "an object"
    )


Row = tuple[int, int, int, "dict[str, Any] | str"]
"""A record as read: position, offset and length of its line (JSON Lines in place), and its fields,
or the reason it cannot be read."""


def _read(
    path: str | Path, fmt: str, compression: str | None, text_field: str, id_field: str
) -> Iterator[Row]:
    if fmt == "parquet":
        yield from _parquet(path, text_field, id_field)
        return
    with _open(path, compression) as raw:
        if fmt == "jsonl":
            yield from _jsonl(raw)
        elif fmt == "json":
            yield from _json_array(raw)
        else:
            yield from _csv(raw, "\t" if fmt == "tsv" else ",")


def _open(path: str | Path, compression: str | None) -> IO[bytes]:
    raw: Any
    if compression == "gzip":
        raw = gzip.open(path, "rb")  # noqa: SIM115
    elif compression == "zstd":
        import zstandard

        raw = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True))  # noqa: SIM115
    else:
        raw = open(path, "rb")  # noqa: SIM115
    opened: IO[bytes] = raw
    return opened


def _jsonl(raw: IO[bytes]) -> Iterator[Row]:
    offset = 0
    for number, line in enumerate(raw, start=1):
        start, offset = offset, offset + len(line)
        body = line.rstrip(b"\r\n")
        if not body.strip():
            continue
        try:
            value = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            yield number, start, len(body), "undecodable (not UTF-8)"
            continue
        except ValueError as exc:
            yield number, start, len(body), f"invalid JSON ({exc.args[0].split(':')[0]})"
            continue
        if not isinstance(value, dict):
            yield number, start, len(body), f"not an object but {_kind(value)}"
            continue
        yield number, start, len(body), value


def _json_array(raw: IO[bytes]) -> Iterator[Row]:
    try:
        value = json.load(raw)
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 JSON: {exc}") from exc
    except ValueError as exc:
        raise InputError(f"invalid JSON: {exc}") from exc
    if not isinstance(value, list):
        raise InputError(f"a JSON record file must hold an array of objects, not {_kind(value)}")
    for number, item in enumerate(value, start=1):
        yield (number, 0, 0, item if isinstance(item, dict) else f"not an object but {_kind(item)}")


def _csv(raw: IO[bytes], delimiter: str) -> Iterator[Row]:
    text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
    # A field may be a whole article: far above csv's default limit of 128 KB.
    csv.field_size_limit(2**31 - 1)
    try:
        yield from _csv_rows(csv.reader(text, delimiter=delimiter))
    finally:
        # The binary file is the caller's to close.
        text.detach()


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[Row]:
    try:
        header = next(reader)
    except StopIteration:
        return
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8: {exc}") from exc
    number = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 after row {number}: {exc}") from exc
        number += 1
        if not row:
            continue
        if len(row) != len(header):
            yield number, 0, 0, f"{len(row)} fields where the header has {len(header)}"
            continue
        yield number, 0, 0, dict(zip(header, row, strict=True))


def _parquet(path: str | Path, text_field: str, id_field: str) -> Iterator[Row]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as table:
        names = table.schema_arrow.names
        if text_field not in names:
            raise InputError(
                f"no column '{text_field}' (columns: {', '.join(names[:8])}); name the text's column "
                "with --text-field"
            )
        columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
        number = 0
        for batch in table.iter_batches(columns=columns, batch_size=4096):
            for row in batch.to_pylist():
                number += 1
                yield number, 0, 0, row


def read_record(path: str | Path, record: Record) -> str:
    """The text of one record, read again from where listing found it. Raises OSError or
    ValueError when the file changed so that it is no longer there."""
    with open(path, "rb") as f:
        f.seek(record.offset)
        data = f.read(record.length)
    value = json.loads(data)
    text = value.get(record.field) if isinstance(value, dict) else None
    if not isinstance(text, str):
        raise ValueError("the record changed since it was listed")
    return text
