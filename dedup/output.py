"""Writing the deduplicated corpus: the input's own format, minus the dropped documents.

Every write goes to a temporary beside the target and is renamed into place, so a killed run
leaves the old output or none, never half of one.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import json
import os
import shutil
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dedup.atomic import remove_stale_temporaries, temporary_path, writable
from dedup.errors import InputError
from dedup.records import record_format

MARKER = ".dedup-clean"
"""A file in every folder ``dedup clean`` writes: only such a folder is ever replaced."""


@dataclass(frozen=True, slots=True)
class Input:
    """One input as given: its path on disk and its display path."""

    path: Path
    display: str


def plan(inputs: Iterable[Input], out: Path) -> dict[str, Path]:
    """Where each input's clean copy goes: ``out`` itself for a single input, else
    ``out/NAME`` (two inputs of one name are an InputError)."""
    given = list(inputs)
    if len(given) == 1:
        return {given[0].display: out}
    targets: dict[str, Path] = {}
    names: dict[str, str] = {}
    for item in given:
        name = item.path.name or item.path.resolve().name
        if name in names:
            raise InputError(
                f"two inputs are named {name} ({names[name]}, {item.display}): give one --out each"
            )
        names[name] = item.display
        targets[item.display] = out / name
    return targets


def check_output(out: Path, inputs: Iterable[Input], many: bool) -> None:
    """Refuse an output that would overwrite an input, a folder that ``dedup clean`` did not write,
    or a file where a folder is needed: before any work is done."""
    real = Path(os.path.realpath(out))
    for item in inputs:
        source = Path(os.path.realpath(item.path))
        if real == source or source in real.parents or (source.is_dir() and real in source.parents):
            raise InputError(f"--out {out} would overwrite the input {item.display}")
    folder = many or any(item.path.is_dir() for item in inputs)
    if folder:
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {out} is a file; the clean corpus is a folder here")
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
            raise InputError(
                f"--out {out} is a folder dedup clean did not write: remove it or choose another"
            )
    else:
        writable(out)
    if not real.parent.is_dir():
        raise InputError(f"--out {out}: folder {real.parent} does not exist")


def write_file(target: Path, fill: Callable[[IO[bytes]], None]) -> None:
    """Write a file through a temporary and a rename; ``fill`` writes its bytes."""
    real, before = writable(target)
    remove_stale_temporaries(real, "tmp")
    tmp = temporary_path(real, "tmp")
    try:
        with open(tmp, "xb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        if before is not None:
            os.chmod(tmp, before.st_mode & 0o7777)
        os.replace(tmp, real)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def new_folder(target: Path) -> Iterator[Path]:
    """A temporary folder beside ``target`` to fill; renamed over it (a folder this command wrote
    before, or nothing) when the block ends without error, removed otherwise."""
    real = Path(os.path.realpath(target))
    for stale in real.parent.glob(f".{real.name}.*.new"):
        pid = stale.name.rsplit(".", 2)[-2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(stale, ignore_errors=True)
    tmp = real.with_name(f".{real.name}.{os.getpid()}.new")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        (tmp / MARKER).write_text(
            "written by dedup clean; this folder may be replaced by it\n", encoding="utf-8"
        )
        yield tmp
        old = real.with_name(f".{real.name}.{os.getpid()}.old")
        if real.exists():
            os.replace(real, old)
        os.replace(tmp, real)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def copy_records(
    source: Path, fmt: str, compression: str | None, dropped: Collection[int], sink: IO[bytes]
) -> int:
    """Write the records of one record file to ``sink`` in its format, leaving out those at the
    ``dropped`` positions (lines for JSON Lines, rows from 1 otherwise, as dedup.records counts
    them); returns how many records were left out."""
    if fmt == "parquet":
        return _parquet(source, dropped, sink)
    left_out = 0
    with _opened(source, compression, "rb") as raw, _compressed(sink, compression) as out:
        if fmt == "jsonl":
            for number, line in enumerate(raw, start=1):
                if number in dropped:
                    left_out += 1
                else:
                    out.write(line)
        elif fmt == "json":
            items = json.load(raw)
            kept = []
            for number, item in enumerate(items, start=1):
                if number in dropped:
                    left_out += 1
                else:
                    kept.append(json.dumps(item, ensure_ascii=False))
            out.write(("[\n" + ",\n".join(kept) + "\n]\n").encode("utf-8"))
        else:
            left_out = _csv(raw, out, "\t" if fmt == "tsv" else ",", dropped)
    return left_out


def _csv(raw: IO[bytes], out: IO[bytes], delimiter: str, dropped: Collection[int]) -> int:
    head = raw.peek(65536) if isinstance(raw, io.BufferedReader) else b""
    ending = "\r\n" if b"\r\n" in head else "\n"
    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    sink = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        reader = csv.reader(text, delimiter=delimiter)
        writer = csv.writer(sink, delimiter=delimiter, lineterminator=ending)
        left_out = 0
        header = next(reader, None)
        if header is not None:
            writer.writerow(header)
        for number, row in enumerate(reader, start=1):
            if number in dropped:
                left_out += 1
            else:
                writer.writerow(row)
        sink.flush()
        return left_out
    finally:
        text.detach()
        sink.detach()


def _parquet(source: Path, dropped: Collection[int], sink: IO[bytes]) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    left_out = 0
    with pq.ParquetFile(source) as table:
        writer = pq.ParquetWriter(sink, table.schema_arrow)
        try:
            first = 1
            for batch in table.iter_batches(batch_size=4096):
                rows = range(first, first + batch.num_rows)
                keep = [number not in dropped for number in rows]
                left_out += keep.count(False)
                writer.write_table(pa.Table.from_batches([batch]).filter(pa.array(keep)))
                first += batch.num_rows
        finally:
            writer.close()
    return left_out


@contextlib.contextmanager
def _opened(path: Path, compression: str | None, mode: str) -> Iterator[Any]:
    if compression == "gzip":
        with gzip.open(path, mode) as f:
            yield f
    elif compression == "zstd":
        import zstandard

        with open(path, "rb") as raw, zstandard.ZstdDecompressor().stream_reader(raw) as reader:
            yield io.BufferedReader(reader)
    else:
        with open(path, mode) as f:
            yield f


@contextlib.contextmanager
def _compressed(sink: IO[bytes], compression: str | None) -> Iterator[Any]:
    if compression == "gzip":
        # No name or time in the header: the same input gives the same bytes.
        with gzip.GzipFile(filename="", mode="wb", fileobj=sink, mtime=0) as f:
            yield f
    elif compression == "zstd":
        import zstandard

        with zstandard.ZstdCompressor().stream_writer(sink, closefd=False) as f:
            yield f
    else:
        yield sink


def write_clean(
    inputs: Iterable[Input],
    targets: Mapping[str, Path],
    kept_files: Mapping[str, Collection[str]],
    dropped_records: Mapping[str, Collection[int]],
    forced_format: str,
) -> None:
    """Write each input's clean copy to its target: a record file filtered, a folder as the
    kept files (``kept_files``: paths relative to it, with record files among them filtered by
    ``dropped_records``, keyed by their display path), a text file copied when kept."""
    for item in inputs:
        target = targets[item.display]
        if item.path.is_dir():
            with new_folder(target) as folder:
                for rel in sorted(kept_files.get(item.display, ())):
                    source = item.path / rel
                    dest = folder / rel
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    display = f"{item.display.rstrip('/')}/{rel}"
                    kind = record_format(rel, forced_format)
                    if kind is None:
                        shutil.copy2(source, dest)
                    else:
                        with open(dest, "xb") as sink:
                            copy_records(source, *kind, dropped_records.get(display, ()), sink)
            continue
        _write_one(
            item.path,
            target,
            record_format(item.display, forced_format),
            kept_files.get(item.display),
            dropped_records.get(item.display, ()),
        )


def _write_one(
    path: Path,
    target: Path,
    kind: tuple[str, str | None] | None,
    kept: Collection[str] | None,
    dropped: Collection[int],
) -> None:
    """The clean copy of one file given as an input: a record file filtered; a document copied
    when kept."""
    if kind is None:
        if kept:
            data = path.read_bytes()

            def copy(sink: IO[bytes]) -> None:
                sink.write(data)

            write_file(target, copy)
        return
    fmt, compression = kind

    def fill(sink: IO[bytes]) -> None:
        copy_records(path, fmt, compression, dropped, sink)

    write_file(target, fill)
