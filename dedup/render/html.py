"""The HTML report: one self-contained page (inline CSS and JavaScript, no network) that shows the
clusters and pairs of a scan, or one comparison, with both texts of a pair side by side.

Document text is data, never markup. The page's only markup is this module's; text from documents
and paths travels as JSON inside ``<script type="application/json">`` blocks with ``<``, ``>`` and
``&`` written as ``\\u003c`` and so on, so no text can close a block, and the page's script puts it
into the page with ``textContent`` only. A Content-Security-Policy allows no request and no script
but the page's own. Texts and spans are parsed only when a pair is opened, and the overview is drawn
a page at a time, so a report of tens of thousands of pairs opens quickly.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any

from dedup import __version__
from dedup.label import LABELS
from dedup.models import Comparison, Pair, Report, Span

_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` (and
    line separators and lone surrogates, which a UTF-8 file cannot hold) written as ``\\uXXXX``
    escapes, which mean the same characters to ``JSON.parse``."""
    return _UNSAFE.sub(_escaped, json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _same(offset: int) -> int:
    return offset


def _utf16(text: str) -> Callable[[int], int]:
    """Map a code-point offset of ``text`` to the UTF-16 offset JavaScript strings use: characters
    above U+FFFF (emoji, say) take two units there and one in Python."""
    wide = [] if text.isascii() else [i for i, char in enumerate(text) if ord(char) > 0xFFFF]
    if not wide:
        return _same
    return lambda offset: offset + bisect_left(wide, offset)


def _spans(
    spans: tuple[Span, ...], mine: Callable[[int], int], other: Callable[[int], int], side: str
) -> list[Any]:
    """Spans as compact arrays: start, end, kind, label, evidence, words, other start, other end,
    moved, edits (this document's ranges of the edits inside a shared span)."""
    out: list[Any] = []
    for span in spans:
        edits = [
            [mine(e.a_start), mine(e.a_end)] if side == "a" else [mine(e.b_start), mine(e.b_end)]
            for e in span.edits
        ]
        out.append(
            [
                mine(span.start),
                mine(span.end),
                span.kind,
                span.label,
                span.evidence,
                span.words,
                None if span.other_start is None else other(span.other_start),
                None if span.other_end is None else other(span.other_end),
                span.moved,
                edits,
            ]
        )
    return out


def _pair_record(pair: Pair, number: dict[str, int], cluster: int | None) -> dict[str, Any]:
    """What the overview and a pair's heading show of a pair."""
    explanation = pair.explanation
    return {
        "a": number[pair.a],
        "b": number[pair.b],
        "relation": pair.relation,
        "direction": pair.direction,
        "jaccard": round(pair.jaccard, 4),
        "a_in_b": round(pair.a_in_b, 4),
        "b_in_a": round(pair.b_in_a, 4),
        "words_a": pair.shared_words_a,
        "words_b": pair.shared_words_b,
        "longest": pair.longest_passage,
        "specific": pair.specific_passage,
        "cluster": cluster,
        "summary": explanation.summary if explanation else None,
        "original": explanation.verdict.original if explanation else None,
        "reasons": list(explanation.verdict.reasons) if explanation else [],
        "spans": explanation is not None,
    }


def _asset(name: str) -> str:
    return resources.files("dedup.render").joinpath(name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _blocks(pairs: tuple[Pair, ...], texts: dict[str, str], paths: list[str]) -> Iterator[str]:
    """The data blocks parsed on demand: each pair's spans (``s<N>``), each document's text
    (``t<N>``). Ids are numbers this module makes, never text from a document."""
    number = {path: i for i, path in enumerate(paths)}
    offsets = {path: _utf16(texts[path]) for path in paths if path in texts}
    for i, pair in enumerate(pairs):
        if pair.explanation is None:
            continue
        to_a, to_b = offsets.get(pair.a, _same), offsets.get(pair.b, _same)
        spans = {
            "a": _spans(pair.explanation.spans_a, to_a, to_b, "a"),
            "b": _spans(pair.explanation.spans_b, to_b, to_a, "b"),
        }
        yield f'<script type="application/json" id="s{i}">{script_json(spans)}</script>\n'
    for path in paths:
        if path in texts:
            text = script_json(texts[path])
            yield f'<script type="application/json" id="t{number[path]}">{text}</script>\n'


def render(result: Report | Comparison) -> str:
    """The whole page for a scan report or a comparison. Texts come from ``result.texts``
    (``scan(..., keep_texts=True)``); a pair whose texts are missing shows its numbers only."""
    if isinstance(result, Comparison):
        kind = "compare"
        documents = [result.a, result.b]
        pairs: tuple[Pair, ...] = (result.pair,)
        clusters: list[Any] = []
        headline = f"dedup compare: {result.pair.relation or 'unrelated'}"
    else:
        kind = "scan"
        documents = list(result.documents)
        pairs = result.pairs
        clusters = []
        headline = _scan_headline(result)
    in_pairs = {p for pair in pairs for p in (pair.a, pair.b)}
    # Only documents in pairs are listed: a scan of 100,000 documents with a few pairs stays small.
    paths = [d.path for d in documents if d.path in in_pairs]
    number = {path: i for i, path in enumerate(paths)}
    by_path = {d.path: d for d in documents}
    cluster_of: dict[str, int] = {}
    if isinstance(result, Report):
        for i, cluster in enumerate(result.clusters):
            for member in cluster.members:
                cluster_of[member] = i
            clusters.append(
                {
                    "members": [number[m] for m in cluster.members if m in number],
                    "original": number.get(cluster.original) if cluster.original else None,
                    "reason": cluster.reason,
                }
            )
    data = {
        "kind": kind,
        "version": __version__,
        "headline": headline,
        "labels": list(LABELS),
        "docs": [
            {"path": path, "words": by_path[path].words, "attribution": by_path[path].attribution}
            for path in paths
        ],
        "pairs": [_pair_record(pair, number, cluster_of.get(pair.a)) for pair in pairs],
        "clusters": clusters,
        "texts": [path in result.texts for path in paths],
    }
    script = _asset("report.js")
    style = _asset("report.css")
    policy = (
        f"default-src 'none'; script-src {_csp_hash(script)}; style-src {_csp_hash(style)}; "
        "img-src 'none'; connect-src 'none'; form-action 'none'; base-uri 'none'"
    )
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(policy, quote=True)}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{html.escape(headline, quote=True)}</title>\n",
        f"<style>{style}</style>\n</head>\n<body>\n",
        f'<header><h1>{html.escape(headline, quote=True)}</h1><p class="tool">dedup '
        f"{html.escape(__version__, quote=True)}</p></header>\n",
        '<main id="app"><noscript>This report needs JavaScript to show its pairs and texts.</noscript>'
        "</main>\n",
        f'<script type="application/json" id="dedup-data">{script_json(data)}</script>\n',
    ]
    parts.extend(_blocks(pairs, result.texts, paths))
    parts.append(f"<script>{script}</script>\n</body>\n</html>\n")
    return "".join(parts)


def _scan_headline(report: Report) -> str:
    counts = ", ".join(f"{n} {relation}" for relation, n in report.pair_counts().items() if n)
    pairs = f"{len(report.pairs)} pair{'s' if len(report.pairs) != 1 else ''}"
    return (
        f"dedup scan: {len(report.documents)} documents, {pairs}"
        + (f" ({counts})" if counts else "")
        + f", {len(report.clusters)} cluster{'s' if len(report.clusters) != 1 else ''}"
    )
