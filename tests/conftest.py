from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SHARED = Path(os.environ.get("DEDUP_SHARED", ROOT.parent / "shared"))


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run with the repository root as the current folder, as a user following the README would."""
    monkeypatch.chdir(ROOT)
    return ROOT


def needs_shared() -> pytest.MarkDecorator:
    """Skip, saying why, when the evaluation data in ../shared is not beside this checkout."""
    return pytest.mark.skipif(
        not (SHARED / "data").is_dir(),
        reason=f"evaluation data not found at {SHARED} (set DEDUP_SHARED to its folder)",
    )
