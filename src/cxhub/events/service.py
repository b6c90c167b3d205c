"""Ingest: validate, de-duplicate, dead-letter, and hand accepted events to the pipeline."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.config import Settings
from cxhub.db import utcnow
from cxhub.events.models import DeadLetter, Event
from cxhub.events.records import RawRecord as RawRecord  # re-exported, as the next two: callers import them here
from cxhub.events.records import check_record, claimed_event_id
from cxhub.events.records import dump_raw as dump_raw
from cxhub.events.records import rules_from as rules_from
from cxhub.events.schemas import AcceptedEvent
from cxhub.events.validation import Problem
from cxhub.kit import bulk, collector
from cxhub.kit.errors import CxhubError, NotFound
from cxhub.kit.sql import is_one_of
from cxhub.pipeline import PipelineBatch, Queue

DEADLETTER_MAX_RAW = 1024 * 1024
CHUNK = 5000  # bound parameters per IN (...): SQLite allows 32,766, PostgreSQL 65,535


@dataclass(slots=True)
class Outcome:
    index: int
    status: str
    event_id: str | None = None
    customer_id: uuid.UUID | None = None
    problems: list[Problem] = field(default_factory=list)
    deadletter_id: int | None = None


@dataclass
class IngestReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected


def record_from_payload(payload: Any, location: str | None = None) -> RawRecord:
    return RawRecord(payload=payload, raw=dump_raw(payload), location=location)


def ingest(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    records: Sequence[RawRecord],
    source: str,
    settings: Settings,
    queue: Queue,
    dead_letter: bool = True,
) -> IngestReport:
    """Ingest one batch inside the caller's transaction.

    Every record gets an outcome: accepted (stored and stitched), duplicate (its ``event_id`` is
    already stored, or earlier in the batch) or rejected (with every problem, and a dead letter
    unless ``dead_letter`` is False).
    """
    rules = rules_from(settings)
    report = IngestReport()
    outcomes: list[Outcome] = []
    candidates: list[tuple[int, AcceptedEvent]] = []
    rejected: list[tuple[int, RawRecord, list[Problem]]] = []
    seen: set[str] = set()

    max_bytes = settings.max_event_bytes
    for index, record in enumerate(records):
        outcome = Outcome(index=index, status="rejected", event_id=claimed_event_id(record))
        outcomes.append(outcome)
        result = check_record(record, rules, max_bytes)
        if isinstance(result, list):
            outcome.problems = result
            rejected.append((index, record, result))
        elif result.event_id in seen:
            outcome.status = "duplicate"
        else:
            seen.add(result.event_id)
            candidates.append((index, result))

    existing = _existing_event_ids(session, workspace_id=workspace_id, event_ids=[e.event_id for _, e in candidates])
    fresh: list[tuple[int, AcceptedEvent]] = []
    for index, event in candidates:
        if event.event_id in existing:
            outcomes[index].status = "duplicate"
        else:
            fresh.append((index, event))

    if fresh:
        batch = PipelineBatch(workspace_id=workspace_id, events=[event for _, event in fresh], source=source)
        queue.publish(session, batch)
        for (index, _), customer_id in zip(fresh, batch.customer_ids, strict=True):
            outcomes[index].status = "accepted"
            outcomes[index].customer_id = customer_id

    if rejected and dead_letter:
        ids = _write_dead_letters(session, workspace_id=workspace_id, source=source, rejected=rejected)
        for (index, _, _), dead_id in zip(rejected, ids, strict=True):
            outcomes[index].deadletter_id = dead_id

    report.accepted = len(fresh)
    report.rejected = len(rejected)
    report.duplicates = len(records) - report.accepted - report.rejected
    report.outcomes = outcomes
    return report


def _existing_event_ids(session: Session, *, workspace_id: uuid.UUID, event_ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(event_ids), CHUNK):
        chunk = event_ids[start : start + CHUNK]
        found.update(
            session.scalars(
                select(Event.event_id).where(
                    Event.workspace_id == workspace_id, is_one_of(session, Event.event_id, chunk)
                )
            )
        )
    return found


def _write_dead_letters(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    source: str,
    rejected: list[tuple[int, RawRecord, list[Problem]]],
) -> list[int]:
    now = utcnow()
    ids = []
    # One statement per row so each dead letter's id can be reported back to the sender.
    for _, record, problems in rejected:
        raw = record.raw
        truncated = len(raw) > DEADLETTER_MAX_RAW
        new_id = session.scalar(
            insert(DeadLetter)
            .values(
                workspace_id=workspace_id,
                source=source,
                location=record.location,
                raw=raw[:DEADLETTER_MAX_RAW] if truncated else raw,
                truncated=truncated,
                reason_code=record.reason_code,
                errors=[problem.as_dict() for problem in problems],
                status="pending",
                attempts=0,
                created_at=now,
            )
            .returning(DeadLetter.id)
        )
        assert new_id is not None
        ids.append(new_id)
    return ids


def list_dead_letters(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    status: str | None = "pending",
    limit: int = 50,
    after_id: int = 0,
) -> list[DeadLetter]:
    query = select(DeadLetter).where(DeadLetter.workspace_id == workspace_id, DeadLetter.id > after_id)
    if status:
        query = query.where(DeadLetter.status == status)
    return list(session.scalars(query.order_by(DeadLetter.id).limit(limit)))


def count_dead_letters(session: Session, *, workspace_id: uuid.UUID, status: str | None = "pending") -> int:
    query = select(func.count()).select_from(DeadLetter).where(DeadLetter.workspace_id == workspace_id)
    if status:
        query = query.where(DeadLetter.status == status)
    return int(session.scalar(query) or 0)


def get_dead_letter(session: Session, *, workspace_id: uuid.UUID, dead_letter_id: int) -> DeadLetter:
    found = session.scalar(
        select(DeadLetter).where(DeadLetter.workspace_id == workspace_id, DeadLetter.id == dead_letter_id)
    )
    if found is None:
        raise NotFound("deadletter_not_found", f"no dead letter {dead_letter_id} in this workspace", field="id")
    return found


def replay_dead_letter(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    dead_letter_id: int,
    settings: Settings,
    queue: Queue,
    payload: Any | None = None,
) -> DeadLetter:
    """Try a dead letter again, optionally with a corrected ``payload``.

    A record that is now accepted (or turns out to be a duplicate) is marked ``replayed``; one that
    still fails stays ``pending`` with the new problems and one more attempt counted.
    """
    letter = get_dead_letter(session, workspace_id=workspace_id, dead_letter_id=dead_letter_id)
    if letter.status == "replayed":
        raise CxhubError("deadletter_already_replayed", f"dead letter {letter.id} was already replayed", status=409)
    if payload is None:
        if letter.truncated:
            raise CxhubError(
                "deadletter_truncated",
                f"dead letter {letter.id} was truncated when stored; replay it with a corrected payload",
                status=409,
            )
        try:
            payload = orjson.loads(letter.raw)
        except orjson.JSONDecodeError as exc:
            problems = [Problem("(raw)", f"is not valid JSON: {exc}")]
            return _record_attempt(letter, problems)
    report = ingest(
        session,
        workspace_id=workspace_id,
        records=[record_from_payload(payload, letter.location)],
        source="replay",
        settings=settings,
        queue=queue,
        dead_letter=False,
    )
    outcome = report.outcomes[0]
    if outcome.status == "rejected":
        return _record_attempt(letter, outcome.problems)
    letter.status = "replayed"
    letter.attempts += 1
    letter.replayed_at = utcnow()
    letter.replayed_event_id = outcome.event_id
    session.flush()
    return letter


def _record_attempt(letter: DeadLetter, problems: list[Problem]) -> DeadLetter:
    letter.attempts += 1
    letter.errors = [problem.as_dict() for problem in problems]
    return letter


@dataclass
class StreamReport(IngestReport):
    """Totals of a streamed import, with the first rejections kept as examples."""

    samples: list[tuple[str | None, list[Problem]]] = field(default_factory=list)


def ingest_stream(
    sessions: sessionmaker[Session],
    *,
    workspace_id: uuid.UUID,
    records: Iterable[RawRecord],
    source: str,
    settings: Settings,
    queue: Queue,
    batch_size: int,
    on_batch: Callable[[IngestReport], None] | None = None,
    max_samples: int = 20,
) -> StreamReport:
    """Ingest a stream in batches, one transaction each, holding one batch in memory at a time.

    A batch that fails in the database rolls back whole and stops the import; batches committed
    before it stay, and running the import again skips them as duplicates.
    """
    total = StreamReport()
    batch: list[RawRecord] = []
    statistics = bulk.PlannerStatistics(sessions, table=Event.__tablename__)

    def flush() -> None:
        with sessions.begin() as session:
            report = ingest(
                session,
                workspace_id=workspace_id,
                records=batch,
                source=source,
                settings=settings,
                queue=queue,
            )
        total.add(report)
        statistics.grew(report.accepted)
        for outcome in report.outcomes:
            if outcome.status == "rejected" and len(total.samples) < max_samples:
                total.samples.append((batch[outcome.index].location, outcome.problems))
        batch.clear()
        if on_batch:
            on_batch(report)

    with collector.fewer_collections():
        for record in records:
            batch.append(record)
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    return total
