"""One settings object, its validation, and ``[tool.dedup]`` in pyproject.toml."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from dedup.errors import ConfigError

DEFAULT_INCLUDE: tuple[str, ...] = (
    "*.txt",
    "*.text",
    "*.md",
    "*.markdown",
    "*.rst",
    "*.html",
    "*.htm",
)


@dataclass(frozen=True)
class Settings:
    """Every knob of a scan. Defaults are justified in the README with the figures that chose them."""

    shingle_size: int = 5
    """Words per shingle."""
    num_perm: int = 32
    """MinHash permutations per passage window."""
    seed: int = 1
    """Seed of the MinHash permutations (datasketch's ``seed``)."""
    window: int = 20
    """Shingles per passage window; windows overlap by half."""
    lsh_threshold: float = 0.25
    """Window Jaccard similarity the LSH banding is tuned for (datasketch's optimal parameters)."""
    near_duplicate: float = 0.8
    """Jaccard similarity at or above which a pair is a near-duplicate."""
    contained: float = 0.9
    """Share of one document's shingles found in the other at or above which it is contained."""
    overlap_words: int = 30
    """Words in the longest shared passage, common wording included, at or above which a pair
    overlaps."""
    specific_words: int = 15
    """Words in the longest specific shared passage (no common wording) at or above which a pair
    overlaps."""
    overlap_share: float = 0.2
    """A pair also overlaps when this share of one document is specific shared text and its longest
    specific passage has at least two shingles' worth of words (10 at shingle_size 5)."""
    common_docs: int = 3
    """A shingle found in at least this many different texts of the corpus is common wording (a
    formula, a stock phrase): it counts in a long shared passage but is no evidence of a short one."""
    boilerplate_docs: int = 10
    """A shingle found in at least this many documents may be boilerplate (see boilerplate_share)."""
    boilerplate_share: float = 0.3
    """...and is, when widely shared text makes less than this share of those documents on average."""
    include: tuple[str, ...] = DEFAULT_INCLUDE
    """Glob patterns of files to scan inside folders (files named directly are always scanned)."""
    exclude: tuple[str, ...] = ()
    """Glob patterns of files and folders to leave out."""
    max_bytes: int = 20_000_000
    """Files larger than this are skipped with a warning."""
    jobs: int = 0
    """Worker processes; 0 means one per core."""
    corpus: tuple[str, ...] = ()
    """Folders the pre-commit hook compares changed files against."""
    baseline: str = ".dedup-baseline.json"
    """File of accepted pairs (written by `dedup baseline`, read by the hook and `scan --baseline`)."""
    index: str = ".dedup"
    """Folder of the persistent index."""
    text_field: str = "text"
    """In record files (JSON Lines, JSON, CSV/TSV, Parquet): the field that holds a record's text."""
    id_field: str = "id"
    """In record files: the field that names a record (else its line or row number)."""
    record_format: str = ""
    """The format of files named on the command line: jsonl, json, csv, tsv, parquet or text
    (one document a file); empty means from each file's extension."""
    fail_on: tuple[str, ...] = ()
    """Relations of the reported pairs that make the exit code 1 (scan and hook); empty: any."""
    fail_on_new: bool = False
    """Scan: only pairs the baseline does not accept make the exit code 1."""

    def __post_init__(self) -> None:
        validate(self)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, object]:
        """The settings that shape results, as plain JSON-ready values, in field order.

        ``jobs`` is left out (results are the same whatever the number of processes), and so are the
        hook's file locations.
        """
        out: dict[str, object] = {}
        for f in fields(self):
            if f.name in _NOT_RESULTS:
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def effective_jobs(self, tasks: int | None = None) -> int:
        """The number of worker processes (or threads) to use: ``jobs``, one per core when 0, but
        never more than ``PER_CORE`` per core, nor more than ``tasks`` when the work comes in that
        many pieces (each process costs memory and start-up, and one more than the work or the
        machine can use only waits)."""
        cores = usable_cores()
        wanted = min(self.jobs, PER_CORE * cores) if self.jobs > 0 else cores
        return max(1, min(wanted, tasks) if tasks is not None else wanted)


PER_CORE = 2
"""Worker processes per core at most: reading may wait on the disk, so a few more than the cores
can help it; verifying never waits, so more than that only costs memory."""


def usable_cores() -> int:
    """The cores this process may run on (a container or ``taskset`` may allow fewer than the
    machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


_NOT_RESULTS = frozenset({"jobs", "corpus", "baseline", "index", "fail_on", "fail_on_new"})

_INT_RANGES = {
    "shingle_size": (1, 50),
    "num_perm": (16, 1024),
    "seed": (0, 2**32 - 1),
    "window": (4, 10_000),
    "overlap_words": (1, 1_000_000),
    "specific_words": (1, 1_000_000),
    "common_docs": (3, 2**31),
    "boilerplate_docs": (2, 2**31),
    "max_bytes": (1, 2**40),
    "jobs": (0, 1024),
}
_FRACTIONS = (
    "lsh_threshold",
    "near_duplicate",
    "contained",
    "overlap_share",
    "boilerplate_share",
)


def validate(settings: Settings) -> None:
    """Raise ConfigError naming the first field that is out of range or of the wrong type."""
    for name, (low, high) in _INT_RANGES.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{_option(name)} must be a whole number, got {value!r}")
        if not low <= value <= high:
            raise ConfigError(f"{_option(name)} must be between {low} and {high}, got {value}")
    for name in _FRACTIONS:
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{_option(name)} must be a number, got {value!r}")
        if not 0.0 < float(value) <= 1.0:
            raise ConfigError(f"{_option(name)} must be above 0 and at most 1, got {value}")
    for name in ("include", "exclude", "corpus"):
        value = getattr(settings, name)
        if not isinstance(value, tuple) or not all(isinstance(v, str) and v for v in value):
            kind = "folders" if name == "corpus" else "glob patterns"
            raise ConfigError(f"{_option(name)} must be a list of {kind}, got {value!r}")
    for name in ("baseline", "index"):
        value = getattr(settings, name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{_option(name)} must be a path, got {value!r}")
    for name in ("text_field", "id_field"):
        value = getattr(settings, name)
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{_option(name)} must be a field name, got {value!r}")
    if settings.record_format not in ("", "text", "jsonl", "json", "csv", "tsv", "parquet"):
        raise ConfigError(
            f"--format must be one of jsonl, json, csv, tsv, parquet, text; got {settings.record_format!r}"
        )
    relations = ("identical", "near-duplicate", "contained", "overlap")
    if not isinstance(settings.fail_on, tuple) or not all(r in relations for r in settings.fail_on):
        raise ConfigError(f"--fail-on must list relations ({', '.join(relations)}), got {settings.fail_on!r}")
    if not isinstance(settings.fail_on_new, bool):
        raise ConfigError(f"--fail-on-new must be true or false, got {settings.fail_on_new!r}")
    if settings.shingle_size > settings.window:
        raise ConfigError("--window must be at least --shingle-size")


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


FIELD_NAMES = frozenset(f.name for f in fields(Settings))


def settings_from_mapping(values: dict[str, Any], source: str) -> dict[str, Any]:
    """Check keys and types of a config mapping (``[tool.dedup]``) and return field values.

    Keys may use dashes or underscores. Unknown keys are an error naming ``source``.
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name in out:
            raise ConfigError(f"{source}: {key!r} is given twice in [tool.dedup] (once with dashes)")
        if name not in FIELD_NAMES:
            known = ", ".join(sorted(n.replace("_", "-") for n in FIELD_NAMES))
            raise ConfigError(f"{source}: unknown key {key!r} in [tool.dedup] (known: {known})")
        if name in ("include", "exclude", "corpus", "fail_on"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                kind = "folders" if name == "corpus" else "glob patterns"
                raise ConfigError(f"{source}: {key} must be a list of {kind}")
            value = tuple(value)
            if name == "fail_on":  # "near-duplicate,contained" as on the command line
                value = tuple(p.strip() for v in value for p in (v.split(",") if isinstance(v, str) else [v]))
        out[name] = value
    return out


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start``, if any."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_pyproject(path: Path) -> dict[str, Any]:
    """The validated ``[tool.dedup]`` table of a pyproject.toml (empty when it has none)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    except RecursionError as exc:  # tomllib reads nested arrays and tables by recursion
        raise ConfigError(f"{path}: cannot read configuration: nested too deeply") from exc
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: 'tool' must be a table")
    table = tool.get("dedup", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.dedup] must be a table")
    return settings_from_mapping(table, str(path))


_PATH_KEYS = ("corpus", "baseline", "index")


def paths_from_folder(values: dict[str, Any], folder: Path, cwd: Path) -> dict[str, Any]:
    """Config values with the relative paths of ``corpus``, ``baseline`` and ``index`` read as
    relative to ``folder`` (the pyproject.toml's), and written relative to ``cwd``, where the
    command runs: a hook or command started in a subfolder finds the same files."""
    if os.path.realpath(folder) == os.path.realpath(cwd):
        return values

    def moved(path: str) -> str:
        if os.path.isabs(path):
            return path
        return os.path.relpath(os.path.join(os.path.abspath(folder), path), os.path.abspath(cwd))

    out = dict(values)
    for key in _PATH_KEYS:
        value = out.get(key)
        if isinstance(value, str) and value:
            out[key] = moved(value)
        elif isinstance(value, tuple):
            out[key] = tuple(moved(v) if isinstance(v, str) and v else v for v in value)
    return out


def build_settings(config: dict[str, Any], overrides: dict[str, Any]) -> Settings:
    """Settings from defaults, then the config file, then command-line overrides (which win)."""
    merged = {**config, **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return Settings(**merged)
    except TypeError as exc:  # a wrong type that dataclasses itself rejects
        raise ConfigError(str(exc)) from exc
