"""The pre-commit hook end to end: the real `pre-commit` program, a temporary git repository, and
this project as the hook's repository (copied and committed, so uncommitted work is tested too)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
}


def run(
    args: list[str], cwd: Path, env: dict[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    bin_dir = Path(sys.executable).parent
    return {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": str(home),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
    }


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """This project as a git repository with one commit, as a user's `repo:` would point at."""
    repo = tmp_path_factory.mktemp("dedup-hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy(ROOT / name, repo / name)
    shutil.copytree(ROOT / "dedup", repo / "dedup", ignore=shutil.ignore_patterns("__pycache__"))
    run(["git", "init", "-q", "-b", "main"], repo, env)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-q", "-m", "dedup"], repo, env)
    sha = run(["git", "rev-parse", "HEAD"], repo, env).stdout.strip()
    return repo, sha


@pytest.fixture
def corpus_repo(tmp_path: Path, hook_repo: tuple[Path, str], env: dict[str, str]) -> Path:
    """A team's repository: a corpus folder under git with the dedup hook installed."""
    repo_path, sha = hook_repo
    work = tmp_path / "team"
    (work / "articles").mkdir(parents=True)
    shutil.copy(SAMPLES / "iran-russia-pact_original.txt", work / "articles" / "iran-pact.txt")
    shutil.copy(SAMPLES / "riverside-library-reopens.txt", work / "articles" / "library.txt")
    (work / "pyproject.toml").write_text('[tool.dedup]\ncorpus = ["articles"]\n', encoding="utf-8")
    (work / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {repo_path}\n  rev: {sha}\n  hooks:\n  - id: dedup\n    files: ^articles/\n",
        encoding="utf-8",
    )
    run(["git", "init", "-q", "-b", "main"], work, env)
    run(["pre-commit", "install"], work, env)
    run(["git", "add", "-A"], work, env)
    first = run(["git", "commit", "-q", "-m", "corpus"], work, env, check=False)
    assert first.returncode == 0, first.stdout + first.stderr
    return work


def commit(work: Path, env: dict[str, str], *files: str) -> subprocess.CompletedProcess[str]:
    run(["git", "add", *files], work, env)
    return run(["git", "commit", "-q", "-m", "change"], work, env, check=False)


def test_reprint_commit_fails_then_passes_once_accepted(corpus_repo: Path, env: dict[str, str]) -> None:
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", corpus_repo / "articles" / "reprint.txt")
    refused = commit(corpus_repo, env, "articles/reprint.txt")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0
    assert "articles/reprint.txt duplicates articles/iran-pact.txt" in output
    assert "contained: 56% of this file is in articles/iran-pact.txt" in output
    assert "reprint adds: date, attribution 'The Algemeiner'" in " ".join(output.split())
    assert "dedup baseline articles" in output
    assert "Traceback" not in output

    # Accept the pair, then the same commit passes.
    dedup = str(Path(sys.executable).parent / "dedup")
    run([dedup, "baseline", "articles"], corpus_repo, env)
    accepted = commit(corpus_repo, env, "articles/reprint.txt", ".dedup-baseline.json")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr

    # Editing an unrelated document leaves the baseline file as it was.
    before = (corpus_repo / ".dedup-baseline.json").read_bytes()
    library = corpus_repo / "articles" / "library.txt"
    library.write_text(library.read_text(encoding="utf-8") + "\nA late correction to the opening hours.\n")
    run([dedup, "baseline", "articles"], corpus_repo, env)
    assert (corpus_repo / ".dedup-baseline.json").read_bytes() == before
    # A renamed file keeps its acceptance: the baseline matches content, not paths.
    run(["git", "mv", "articles/reprint.txt", "articles/reprint-renamed.txt"], corpus_repo, env)
    renamed = commit(corpus_repo, env, "articles/reprint-renamed.txt", "articles/library.txt")
    assert renamed.returncode == 0, renamed.stdout + renamed.stderr


def test_unrelated_commit_passes(corpus_repo: Path, env: dict[str, str]) -> None:
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", corpus_repo / "articles" / "glaciers.txt")
    shutil.copy(
        SAMPLES / "iran-russia-pact_independent-report.txt", corpus_repo / "articles" / "independent.txt"
    )
    done = commit(corpus_repo, env, "articles/glaciers.txt", "articles/independent.txt")
    assert done.returncode == 0, done.stdout + done.stderr
    assert (corpus_repo / ".dedup" / "index.sqlite").is_file()
    status = run(["git", "status", "--porcelain", "--ignored"], corpus_repo, env).stdout
    assert ".dedup/" in status and "!! .dedup/" in status  # the index is git-ignored


@pytest.fixture
def colleague_branch(corpus_repo: Path, env: dict[str, str]) -> Path:
    """A branch `colleague` that adds articles/glaciers.txt, committed where this hook never ran
    (as on a colleague's machine), and main checked out again: the file is not in the index."""
    run(["git", "checkout", "-q", "-b", "colleague"], corpus_repo, env)
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", corpus_repo / "articles" / "glaciers.txt")
    run(["git", "add", "articles/glaciers.txt"], corpus_repo, env)
    run(["git", "commit", "-q", "--no-verify", "-m", "a colleague's article"], corpus_repo, env)
    run(["git", "checkout", "-q", "main"], corpus_repo, env)
    assert not (corpus_repo / "articles" / "glaciers.txt").exists()
    return corpus_repo


def commit_a_copy_of_the_colleagues_file(work: Path, env: dict[str, str]) -> None:
    shutil.copy(work / "articles" / "glaciers.txt", work / "articles" / "glaciers-again.txt")
    refused = commit(work, env, "articles/glaciers-again.txt")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output
    assert "articles/glaciers-again.txt duplicates articles/glaciers.txt" in output
    assert "Traceback" not in output


def test_a_copy_of_a_file_that_arrived_by_checkout_fails(colleague_branch: Path, env: dict[str, str]) -> None:
    run(["git", "checkout", "-q", "colleague"], colleague_branch, env)
    commit_a_copy_of_the_colleagues_file(colleague_branch, env)


def test_a_copy_of_a_file_that_arrived_by_merge_fails(colleague_branch: Path, env: dict[str, str]) -> None:
    # main moves on, so the merge is a real merge commit, not a fast-forward.
    shutil.copy(
        SAMPLES / "iran-russia-pact_independent-report.txt", colleague_branch / "articles" / "independent.txt"
    )
    assert commit(colleague_branch, env, "articles/independent.txt").returncode == 0
    run(["git", "merge", "-q", "--no-edit", "colleague"], colleague_branch, env)
    commit_a_copy_of_the_colleagues_file(colleague_branch, env)
    # A file that git deleted is forgotten: back on a branch without it, a copy is no duplicate.
    run(["git", "reset", "-q", "--hard", "HEAD"], colleague_branch, env)
    run(["git", "checkout", "-q", "-b", "before", "HEAD~1"], colleague_branch, env)
    (colleague_branch / "articles" / "glaciers-again.txt").unlink(missing_ok=True)
    shutil.copy(SAMPLES / "alpine-glacier-survey.txt", colleague_branch / "articles" / "survey.txt")
    passed = commit(colleague_branch, env, "articles/survey.txt")
    assert passed.returncode == 0, passed.stdout + passed.stderr
