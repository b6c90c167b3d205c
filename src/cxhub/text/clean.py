"""Input hygiene: make any input safe to analyse and say what was done to it.

Texts arrive from web forms, e-mails, chat exports and CSV files: some are empty, some are a megabyte
long, some are HTML or markdown, some are binary junk decoded as text. ``clean`` never raises; it
returns the text the analysers will see and ``flags`` naming each change, so a result can explain
why it looks the way it does. Pure functions, no I/O.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

DEFAULT_MAX_CHARS = 20_000

# Flags, stable strings: the UI and exports show them.
EMPTY = "empty"
NOT_TEXT = "not_text"
DECODED = "decoded_bytes"
TRUNCATED = "truncated"
BINARY = "binary_junk"
CONTROL = "control_chars_removed"
HTML = "html_stripped"
ENTITIES = "entities_unescaped"
MARKDOWN = "markdown_stripped"
NO_LETTERS = "no_letters"
EMOJI_ONLY = "emoji_only"
RTL = "rtl_script"

_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9-]*(?:\s[^<>]*)?/?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL | re.IGNORECASE)
_DROP_BLOCK = re.compile(r"<(script|style|head)\b[^>]*>.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_BREAK_TAG = re.compile(r"<(?:br|/p|/div|/li|/h[1-6]|/tr|p|li|hr)\b[^>]*>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});")
_MD_IMAGE_LINK = re.compile(r"!?\[([^\]\n]*)\]\((?:[^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1")
_MD_CODE = re.compile(r"`{1,3}([^`\n]+)`{1,3}")
_MD_LINE = re.compile(r"^[ \t]{0,3}(?:#{1,6}[ \t]+(?=\S)|>[ \t]?(?=\S))", re.MULTILINE)
_MD_RULE = re.compile(r"^[ \t]*(?:[-*_][ \t]*){3,}$", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_LETTER = re.compile(r"[^\W\d_]")
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d]")
_KEEP_CONTROLS = frozenset("\n\t")
_JUNK_SHARE = 0.3


@dataclass(frozen=True, slots=True)
class Cleaned:
    """The text to analyse and what was done to get it (``flags`` in the order applied)."""

    text: str
    flags: tuple[str, ...]


def clean(raw: object, *, max_chars: int = DEFAULT_MAX_CHARS) -> Cleaned:
    """Clean one input of any type; never raises.

    ``raw`` is normally a ``str``; ``bytes`` are decoded as UTF-8 (bad bytes replaced), ``None`` is
    empty and anything else is refused as ``not_text`` with an empty text. The result is at most
    ``max_chars`` characters long (cut at a word boundary when one is near).
    """
    flags: list[str] = []
    if isinstance(raw, bytes | bytearray):
        raw = bytes(raw).decode("utf-8", errors="replace")
        flags.append(DECODED)
    if raw is None:
        return Cleaned("", (EMPTY,))
    if not isinstance(raw, str):
        return Cleaned("", (NOT_TEXT, EMPTY))
    text = raw
    # Cut early so that a megabyte of input costs no more than a few pages; markup stripping can only
    # shorten text, so four times the limit is enough to fill the limit afterwards.
    if len(text) > 4 * max_chars:
        text = text[: 4 * max_chars]
        flags.append(TRUNCATED)
    text, junk_flags = _remove_junk(text)
    flags.extend(junk_flags)
    if BINARY in flags:
        return Cleaned("", (*flags, EMPTY))
    if "<" in text and _TAG.search(text):
        text = _DROP_BLOCK.sub(" ", text)
        text = _BREAK_TAG.sub("\n", text)
        text = _TAG.sub(" ", text)
        flags.append(HTML)
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
        flags.append(ENTITIES)
        text, more = _remove_junk(text)  # entities can encode control characters too
        flags.extend(flag for flag in more if flag not in flags)
    stripped = _strip_markdown(text)
    if stripped != text:
        text = stripped
        flags.append(MARKDOWN)
    text = _SPACES.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    text = _BLANK_LINES.sub("\n\n", text).strip()
    if len(text) > max_chars:
        text = _cut(text, max_chars)
        if TRUNCATED not in flags:
            flags.append(TRUNCATED)
    if not text:
        flags.append(EMPTY)
    elif not _LETTER.search(text):
        flags.append(EMOJI_ONLY if _EMOJI.search(text) else NO_LETTERS)
    elif _RTL.search(text):
        flags.append(RTL)
    return Cleaned(text, tuple(flags))


def _remove_junk(text: str) -> tuple[str, list[str]]:
    """Drop control, private-use, unassigned and replacement characters; all junk → ``binary_junk``.

    Only a text that is mostly junk (over 30 %) is declared binary: a stray NUL in a CSV export
    should not cost the customer's words.
    """
    if text.isprintable() and "\ufffd" not in text:
        return unicodedata.normalize("NFC", text), []
    kept = []
    junk = 0
    for char in text:
        if char in _KEEP_CONTROLS or char == "\r":
            kept.append(char)
        elif char == "\ufffd" or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            junk += 1
        elif unicodedata.category(char) == "Cf" and char not in "\u200d\ufe0f":
            junk += 1  # bidi overrides, zero-width spaces: invisible, and they break matching
        else:
            kept.append(char)
    if not junk:
        return unicodedata.normalize("NFC", text), []
    letters = len(text) - text.count(" ") - text.count("\n")
    if junk > _JUNK_SHARE * max(letters, 1):
        return "", [CONTROL, BINARY]
    return unicodedata.normalize("NFC", "".join(kept)), [CONTROL]


def _strip_markdown(text: str) -> str:
    if not any(mark in text for mark in ("*", "_", "`", "#", ">", "[", "~", "---")):
        return text
    text = _MD_IMAGE_LINK.sub(r"\1", text)
    text = _MD_CODE.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = _MD_RULE.sub("", text)
    # Headings and quotes lose their marks; list markers stay, they help the sentence splitter.
    return _MD_LINE.sub("", text)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at the last space of the final 200 when there is one."""
    cut = text[:limit]
    space = cut.rfind(" ", max(0, limit - 200))
    return (cut[:space] if space > 0 else cut).rstrip()
