"""Check records in worker processes while the parent writes to the database.

Decoding, validation (identifier normalization included) and text analysis need no database and
cost most of an import's CPU, so ``prepared_records`` hands chunks of records to a pool of worker
processes and yields them back checked, in the file's order. The parent then runs ``ingest`` on
them as it would on raw records: de-duplication, identity, timeline, triggers and rules stay in one
process and one transaction per batch, so results, dead letters and idempotency are the serial
path's.

At most ``2 × jobs`` chunks, plus the ``lookahead`` records the caller asks for, are in flight, so
memory stays flat however long the file. The caller's batch size is the right lookahead: while the
parent writes a batch, the workers check the next one instead of waiting for it to ask. Workers
are spawned (never forked: the parent holds database connections and a progress thread) and
import only this module's pure dependencies; each loads the text analyser's language data, so the
parent does not have to. A worker that fails stops the import with ``import_worker_failed``
before the batch holding its records is written.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from cxhub.events.importers import Line, decode_line
from cxhub.events.records import RawRecord, check_record, rules_from
from cxhub.events.validation import Rules
from cxhub.kit import collector
from cxhub.kit.errors import CxhubError

if TYPE_CHECKING:
    from cxhub.config import Settings
    from cxhub.text.taxonomy import Taxonomy

Piece = Line | RawRecord
Worker = Callable[[list[Piece], Rules], list[RawRecord]]
CHUNK_SIZE = 500
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WorkerSetup:
    """What every worker needs once: the size limit and the workspace's taxonomy (as data).

    ``taxonomy`` None means texts are left to the pipeline's text step in the parent.
    """

    max_event_bytes: int
    taxonomy: dict[str, Any] | None
    taxonomy_version: int


@dataclass(slots=True)
class _State:
    max_event_bytes: int
    taxonomy: Taxonomy | None
    taxonomy_version: int


_STATE: _State | None = None


def init_worker(setup: WorkerSetup) -> None:
    """Pool initializer: compile the taxonomy once per worker, and set its collector for bulk work."""
    global _STATE
    collector.collect_less()
    taxonomy = None
    if setup.taxonomy is not None:
        from cxhub.text.taxonomy import load_taxonomy

        taxonomy = load_taxonomy(setup.taxonomy)
    _STATE = _State(setup.max_event_bytes, taxonomy, setup.taxonomy_version)


def prepare_chunk(pieces: list[Piece], rules: Rules) -> list[RawRecord]:
    """Decode, check and analyse one chunk in a worker; records come back in the same order.

    An accepted record comes back as its ``AcceptedEvent`` (with its text analysis) and no payload:
    the parent needs nothing else from it. A rejected one keeps its raw text for the dead letter.
    """
    state = _STATE
    if state is None:
        raise RuntimeError("prepare_chunk runs in a worker set up by init_worker")
    records = [piece if isinstance(piece, RawRecord) else decode_line(*piece) for piece in pieces]
    with_text = []
    for record in records:
        result = check_record(record, rules, state.max_event_bytes)
        if isinstance(result, list):
            continue
        record.accepted = result
        record.payload = None
        record.raw = ""
        if result.text is not None and state.taxonomy is not None:
            with_text.append(result)
    if with_text:
        from cxhub.text.analyzer import analyze

        for event, analysis in zip(
            with_text, analyze([event.text for event in with_text], taxonomy=state.taxonomy), strict=True
        ):
            event.analysis = analysis
            event.analysis_version = state.taxonomy_version
    return records


def _chunks(pieces: Iterable[Piece], size: int) -> Iterator[list[Piece]]:
    chunk: list[Piece] = []
    for piece in pieces:
        chunk.append(piece)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _location(piece: Piece) -> str | None:
    return piece.location if isinstance(piece, RawRecord) else piece[0]


def prepared_records(
    pieces: Iterable[Piece],
    *,
    jobs: int,
    settings: Settings,
    setup: WorkerSetup,
    chunk_size: int = CHUNK_SIZE,
    lookahead: int = 0,
    worker: Worker = prepare_chunk,
) -> Iterator[RawRecord]:
    """``pieces`` (undecoded JSONL lines or records) checked by ``jobs`` worker processes, in order.

    Feed the result to ``service.ingest_stream``, with its batch size as ``lookahead``. Raises
    ``CxhubError("import_worker_failed")`` when a worker raises or dies; records after the last one
    yielded are then neither yielded nor written.
    """
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(setup,),
    )
    in_flight: deque[tuple[str | None, Future[list[RawRecord]]]] = deque()
    window = 2 * jobs + -(-lookahead // chunk_size)  # chunks in flight
    try:
        with _script_hidden():
            # A pool starts a worker per task while none is idle: start them all now, script hidden.
            for started in [pool.submit(os.getpid) for _ in range(jobs)]:
                _collect("the start", started)
        for chunk in _chunks(pieces, chunk_size):
            # Each chunk takes the clock when it is sent, as each serial batch does when it is checked.
            in_flight.append((_location(chunk[0]), pool.submit(worker, chunk, rules_from(settings))))
            if len(in_flight) >= window:
                yield from _collect(*in_flight.popleft())
        while in_flight:
            yield from _collect(*in_flight.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _script_hidden() -> Iterator[None]:
    """Keep spawned workers from running the script that started the parent.

    A spawned process re-runs the parent's ``__main__`` when that is a file (the ``cxhub`` console
    script): that would import the whole CLI, about 150 MB and two seconds, in every worker, which
    needs none of it. ``python -m cxhub`` and pytest are not affected (a module named ``__main__``
    is never re-run).
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if main is None or path is None or getattr(main, "__spec__", None) is not None:
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def _collect(location: str | None, future: Future[T]) -> T:
    try:
        return future.result()
    except Exception as exc:  # a bug in a worker, or a worker killed (BrokenProcessPool)
        raise CxhubError(
            "import_worker_failed",
            f"a worker process failed on the chunk of records starting at {location}: "
            f"{type(exc).__name__}: {exc}. The batch holding them was not written; batches before it "
            "were, and importing the file again skips them as duplicates.",
            status=500,
        ) from exc
