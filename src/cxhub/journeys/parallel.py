"""Discovery read side by side: the customers cut into ranges, each range streamed on its own connection
in a thread and folded into its own :class:`JourneyAnalysis`, the parts merged at the end.

Threads: a chunk's work runs in SQLite, PostgreSQL or Polars, which release the GIL, and the parts merge
without being copied. Counts and sums add up across ranges and medians are taken over the merged times,
so the result is the serial one.

A large read (:data:`SCAN_MIN_EVENTS` or more, and :data:`SCAN_SHARE` of the table at least, estimated
off a sample of ids) is not read by customer at all: fetching each row from wherever the table keeps it
costs more than the rest of discovery together (SQLite: a page read per event). ``scan`` reads the table
in its own order instead and regroups the customers through a temporary folder.

Ranges are read on fresh connections, so they are used only when those see what the caller's session
sees: no uncommitted writes in it, and a database file (not SQLite in memory). On PostgreSQL every range
reads the snapshot the session exports, so the discovery sees one moment while events keep arriving; on
SQLite each reader sees the database as of its first read.
"""

from __future__ import annotations

import math
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import datetime
from functools import partial

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from cxhub.journeys import extract, scan, spill
from cxhub.journeys.analysis import JourneyAnalysis, Spec

# One reader per core, at most four: each holds a chunk in memory and a database connection.
WORKERS = max(1, min(4, os.cpu_count() or 1))
# Reads of at least this many events, that are at least this share of the table's ids, scan the table.
SCAN_MIN_EVENTS = 1_000_000
SCAN_SHARE = 0.25


def readers_see_the_session(session: Session) -> bool:
    """Whether other connections see what ``session`` sees (it has written nothing uncommitted)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        assert driver is not None
        return bool(spill.database_file(driver)) and not driver.in_transaction
    if (connection.dialect.server_version_info or (0,)) < (13,):
        return False
    return bool(connection.exec_driver_sql("SELECT pg_current_xact_id_if_assigned() IS NULL").scalar())


@contextmanager
def _readers(session: Session, count: int) -> Iterator[list[Connection]]:
    """``count`` connections of the session's engine; on PostgreSQL, on the session's snapshot."""
    connection = session.connection()
    snapshot = None
    if connection.dialect.name == "postgresql":
        snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
    with ExitStack() as stack:
        readers = []
        for _ in range(count):
            reader = stack.enter_context(connection.engine.connect())
            if snapshot is not None:
                reader.execution_options(isolation_level="REPEATABLE READ")
                # SET takes no bound parameters; the id is PostgreSQL's own ("00000003-0000001B-1").
                reader.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{str(snapshot).replace(chr(39), '')}'")
                # The ranges are the parallelism: no gather workers of its own per range. Nor JIT: compiling
                # the extract's expressions costs more than it saves on them.
                reader.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")
                reader.exec_driver_sql("SET LOCAL jit = off")
            readers.append(reader)
        yield readers


def analyse(
    session: Session,
    *,
    spec: Spec,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    stages: bool = True,
    segments: bool = False,
    workers: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> JourneyAnalysis:
    """The workspace's events of ``[start, end)`` folded into one analysis, over ``workers`` customer
    ranges read side by side (default :data:`WORKERS`; 1, or a session with uncommitted writes, reads
    serially on the session's own connection), or a scan of the table when the read is large (see the
    module's docstring). ``on_chunk`` hears each chunk's event count."""
    workers = WORKERS if workers is None else workers
    read = {"workspace_id": workspace_id, "start": start, "end": end, "stages": stages, "segments": segments}
    side_by_side = workers > 1 and readers_see_the_session(session)
    first, last = scan.id_span(session)
    if last - first >= SCAN_MIN_EVENTS:
        estimate = scan.estimate_events(session, workspace_id=workspace_id, start=start, end=end, ids=(first, last))
        if estimate >= SCAN_MIN_EVENTS and estimate >= SCAN_SHARE * (last - first):
            # Buckets of at most a chunk each, whatever the estimate: the span bounds the events.
            buckets = max(workers, math.ceil((last - first) / extract.CHUNK_ROWS))
            whole = scan.Scan(spec, read, buckets=buckets, on_chunk=on_chunk)
            open_readers = partial(_readers, session) if side_by_side else None
            return whole.run(session, (first, last), workers=max(1, workers), readers=open_readers)
    cuts = (
        extract.customer_bounds(session, workspace_id=workspace_id, start=start, end=end, parts=workers)
        if side_by_side
        else []
    )
    if not cuts:
        analysis = JourneyAnalysis(spec)
        for chunk in extract.stream_timeline(session, **read):  # type: ignore[arg-type]
            analysis.add(chunk)
            if on_chunk:
                on_chunk(chunk.height)
        return analysis
    ranges = list(zip([None, *cuts], [*cuts, None], strict=True))
    heard = threading.Lock()
    stop = threading.Event()

    def part(reader: Connection, lower: object, upper: object) -> JourneyAnalysis:
        analysis = JourneyAnalysis(spec)
        for chunk in extract.stream_timeline(reader, lower=lower, upper=upper, **read):  # type: ignore[arg-type]
            if stop.is_set():  # another range failed: its error is what the caller hears
                break
            analysis.add(chunk)
            if on_chunk:
                with heard:
                    on_chunk(chunk.height)
        return analysis

    with _readers(session, len(ranges)) as readers, ThreadPoolExecutor(len(ranges)) as pool:
        futures = [
            pool.submit(part, reader, lower, upper) for reader, (lower, upper) in zip(readers, ranges, strict=True)
        ]
        try:
            parts = [future.result() for future in futures]
        finally:
            stop.set()
    merged = parts[0]
    for other in parts[1:]:
        merged.merge(other)
    return merged
