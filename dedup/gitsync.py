"""Corpus files that git changed behind the index's back: a checkout, a merge, a pull.

The hook reads only the files it is given and trusts the index for the rest of the corpus, so a
colleague's document that arrived by ``git checkout`` or ``git pull`` would be unknown to it. Git
knows cheaply what it changed: ``git ls-files -s`` lists every tracked file with the id of its
content in git's own index (0.07 s for 100,000 files, where reading the corpus takes minutes and
even a stat of every file 1.5 s). The index keeps the listing it last saw for each corpus folder;
the files whose entry differs, and only those, are brought up to date before the hook compares.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

LISTING_TIMEOUT = 60.0
"""Seconds to wait for ``git ls-files`` before going on without it."""


def listing(folder: str, cwd: Path) -> bytes | None:
    """``git ls-files -s -z`` of ``folder`` (mode, blob id, stage and path of every tracked file
    below it, paths relative to ``cwd``), or None when git cannot tell: git is not installed,
    ``cwd`` is not in a work tree, or the folder lies outside it."""
    try:
        done = subprocess.run(
            ["git", "ls-files", "-s", "-z", "--", folder],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            check=False,
            timeout=LISTING_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def changed(before: bytes, now: bytes) -> list[str]:
    """The paths whose entry differs between two listings (added, removed or with other content),
    as git wrote them (relative to the folder it ran in), sorted."""
    if before == now:
        return []
    entries = set(before.split(b"\0")) ^ set(now.split(b"\0"))
    paths = {entry.partition(b"\t")[2] for entry in entries}
    paths.discard(b"")
    return sorted(os.fsdecode(path) for path in paths)
