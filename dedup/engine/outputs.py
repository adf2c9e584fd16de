"""A report as files, for runs too large for one JSON document: sorted Parquet files of pairs,
documents, clusters and skipped files, and ``summary.json``, under stable names.

``pairs.parquet`` holds each pair's key fields as columns and, in ``record``, the pair exactly
as ``--json`` writes it (explanation included).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dedup.models import Report

FILES = ("pairs.parquet", "documents.parquet", "clusters.parquet", "skipped.parquet", "summary.json")


def write_outputs(report: Report, folder: Path) -> list[Path]:
    """Write ``report`` under ``folder`` (made when missing); ``summary.json`` last, so its
    presence says the others are complete. Returns the files written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dedup.cluster import through_sources
    from dedup.render.json import _pair_line, report_dict

    folder.mkdir(parents=True, exist_ok=True)
    cluster_of = {m: i for i, c in enumerate(report.clusters, start=1) for m in c.members}
    through = through_sources(report.pairs)
    pairs = sorted(report.pairs, key=lambda p: (p.a, p.b))
    documents = sorted(report.documents, key=lambda d: d.path)
    skipped = sorted(report.skipped, key=lambda s: s.path)
    tables = {
        "pairs.parquet": pa.table(
            {
                "a": pa.array([p.a for p in pairs], pa.string()),
                "b": pa.array([p.b for p in pairs], pa.string()),
                "relation": pa.array([p.relation for p in pairs], pa.string()),
                "jaccard": pa.array([p.jaccard for p in pairs], pa.float64()),
                "cluster": pa.array([cluster_of.get(p.a) for p in pairs], pa.int64()),
                "record": pa.array(
                    [_pair_line(p, cluster_of.get(p.a), through.get((p.a, p.b))) for p in pairs], pa.string()
                ),
            }
        ),
        "documents.parquet": pa.table(
            {
                "path": pa.array([d.path for d in documents], pa.string()),
                "words": pa.array([d.words for d in documents], pa.int64()),
                "content_hash": pa.array([d.content_hash for d in documents], pa.string()),
                "encoding": pa.array([d.encoding for d in documents], pa.string()),
                "attribution": pa.array([d.attribution for d in documents], pa.string()),
            }
        ),
        "clusters.parquet": pa.table(
            {
                "id": pa.array(range(1, len(report.clusters) + 1), pa.int64()),
                "members": pa.array([list(c.members) for c in report.clusters], pa.list_(pa.string())),
                "original": pa.array([c.original for c in report.clusters], pa.string()),
                "original_reason": pa.array([c.reason for c in report.clusters], pa.string()),
            }
        ),
        "skipped.parquet": pa.table(
            {
                "path": pa.array([s.path for s in skipped], pa.string()),
                "reason": pa.array([s.reason for s in skipped], pa.string()),
            }
        ),
    }
    written = []
    summary = folder / "summary.json"
    if summary.exists():
        summary.unlink()  # the old run's files are about to be replaced
    for name, table in tables.items():
        path = folder / name
        temporary = folder / (name + ".part")
        pq.write_table(table, temporary)
        os.replace(temporary, path)
        written.append(path)
    head = report_dict(report, records=False)
    for key in ("documents", "pairs", "clusters", "groups", "skipped"):
        del head[key]
    temporary = folder / "summary.json.part"
    temporary.write_text(json.dumps(head, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, summary)
    written.append(summary)
    return written
