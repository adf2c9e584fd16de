"""dedup: find near-duplicate and reprinted documents in a folder of text, and explain every match.

Heavy modules (numpy, datasketch) load on first use, so ``dedup --help`` starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = [
    "Settings",
    "scan",
    "scan_texts",
    "compare",
    "compare_texts",
    "clean",
    "Report",
    "Comparison",
    "Pair",
    "Cluster",
    "Document",
    "Skipped",
    "every_pair",
    "__version__",
]

if TYPE_CHECKING:
    from dedup.cluster import every_pair
    from dedup.config import Settings
    from dedup.models import Cluster, Comparison, Document, Pair, Report, Skipped
    from dedup.pipeline import clean, compare, compare_texts, scan, scan_texts

_LAZY = {
    "Settings": "dedup.config",
    "scan": "dedup.pipeline",
    "compare": "dedup.pipeline",
    "scan_texts": "dedup.pipeline",
    "compare_texts": "dedup.pipeline",
    "clean": "dedup.pipeline",
    "Comparison": "dedup.models",
    "Report": "dedup.models",
    "Pair": "dedup.models",
    "Cluster": "dedup.models",
    "Document": "dedup.models",
    "Skipped": "dedup.models",
    "every_pair": "dedup.cluster",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dedup' has no attribute {name!r}")
