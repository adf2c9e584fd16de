"""The machine-readable report: one JSON document, versioned, stable in keys and order.

The shape is documented in the README and in ``dedup/schema/report.schema.json``. Bump
SCHEMA_VERSION whenever a field is removed or changes meaning; adding a field does not.
"""

from __future__ import annotations

import json
from typing import Any

from dedup import __version__
from dedup.models import Comparison, Document, Explanation, Pair, Report, Span

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
    if pair.explanation is not None:
        out.update(explanation_dict(pair, pair.explanation))
    return out


def span_dict(span: Span) -> dict[str, Any]:
    """One span as JSON-ready values."""
    return {
        "start": span.start,
        "end": span.end,
        "kind": span.kind,
        "label": span.label,
        "evidence": span.evidence,
        "words": span.words,
        "preview": span.preview,
        "moved": span.moved,
        "other": None if span.other_start is None else {"start": span.other_start, "end": span.other_end},
        "edits": [{"a": [e.a_start, e.a_end], "b": [e.b_start, e.b_end]} for e in span.edits],
    }


def explanation_dict(pair: Pair, explanation: Explanation) -> dict[str, Any]:
    """The explanation fields of a pair: summary, original verdict, spans of both sides."""
    verdict = explanation.verdict
    path = {"a": pair.a, "b": pair.b}.get(verdict.original)
    return {
        "summary": explanation.summary,
        "original": {"verdict": verdict.original, "path": path, "reasons": list(verdict.reasons)},
        "spans": {
            "a": [span_dict(s) for s in explanation.spans_a],
            "b": [span_dict(s) for s in explanation.spans_b],
        },
    }


def document_dict(d: Document) -> dict[str, Any]:
    """One document as JSON-ready values."""
    return {
        "path": d.path,
        "words": d.words,
        "content_hash": d.content_hash,
        "encoding": d.encoding,
        "attribution": d.attribution,
    }


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
        "documents": [document_dict(d) for d in report.documents],
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


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """The result of ``dedup compare`` as JSON-ready values."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dedup", "version": __version__},
        "settings": comparison.settings,
        "documents": [document_dict(comparison.a), document_dict(comparison.b)],
        "pair": pair_dict(comparison.pair),
    }


def dumps(result: Report | Comparison) -> str:
    """A scan report or a comparison as a JSON string with a trailing newline."""
    data = report_dict(result) if isinstance(result, Report) else comparison_dict(result)
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
