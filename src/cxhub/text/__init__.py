"""Text analytics in Italian and English, offline.

``from cxhub.text import analyze`` is the entry point (see ``analyzer.py``). It is resolved lazily so
that importing a light module of this package (``tokens``, ``pii``) does not load the language
detector and the lexicons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cxhub.text.analyzer import TextResult, analyze, analyze_one

__all__ = ["TextResult", "analyze", "analyze_one"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from cxhub.text import analyzer

        return getattr(analyzer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
