"""The hook notices corpus files that git changed behind the index's back (see also test_hook.py,
which runs the real pre-commit through a checkout and a merge)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from dedup import Settings
from dedup.cli import cli
from dedup.gitsync import changed, listing
from dedup.sources import selects

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=T", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "articles").mkdir()
    for name in ("iran-russia-pact_original.txt", "riverside-library-reopens.txt"):
        shutil.copy(SAMPLES / name, tmp_path / "articles" / name)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "corpus")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_changed_names_added_removed_and_edited_entries() -> None:
    before = b"100644 aaa 0\tc/a.txt\x00100644 bbb 0\tc/b.txt\x00100644 ccc 0\tc/c.txt\x00"
    now = b"100644 aaa 0\tc/a.txt\x00100644 bbx 0\tc/b.txt\x00100644 ddd 0\tc/d.txt\x00"
    assert changed(before, now) == ["c/b.txt", "c/c.txt", "c/d.txt"]
    assert changed(now, now) == []


def test_listing_is_none_outside_a_work_tree(tmp_path: Path, repo: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    assert listing(".", outside) is None
    assert listing(str(outside), repo) is None
    listed = listing("articles", repo)
    assert listed is not None and b"\tarticles/iran-russia-pact_original.txt\x00" in listed


def test_selects_as_discover_does() -> None:
    select = selects(Settings(exclude=("drafts", "*.bak.txt")))
    assert select("a.txt") and select("sub/a.md")
    assert not select("a.png") and not select(".hidden/a.txt") and not select("sub/.a.txt")
    assert not select("drafts/a.txt") and not select("x/drafts/a.txt") and not select("a.bak.txt")


def test_hook_reads_what_git_changed_since_an_index_built_by_dedup_index(repo: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["index", "articles"]).exit_code == 0
    # A colleague's file arrives through git (a checkout, say), unseen by the index.
    git(repo, "checkout", "-q", "-b", "colleague")
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", repo / "articles" / "glaciers.txt")
    git(repo, "add", "articles/glaciers.txt")
    git(repo, "commit", "-q", "-m", "colleague")
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", repo / "articles" / "copy.txt")
    done = runner.invoke(cli, ["hook", "articles/copy.txt", "--corpus", "articles"])
    assert done.exit_code == 1, done.stdout + done.stderr
    assert "articles/copy.txt duplicates articles/glaciers.txt" in done.stdout
    # Back on main the file is gone again; the listing says so and the index forgets it.
    git(repo, "checkout", "-q", "main")
    done = runner.invoke(cli, ["hook", "articles/copy.txt", "--corpus", "articles"])
    assert done.exit_code == 0, done.stdout + done.stderr
    assert "glaciers" not in done.stderr  # forgotten, not "left out of the comparison"
    # A file the include patterns leave out is not indexed, whatever git says.
    (repo / "articles" / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    git(repo, "add", "articles/image.png")
    git(repo, "commit", "-q", "-m", "image")
    done = runner.invoke(cli, ["hook", "articles/copy.txt", "--corpus", "articles"])
    assert done.exit_code == 0 and done.stderr == ""
