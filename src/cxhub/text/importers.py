"""Texts to analyse from a CSV (``id,text``) or JSONL (``{"id", "text"}``) file, gzip too, streamed.

A bad row does not stop the file: it comes out as an ``Item`` with ``error`` naming the field, and
``cxhub text analyze`` writes it as an error line in its place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxhub.events.importers import MAX_CSV_FIELD, Source, detect_format
from cxhub.kit import jsonio
from cxhub.kit.errors import CxhubError

__all__ = ["Item", "Source", "detect_format", "open_items", "read_csv", "read_jsonl"]


@dataclass(frozen=True, slots=True)
class Item:
    """One row: ``id`` and ``text``, or ``error`` ({"field", "problem"}) when the row is unusable."""

    line: int
    id: str | int | None
    text: str | None
    error: dict[str, str] | None = None


def _bad(line: int, item_id: Any, field: str, problem: str) -> Item:
    usable = item_id if isinstance(item_id, str | int) and not isinstance(item_id, bool) else None
    return Item(line, usable, None, {"field": field, "problem": problem})


def read_jsonl(source: Source) -> Iterator[Item]:
    for number, raw in enumerate(source.stream, start=1):
        if not raw.strip():
            continue
        try:
            document = jsonio.loads(raw)
        except (jsonio.JSONDecodeError, UnicodeDecodeError) as exc:
            yield _bad(number, None, "(line)", f"is not valid JSON: {exc}")
            continue
        if not isinstance(document, dict):
            yield _bad(number, None, "(line)", 'must be a JSON object like {"id": ..., "text": ...}')
            continue
        yield _checked(number, document.get("id"), document.get("text"), "text" in document)


def _checked(line: int, item_id: Any, text: Any, has_text: bool) -> Item:
    if item_id is None or item_id == "" or isinstance(item_id, bool) or not isinstance(item_id, str | int):
        return _bad(line, item_id, "id", "is missing" if item_id in (None, "") else "must be a string or an integer")
    if not has_text or text is None:
        return _bad(line, item_id, "text", "is missing")
    if not isinstance(text, str):
        return _bad(line, item_id, "text", "must be a string")
    return Item(line, item_id, text)


def read_csv(source: Source) -> Iterator[Item]:
    """Rows of a CSV with ``id`` and ``text`` columns; other columns are ignored."""
    csv.field_size_limit(MAX_CSV_FIELD)
    stream = io.TextIOWrapper(source.stream, encoding="utf-8-sig", errors="replace", newline="")
    dialect: type[csv.Dialect] = (
        csv.excel_tab if source.path.name.lower().removesuffix(".gz").endswith(".tsv") else csv.excel
    )
    reader = csv.reader(stream, dialect)
    try:
        try:
            header = [name.strip().lower() for name in next(reader)]
        except StopIteration:
            return
        for column in ("id", "text"):
            if column not in header:
                raise CxhubError("missing_columns", f"the CSV has no {column!r} column", field=column)
        id_at, text_at = header.index("id"), header.index("text")
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield _bad(reader.line_num, None, "(row)", f"is not valid CSV: {exc}")
                continue
            if not any(cell.strip() for cell in cells):
                continue
            item_id = cells[id_at].strip() if id_at < len(cells) else None
            has_text = text_at < len(cells)
            yield _checked(reader.line_num, item_id, cells[text_at] if has_text else None, has_text)
    finally:
        stream.detach()  # Source.close() owns the file and reports the position until then


def open_items(path: Path, format: str | None = None) -> tuple[Source, Iterator[Item]]:
    """The open file (for progress) and its items; ``format`` is csv or jsonl, guessed when None."""
    chosen = format or detect_format(path)
    if chosen not in ("csv", "jsonl"):
        raise CxhubError("unknown_format", "format must be csv or jsonl", field="format")
    try:
        source = Source(path)
    except OSError as exc:
        raise CxhubError("file_unreadable", f"cannot read {path}: {exc.strerror}", field="file") from None
    return source, (read_csv(source) if chosen == "csv" else read_jsonl(source))
