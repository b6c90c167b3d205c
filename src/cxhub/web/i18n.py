"""The language of a page: Italian or English, from the browser unless the user picked one."""

from __future__ import annotations

SUPPORTED = ("it", "en")


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
