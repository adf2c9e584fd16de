"""Writing files (issue 19): links followed, only regular files replaced, modes kept, leftovers
of a killed run cleaned."""

from __future__ import annotations

import errno
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, deadline

from dedup import Settings
from dedup.atomic import atomic_write_text
from dedup.cli import cli
from dedup.errors import InputError
from dedup.index import INDEX_FILE, open_index


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".new")))


def test_new_file_is_written_with_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        atomic_write_text(tmp_path / "out.json", "new\n")
    finally:
        os.umask(old)
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE((tmp_path / "out.json").stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    atomic_write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "baseline.json"
    real.write_text("old\n", encoding="utf-8")
    real.chmod(0o600)
    link = tmp_path / "link.json"
    link.symlink_to(Path("shared") / "baseline.json")
    atomic_write_text(link, "new\n")
    assert link.is_symlink()
    assert os.readlink(link) == str(Path("shared") / "baseline.json")
    assert real.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert leftovers(tmp_path) == [] and leftovers(tmp_path / "shared") == []


def test_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to("target.json")
    atomic_write_text(link, "new\n")
    assert link.is_symlink()
    assert (tmp_path / "target.json").read_text(encoding="utf-8") == "new\n"


def test_fifo_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match=r"pipe.*not a regular file"):
        atomic_write_text(fifo, "new\n")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert leftovers(tmp_path) == []


def test_link_to_a_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "link").symlink_to("pipe")
    with pytest.raises(InputError, match="not a regular file"):
        atomic_write_text(tmp_path / "link", "new\n")
    assert (tmp_path / "link").is_symlink() and stat.S_ISFIFO((tmp_path / "pipe").stat().st_mode)


def test_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out.json"
    folder.mkdir()
    (folder / "keep.txt").write_text("kept\n", encoding="utf-8")
    with pytest.raises(InputError, match="is a folder"):
        atomic_write_text(folder, "new\n")
    assert (folder / "keep.txt").read_text(encoding="utf-8") == "kept\n"
    assert leftovers(tmp_path) == []


def test_character_device_is_refused(tmp_path: Path) -> None:
    try:
        os.mknod(tmp_path / "full", stat.S_IFCHR | 0o666, os.makedev(1, 7))
    except (PermissionError, AttributeError):
        pytest.skip("making a device node needs root")
    with pytest.raises(InputError, match="character device"):
        atomic_write_text(tmp_path / "full", "new\n")
    assert stat.S_ISCHR((tmp_path / "full").lstat().st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
def test_dev_full_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_rename(src: object, dst: object) -> None:
        # Should the check ever break, fail here rather than replace the real /dev/full (as root).
        raise AssertionError(f"renamed {src} over {dst}")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(InputError, match="character device"):
        atomic_write_text(Path("/dev/full"), "new\n")
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)


def test_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.json"
    target.write_text("old\n", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert leftovers(tmp_path) == []


def test_leftover_of_a_dead_run_is_removed_and_a_live_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    dead = tmp_path / f".out.json.{dead_pid()}.tmp"
    dead.write_text("half", encoding="utf-8")
    live = tmp_path / f".out.json.{os.getppid()}.tmp"  # another run, still writing
    live.write_text("half", encoding="utf-8")
    other = tmp_path / f".other.json.{dead_pid()}.tmp"  # not ours to judge
    other.write_text("half", encoding="utf-8")
    atomic_write_text(target, "new\n")
    assert not dead.exists()
    assert live.exists() and other.exists()
    assert target.read_text(encoding="utf-8") == "new\n"


def test_leftover_under_a_link_is_removed_beside_the_target(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "link.json").symlink_to(Path("shared") / "baseline.json")
    dead = tmp_path / "shared" / f".baseline.json.{dead_pid()}.tmp"
    dead.write_text("half", encoding="utf-8")
    atomic_write_text(tmp_path / "link.json", "new\n")
    assert not dead.exists()


def test_index_removes_a_killed_rebuilds_files_but_not_sqlites(tmp_path: Path) -> None:
    folder = tmp_path / ".dedup"
    open_index(folder, tmp_path, Settings(jobs=1), lambda message: None).close()
    pid = dead_pid()
    stale = [folder / f".{INDEX_FILE}.{pid}.new{end}" for end in ("", "-wal", "-shm", "-journal")]
    for path in stale:
        path.write_bytes(b"half")
    journal = [folder / f"{INDEX_FILE}-wal", folder / f"{INDEX_FILE}-shm"]
    for path in journal:
        path.touch()
    index = open_index(folder, tmp_path, Settings(jobs=1), lambda message: None)
    try:
        assert [p for p in stale if p.exists()] == []
        assert all(p.exists() for p in journal)
        assert (folder / INDEX_FILE).exists()
    finally:
        index.close()


@pytest.fixture
def samples_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SAMPLES, tmp_path / "samples")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_baseline_to_a_fifo_is_a_one_line_error(samples_copy: Path) -> None:
    os.mkfifo(samples_copy / "pipe")
    result = CliRunner().invoke(cli, ["baseline", "samples/", "--baseline", "pipe"])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(lines) == 1 and "not a regular file" in lines[0]
    assert "wrote" not in result.stderr
    assert stat.S_ISFIFO((samples_copy / "pipe").lstat().st_mode)
    # Said before the scan: no index was built for a baseline that could not be written.
    assert not (samples_copy / ".dedup").exists()


def test_cli_scan_with_a_fifo_for_a_baseline_does_not_block(samples_copy: Path) -> None:
    os.mkfifo(samples_copy / "pipe")
    with deadline(10):  # a blocked read would hang the test: fail it instead
        result = CliRunner().invoke(cli, ["scan", "samples/", "--baseline", "pipe", "--json"])
    assert result.exit_code == 2
    assert "not a regular file" in result.stderr and "Traceback" not in result.stderr
    # The hook reads its baseline too: a pipe there is an error, not a wait.
    args = ["hook", "samples/alpine-glacier-survey.txt", "--corpus", "samples", "--baseline", "pipe"]
    with deadline(10):
        result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "not a regular file" in result.stderr and "Traceback" not in result.stderr


def test_cli_baseline_through_a_link_updates_the_target(samples_copy: Path) -> None:
    (samples_copy / "accepted.json").write_text('{"version": 1, "pairs": []}\n', encoding="utf-8")
    (samples_copy / "accepted.json").chmod(0o640)
    (samples_copy / "link.json").symlink_to("accepted.json")
    result = CliRunner().invoke(cli, ["baseline", "samples/", "--baseline", "link.json"])
    assert result.exit_code == 0, result.stderr
    assert (samples_copy / "link.json").is_symlink()
    assert '"pairs"' in (samples_copy / "accepted.json").read_text(encoding="utf-8")
    assert stat.S_IMODE((samples_copy / "accepted.json").stat().st_mode) == 0o640
