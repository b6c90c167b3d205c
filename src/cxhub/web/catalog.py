"""The web app's message catalogue: every string its templates and pages mark, kept in the ``.po`` files.

``python -m cxhub.web.catalog`` re-extracts the strings and merges them into ``locale/{it,en}``,
keeping existing translations; a test fails while an Italian translation is missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from cxhub.web.i18n import LOCALES, SUPPORTED, catalog_path

HERE = Path(__file__).parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "pgettext": ((1, "c"), 2), "C_": ((1, "c"), 2)}
# Calls whose first argument is a context ("case priority"), not a message: one English word can need
# two Italian ones (a *low* score is "basso", a *low* priority "bassa").
CONTEXTUAL = frozenset({"pgettext", "C_"})
Message = str | tuple[str, ...]
Key = tuple[str | None, Message]  # (context, message id); a tuple id is (singular, plural)


def _messages_in(path: Path) -> Iterator[tuple[int, Key]]:
    with path.open("rb") as handle:
        found: Iterable[tuple[Any, ...]]
        if path.suffix == ".html":
            found = babel_extract(handle, tuple(KEYWORDS), [], {"extensions": "jinja2.ext.i18n"})
        else:
            found = extract_python(handle, KEYWORDS, [], {})
        for line, function, message, *_comments in found:
            if isinstance(message, str):
                yield line, (None, message)
                continue
            if function in CONTEXTUAL:
                context, text = (message or (None, None))[:2]
                if isinstance(context, str) and isinstance(text, str):  # pgettext(ctx, variable): marked elsewhere
                    yield line, (context, text)
                continue
            parts = tuple(part for part in message or () if isinstance(part, str))
            if parts:  # a plural: (singular, plural); the count argument is no string
                yield line, (None, parts if len(parts) > 1 else parts[0])


def extract_messages() -> dict[Key, list[tuple[str, int]]]:
    """(context, message id) → where it is used; the id is a tuple for plural forms."""
    found: dict[Key, list[tuple[str, int]]] = {}
    sources = sorted((HERE / "templates").glob("*.html")) + sorted(HERE.glob("*.py"))
    for path in sources:
        if path.name == "landing.html":  # the landing page keeps its own small dictionary (pages.TEXT)
            continue
        for line, key in _messages_in(path):
            found.setdefault(key, []).append((f"{path.parent.name}/{path.name}", line))
    return found


def update_catalogs() -> dict[str, int]:
    """Merge the extracted strings into every language's ``.po``; returns how many lack a translation."""
    template = Catalog(project="cxhub", domain="cxhub")
    for (context, message), locations in extract_messages().items():
        template.add(message, locations=locations, context=context)
    missing = {}
    for language in SUPPORTED:
        path = catalog_path(language)
        if path.exists():
            with path.open("rb") as handle:
                catalog = read_po(handle, locale=LOCALES[language])
        else:
            catalog = Catalog(locale=LOCALES[language], project="cxhub", domain="cxhub")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # a fuzzy header would make the compiled catalogue drop its plural rule
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=120, omit_header=False)
        missing[language] = sum(1 for entry in catalog if entry.id and not entry.string)
    return missing


if __name__ == "__main__":
    print(update_catalogs())
