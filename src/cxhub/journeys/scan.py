"""The table read in its own order and regrouped by customer, for reads too large to take customer by
customer (see ``parallel``).

Spans of ids are scanned by readers side by side (threads on PostgreSQL, child processes on SQLite: see
``spill``), each taking every n-th of many spans, so that where the costly rows lie in the table does
not leave one reader working long after the others. Each chunk read is split by a hash of the customer
into buckets written to a temporary folder (some 270 bytes an event, removed as they are read); each
bucket, about a chunk of whole customers, is then sorted into a timeline and analysed, :data:`ANALYSTS`
side by side, and the parts merged: the result is the serial one.
"""

from __future__ import annotations

import math
import os
import queue
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import polars as pl
from sqlalchemy import Connection
from sqlalchemy.orm import Session

import cxhub
from cxhub.journeys import extract, spill
from cxhub.journeys.analysis import JourneyAnalysis, Spec

# Spans of ids per reader: the more, the less it matters where in the table the costly rows lie.
SPANS_PER_READER = 8
# Buckets analysed side by side, at most: each holds a bucket and what its analysis builds (some 300 MB),
# and Polars spreads each one's work over the cores anyway.
ANALYSTS = 2

T = TypeVar("T")
Readers = Callable[[int], AbstractContextManager[list[Connection]]]


def estimate_events(
    session: Session | Connection,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    ids: tuple[int, int],
    windows: int = 32,
    width: int = 2048,
) -> int:
    """About how many of ``extract.count_events`` have ids in ``[ids[0], ids[1])``: counted in ``windows``
    runs of ``width`` ids spread over them and scaled up (exact when they cover the span). Cheaper than
    the count, which reads an index entry per event."""
    first, last = ids
    if last - first <= windows * width:
        return extract.count_events(session, workspace_id=workspace_id, start=start, end=end)
    connection = session.connection() if isinstance(session, Session) else session
    condition, params = extract.period_condition(connection, workspace_id, start, end)
    if connection.dialect.name == "sqlite":  # off the workspace's indexes, onto the ids
        condition = "+" + condition
    mark = "?" if connection.dialect.name == "sqlite" else "%s"
    query = f"SELECT count(*) FROM events WHERE {condition} AND id >= {mark} AND id < {mark}"
    step = (last - first) // windows
    seen = 0
    for window in range(windows):
        low = first + window * step + (step - width) // 2
        seen += int(connection.exec_driver_sql(query, (*params, low, low + width)).scalar() or 0)
    return seen * (last - first) // (windows * width)


def id_span(session: Session | Connection) -> tuple[int, int]:
    """``[first, last)``: the ids of every event of the table, all workspaces, lie in it."""
    connection = session.connection() if isinstance(session, Session) else session
    # Apart, each is one step down the primary key (SQLite scans the table for both in one SELECT).
    low, high = connection.exec_driver_sql("SELECT (SELECT min(id) FROM events), (SELECT max(id) FROM events)").one()
    return (0, 0) if low is None else (int(low), int(high) + 1)


def scan_rows(
    connection: Connection,
    *,
    spans: Sequence[tuple[int, int]],
    chunk_rows: int = extract.CHUNK_ROWS,
    chunk_bytes: int = extract.CHUNK_BYTES,
    **read: Any,
) -> Iterator[pl.DataFrame]:
    """The raw extract (``extract.RAW`` or ``SQLITE_RAW``, not yet a timeline: see ``extract.to_timeline``)
    of the events whose id is in one of the ``[first, last)`` spans, in table order, so a customer's
    events come in any chunk. ``read`` is ``extract.scan_query``'s. SQLite reads ``chunk_rows`` ids a query,
    PostgreSQL a query per span, ``chunk_bytes`` of CSV at a time."""
    query, params = extract.scan_query(connection.dialect.name, **read)
    driver = connection.connection.driver_connection
    assert driver is not None
    if connection.dialect.name == "sqlite":
        yield from spill.sqlite_blocks(driver, query, params, spans, chunk_rows, extract.SQLITE_RAW, spill.BLOCK_IDS)
        return
    for span in spans:
        yield from extract.copy_rows(driver, query, [*params, *span], chunk_bytes)


class Scan:
    """One scan: the discovery's :class:`Spec`, what to read (``extract.scan_query``'s arguments), how
    many buckets, and who hears of each bucket analysed."""

    def __init__(
        self, spec: Spec, read: dict[str, Any], *, buckets: int, on_chunk: Callable[[int], None] | None
    ) -> None:
        self.spec, self.read, self.buckets, self.on_chunk = spec, read, buckets, on_chunk
        self.heard = threading.Lock()
        self.stop = threading.Event()

    def run(self, session: Session, ids: tuple[int, int], *, workers: int, readers: Readers | None) -> JourneyAnalysis:
        """The ids scanned by ``workers`` readers (connections that ``readers`` opens; without it, the
        session alone), then the buckets analysed by as many threads, :data:`ANALYSTS` at most."""
        side_by_side = readers is not None
        first, last = ids
        count = workers if side_by_side else 1
        step = max(1, math.ceil((last - first) / (count * SPANS_PER_READER)))
        spans = [(low, min(low + step, last)) for low in range(first, last, step)]
        shares = [spans[n::count] for n in range(count)]
        with tempfile.TemporaryDirectory(prefix="cxhub-journeys-") as folder:
            directory = Path(folder)
            if readers is None:
                self._spill(session.connection(), spans, directory, "0")
            elif session.connection().dialect.name == "sqlite":
                self._spill_in_processes(session, shares, directory)
            else:
                with readers(count) as connections:
                    jobs = [
                        partial(self._spill, reader, share, directory, str(n))
                        for n, (reader, share) in enumerate(zip(connections, shares, strict=True))
                    ]
                    self._side_by_side(jobs)
            pending: queue.SimpleQueue[int] = queue.SimpleQueue()
            for bucket in range(self.buckets):
                pending.put(bucket)
            analysts = min(workers, ANALYSTS)
            parts = self._side_by_side([partial(self._analyse, pending, directory) for _ in range(analysts)])
        merged = parts[0]
        for other in parts[1:]:
            merged.merge(other)
        return merged

    def _side_by_side(self, jobs: Sequence[Callable[[], T]]) -> list[T]:
        if len(jobs) == 1:
            return [jobs[0]()]
        with ThreadPoolExecutor(len(jobs)) as pool:
            futures = [pool.submit(job) for job in jobs]
            try:
                return [future.result() for future in futures]
            except BaseException:
                self.stop.set()  # the others stop at their next chunk: this error is what the caller hears
                raise

    def _spill(self, reader: Connection, spans: list[tuple[int, int]], directory: Path, name: str) -> None:
        for number, raw in enumerate(scan_rows(reader, spans=spans, **self.read)):
            if self.stop.is_set():
                return
            spill.write_buckets(raw, directory, f"{name}-{number}", self.buckets)

    def _spill_in_processes(self, session: Session, shares: list[list[tuple[int, int]]], directory: Path) -> None:
        """SQLite: a child process per share of the spans, on the session's database file (see ``spill``)."""
        driver = session.connection().connection.driver_connection
        assert driver is not None
        database = spill.database_file(driver)
        query, params = extract.scan_query("sqlite", **self.read)
        # The child imports cxhub from where this process did, installed or not.
        paths = [str(Path(cxhub.__file__).parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
        children = []
        try:
            for n, share in enumerate(shares):
                job = spill.job(
                    database=database,
                    query=query,
                    params=params,
                    spans=share,
                    chunk_rows=extract.CHUNK_ROWS,
                    block_ids=spill.BLOCK_IDS,
                    schema=extract.SQLITE_RAW,
                    directory=str(directory),
                    name=str(n),
                    buckets=self.buckets,
                )
                command = [sys.executable, "-m", "cxhub.journeys.spill", job]
                # What a child says goes to a file: pipes left unread could fill and stall it.
                with (directory / f"reader-{n}.log").open("wb") as log:
                    children.append(subprocess.Popen(command, stderr=log, env=env))
            for n, child in enumerate(children):
                if child.wait():
                    said = (directory / f"reader-{n}.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"reading the events failed: {said}")
        finally:
            for child in children:
                if child.poll() is None:
                    child.kill()
                    child.wait()

    def _analyse(self, pending: queue.SimpleQueue[int], directory: Path) -> JourneyAnalysis:
        """Buckets taken in turn until none is left, each sorted into a timeline and analysed whole."""
        analysis = JourneyAnalysis(self.spec)
        while not self.stop.is_set():
            try:
                bucket = pending.get_nowait()
            except queue.Empty:
                break
            raw = spill.read_bucket(directory, bucket)
            if raw is None:
                continue
            chunk = extract.to_timeline(raw)
            analysis.add(chunk)
            if self.on_chunk:
                with self.heard:
                    self.on_chunk(chunk.height)
        return analysis
