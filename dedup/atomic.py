"""Writing files so that nobody ever sees half of one.

A write goes to a temporary file beside the real target (a link is followed, so the link stays
and its target changes) and is renamed over it. Only a regular file is ever replaced: a device,
FIFO or folder at the path is refused, as renaming over it would silently swap it for a file.
Temporaries are named ``.NAME.PID.SUFFIX``; one whose process is gone is a leftover of a killed
run and is removed by the next write to the same file.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path

from dedup.errors import InputError

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def temporary_path(target: Path, suffix: str) -> Path:
    """This process's temporary file for ``target``: hidden, beside it, named with the pid."""
    return target.with_name(f".{target.name}.{os.getpid()}.{suffix}")


def _process_exists(pid: int) -> bool:
    if os.name == "nt":
        return True  # os.kill would end the process there, not probe it: keep the file
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OverflowError:
        return False  # no process can have that number
    except OSError:
        return True  # PermissionError: it exists and belongs to someone else
    return True


def remove_stale_temporaries(target: Path, suffix: str) -> None:
    """Remove temporaries of ``target`` (and SQLite's ``-wal``/``-shm``/``-journal`` beside them)
    left by processes that no longer exist. Another live run's temporary is kept: removing it
    would make that run's rename fail."""
    pattern = re.compile(
        rf"\.{re.escape(target.name)}\.([0-9]{{1,10}})\.{re.escape(suffix)}(?:-wal|-shm|-journal)?"
    )
    prefix = f".{target.name}."
    try:
        names = [e.name for e in os.scandir(target.parent) if e.name.startswith(prefix)]
    except OSError:
        return  # the write itself will report an unreadable folder
    for name in names:
        found = pattern.fullmatch(name)
        if found is None:
            continue
        pid = int(found.group(1))
        # A file with our own pid is not being written now: an earlier process had the same pid.
        if pid == os.getpid() or not _process_exists(pid):
            with contextlib.suppress(FileNotFoundError):
                (target.parent / name).unlink()


def _kind(mode: int) -> str | None:
    """What a non-regular file is, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def writable(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file a write to ``path`` would replace (a link followed) and its state (None when it
    does not exist yet); an InputError when it is not a regular file. Cheap, so that a command can
    check its output before it does its work."""
    target = Path(os.path.realpath(path))
    try:
        before: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        before = None
    if before is not None and (kind := _kind(before.st_mode)) is not None:
        shown = f"{path} (a link to {target})" if os.path.islink(path) else f"{path}"
        raise InputError(f"cannot write {shown}: it is {kind}, not a regular file")
    return target, before


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file and an atomic rename: a reader
    sees the old content or the new, and a failure leaves the old file and no temporary.

    A link is followed; an existing target keeps its permission bits (and owner where allowed), a
    new one gets them from the umask. A target that is not a regular file is an InputError.
    """
    target, before = writable(path)
    remove_stale_temporaries(target, "tmp")
    tmp = temporary_path(target, "tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        # O_EXCL with O_NOFOLLOW: never write through a file or link someone put at the name.
        fd = os.open(tmp, flags, 0o666)
        with open(fd, "w", encoding="utf-8", newline="\n") as handle:
            if before is not None:
                if (before.st_uid, before.st_gid) != (os.getuid(), os.getgid()):
                    # Only root (or a group member) may; otherwise the file becomes the writer's,
                    # as it does when an editor saves by rename.
                    with contextlib.suppress(PermissionError):
                        os.fchown(fd, before.st_uid, before.st_gid)
                # After chown, which clears set-id bits; chmod is not limited by the umask.
                os.fchmod(fd, stat.S_IMODE(before.st_mode))
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every system can open or sync a folder."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
