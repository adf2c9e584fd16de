"""The scan on an engine (issue 22): the in-process engine, cut into any number of partitions,
gives local mode's report byte for byte; stage outputs are reused; the report as Parquet files."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import ROOT, SAMPLES, deadline
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Settings, scan
from dedup.candidates import GROUP_BUCKET, stream_candidates
from dedup.cli import cli
from dedup.engine import InProcess, R, Rows, T, sort_rows, split_rows
from dedup.engine.lsh import shuffled_candidates
from dedup.engine.outputs import write_outputs
from dedup.engine.scan import Distributed, scan_distributed
from dedup.pipeline import clean, corpus_layout, prepare_all
from dedup.prepare import Prepared
from dedup.render.json import dumps, report_dict
from dedup.shingle import flatten
from dedup.sketch import Layout
from dedup.sources import discover

DOCS = 400


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated documents with planted relatives and boilerplate groups, the samples, and a
    story lightly edited on more sites than a bucket pairs in full (the star rule)."""
    root = tmp_path_factory.mktemp("engine")
    folder = root / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gencorpus.py"), str(folder), "--docs", str(DOCS)],
        check=True,
        capture_output=True,
    )
    for sample in sorted(SAMPLES.iterdir()):
        if sample.suffix == ".txt":
            (folder / "samples").mkdir(exist_ok=True)
            (folder / "samples" / sample.name).write_bytes(sample.read_bytes())
    story = (SAMPLES / "iran-russia-pact_original.txt").read_text(encoding="utf-8")
    words = story.split()
    rng = random.Random(3)
    (folder / "star").mkdir()
    for n in range(GROUP_BUCKET + 12):
        edited = list(words)
        for _ in range(3):
            edited[rng.randrange(len(edited))] = f"edit{n}x{rng.randrange(1000)}"
        (folder / "star" / f"{n:03d}.txt").write_text(" ".join(edited) + f"\n\nSite {n}.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local_json(corpus: Path) -> str:
    return dumps(scan([corpus], Settings(jobs=1)))


def _layout(corpus: Path) -> Layout:
    s = Settings(jobs=1)
    found = prepare_all(discover([str(corpus)], s, corpus, []), s)
    prepared = [p for p in found if isinstance(p, Prepared)]
    flat = flatten([p.shingles for p in prepared])
    return corpus_layout(flat, [p.text_hash for p in prepared], s, {}, None)[2]


@given(
    keys=st.lists(st.integers(0, 2**64 - 1), max_size=60),
    partitions=st.integers(1, 9),
    seed=st.integers(0, 100),
)
@settings(max_examples=60, deadline=None)
def test_the_shuffle_sends_each_key_to_one_partition_and_sorts_it(
    keys: list[int], partitions: int, seed: int
) -> None:
    rows = (np.array(keys, dtype=np.uint64), np.arange(len(keys), dtype=np.int64))
    cut = [tuple(c[i::3] for c in rows) for i in range(3)]
    got = InProcess(partitions, seed).shuffle(cut, lambda r: r)
    assert len(got) == partitions
    seen: dict[int, int] = {}
    for p, block in enumerate(got):
        if not block:
            continue
        assert block[0].tolist() == sorted(block[0].tolist())
        for key in block[0].tolist():
            assert seen.setdefault(key, p) == p
    assert sorted(v for b in got if b for v in b[1].tolist()) == list(range(len(keys)))
    # A partition's rows are the same whichever order its pieces come in.
    pieces = [split_rows(c, partitions) for c in cut]
    for p in range(partitions):
        a = sort_rows([piece[p] for piece in pieces])
        b = sort_rows([piece[p] for piece in reversed(pieces)])
        assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_lsh_through_the_shuffle_gives_local_modes_candidates(corpus: Path) -> None:
    lay = _layout(corpus)
    s = Settings()
    expected = stream_candidates(lay, s.lsh_threshold, s.num_perm, s.seed)
    assert expected.oversized_buckets > 0  # the star story's buckets
    rng = random.Random(22)
    for _ in range(4):
        backend = InProcess(rng.randint(1, 12), rng.randrange(1000))
        per_pass = rng.randint(1, 16)
        got = shuffled_candidates(lay, s.lsh_threshold, s.num_perm, s.seed, backend, per_pass)
        assert np.array_equal(got.pairs, expected.pairs)
        assert np.array_equal(got.bands, expected.bands)
        assert got.oversized_buckets == expected.oversized_buckets


@pytest.mark.parametrize("partitions", [1, 2, 5, 11])
def test_the_in_process_engine_gives_the_local_scan_byte_for_byte(
    corpus: Path, local_json: str, partitions: int
) -> None:
    report = scan_distributed([corpus], Settings(jobs=1), InProcess(partitions, seed=partitions))
    assert report.pairs and report.groups  # pairs found, and near-copy groups among them
    assert dumps(report) == local_json


def test_record_files_and_against_are_scanned_the_same(corpus: Path, tmp_path: Path) -> None:
    texts = sorted((corpus / "star").iterdir())[:8] + sorted((corpus / "samples").iterdir())
    records = tmp_path / "news.jsonl"
    records.write_text(
        "".join(json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")}) + "\n" for p in texts),
        encoding="utf-8",
    )
    s = Settings(jobs=1)
    for paths, against in (([records], []), ([records], [corpus / "samples"])):
        expected = dumps(scan(paths, s, against=against))
        got = scan_distributed(paths, s, InProcess(3, seed=1), against=against)
        assert dumps(got) == expected


class Counting(InProcess):
    """The in-process engine, noting what it is asked to do."""

    def __init__(self, partitions: int, seed: int = 0) -> None:
        super().__init__(partitions, seed)
        self.mapped: list[str] = []
        self.shuffles = 0

    def map(self, fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]]) -> Iterator[T]:
        self.mapped.append(fn.__name__)
        return super().map(fn, tasks)

    def shuffle(self, parts: Sequence[Rows], reduce: Callable[[Rows], R]) -> list[R]:
        self.shuffles += 1
        return super().shuffle(parts, reduce)


def test_a_stopped_run_resumes_from_the_stages_it_completed(
    corpus: Path, local_json: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = Distributed(InProcess(3), out)
    assert dumps(scan([corpus], Settings(jobs=1), engine=first)) == local_json
    stages = out / "stages"
    done = sorted(p.stem for p in stages.glob("*.done"))
    assert done[0] == "001-prepare_packed" and "002-lsh" in done and first.reused == []
    # As if killed while its last stage ran: that one's marker was never written.
    (stages / f"{done[-1]}.done").unlink()
    counting = Counting(5, seed=9)
    again = Distributed(counting, out)
    assert dumps(scan([corpus], Settings(jobs=1), engine=again)) == local_json
    assert again.reused == done[:-1]
    # Only the stage left undone ran again.
    assert counting.mapped == [done[-1].split("-", 1)[1]] and counting.shuffles == 0
    # Other settings: nothing is reused.
    other = Distributed(InProcess(2), out)
    scan([corpus], Settings(jobs=1, contained=0.85), engine=other)
    assert other.reused == []
    # The same inputs scanned against some of them: nothing is reused either.
    against = Distributed(InProcess(2), out)
    scan([corpus], Settings(jobs=1, contained=0.85), engine=against, against=[corpus / "samples"])
    assert against.reused == []


def test_the_report_as_parquet_files(corpus: Path, local_json: str, tmp_path: Path) -> None:
    report = scan([corpus], Settings(jobs=1))
    written = write_outputs(report, tmp_path / "out")
    assert [p.name for p in written] == [
        "pairs.parquet",
        "documents.parquet",
        "clusters.parquet",
        "skipped.parquet",
        "summary.json",
    ]
    whole = json.loads(local_json)
    pairs = pq.read_table(tmp_path / "out" / "pairs.parquet").to_pylist()
    assert [json.loads(p["record"]) for p in pairs] == whole["pairs"]
    assert [(p["a"], p["b"]) for p in pairs] == sorted((p["a"], p["b"]) for p in whole["pairs"])
    documents = pq.read_table(tmp_path / "out" / "documents.parquet").to_pylist()
    assert documents == whole["documents"]
    clusters = pq.read_table(tmp_path / "out" / "clusters.parquet").to_pylist()
    assert clusters == whole["clusters"]
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["summary"] == whole["summary"] == report_dict(report)["summary"]
    assert summary["stats"] == whole["stats"]


def test_clean_on_an_engine_drops_the_same_documents(corpus: Path, tmp_path: Path) -> None:
    s = Settings(jobs=1)
    local = clean([corpus / "star"], tmp_path / "a", s)
    spread = clean([corpus / "star"], tmp_path / "b", s, engine=Distributed(InProcess(4)))
    assert local.drops == spread.drops and local.kept == spread.kept


def test_the_cli_writes_parquet_and_refuses_an_address_without_ray(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli, ["scan", str(SAMPLES), "--json", "--no-progress", "--output-dir", str(tmp_path)]
    )
    assert result.exit_code in (0, 1), result.output
    pairs = pq.read_table(tmp_path / "pairs.parquet").to_pylist()
    assert [json.loads(p["record"]) for p in pairs] == json.loads(result.stdout)["pairs"]
    refused = runner.invoke(cli, ["scan", str(SAMPLES), "--ray-address", "auto"])
    assert refused.exit_code == 2 and "--ray-address and --partitions go with --engine ray" in refused.stderr


def test_help_and_a_local_scan_do_not_import_ray() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from dedup.cli import cli\n"
        "CliRunner().invoke(cli, ['--help'])\n"
        "CliRunner().invoke(cli, ['scan', '--help'])\n"
        f"CliRunner().invoke(cli, ['scan', {str(SAMPLES)!r}, '--json', '--no-progress'])\n"
        "print('ray' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


SLOW_CHILD = """
import sys, time
from dedup import Settings
from dedup.engine import InProcess
from dedup.engine.scan import scan_distributed


class Slow(InProcess):
    def map(self, fn, tasks):
        if fn.__name__ == "check_batch":
            time.sleep(60)  # killed here, its reading and LSH stages done
        return super().map(fn, tasks)


scan_distributed([sys.argv[1]], Settings(jobs=1), Slow(3), output_dir=sys.argv[2])
"""


def test_a_run_killed_after_a_stage_resumes_from_it(corpus: Path, local_json: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-c", SLOW_CHILD, str(corpus), str(out)])
    try:
        with deadline(60):
            while not (out / "stages" / "002-lsh.done").exists():
                assert child.poll() is None, "the scan ended before it was killed"
                time.sleep(0.05)
    finally:
        child.kill()
        child.wait()
    again = Distributed(InProcess(4, seed=5), out)
    assert dumps(scan([corpus], Settings(jobs=1), engine=again)) == local_json
    assert again.reused == ["001-prepare_packed", "002-lsh"]


def test_records_copied_to_the_spool_are_resumed_too(corpus: Path, tmp_path: Path) -> None:
    import csv

    texts = sorted((corpus / "star").iterdir())[:6] + sorted((corpus / "samples").iterdir())
    records = tmp_path / "news.csv"
    with open(records, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "text"])
        for path in texts:
            writer.writerow([path.stem, path.read_text(encoding="utf-8")])
    s = Settings(jobs=1)
    expected = dumps(scan([records], s))
    first = Distributed(InProcess(2), tmp_path / "out")
    assert dumps(scan([records], s, engine=first)) == expected
    again = Distributed(InProcess(3), tmp_path / "out")
    assert dumps(scan([records], s, engine=again)) == expected
    # Every stage the first run completed (one batch of files is read on the driver: no stage).
    done = sorted(p.stem for p in (tmp_path / "out" / "stages").glob("*.done"))
    assert again.reused == done and done[0] == "001-lsh"
    # The record file changed: nothing is reused.
    with open(records, "a", encoding="utf-8", newline="") as f:
        csv.writer(f).writerow(["late", "a late record of a few words, not enough to pair"])
    changed = Distributed(InProcess(3), tmp_path / "out")
    scan([records], s, engine=changed)
    assert changed.reused == []
