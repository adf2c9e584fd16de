"""How fast the pre-commit hook and index refresh are on a large corpus (a benchmark, not a test).

Generates (once) a corpus with benchmarks/gencorpus.py, builds the index, then measures as whole
processes, each the median of several runs:

* `dedup hook FILE --corpus CORPUS` for one edited file, with the index already built (the
  target: under 1 s including start-up), and for one new file that reprints a corpus document
  (which the hook must report);
* `dedup hook` after a `git checkout` that changes 100 corpus files (99 edited, one added by a
  "colleague"), for a new copy of the colleague's file (which the hook must report, so it must
  have noticed the checkout) and, after checking out back, for the same copy (which passes);
* `dedup index CORPUS` after 100 files changed (the target: under 5 s);
* `dedup --help`, the start-up baseline measured in the same run.

    python benchmarks/hook_speed.py                  # 100,000 documents
    python benchmarks/hook_speed.py --docs 10000 --runs 3 --no-write
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from gencorpus import generate  # noqa: E402

DEDUP = str(Path(sys.executable).parent / "dedup")


def git(cwd: Path, *args: str) -> str:
    """Run git quietly as a fixed author; its stdout."""
    done = subprocess.run(
        ["git", "-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def colleague_branch(work: Path, files: list[Path]) -> Path:
    """A git repository of the corpus (made once) with a branch `colleague` that edits 99 files and
    adds one article, and `main` checked out. Returns the colleague's article."""
    article = work / "corpus" / "zz-colleague" / "article.txt"
    if not (work / ".git").is_dir():
        git(work, "init", "-q", "-b", "main")
        (work / ".gitignore").write_text(".dedup/\n", encoding="utf-8")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "corpus")
    if "colleague" not in git(work, "branch", "--list", "colleague"):
        git(work, "checkout", "-q", "-b", "colleague")
        for f in files[3 :: max(1, len(files) // 100)][:99]:
            f.write_bytes(f.read_bytes() + b"\nA correction from the desk of a colleague.\n")
        # Words of two documents in a random order: a text that shares no passage with any other.
        words = (files[3].read_text(encoding="utf-8") + files[11].read_text(encoding="utf-8")).split()
        random.Random(5).shuffle(words)
        article.parent.mkdir(exist_ok=True)
        article.write_text("A colleague's article\n\n" + " ".join(words[:700]) + "\n", encoding="utf-8")
        git(work, "add", "-A")
        git(work, "commit", "-q", "-m", "a colleague's work")
    git(work, "checkout", "-q", "main")
    changed = git(work, "diff", "--name-only", "main", "colleague").split()
    assert len(changed) == 100, changed
    return article


def timed(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, exit code and stderr+stdout tail of one command."""
    started = time.perf_counter()
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    return time.perf_counter() - started, done.returncode, (done.stdout + done.stderr)[-3000:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=ROOT / "benchmarks" / "work")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    work = args.workdir / f"hook-{args.docs}"
    corpus = work / "corpus"
    if not corpus.is_dir():
        work.mkdir(parents=True, exist_ok=True)
        generate(corpus, args.docs)
    lines: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    files = sorted(corpus.rglob("*.txt"))
    article = colleague_branch(work, files)
    files = sorted(corpus.rglob("*.txt"))  # main's files
    # "Build once" means from nothing: an index left by an earlier run would only be refreshed.
    shutil.rmtree(work / ".dedup", ignore_errors=True)
    build, code, tail = timed([DEDUP, "index", "corpus"], work)
    assert code == 0, tail
    again, code, tail = timed([DEDUP, "index", "corpus"], work)
    # The first hook run in a git work tree compares the folder with the disk once, and records
    # git's listing of it; later runs compare listings.
    first_hook, code, tail = timed(
        [DEDUP, "hook", str(files[0].relative_to(work)), "--corpus", "corpus"], work
    )
    assert code in (0, 1), tail  # a planted relative of the file is reported
    startup = statistics.median(timed([DEDUP, "--help"], work)[0] for _ in range(args.runs))

    # One edited file, checked against the whole corpus.
    target = files[len(files) // 2]
    original = target.read_bytes()
    hook_edit = []
    hook_edit_without_git = []
    try:
        for run in range(args.runs):
            target.write_bytes(original + f"\nAn editor's note, revision {run}.\n".encode())
            seconds, code, tail = timed(
                [DEDUP, "hook", str(target.relative_to(work)), "--corpus", "corpus"], work
            )
            assert code == 0, tail
            hook_edit.append(seconds)
            # The same, with git out of reach: what the check of git's listing costs.
            target.write_bytes(original + f"\nAn editor's note, revision {run}b.\n".encode())
            seconds, code, tail = timed(
                [DEDUP, "hook", str(target.relative_to(work)), "--corpus", "corpus"],
                work,
                {"GIT_DIR": str(work / "no-such-git-dir")},
            )
            assert code == 0, tail
            hook_edit_without_git.append(seconds)
    finally:
        target.write_bytes(original)
    # A new file that reprints a corpus document: it must be reported.
    reprint = corpus / "zz-new" / "reprint.txt"
    reprint.parent.mkdir(exist_ok=True)
    hook_new = []
    try:
        for run in range(args.runs):
            reprint.write_bytes(
                b"Reprinted from Elsewhere\n" + files[7].read_bytes() + f"\nRun {run}.\n".encode()
            )
            seconds, code, tail = timed(
                [DEDUP, "hook", str(reprint.relative_to(work)), "--corpus", "corpus"], work
            )
            assert code == 1 and "duplicates corpus/" in tail, tail
            hook_new.append(seconds)
    finally:
        shutil.rmtree(reprint.parent)
    # A checkout that changes 100 files, then a commit of a copy of the file it brought.
    copy = corpus / "zz-new" / "copy.txt"
    copy.parent.mkdir(exist_ok=True)
    after_checkout = []
    after_checkout_back = []
    try:
        for run in range(args.runs):
            git(work, "checkout", "-q", "colleague")
            copy.write_bytes(article.read_bytes() + f"\nRun {run}.\n".encode())
            seconds, code, tail = timed(
                [DEDUP, "hook", str(copy.relative_to(work)), "--corpus", "corpus"], work
            )
            assert code == 1 and "duplicates corpus/zz-colleague/article.txt" in tail, tail
            after_checkout.append(seconds)
            git(work, "checkout", "-q", "main")
            seconds, code, tail = timed(
                [DEDUP, "hook", str(copy.relative_to(work)), "--corpus", "corpus"], work
            )
            assert code == 0, tail
            after_checkout_back.append(seconds)
    finally:
        git(work, "checkout", "-q", "main")
        shutil.rmtree(copy.parent)
    listing = [timed(["git", "ls-files", "-s", "-z", "--", "corpus"], work)[0] for _ in range(args.runs)]
    # 100 changed files, then a refresh.
    changed = files[:: max(1, len(files) // 100)][:100]
    saved = {f: f.read_bytes() for f in changed}
    refresh = []
    try:
        for run in range(max(3, args.runs // 2)):
            for f in changed:
                f.write_bytes(saved[f] + f"\nCorrection {run}.\n".encode())
            seconds, code, tail = timed([DEDUP, "index", "corpus"], work)
            assert code == 0 and "100 changed" in tail, tail
            refresh.append(seconds)
    finally:
        for f, data in saved.items():
            f.write_bytes(data)
        timed([DEDUP, "index", "corpus"], work)
    size = sum(p.stat().st_size for p in (work / ".dedup").iterdir() if p.is_file())

    emit("# Hook and index speed")
    emit()
    emit(
        f"`python benchmarks/hook_speed.py --docs {args.docs} --runs {args.runs}`: {os.cpu_count()} "
        f"cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}."
    )
    emit(
        f"Corpus: {len(files):,} documents from benchmarks/gencorpus.py (seed 7). Medians of {args.runs} "
        "runs unless said; every figure is a whole `dedup` process, start-up included."
    )
    emit()
    emit("| what | seconds | target |")
    emit("|---|---|---|")
    emit(f"| `dedup --help` (start-up, the baseline) | {startup:.2f} | < 0.3 |")
    emit(f"| build the index (once) | {build:.1f} | |")
    emit(f"| refresh with nothing changed (once) | {again:.2f} | |")
    emit(
        f"| hook, one edited file | {statistics.median(hook_edit):.2f} "
        f"({statistics.median(hook_edit) / startup:.1f}x start-up) | < 1 |"
    )
    emit(
        "| hook, one edited file, git out of reach (no listing to compare) | "
        f"{statistics.median(hook_edit_without_git):.2f} | |"
    )
    emit(f"| hook, one new reprint (reported) | {statistics.median(hook_new):.2f} | < 1 |")
    emit(f"| first hook run in the git work tree after `dedup index` (once) | {first_hook:.2f} | |")
    emit(
        "| hook after a `git checkout` that changed 100 files: a copy of a file it brought "
        f"(reported) | {statistics.median(after_checkout):.2f} | < 1 |"
    )
    emit(
        "| hook after checking out back (100 files again; the copy passes) | "
        f"{statistics.median(after_checkout_back):.2f} | < 1 |"
    )
    changed_median = statistics.median(refresh)
    emit(f"| refresh after 100 files changed (median of {len(refresh)}) | {changed_median:.2f} | < 5 |")
    emit()
    emit(f"Index size on disk: {size / 1e6:.0f} MB.")
    emit()
    emit(
        "How the hook notices a checkout, merge or pull: it compares `git ls-files -s` of the corpus "
        f"folder ({statistics.median(listing):.3f} s here, median of {len(listing)}; "
        f"{len(files):,} entries) with the listing its index recorded at its last run, and reads only "
        "the files whose entry differs. The other cheap listing, a stat of every file (what "
        f"`dedup index` does: {again:.2f} s above), costs more than the whole hook's budget; directory "
        "modification times miss a file rewritten in place."
    )
    if not args.no_write:
        (ROOT / "benchmarks" / "HOOK_SPEED.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
