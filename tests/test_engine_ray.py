"""The scan on a local Ray cluster (issue 22): 3,000 generated documents, the same JSON as the
local scan, byte for byte. The cluster listens on loopback only; a hung cluster fails the test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, deadline

from dedup import Settings, scan
from dedup.cli import cli
from dedup.render.json import dumps

DOCS = 3000


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("ray") / "corpus"
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "gencorpus.py"), str(folder), "--docs", str(DOCS)],
        check=True,
        capture_output=True,
    )
    return folder


def test_a_local_ray_cluster_gives_the_local_scan_byte_for_byte(corpus: Path, tmp_path: Path) -> None:
    from dedup.engine.ray import RayBackend
    from dedup.engine.scan import Distributed

    expected = dumps(scan([corpus], Settings()))
    with deadline(300):
        try:
            backend = RayBackend(num_cpus=2)
            assert backend.partitions == 4
            engine = Distributed(backend, tmp_path / "out")
            report = scan([corpus], Settings(), engine=engine)
            assert dumps(report) == expected
            assert len(report.documents) == DOCS and len(report.pairs) >= 300
            # Run again on the same cluster: every stage is taken from the output folder.
            again = Distributed(backend, tmp_path / "out")
            assert dumps(scan([corpus], Settings(), engine=again)) == expected
            assert again.reused and again.reused[0] == "001-prepare_packed"
            # And the command, on the cluster this process already has.
            result = CliRunner().invoke(
                cli,
                ["scan", str(corpus), "--json", "--no-progress", "--engine", "ray", "--ray-address", "auto"],
            )
            assert result.exit_code == 1, result.stderr
            assert result.stdout == expected
        finally:
            # Whatever happened, even a cluster that never came up: stop what ray.init started.
            import ray

            ray.shutdown()
