"""The language of a page (Italian or English), its gettext catalogue, and locale-aware formatting.

Catalogues are the ``.po`` files under ``locale/``; a ``.mo`` next to one is used when it is newer,
otherwise the ``.po`` is compiled in memory with Babel on first use, so a source checkout and a wheel
behave the same.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

SUPPORTED = ("it", "en")
LOCALES = {"it": "it_IT", "en": "en_GB"}
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "cxhub"


def N_(message: str) -> str:
    """Marks a string for the catalogue; it is translated where it is shown."""
    return message


def C_(context: str, message: str) -> str:
    """Marks ``message`` in ``context`` for the catalogue; shown with ``pgettext(context, message)``."""
    return message


def pick_language(accept_language: str | None, chosen: str | None = None) -> str:
    """Choose ``chosen`` when supported, else the browser's best supported language, else English.

    ``accept_language`` is an HTTP Accept-Language header such as ``it-IT,it;q=0.9,en;q=0.8``.
    """
    if chosen in SUPPORTED:
        return str(chosen)
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        language = tag.split("-")[0].lower()
        if language in SUPPORTED and quality > 0:
            ranked.append((-quality, position, language))
    return sorted(ranked)[0][2] if ranked else "en"


def catalog_path(language: str, suffix: str = ".po") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


@lru_cache(maxsize=len(SUPPORTED))
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of ``language``; English falls back to the message ids themselves."""
    po, mo = catalog_path(language), catalog_path(language, ".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALES.get(language, language))
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def compile_catalogs() -> list[Path]:
    """Write the ``.mo`` of every ``.po`` (for packagers who prefer them compiled ahead)."""
    written = []
    for language in SUPPORTED:
        po = catalog_path(language)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=LOCALES[language])
        mo = catalog_path(language, ".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo)
    return written


def number(value: float | int | None, language: str, digits: int = 0) -> str:
    """``1.234,5`` in Italian, ``1,234.5`` in English; an em dash for a missing value."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES[language])


def signed(value: float | int | None, language: str, digits: int = 1) -> str:
    """A change, always with its sign: ``+3,2`` / ``−1.5``."""
    if value is None:
        return "—"
    text = number(abs(value), language, digits)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def percent(share: float | None, language: str) -> str:
    """A share in 0…1 as a percentage for the reader's locale."""
    if share is None:
        return "—"
    return format_percent(share, format="#,##0.0%", locale=LOCALES[language])


def day(value: date | datetime | None, language: str) -> str:
    if value is None:
        return "—"
    return format_date(value, format="medium", locale=LOCALES[language])


def moment(value: datetime | None, language: str) -> str:
    if value is None:
        return "—"
    return format_datetime(value, format="short", locale=LOCALES[language], tzinfo=None)
