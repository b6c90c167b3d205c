"""Bulk inserts at the speed of the driver.

SQLAlchemy's ``session.execute(insert(table), rows)`` runs a Python type processor for every value,
which costs more than the database write for wide rows. Here each column gets one converter chosen
once per dialect; SQLite then gets ``executemany`` and PostgreSQL gets ``COPY``. Any other dialect
takes SQLAlchemy's portable path.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, Table, Uuid, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from cxhub.db import UTCDateTime

Converter = Callable[[Any], Any]


def _uuid_hex(value: uuid.UUID | None) -> str | None:
    return None if value is None else value.hex


def _sqlite_datetime(value: datetime | None) -> str | None:
    # The same text SQLAlchemy's SQLite DATETIME writes, so both paths read back alike.
    return None if value is None else value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _json(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _same(value: Any) -> Any:
    return value


def _converter(column_type: Any, dialect: str) -> Converter:
    if isinstance(column_type, JSON):
        return _json
    if dialect == "sqlite":
        if isinstance(column_type, Uuid):
            return _uuid_hex
        if isinstance(column_type, UTCDateTime):
            return _sqlite_datetime
    return _same


def prepare(table: Table, rows: Sequence[dict[str, Any]], dialect: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and driver-ready tuples for ``rows`` (all with the keys of the first)."""
    names = list(rows[0])
    columns: list[list[Any]] = []
    for name in names:  # column by column: one C-level pass per column instead of a generator per row
        convert = _converter(table.c[name].type, dialect)
        values = [row[name] for row in rows]
        columns.append(values if convert is _same else list(map(convert, values)))
    return names, list(zip(*columns, strict=True))


def write(connection: Connection, table: Table, names: list[str], values: list[tuple[Any, ...]]) -> None:
    """Write prepared tuples inside the connection's current transaction."""
    dialect = connection.dialect.name
    columns = ", ".join(f'"{name}"' for name in names)
    driver = connection.connection.driver_connection
    dbapi = connection.dialect.loaded_dbapi
    statement = ""
    try:
        if dialect == "sqlite":
            marks = ", ".join("?" * len(names))
            statement = f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})'
            driver.executemany(statement, values)  # type: ignore[union-attr]
        elif dialect == "postgresql":
            statement = f'COPY "{table.name}" ({columns}) FROM STDIN'
            with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
                for row in values:
                    copy.write_row(row)
        else:  # pragma: no cover - only SQLite and PostgreSQL are supported today
            connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in values])
    except dbapi.Error as exc:
        # Raised by the driver itself: wrap it as SQLAlchemy would (IntegrityError, OperationalError…),
        # so callers handle one family of errors whichever path wrote the rows.
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from exc


def bulk_insert(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` in the session's transaction. Nothing is returned."""
    if not rows:
        return
    connection = session.connection()
    names, values = prepare(table, rows, connection.dialect.name)
    write(connection, table, names, values)


class PlannerStatistics:
    """Keeps PostgreSQL's planner statistics in step with a bulk load.

    A bulk import can grow the tables tenfold before autovacuum analyzes them (if it runs at all:
    it may be switched off); until then the planner plans for tables it has never measured and picks,
    for example, a walk over a whole time range instead of the per-customer index (measured: 257 ms
    instead of 2 ms for the alert rules' repetition check at 300,000 events). This runs ``ANALYZE``
    each time the load has doubled what the database held at the previous one: a handful of samples
    for a load of millions. SQLite's planner needs no statistics for these queries: nothing is done there.
    """

    def __init__(self, sessions: sessionmaker[Session], *, table: str, first_after: int = 10_000) -> None:
        self._sessions = sessions
        self._table = table
        self._first_after = first_after
        self._measured: int | None = None  # rows in the table at the last ANALYZE (or at the start)
        self._grown = 0

    def grew(self, rows: int) -> None:
        """Count ``rows`` new rows of the table; analyze the database when they reach the size last measured."""
        self._grown += rows
        if self._measured is None:
            self._measured = self._rows_now()
        if self._measured < 0 or self._grown < max(self._first_after, self._measured):
            return
        with self._sessions.begin() as session:
            session.execute(text("ANALYZE"))
        self._measured += self._grown
        self._grown = 0

    def _rows_now(self) -> int:
        """The planner's row count of the table, or -1 where there is nothing to keep (SQLite)."""
        with self._sessions() as session:
            if session.get_bind().dialect.name != "postgresql":
                return -1
            tuples = session.scalar(
                text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"), {"t": self._table}
            )
        return max(int(tuples or 0), 0)
