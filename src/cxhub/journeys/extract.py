"""The timeline extract: events streamed out of the database in chunks that never split a customer.

One query per customer range (all customers, or one of the ranges ``parallel`` reads side by side),
ordered by customer, read without turning rows into Python objects: SQLite formats each customer's
events as CSV lines (``printf``/``quote``, one ``group_concat`` per customer, read in the order of the
``(workspace_id, customer_id, occurred_at)`` index), PostgreSQL's ``COPY … TO STDOUT`` writes CSV; Polars
parses both. Attribute fields are pulled out of the JSON by the database, and only for the event types
that use them (a ``CASE`` per field), so a web visit costs one JSON read at most.

:func:`scan_query` reads the same columns in the table's own order instead (a range of ids at a time),
for ``scan`` to regroup by customer: reading by customer fetches every row on its own from wherever the
table keeps it, which on a large table costs more than everything else together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

import polars as pl
import psycopg
from psycopg import pq
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from cxhub.events.models import Event
from cxhub.events.schemas import HUB_CHANNEL
from cxhub.journeys import disconnects, spill
from cxhub.journeys.timeline import CONTACT_TYPES, FEEDBACK_TYPES, PRODUCT, conform

CHUNK_ROWS = 250_000
CHUNK_BYTES = 32 * 1024 * 1024
CUSTOMERS_PER_FETCH = 2_000
# What the query returns, in order. ``occurred_at`` is SQLite's stored text or PostgreSQL's epoch seconds.
RAW = {
    "customer_id": pl.String,
    "occurred_at": pl.Float64,
    "event_id": pl.String,
    "type": pl.String,
    "channel": pl.String,
    "touchpoint": pl.String,
    "journey_stage": pl.String,
    "metric": pl.String,
    "score": pl.Float64,
    "reason": pl.String,
    "outcome": pl.String,
    "ticket_id": pl.String,
    "status": pl.String,
    "wait_seconds": pl.Float64,
    "segment": pl.String,
    "sku": pl.String,
    "campaign": pl.String,
    "products": pl.String,
    "sentiment": pl.Float64,
    "id": pl.Int64,  # the tie-break of the order: SQLite's and scanned rows are sorted by Polars
}
SQLITE_RAW = {**RAW, "occurred_at": pl.String}
SQLITE_TIME = "%Y-%m-%d %H:%M:%S%.f"
_PRODUCT_TYPES = ("purchase", "return", "plan_change")
# How SQLite writes a column into a CSV line: as it is (hex ids, stored times, integers), quoted (text
# that is never null) or quoted-or-empty (nullable values: numbers keep every digit, null is empty).
_AS_IS, _QUOTED, _NULLABLE = "as is", "quoted", "nullable"


def _listed(types: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in sorted(set(types)))


class _Dialect:
    def __init__(self, name: str) -> None:
        self.sqlite = name == "sqlite"
        self.mark = "?" if self.sqlite else "%s"

    def text(self, key: str) -> str:
        if self.sqlite:
            return f"CAST(json_extract(attributes, '$.{key}') AS TEXT)"
        return f"(attributes ->> '{key}')"

    def number(self, key: str) -> str:
        if self.sqlite:
            path = f"'$.{key}'"
            numeric = f"json_type(attributes, {path}) IN ('integer', 'real')"
            return f"(CASE WHEN {numeric} THEN json_extract(attributes, {path}) END)"
        return f"(CASE WHEN json_typeof(attributes -> '{key}') = 'number' THEN (attributes ->> '{key}')::float8 END)"

    def only(self, types: tuple[str, ...], expression: str) -> str:
        return f"CASE WHEN type IN ({_listed(types)}) THEN {expression} END"

    @staticmethod
    def _flagged_scan(columns: list[tuple[str, str, tuple[str, ...] | None]], where: str) -> str:
        """PostgreSQL's scan: which columns a row's type reads comes from a small table joined on the
        type (one hash lookup a row) instead of an ``IN`` list per column; the same rows and values."""
        flags: dict[tuple[str, ...], str] = {}
        for _, _, types in columns:
            if types is not None:
                flags.setdefault(tuple(sorted(set(types))), f"f{len(flags)}")
        listed = ", ".join(
            e if types is None else f"CASE WHEN k.{flags[tuple(sorted(set(types)))]} THEN {e} END"
            for e, _, types in columns
        )
        named = sorted({name for types in flags for name in types})
        rows = ", ".join(
            f"('{name}', {', '.join('true' if name in types else 'false' for types in flags)})" for name in named
        )
        kinds = f"(VALUES {rows}) AS k(k_type, {', '.join(flags.values())})"
        return f"SELECT {listed} FROM events LEFT JOIN {kinds} ON k.k_type = events.type WHERE {where}"

    def columns(self, *, stages: bool, segments: bool) -> list[tuple[str, str, tuple[str, ...] | None]]:
        """(SQL expression, how SQLite writes it, the event types it is read for) per column of :data:`RAW`."""
        wait = f"COALESCE({self.number('wait_seconds')}, {self.number('queue_minutes')} * 60.0)"
        return [
            ("customer_id" if self.sqlite else "customer_id::text", _AS_IS, None),
            # date_part gives the double that extract(epoch …)::float8 rounds to, without the numeric.
            ("occurred_at" if self.sqlite else "date_part('epoch', occurred_at)", _AS_IS, None),
            ("event_id", _NULLABLE, disconnects.TYPES),
            ("type", _QUOTED, None),
            ("channel", _QUOTED, None),
            ("touchpoint", _QUOTED, None),
            (self.text("journey_stage") if stages else "NULL", _NULLABLE, None),
            (self.text("metric"), _NULLABLE, FEEDBACK_TYPES),
            ("score", _NULLABLE, None),
            (self.text("reason"), _NULLABLE, CONTACT_TYPES),
            (self.text("outcome"), _NULLABLE, CONTACT_TYPES),
            (self.text("ticket_id"), _NULLABLE, CONTACT_TYPES),
            (self.text("status"), _NULLABLE, CONTACT_TYPES),
            (wait, _NULLABLE, CONTACT_TYPES),
            (self.text("segment") if segments else "NULL", _NULLABLE, None),
            (self.text("sku"), _NULLABLE, ("offer",)),
            (self.text("campaign"), _NULLABLE, ("offer",)),
            ("products" if self.sqlite else "products::text", _NULLABLE, _PRODUCT_TYPES),
            # What the customer said there, when text analytics read it (one index lookup per text).
            (
                "CASE WHEN text IS NOT NULL THEN (SELECT a.sentiment_score FROM text_analyses a"
                " WHERE a.workspace_id = events.workspace_id AND a.event_id = events.event_id) END",
                _NULLABLE,
                None,
            ),
            ("id", _AS_IS, None),
        ]

    def where(
        self, *, bounded_from: bool, bounded_to: bool, one: bool, lower: bool, upper: bool, ids: bool = False
    ) -> str:
        mark = self.mark
        # Employees' answers (eNPS pulses) are not steps of a customer journey.
        employee = f"(type = 'survey_response' AND {self.text('audience')} = 'employee')"
        # A range of ids is read off the table itself (SQLite: ``+`` keeps it off the workspace's indexes).
        workspace = f"{'+' if ids and self.sqlite else ''}workspace_id = {mark}"
        where = [workspace, f"channel <> '{HUB_CHANNEL}'", f"NOT COALESCE({employee}, FALSE)"]
        if one:
            where.append(f"customer_id = {mark}")
        if lower:
            where.append(f"customer_id >= {mark}")
        if upper:
            where.append(f"customer_id < {mark}")
        if bounded_from:
            where.append(f"occurred_at >= {mark}")
        if bounded_to:
            where.append(f"occurred_at < {mark}")
        if ids:
            where += [f"id >= {mark}", f"id < {mark}"]
        return " AND ".join(where)

    def select(self, *, stages: bool, segments: bool, **bounds: bool) -> str:
        """The extract's query; with ``ids``, a range of ids in table order (SQLite: as one text)."""
        columns = self.columns(stages=stages, segments=segments)
        where = self.where(**bounds)
        if not self.sqlite:
            if bounds.get("ids"):
                return self._flagged_scan(columns, where)
            listed = ", ".join(e if types is None else self.only(types, e) for e, _, types in columns)
            # events.customer_id: the uuid column, whose order the index gives (customer_id alone is the
            # text column of the select list, which PostgreSQL would sort).
            return f"SELECT {listed} FROM events WHERE {where} ORDER BY events.customer_id, occurred_at, id"
        # Neighbouring columns read for the same event types are formatted together, so a row of
        # another type pays one CASE for them, not one per column.
        formats, values = [], []
        for types, run in groupby(columns, key=lambda column: column[2]):
            fields = [_sqlite_field(expression, how) for expression, how, _ in run]
            if types is None:
                formats += [field for field, _ in fields]
                values += [value for _, value in fields if value]
            elif len(fields) == 1:
                formats.append(fields[0][0])
                values.append(f"CASE WHEN type IN ({_listed(types)}) THEN {fields[0][1]} END")
            else:
                formats.append("%s")
                inner = _sqlite_line([field for field, _ in fields], [value for _, value in fields if value])
                values.append(f"CASE WHEN type IN ({_listed(types)}) THEN {inner} ELSE '{',' * (len(fields) - 1)}' END")
        line = _sqlite_line(formats, values)
        if bounds.get("ids"):  # as bytes: Polars parses them, Python need not decode them
            return f"SELECT count(*), CAST(group_concat({line}, char(10)) AS BLOB) FROM events WHERE {where}"
        # GROUP BY walks the index, so each customer's lines come out together without a sort.
        return f"SELECT count(*), group_concat({line}, char(10)) FROM events WHERE {where} GROUP BY customer_id"

    def params(
        self,
        workspace_id: uuid.UUID,
        customer_id: uuid.UUID | None,
        start: datetime | None,
        end: datetime | None,
        lower: object = None,
        upper: object = None,
        ids: tuple[int, int] | None = None,
    ) -> list[object]:
        values: list[object] = [workspace_id.hex if self.sqlite else workspace_id]
        if customer_id is not None:
            values.append(customer_id.hex if self.sqlite else customer_id)
        values += [bound for bound in (lower, upper) if bound is not None]
        for moment in (start, end):
            if moment is not None:
                moment = moment.astimezone(UTC)
                values.append(moment.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else moment)
        return values + list(ids or ())


def _sqlite_field(expression: str, how: str) -> tuple[str, str]:
    """(printf format, argument) of one CSV field; a column never read is an empty field, no argument."""
    if expression == "NULL":
        return "", ""
    if how == _NULLABLE:
        return "%s", f"nullif(quote({expression}), 'NULL')"
    return ("%Q" if how == _QUOTED else "%s"), expression


def _sqlite_line(formats: list[str], values: list[str]) -> str:
    if not values:
        return f"'{','.join(formats)}'"
    return f"printf('{','.join(formats)}', {', '.join(values)})"


def to_timeline(raw: pl.DataFrame, *, ordered: bool = False) -> pl.DataFrame:
    """A raw extract chunk as a timeline frame (``timeline.SCHEMA``), ordered by customer and time (and
    id), sorted here unless the query already ``ordered`` it."""
    if raw.schema["occurred_at"] == pl.String:
        when = pl.col("occurred_at").str.to_datetime(SQLITE_TIME, time_unit="us", time_zone="UTC", cache=False)
    else:
        micros = (pl.col("occurred_at") * 1_000_000).round(0).cast(pl.Int64)
        when = pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC").alias("occurred_at")
    raw = raw.with_columns(when)
    if not ordered:
        raw = raw.sort(["customer_id", "occurred_at", "id"])
    return conform(raw.with_columns(pl.col("products").str.json_decode(dtype=pl.List(PRODUCT))))


def stream_timeline(
    session: Session | Connection,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    customer_id: uuid.UUID | None = None,
    lower: object = None,
    upper: object = None,
    stages: bool = True,
    segments: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[pl.DataFrame]:
    """Timeline frames of about ``chunk_rows`` events, ordered by customer and time, each customer whole.

    ``stages``/``segments`` say whether ``journey_stage``/``segment`` are read (they cost a JSON read on
    every row). Chunks are read ``chunk_rows`` events (SQLite) or ``chunk_bytes`` of CSV (PostgreSQL) at
    a time. ``end`` is exclusive; ``customer_id`` reads one customer's timeline only; ``lower`` (inclusive)
    and ``upper`` (exclusive) bound the customer ids, as the database returns them (see ``parallel``).
    """
    connection = session.connection() if isinstance(session, Session) else session
    dialect = _Dialect(connection.dialect.name)
    query = dialect.select(
        stages=stages,
        segments=segments,
        bounded_from=start is not None,
        bounded_to=end is not None,
        one=customer_id is not None,
        lower=lower is not None,
        upper=upper is not None,
    )
    params = dialect.params(workspace_id, customer_id, start, end, lower, upper)
    driver = connection.connection.driver_connection
    assert driver is not None
    if dialect.sqlite:
        for frame in _sqlite_customers(driver, query, params, chunk_rows):
            yield to_timeline(frame)
        return
    carry: pl.DataFrame | None = None
    for frame in copy_rows(driver, query, params, chunk_bytes):
        chunk = frame if carry is None else pl.concat([carry, frame])
        # The last customer may go on in the next read: hold them back until it comes.
        tail = chunk["customer_id"] == chunk["customer_id"][-1]
        carry = chunk.filter(tail)
        whole = chunk.filter(~tail)
        if whole.height:
            yield to_timeline(whole, ordered=True)
    if carry is not None and carry.height:
        yield to_timeline(carry, ordered=True)


def scan_query(
    dialect_name: str,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    stages: bool = True,
    segments: bool = False,
) -> tuple[str, list[object]]:
    """The query of ``scan.scan_rows`` and its parameters but the two ids that bound it, which go last."""
    dialect = _Dialect(dialect_name)
    bounds = {"bounded_from": start is not None, "bounded_to": end is not None, "one": False}
    query = dialect.select(stages=stages, segments=segments, lower=False, upper=False, ids=True, **bounds)
    return query, dialect.params(workspace_id, None, start, end)


def _sqlite_customers(driver: Any, query: str, params: list[object], chunk_rows: int) -> Iterator[pl.DataFrame]:
    """Whole customers, about ``chunk_rows`` events at a time: one Python string per customer, one CSV
    parse per chunk."""
    cursor = driver.cursor()
    try:
        cursor.execute(query, params)
        lines: list[str] = []
        events = 0
        while batch := cursor.fetchmany(CUSTOMERS_PER_FETCH):
            for count, text in batch:
                events += count
                lines.append(text)
                if events >= chunk_rows:
                    yield spill.read_csv("\n".join(lines).encode(), SQLITE_RAW, quote="'")
                    lines, events = [], 0
        if lines:
            yield spill.read_csv("\n".join(lines).encode(), SQLITE_RAW, quote="'")
    finally:
        cursor.close()


def copy_rows(driver: Any, query: str, params: list[object], chunk_bytes: int = CHUNK_BYTES) -> Iterator[pl.DataFrame]:
    """PostgreSQL: ``COPY (query) TO STDOUT`` as CSV, parsed by Polars a few megabytes at a time, so no
    row ever becomes Python objects.

    The rows are taken off libpq directly, a blocking call per CopyData message (one row each, as the
    protocol has it) that lets other threads run: psycopg's own row iterator costs more than the parse.
    """
    pending = bytearray()
    with driver.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params):
        pgconn = driver.pgconn
        while True:
            size, row = pgconn.get_copy_data(0)
            if size < 0:  # -1: done; -2: failed, and the result says why
                break
            pending += row
            if len(pending) >= chunk_bytes:
                yield spill.read_csv(bytes(pending), RAW)
                pending.clear()
        _copy_done(pgconn)
    if pending:
        yield spill.read_csv(bytes(pending), RAW)


def _copy_done(pgconn: Any) -> None:
    """The results that close a COPY read off libpq, all of them, so the connection is free again; then
    the server's error, when it ended with one."""
    failed = None
    while (result := pgconn.get_result()) is not None:
        if result.status != pq.ExecStatus.COMMAND_OK and failed is None:
            failed = result
    if failed is not None:
        state = failed.error_field(pq.DiagnosticField.SQLSTATE)
        error = psycopg.errors.lookup(state.decode()) if state else psycopg.DatabaseError
        raise error((failed.error_message or b"COPY failed").decode(errors="replace"))


def period_condition(
    connection: Connection, workspace_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> tuple[str, tuple[object, ...]]:
    """The ``WHERE`` condition on the workspace and ``[start, end)``, and its parameters."""
    dialect = _Dialect(connection.dialect.name)
    where = [f"workspace_id = {dialect.mark}"]
    where += [f"occurred_at {op} {dialect.mark}" for op, moment in ((">=", start), ("<", end)) if moment is not None]
    return " AND ".join(where), tuple(dialect.params(workspace_id, None, start, end))


def count_events(
    session: Session | Connection,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
) -> int:
    """How many events the workspace has in ``[start, end)`` (employees' answers included), off an index."""
    connection = session.connection() if isinstance(session, Session) else session
    condition, params = period_condition(connection, workspace_id, start, end)
    return int(connection.exec_driver_sql(f"SELECT count(*) FROM events WHERE {condition}", params).scalar() or 0)


def customer_bounds(
    session: Session | Connection,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    parts: int,
    total: int | None = None,
) -> list[object]:
    """Customer ids that cut the workspace's events of ``[start, end)`` into ``parts`` runs of about the
    same size, in customer order (fewer when customers are few; as the database returns them).

    Read off the ``(workspace_id, customer_id, occurred_at)`` index alone: a count (unless ``total``
    gives it), then one ``OFFSET`` per cut, whatever the ids look like.
    """
    connection = session.connection() if isinstance(session, Session) else session
    condition, params = period_condition(connection, workspace_id, start, end)
    if total is None:
        total = count_events(connection, workspace_id=workspace_id, start=start, end=end)
    cuts: list[object] = []
    for part in range(1, parts):
        skip = total * part // parts
        query = f"SELECT customer_id FROM events WHERE {condition} ORDER BY customer_id LIMIT 1 OFFSET {skip}"
        cut = connection.exec_driver_sql(query, params).scalar()
        if cut is not None and cut not in cuts:
            cuts.append(cut)
    return cuts


def last_event_at(session: Session, *, workspace_id: uuid.UUID, before: datetime | None = None) -> datetime | None:
    """When the workspace's latest event (before ``before``) happened: the end of an open period."""
    query = select(func.max(Event.occurred_at)).where(Event.workspace_id == workspace_id)
    if before is not None:
        query = query.where(Event.occurred_at < before)
    value = session.scalar(query)
    if isinstance(value, str):  # SQLite's max() hands back the stored text, not a datetime
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def known_names(session: Session, *, workspace_id: uuid.UUID) -> dict[str, set[str]]:
    """The event types, touchpoints and channels the workspace's events carry."""
    rows = session.execute(
        select(Event.type, Event.touchpoint, Event.channel).where(Event.workspace_id == workspace_id).distinct()
    )
    names: dict[str, set[str]] = {"types": set(), "touchpoints": set(), "channels": set()}
    for kind, touchpoint, channel in rows:
        names["types"].add(kind)
        names["touchpoints"].add(touchpoint)
        names["channels"].add(channel)
    return names
