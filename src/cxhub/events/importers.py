"""Read CSV and JSONL files (gzip too) as a stream of RawRecords, in constant memory."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from cxhub.events.records import RawRecord, dump_raw
from cxhub.events.validation import Problem
from cxhub.kit import jsonio
from cxhub.kit.errors import CxhubError

IDENTIFIER_COLUMNS = ("email", "phone", "crm_id", "loyalty_id", "device_id")
PLAIN_COLUMNS = ("event_id", "occurred_at", "type", "channel", "touchpoint", "text")
OTHER_COLUMNS = ("score", "amount_cents", "currency", "attributes", "products")
FORMATS = ("csv", "jsonl")
MAX_CSV_FIELD = 1024 * 1024


def detect_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    if last in (".csv", ".tsv"):
        return "csv"
    if last in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    raise CxhubError(
        "unknown_format", f"cannot tell the format of {path.name}; pass --format csv|jsonl", field="format"
    )


class Source:
    """An open file that reports how far it has been read, in bytes of the file on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = path.stat().st_size
        self._raw: IO[bytes] = path.open("rb")
        is_gzip = self._raw.read(2) == b"\x1f\x8b"
        self._raw.seek(0)
        self.stream: IO[bytes] = gzip.GzipFile(fileobj=self._raw) if is_gzip else self._raw  # type: ignore[assignment]

    def position(self) -> int:
        return self._raw.tell()

    def close(self) -> None:
        self.stream.close()
        self._raw.close()


Line = tuple[str, bytes]
"""A JSONL line not yet decoded, with its location (``file:line``): what travels to a worker process."""


def jsonl_lines(source: Source) -> Iterator[Line]:
    """The non-blank lines of a JSONL file, undecoded: reading is cheap, decoding can go to workers."""
    name = source.path.name
    for number, line in enumerate(source.stream, start=1):
        if line.strip():
            yield f"{name}:{number}", line


def decode_line(location: str, line: bytes) -> RawRecord:
    """One JSONL line as a record; bad UTF-8 or JSON becomes a record with the problem."""
    try:
        text = line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        return RawRecord(
            payload=None,
            raw=line.decode("utf-8", "replace").rstrip("\r\n"),
            location=location,
            problems=[Problem("(line)", f"is not valid UTF-8: {exc.reason} at byte {exc.start}")],
            reason_code="malformed_json",
        )
    try:
        payload = jsonio.loads(text)
    except jsonio.JSONDecodeError as exc:
        return RawRecord(
            payload=None,
            raw=text,
            location=location,
            problems=[Problem("(line)", f"is not valid JSON: {exc}")],
            reason_code="malformed_json",
        )
    return RawRecord(payload=payload, raw=text, location=location)


def read_jsonl(source: Source) -> Iterator[RawRecord]:
    for location, line in jsonl_lines(source):
        yield decode_line(location, line)


def _check_header(header: list[str]) -> None:
    known = set(PLAIN_COLUMNS) | set(OTHER_COLUMNS) | set(IDENTIFIER_COLUMNS)
    unknown = [
        name
        for name in header
        if name not in known and not name.startswith(("identifiers.", "attributes.")) and name != ""
    ]
    if unknown:
        raise CxhubError(
            "unknown_columns",
            f"unknown column(s): {', '.join(unknown)}; use identifiers.<type> or attributes.<name> for extra data",
            field=unknown[0],
        )
    missing = [name for name in ("event_id", "occurred_at", "type", "channel", "touchpoint") if name not in header]
    if missing:
        raise CxhubError("missing_columns", f"missing column(s): {', '.join(missing)}", field=missing[0])


def _parse_json_cell(name: str, cell: str, want: type, problems: list[Problem]) -> Any:
    try:
        value = orjson.loads(cell)
    except orjson.JSONDecodeError as exc:
        problems.append(Problem(name, f"is not valid JSON: {exc}"))
        return None
    if not isinstance(value, want):
        problems.append(Problem(name, f"must be a JSON {'object' if want is dict else 'array'}"))
        return None
    return value


def row_to_payload(row: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """Map one CSV row onto the event model; cells that can't be converted become problems."""
    problems: list[Problem] = []
    payload: dict[str, Any] = {}
    identifiers: dict[str, str] = {}
    attributes: dict[str, Any] = {}
    amount: dict[str, Any] = {}
    for name, cell in row.items():
        if cell is None or cell == "":
            continue
        if name in PLAIN_COLUMNS:
            payload[name] = cell
        elif name in IDENTIFIER_COLUMNS:
            identifiers[name] = cell
        elif name.startswith("identifiers."):
            identifiers[name.removeprefix("identifiers.")] = cell
        elif name.startswith("attributes."):
            attributes[name.removeprefix("attributes.")] = cell
        elif name == "attributes":
            parsed = _parse_json_cell(name, cell, dict, problems)
            if parsed:
                attributes = {**parsed, **attributes}
        elif name == "score":
            try:
                payload["score"] = float(cell.replace(",", "."))
            except ValueError:
                problems.append(Problem("score", f"is not a number: {cell[:40]!r}"))
        elif name == "amount_cents":
            try:
                amount["cents"] = int(cell)
            except ValueError:
                problems.append(Problem("amount_cents", f"is not an integer: {cell[:40]!r}"))
        elif name == "currency":
            amount["currency"] = cell.upper()
        elif name == "products":
            if cell.lstrip().startswith("["):
                payload["products"] = _parse_json_cell(name, cell, list, problems)
            else:
                payload["products"] = [sku.strip() for sku in cell.split(";") if sku.strip()]
    if identifiers:
        payload["identifiers"] = identifiers
    if attributes:
        payload["attributes"] = attributes
    if "currency" in amount and "cents" not in amount:
        problems.append(Problem("amount_cents", "is required when currency is given"))
    elif amount:
        payload["amount"] = amount
    return payload, problems


def read_csv(source: Source) -> Iterator[RawRecord]:
    csv.field_size_limit(MAX_CSV_FIELD)
    text = io.TextIOWrapper(source.stream, encoding="utf-8-sig", errors="surrogateescape", newline="")
    dialect: type[csv.Dialect] = (
        csv.excel_tab if source.path.name.lower().removesuffix(".gz").endswith(".tsv") else csv.excel
    )
    try:
        yield from _csv_rows(source, csv.reader(text, dialect))
    finally:
        text.detach()  # leave the file open: Source.close() owns it and reports the position until then


def _csv_rows(source: Source, reader: Any) -> Iterator[RawRecord]:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    _check_header(header)
    width = len(header)
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            location = f"{source.path.name}:{reader.line_num}"
            yield RawRecord(None, "", location, [Problem("(row)", f"is not valid CSV: {exc}")], "malformed_csv_row")
            continue
        location = f"{source.path.name}:{reader.line_num}"
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            raw = dump_raw(cells)
            problem = Problem("(row)", f"has {len(cells)} fields; the header has {width}")
            yield RawRecord(None, raw, location, [problem], "malformed_csv_row")
            continue
        row = dict(zip(header, cells, strict=True))
        payload, problems = row_to_payload(row)
        yield RawRecord(payload, dump_raw(row if problems else payload), location, problems or None)


def _open(path: Path, fmt: str | None) -> tuple[Source, str]:
    if not path.is_file():
        raise CxhubError("file_not_found", f"{path} is not a readable file", status=404, field="file")
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise CxhubError("unknown_format", f"format must be one of {', '.join(FORMATS)}", field="format")
    return Source(path), fmt


def open_records(path: Path, fmt: str | None = None) -> tuple[Source, Iterator[RawRecord]]:
    source, fmt = _open(path, fmt)
    reader: Callable[[Source], Iterator[RawRecord]] = read_csv if fmt == "csv" else read_jsonl
    return source, reader(source)


def open_pieces(path: Path, fmt: str | None = None) -> tuple[Source, Iterator[Line | RawRecord]]:
    """Like ``open_records``, but JSONL lines come undecoded, for ``events.parallel`` to decode in workers.

    CSV rows are parsed here (a quoted field may span lines, so only one reader can split the file).
    """
    source, fmt = _open(path, fmt)
    pieces: Iterator[Line | RawRecord] = read_csv(source) if fmt == "csv" else jsonl_lines(source)
    return source, pieces
