"""The two peers a user would pick instead of dedup, run on the same documents.

* ``byhand``: the datasketch pipeline most users write (5-word shingles, ``MinHash`` updated one
  shingle at a time, ``MinHashLSH``, every LSH hit reported as a pair).
* ``text-dedup`` 0.4.x (``python -m text_dedup.minhash``), which needs Python 3.12+ and so runs as a
  subprocess from its own virtual environment under ``benchmarks/work/``.

Both return pairs as sorted ``(id_a, id_b)`` tuples of document ids. Import it from another
benchmark script (``import peers``, with ``benchmarks/`` on ``sys.path``) or run it::

    python benchmarks/peers.py setup [--workdir benchmarks/work]
    python benchmarks/peers.py run FOLDER [--workdir benchmarks/work] [--no-pairs]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
DEFAULT_WORKDIR = BENCHMARKS / "work"
TEXTDEDUP_REQUIREMENT = "text-dedup>=0.4,<0.5"
VENV_NAME = "textdedup-venv"
WORD = re.compile(r"\w+")

Pair = tuple[str, str]


# --- by-hand datasketch ------------------------------------------------------------------------


def word_shingles(text: str, k: int = 5) -> set[bytes]:
    """Lowercase ``\\w+`` words, joined k at a time with spaces, utf-8 encoded.

    A document shorter than k words is one shingle of all its words; one without words has none.
    """
    words = WORD.findall(text.lower())
    if len(words) < k:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)}


def byhand_pairs(
    docs: Mapping[str, str], *, k: int = 5, num_perm: int = 128, threshold: float = 0.5, seed: int = 1
) -> set[Pair]:
    """Pairs from a plain datasketch MinHash + MinHashLSH pipeline (documents without words are skipped)."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    sketches: dict[str, MinHash] = {}
    for doc_id, text in docs.items():
        shingles = word_shingles(text, k)
        if not shingles:
            continue
        sketch = MinHash(num_perm=num_perm, seed=seed)
        for shingle in shingles:  # one update per shingle: the slow baseline, on purpose
            sketch.update(shingle)
        lsh.insert(doc_id, sketch)
        sketches[doc_id] = sketch
    pairs: set[Pair] = set()
    for doc_id, sketch in sketches.items():
        for hit in lsh.query(sketch):
            if hit != doc_id:
                pairs.add(_pair(doc_id, hit))
    return pairs


# --- text-dedup: environment -------------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _python_version(python: Path | str) -> tuple[int, int] | None:
    """(major, minor) of an interpreter, or None if it does not run."""
    try:
        out = subprocess.run(
            [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def find_base_python() -> Path:
    """A Python 3.12+ to build text-dedup's venv with: $TEXTDEDUP_BASE_PYTHON, PATH, then pyenv."""
    candidates: list[Path] = []
    if env := os.environ.get("TEXTDEDUP_BASE_PYTHON"):
        candidates.append(Path(env))
    for name in ("python3.12", "python3.13", "python3.14"):
        if found := shutil.which(name):
            candidates.append(Path(found))
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    versions = sorted((pyenv_root / "versions").glob("3.1[2-9]*"), key=lambda p: p.name)
    candidates += [v / "bin" / "python" for v in versions]
    for candidate in candidates:
        version = _python_version(candidate)
        if version is not None and version >= (3, 12):
            return candidate
    raise RuntimeError(
        "text-dedup needs Python 3.12+ and none was found (set TEXTDEDUP_BASE_PYTHON, or "
        "install one, e.g. `pyenv install 3.12`)"
    )


def textdedup_version(python: Path) -> str:
    """The installed text-dedup version in the environment of ``python``."""
    result = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('text-dedup'))"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"text-dedup is not installed for {python}: {_tail(result.stderr)}")
    return result.stdout.strip()


def _usable(python: Path) -> bool:
    if not python.exists():
        return False
    try:
        version = textdedup_version(python)
    except (OSError, subprocess.SubprocessError, RuntimeError):
        return False
    return version.startswith("0.4.")


def setup_textdedup(workdir: Path) -> Path:
    """Create (or reuse) ``workdir/textdedup-venv`` with text-dedup 0.4.x; return its python."""
    venv = Path(workdir).resolve() / VENV_NAME
    python = _venv_python(venv)
    if _usable(python):
        return python
    if venv.exists():
        shutil.rmtree(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(find_base_python()), "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", TEXTDEDUP_REQUIREMENT],
        check=True,
    )
    if not _usable(python):
        raise RuntimeError(f"text-dedup 0.4.x did not install into {venv}")
    return python


# --- text-dedup: running -----------------------------------------------------------------------

# Reads text-dedup's outputs in its own venv: the saved dataset (for __INDEX__ -> id) and
# clusters.pickle ({__INDEX__: cluster label}, members of duplicate clusters only).
_READ_OUTPUT = """
import json, pickle, sys
from pathlib import Path
import pyarrow as pa
out = Path(sys.argv[1])
ids = {}
for arrow in sorted(out.glob("data-*.arrow")):
    with pa.memory_map(str(arrow)) as source:
        table = pa.ipc.open_stream(source).read_all()
    for index, doc_id in zip(table.column("__INDEX__").to_pylist(), table.column("id").to_pylist()):
        ids[int(index)] = doc_id
with open(out / "clusters.pickle", "rb") as f:
    clusters = {int(k): int(v) for k, v in pickle.load(f).items()}
json.dump({"ids": ids, "clusters": clusters}, sys.stdout)
"""

_TOTAL = re.compile(r"Total:\s*([0-9.]+)\s*s")


@dataclass(frozen=True)
class TextDedupRun:
    """One text-dedup run: its pairs and clusters, wall time of the subprocess, its own 'Total'."""

    pairs: set[Pair]
    clusters: list[list[str]]
    seconds: float
    reported_seconds: float | None
    config: str


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def _config_toml(sections: Mapping[str, Mapping[str, object]]) -> str:
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a <= b else (b, a)


def cluster_pairs(clusters: Iterable[Iterable[str]]) -> set[Pair]:
    """Every pair of documents that share a cluster."""
    return {_pair(a, b) for members in clusters for a, b in itertools.combinations(sorted(members), 2)}


def textdedup_run(
    docs: Mapping[str, str],
    *,
    workdir: Path,
    ngram: int,
    threshold: float,
    num_perm: int,
    processes: int = 2,
    check_false_positive: bool = False,
    min_length: int = 5,
    seed: int = 42,
    python: Path | None = None,
    timeout: float = 3600,
    keep: bool = False,
) -> TextDedupRun:
    """Run ``python -m text_dedup.minhash`` on ``docs`` offline and read its clusters back.

    Docs go in as JSON lines ``{"id", "text"}`` loaded with ``datasets``' json builder; the run
    keeps every row (``skip_filtering``) and saves ``clusters.pickle``. The run folder (under
    ``workdir/textdedup-runs``, with its own HF cache) is removed unless ``keep`` or on failure.
    """
    workdir = Path(workdir).resolve()
    python = python or setup_textdedup(workdir)
    runs = workdir / "textdedup-runs"
    runs.mkdir(parents=True, exist_ok=True)
    run_dir = Path(tempfile.mkdtemp(prefix=f"ng{ngram}-t{threshold}-p{num_perm}-", dir=runs))

    order = list(docs)
    with open(run_dir / "docs.jsonl", "w", encoding="utf-8") as f:
        for doc_id in order:
            f.write(json.dumps({"id": doc_id, "text": docs[doc_id]}, ensure_ascii=False) + "\n")
    config = _config_toml(
        {
            "input": {"input_type": "local_files", "file_type": "json"},
            "input.read_arguments": {
                "path": "json",
                "data_files": str(run_dir / "docs.jsonl"),
                "split": "train",
                "cache_dir": str(run_dir / "hf-cache"),
            },
            "algorithm": {
                "algorithm_name": "minhash",
                "text_column": "text",
                "seed": seed,
                "num_proc": processes,
                "num_perm": num_perm,
                "ngram_size": ngram,
                "threshold": threshold,
                "min_length": min_length,
                "check_false_positive": check_false_positive,
            },
            "output": {
                "output_dir": str(run_dir / "output"),
                "save_clusters": True,
                "keep_index_column": True,
                "skip_filtering": True,
                "clean_cache": False,
            },
            "debug": {"enable_profiling": False},
        }
    )
    (run_dir / "config.toml").write_text(config, encoding="utf-8")

    env = dict(os.environ)
    env.update(
        HF_DATASETS_OFFLINE="1",
        HF_HUB_OFFLINE="1",
        HF_HUB_DISABLE_TELEMETRY="1",
        HF_HOME=str(run_dir / "hf-home"),
        HF_DATASETS_CACHE=str(run_dir / "hf-cache"),
        POLARS_MAX_THREADS=str(processes),
        COLUMNS="200",
        PYTHONWARNINGS="ignore",
    )
    started = time.perf_counter()
    try:
        # text-dedup reads ./config.toml only, so the run folder is the working directory.
        result = subprocess.run(
            [str(python), "-m", "text_dedup.minhash"],
            cwd=run_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"text-dedup timed out after {timeout:.0f} s (run folder {run_dir})") from exc
    seconds = time.perf_counter() - started
    (run_dir / "stdout.log").write_text(result.stdout, encoding="utf-8")
    (run_dir / "stderr.log").write_text(result.stderr, encoding="utf-8")
    output = run_dir / "output"
    if result.returncode != 0 or not (output / "clusters.pickle").exists():
        raise RuntimeError(
            f"text-dedup failed (exit {result.returncode}; run folder {run_dir}):\n"
            f"{_tail(result.stderr) or _tail(result.stdout)}"
        )

    read = subprocess.run(
        [str(python), "-c", _READ_OUTPUT, str(output)], capture_output=True, text=True, timeout=600
    )
    if read.returncode != 0:
        raise RuntimeError(f"could not read text-dedup's output in {output}:\n{_tail(read.stderr)}")
    data = json.loads(read.stdout)
    ids = {int(index): doc_id for index, doc_id in data["ids"].items()}
    if not set(ids.values()) <= set(order):
        raise RuntimeError(f"text-dedup's output has ids that were not in its input (run folder {run_dir})")
    groups: dict[int, list[str]] = defaultdict(list)
    # Group by clusters.pickle, never by the __CLUSTER__ column: without check_false_positive its
    # labels are polars-grouper group numbers that can equal a singleton's own __INDEX__.
    for index, label in data["clusters"].items():
        groups[int(label)].append(ids[int(index)])
    clusters = sorted(sorted(members) for members in groups.values() if len(members) > 1)
    found = _TOTAL.findall(result.stderr + result.stdout)
    if not keep:
        shutil.rmtree(run_dir, ignore_errors=True)
    return TextDedupRun(
        pairs=cluster_pairs(clusters),
        clusters=clusters,
        seconds=seconds,
        reported_seconds=float(found[-1]) if found else None,
        config=config,
    )


def textdedup_pairs(
    docs: Mapping[str, str],
    *,
    workdir: Path,
    ngram: int,
    threshold: float,
    num_perm: int,
    processes: int = 2,
    check_false_positive: bool = False,
    min_length: int = 5,
) -> tuple[set[Pair], float]:
    """text-dedup MinHash pairs (every pair within a cluster) and the subprocess's wall seconds."""
    run = textdedup_run(
        docs,
        workdir=workdir,
        ngram=ngram,
        threshold=threshold,
        num_perm=num_perm,
        processes=processes,
        check_false_positive=check_false_positive,
        min_length=min_length,
    )
    return run.pairs, run.seconds


@dataclass(frozen=True)
class TextDedupSetting:
    """One text-dedup MinHash setting the CLI runs."""

    ngram: int
    threshold: float
    num_perm: int
    min_length: int = 5
    check_false_positive: bool = False


# "news" is text-dedup's own NEWS-COPY benchmark config (configs/benchmark_news_minhash.toml:
# ngram 2, threshold 0.45, 256 permutations, min_length 0, no false-positive check); "5-gram" is
# dedup's shingle size at threshold 0.5, otherwise the README's quick-start MinHash settings
# (240 permutations, check_false_positive = true, default min_length 5).
TEXTDEDUP_SETTINGS: dict[str, TextDedupSetting] = {
    "news": TextDedupSetting(ngram=2, threshold=0.45, num_perm=256, min_length=0),
    "5-gram": TextDedupSetting(ngram=5, threshold=0.5, num_perm=240, check_false_positive=True),
}


# --- CLI ---------------------------------------------------------------------------------------


def read_folder(folder: Path, pattern: str = "*.txt") -> dict[str, str]:
    """Text files under ``folder`` (recursively), keyed by relative path; undecodable bytes replaced."""
    folder = Path(folder)
    return {
        path.relative_to(folder).as_posix(): path.read_bytes().decode("utf-8", errors="replace")
        for path in sorted(folder.rglob(pattern))
        if path.is_file()
    }


def _print_result(name: str, pairs: set[Pair], seconds: float, show_pairs: bool, note: str = "") -> None:
    print(f"{name}: {len(pairs)} pairs in {seconds:.2f} s{note}")
    if show_pairs:
        for a, b in sorted(pairs):
            print(f"  {a}  {b}")


def main(argv: list[str] | None = None) -> None:
    """Command line: ``setup`` or ``run FOLDER``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="create the text-dedup venv under the workdir")
    run = sub.add_parser("run", help="run every peer on the *.txt files of FOLDER")
    for p in (setup, run):
        p.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    run.add_argument("folder", type=Path)
    run.add_argument("--glob", default="*.txt", help="file pattern, searched recursively (default *.txt)")
    run.add_argument("--processes", type=int, default=2, help="text-dedup num_proc")
    run.add_argument("--no-pairs", dest="show_pairs", action="store_false", help="print counts only")
    args = parser.parse_args(argv)

    python = setup_textdedup(args.workdir)
    print(f"text-dedup {textdedup_version(python)} in {python}")
    if args.command == "setup":
        return

    docs = read_folder(args.folder, args.glob)
    print(f"{len(docs)} documents from {args.folder}")
    started = time.perf_counter()
    pairs = byhand_pairs(docs)
    seconds = time.perf_counter() - started
    _print_result("byhand datasketch (k=5, t=0.5, 128 perm)", pairs, seconds, args.show_pairs)
    for name, s in TEXTDEDUP_SETTINGS.items():
        result = textdedup_run(
            docs,
            workdir=args.workdir,
            ngram=s.ngram,
            threshold=s.threshold,
            num_perm=s.num_perm,
            min_length=s.min_length,
            check_false_positive=s.check_false_positive,
            processes=args.processes,
            python=python,
        )
        label = f"ngram={s.ngram}, t={s.threshold}, {s.num_perm} perm, fp-check={s.check_false_positive}"
        own = result.reported_seconds
        note = f" (its own Total: {own:.2f} s)" if own is not None else ""
        _print_result(f"text-dedup {name} ({label})", result.pairs, result.seconds, args.show_pairs, note)


if __name__ == "__main__":
    main()
