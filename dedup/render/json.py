"""The machine-readable report: one JSON document, versioned, stable in keys and order.

The shape is documented in the README and in ``dedup/schema/report.schema.json``. Bump
SCHEMA_VERSION whenever a field is removed or changes meaning; adding a field does not.
"""

from __future__ import annotations

import json
from typing import Any

from dedup import __version__
from dedup.models import Pair, Report

SCHEMA_VERSION = 1


def pair_dict(pair: Pair, cluster: int | None = None) -> dict[str, Any]:
    """One pair as JSON-ready values."""
    out: dict[str, Any] = {
        "a": pair.a,
        "b": pair.b,
        "relation": pair.relation,
        "direction": pair.direction,
        "jaccard": pair.jaccard,
        "containment": {"a_in_b": pair.a_in_b, "b_in_a": pair.b_in_a},
        "shared_shingles": pair.shared_shingles,
        "shared_words": {"a": pair.shared_words_a, "b": pair.shared_words_b},
        "longest_passage_words": pair.longest_passage,
    }
    if cluster is not None:
        out["cluster"] = cluster
    return out


def report_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready values, in the documented key order."""
    cluster_of = {m: i for i, c in enumerate(report.clusters, start=1) for m in c.members}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dedup", "version": __version__},
        "settings": report.settings,
        "summary": {
            "documents": len(report.documents),
            "skipped": len(report.skipped),
            "pairs": report.pair_counts(),
            "clusters": len(report.clusters),
        },
        "documents": [
            {
                "path": d.path,
                "words": d.words,
                "content_hash": d.content_hash,
                "encoding": d.encoding,
                "attribution": d.attribution,
            }
            for d in report.documents
        ],
        "pairs": [pair_dict(p, cluster_of.get(p.a)) for p in report.pairs],
        "clusters": [
            {
                "id": i,
                "members": list(c.members),
                "original": c.original,
                "original_reason": c.reason,
            }
            for i, c in enumerate(report.clusters, start=1)
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "stats": dict(sorted(report.stats.items())),
    }


def dumps(report: Report) -> str:
    """The report as a JSON string with a trailing newline."""
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
