"""The machine-readable report: one JSON document, versioned, stable in keys and order.

The shape is documented in the README and in ``dedup/schema/report.schema.json``. Bump
SCHEMA_VERSION whenever a field is removed or changes meaning; adding a field does not.
"""

from __future__ import annotations

import codecs
import dataclasses
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from dedup import __version__
from dedup.cluster import through_sources
from dedup.models import Cluster, Comparison, Document, Explanation, Group, Pair, Report, Span

SCHEMA_VERSION = 3


def pair_dict(pair: Pair, cluster: int | None = None, through: str | None = None) -> dict[str, Any]:
    """One pair as JSON-ready values (``through``: the common source it is grouped under, in a scan)."""
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
        "specific_passage_words": pair.specific_passage,
    }
    if cluster is not None:
        out["cluster"] = cluster
        out["through"] = through
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


def _document_line(d: Document) -> str:
    """``_ENCODE(document_dict(d))``, written out by hand: a large corpus has a line per document,
    and this is about four times faster than encoding the dictionary (a test checks it is equal)."""
    attribution = "null" if d.attribution is None else _STRING(d.attribution)
    return (
        f'{{"path": {_STRING(d.path)}, "words": {int(d.words)}, "content_hash": {_STRING(d.content_hash)}, '
        f'"encoding": {_STRING(d.encoding)}, "attribution": {attribution}}}'
    )


def _optional(value: str | None) -> str:
    return "null" if value is None else _STRING(value)


def _optional_int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _span_text(span: Span) -> str:
    """``_ENCODE(span_dict(span))``, written out by hand (see :func:`_pair_line`)."""
    # Integer fields format as the encoder writes them; strings go through its string encoder.
    other = (
        "null"
        if span.other_start is None
        else f'{{"start": {span.other_start}, "end": {_optional_int(span.other_end)}}}'
    )
    edits = ", ".join(f'{{"a": [{e.a_start}, {e.a_end}], "b": [{e.b_start}, {e.b_end}]}}' for e in span.edits)
    return (
        f'{{"start": {span.start}, "end": {span.end}, "kind": {_STRING(span.kind)}, '
        f'"label": {_optional(span.label)}, "evidence": {_optional(span.evidence)}, '
        f'"words": {span.words}, "preview": {_STRING(span.preview)}, '
        f'"moved": {"true" if span.moved else "false"}, "other": {other}, "edits": [{edits}]}}'
    )


def _pair_line(pair: Pair, cluster: int | None = None, through: str | None = None) -> str:
    """``_ENCODE(pair_dict(pair, cluster))``, written out by hand: an explained pair holds about a
    dozen spans, and building and encoding their dictionaries was most of the time spent writing
    the report of a large corpus (35 against 21 µs a pair, on pairs of the speed benchmark's
    corpus; a test checks the two are equal)."""
    head = (
        f'{{"a": {_STRING(pair.a)}, "b": {_STRING(pair.b)}, "relation": {_optional(pair.relation)}, '
        f'"direction": {_optional(pair.direction)}, "jaccard": {_FLOAT(pair.jaccard)}, '
        f'"containment": {{"a_in_b": {_FLOAT(pair.a_in_b)}, "b_in_a": {_FLOAT(pair.b_in_a)}}}, '
        f'"shared_shingles": {int(pair.shared_shingles)}, '
        f'"shared_words": {{"a": {int(pair.shared_words_a)}, "b": {int(pair.shared_words_b)}}}, '
        f'"longest_passage_words": {int(pair.longest_passage)}, '
        f'"specific_passage_words": {_optional_int(pair.specific_passage)}'
    )
    if cluster is not None:
        head += f', "cluster": {int(cluster)}, "through": {_optional(through)}'
    explanation = pair.explanation
    if explanation is None:
        return head + "}"
    verdict = explanation.verdict
    path = {"a": pair.a, "b": pair.b}.get(verdict.original)
    reasons = ", ".join(_STRING(reason) for reason in verdict.reasons)
    spans_a = ", ".join(_span_text(span) for span in explanation.spans_a)
    spans_b = ", ".join(_span_text(span) for span in explanation.spans_b)
    return (
        f'{head}, "summary": {_STRING(explanation.summary)}, "original": {{"verdict": '
        f'{_STRING(verdict.original)}, "path": {_optional(path)}, "reasons": [{reasons}]}}, '
        f'"spans": {{"a": [{spans_a}], "b": [{spans_b}]}}}}'
    )


def cluster_dict(number: int, cluster: Cluster) -> dict[str, Any]:
    """One cluster (numbered from 1) as JSON-ready values."""
    return {
        "id": number,
        "members": list(cluster.members),
        "original": cluster.original,
        "original_reason": cluster.reason,
    }


def group_dict(number: int, group: Group, cluster: int | None) -> dict[str, Any]:
    """One group of near-copies (numbered from 1) as JSON-ready values."""
    return {
        "id": number,
        "representative": group.representative,
        "members": list(group.members),
        "cluster": cluster,
    }


def report_dict(report: Report, records: bool = True) -> dict[str, Any]:
    """The whole report as JSON-ready values, in the documented key order (without ``records``,
    the lists of documents, pairs, clusters and skipped files are left empty)."""
    summary = _summary(report)
    if not records:
        report = dataclasses.replace(report, documents=(), pairs=(), clusters=(), skipped=(), groups=())
    cluster_of = {m: i for i, c in enumerate(report.clusters, start=1) for m in c.members}
    through = through_sources(report.pairs)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dedup", "version": __version__},
        "settings": report.settings,
        "summary": summary,
        "documents": [document_dict(d) for d in report.documents],
        "pairs": [pair_dict(p, cluster_of.get(p.a), through.get((p.a, p.b))) for p in report.pairs],
        "clusters": [cluster_dict(i, c) for i, c in enumerate(report.clusters, start=1)],
        "groups": [
            group_dict(i, g, cluster_of.get(g.representative)) for i, g in enumerate(report.groups, 1)
        ],
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
        "stats": dict(sorted(report.stats.items())),
    }


def _summary(report: Report) -> dict[str, Any]:
    return {
        "documents": len(report.documents),
        "skipped": len(report.skipped),
        "pairs": report.pair_counts(),
        "clusters": len(report.clusters),
    }


def comparison_dict(comparison: Comparison) -> dict[str, Any]:
    """The result of ``dedup compare`` as JSON-ready values."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "dedup", "version": __version__},
        "settings": comparison.settings,
        "documents": [document_dict(comparison.a), document_dict(comparison.b)],
        "pair": pair_dict(comparison.pair),
        "missed": [
            {
                "relation": m.relation,
                "reason": m.reason,
                "checks": [
                    {"measure": c.measure, "value": c.value, "threshold": c.threshold} for c in m.checks
                ],
            }
            for m in comparison.missed
        ],
        "shared_quotation_words": comparison.shared_quotation,
    }


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_STRING: Callable[[str], str] = json.encoder.encode_basestring  # what _ENCODE writes for a string
_FLOAT: Callable[[float], str] = float.__repr__  # what _ENCODE writes for a finite float
_CHUNK = 256
"""Records per piece of text handed to the writer."""


def chunks(result: Report | Comparison) -> Iterator[str]:
    """The JSON text of a scan report or comparison, in pieces that join to :func:`dumps`.

    A scan report holds one record per line: each document, pair, cluster, group and skipped file stands
    on a line of its own, so the output of a large corpus stays quick to write, to grep and to diff.
    A comparison (one pair) is indented in full.
    """
    if isinstance(result, Comparison):
        yield json.dumps(comparison_dict(result), indent=2, ensure_ascii=False) + "\n"
        return
    report = result
    cluster_of = {m: i for i, c in enumerate(report.clusters, start=1) for m in c.members}
    head = report_dict(report, records=False)
    through = through_sources(report.pairs)
    records: dict[str, Iterable[Any]] = {
        "documents": report.documents,
        "pairs": report.pairs,
        "clusters": (cluster_dict(i, c) for i, c in enumerate(report.clusters, start=1)),
        "groups": (
            group_dict(i, g, cluster_of.get(g.representative)) for i, g in enumerate(report.groups, 1)
        ),
        "skipped": ({"path": s.path, "reason": s.reason} for s in report.skipped),
    }
    encoders: dict[str, Callable[[Any], str]] = {
        "documents": _document_line,
        "pairs": lambda pair: _pair_line(pair, cluster_of.get(pair.a), through.get((pair.a, pair.b))),
    }
    yield "{"
    for number, (key, value) in enumerate(head.items()):
        yield ("\n" if number == 0 else ",\n") + f"  {_ENCODE(key)}: "
        if key not in records:
            yield _ENCODE(value)
            continue
        encode = encoders.get(key, _ENCODE)
        lines = (encode(item) for item in records[key])
        first = next(lines, None)
        if first is None:
            yield "[]"
            continue
        yield "[\n    " + first
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) == _CHUNK:
                yield ",\n    " + ",\n    ".join(batch)
                batch = []
        if batch:
            yield ",\n    " + ",\n    ".join(batch)
        yield "\n  ]"
    yield "\n}\n"


def dumps(result: Report | Comparison) -> str:
    """A scan report or a comparison as a JSON string with a trailing newline."""
    return "".join(chunks(result))


ESCAPE_ERRORS = "dedup.json-escape"
"""Name of the codec error handler that writes what a stream cannot encode as JSON escapes."""


def _escape_unencodable(error: UnicodeError) -> tuple[str, int]:
    """Characters the output's encoding lacks, as ``\\uXXXX`` escapes (surrogate pairs above the
    BMP). Outside strings JSON is ASCII, so such characters are always inside a string, where the
    escape means the same character: the text stays valid JSON in any ASCII-compatible encoding."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escapes = []
    for char in error.object[error.start : error.end]:
        point = ord(char)
        if point > 0xFFFF:
            point -= 0x10000
            escapes.append(f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}")
        else:
            escapes.append(f"\\u{point:04x}")
    return "".join(escapes), error.end


codecs.register_error(ESCAPE_ERRORS, _escape_unencodable)
