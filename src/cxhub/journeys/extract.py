"""The timeline extract: events streamed out of the database in chunks that never split a customer.

One SELECT ordered by customer and time, read with the driver itself so rows never become ORM objects:
SQLite's cursor ``chunk_rows`` at a time, PostgreSQL's ``COPY … TO STDOUT`` parsed as CSV by Polars.
Attribute fields are pulled out of the JSON by the database, and only for the event types that use
them (a ``CASE`` per field), so a web visit costs one JSON read at most.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.events.models import Event
from cxhub.events.schemas import HUB_CHANNEL
from cxhub.journeys import disconnects
from cxhub.journeys.timeline import CONTACT_TYPES, FEEDBACK_TYPES, PRODUCT, conform

CHUNK_ROWS = 250_000
CHUNK_BYTES = 64 * 1024 * 1024
RAW = {
    "customer_id": pl.String,
    "epoch": pl.Float64,
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
}
_PRODUCT_TYPES = ("purchase", "return", "plan_change")


def _listed(types: tuple[str, ...]) -> str:
    return ", ".join(f"'{name}'" for name in sorted(set(types)))


class _Dialect:
    def __init__(self, name: str) -> None:
        self.sqlite = name == "sqlite"

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

    def select(self, *, stages: bool, segments: bool, bounded_from: bool, bounded_to: bool, one: bool) -> str:
        mark = "?" if self.sqlite else "%s"
        customer = "customer_id" if self.sqlite else "customer_id::text"
        epoch = (
            "(julianday(occurred_at) - 2440587.5) * 86400.0"
            if self.sqlite
            else "extract(epoch FROM occurred_at)::float8"
        )
        products = "products" if self.sqlite else "products::text"
        wait = f"COALESCE({self.number('wait_seconds')}, {self.number('queue_minutes')} * 60.0)"
        columns = [
            customer,
            epoch,
            self.only(disconnects.TYPES, "event_id"),
            "type",
            "channel",
            "touchpoint",
            self.text("journey_stage") if stages else "NULL",
            self.only(FEEDBACK_TYPES, self.text("metric")),
            "score",
            self.only(CONTACT_TYPES, self.text("reason")),
            self.only(CONTACT_TYPES, self.text("outcome")),
            self.only(CONTACT_TYPES, self.text("ticket_id")),
            self.only(CONTACT_TYPES, self.text("status")),
            self.only(CONTACT_TYPES, wait),
            self.text("segment") if segments else "NULL",
            self.only(("offer",), self.text("sku")),
            self.only(("offer",), self.text("campaign")),
            self.only(_PRODUCT_TYPES, products),
            # What the customer said there, when text analytics read it (one index lookup per text).
            "CASE WHEN text IS NOT NULL THEN (SELECT a.sentiment_score FROM text_analyses a"
            " WHERE a.workspace_id = events.workspace_id AND a.event_id = events.event_id) END",
        ]
        # Employees' answers (eNPS pulses) are not steps of a customer journey.
        employee = f"(type = 'survey_response' AND {self.text('audience')} = 'employee')"
        where = [f"workspace_id = {mark}", f"channel <> '{HUB_CHANNEL}'", f"NOT COALESCE({employee}, FALSE)"]
        if one:
            where.append(f"customer_id = {mark}")
        if bounded_from:
            where.append(f"occurred_at >= {mark}")
        if bounded_to:
            where.append(f"occurred_at < {mark}")
        return (
            f"SELECT {', '.join(columns)} FROM events WHERE {' AND '.join(where)} ORDER BY customer_id, occurred_at, id"
        )

    def params(
        self, workspace_id: uuid.UUID, customer_id: uuid.UUID | None, start: datetime | None, end: datetime | None
    ) -> list[object]:
        values: list[object] = [workspace_id.hex if self.sqlite else workspace_id]
        if customer_id is not None:
            values.append(customer_id.hex if self.sqlite else customer_id)
        for bound in (start, end):
            if bound is not None:
                bound = bound.astimezone(UTC)
                values.append(bound.replace(tzinfo=None).isoformat(" ", "microseconds") if self.sqlite else bound)
        return values


def to_timeline(raw: pl.DataFrame) -> pl.DataFrame:
    """A raw extract chunk as a timeline frame (``timeline.SCHEMA``)."""
    micros = (pl.col("epoch") * 1000).round(0).cast(pl.Int64) * 1000
    return conform(
        raw.with_columns(
            pl.from_epoch(micros, time_unit="us").dt.replace_time_zone("UTC").alias("occurred_at"),
            pl.col("products").str.json_decode(dtype=pl.List(PRODUCT)),
        )
    )


def stream_timeline(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    customer_id: uuid.UUID | None = None,
    stages: bool = True,
    segments: bool = False,
    chunk_rows: int = CHUNK_ROWS,
    chunk_bytes: int = CHUNK_BYTES,
) -> Iterator[pl.DataFrame]:
    """Timeline frames of about ``chunk_rows`` events, ordered by customer and time, each customer whole.

    ``stages``/``segments`` say whether ``journey_stage``/``segment`` are read (they cost a JSON read on
    every row). Chunks are read ``chunk_rows`` rows (SQLite) or ``chunk_bytes`` of CSV (PostgreSQL) at a
    time. ``end`` is exclusive; ``customer_id`` reads one customer's timeline only.
    """
    connection = session.connection()
    dialect = _Dialect(connection.dialect.name)
    query = dialect.select(
        stages=stages,
        segments=segments,
        bounded_from=start is not None,
        bounded_to=end is not None,
        one=customer_id is not None,
    )
    params = dialect.params(workspace_id, customer_id, start, end)
    driver = connection.connection.driver_connection
    assert driver is not None
    if dialect.sqlite:
        raw = _sqlite_rows(driver, query, params, chunk_rows)
    else:
        raw = _copy_rows(driver, query, params, chunk_bytes)
    carry: pl.DataFrame | None = None
    for frame in raw:
        chunk = frame if carry is None else pl.concat([carry, frame])
        # The last customer may go on in the next read: hold them back until it comes.
        tail = chunk["customer_id"] == chunk["customer_id"][-1]
        carry = chunk.filter(tail)
        whole = chunk.filter(~tail)
        if whole.height:
            yield to_timeline(whole)
    if carry is not None and carry.height:
        yield to_timeline(carry)


def _sqlite_rows(driver: Any, query: str, params: list[object], chunk_rows: int) -> Iterator[pl.DataFrame]:
    cursor = driver.cursor()
    try:
        cursor.execute(query, params)
        while rows := cursor.fetchmany(chunk_rows):
            yield pl.DataFrame(dict(zip(RAW, zip(*rows, strict=True), strict=True)), schema=RAW)
    finally:
        cursor.close()


def _copy_rows(driver: Any, query: str, params: list[object], chunk_bytes: int = CHUNK_BYTES) -> Iterator[pl.DataFrame]:
    """PostgreSQL: ``COPY (query) TO STDOUT`` as CSV, parsed by Polars a few megabytes at a time, so no
    row ever becomes Python objects."""
    pending = bytearray()
    with driver.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params) as copy:
        for block in copy:
            pending += block
            if len(pending) >= chunk_bytes and (cut := _records_end(pending)):
                yield _read_csv(bytes(pending[:cut]))
                del pending[:cut]
    if pending:
        yield _read_csv(bytes(pending))


def _records_end(data: bytearray) -> int:
    """Just past the last newline that ends a CSV record (an even number of quotes before it: a newline
    inside a quoted field has an odd number); 0 when there is none."""
    position = data.rfind(b"\n")
    while position >= 0:
        if data.count(b'"', 0, position) % 2 == 0:
            return position + 1
        position = data.rfind(b"\n", 0, position)
    return 0


def _read_csv(data: bytes) -> pl.DataFrame:
    return pl.read_csv(data, has_header=False, new_columns=list(RAW), schema=RAW)


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
