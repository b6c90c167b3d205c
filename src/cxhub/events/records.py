"""A record as it arrived, and the check that turns it into an event or a list of problems. No I/O.

Kept apart from ``service`` so that import worker processes (``events.parallel``) can check records
without loading SQLAlchemy or the pipeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from cxhub.events.schemas import AcceptedEvent
from cxhub.events.validation import Problem, Rules, validate_event

if TYPE_CHECKING:
    from cxhub.config import Settings


@dataclass(slots=True)
class RawRecord:
    """One record as it arrived.

    ``payload`` is the decoded JSON (None when it could not be decoded); ``raw`` is the text kept in
    the dead letter; ``problems`` are found before validation (a broken CSV row, bad JSON) or by a
    worker process. ``accepted`` is the validated event when a worker already checked the record:
    ingest then trusts it instead of validating again (its payload and raw are dropped to save the
    trip between processes).
    """

    payload: Any
    raw: str
    location: str | None = None
    problems: list[Problem] | None = None
    reason_code: str = "invalid_event"
    accepted: AcceptedEvent | None = None


def dump_raw(payload: Any) -> str:
    try:
        return orjson.dumps(payload).decode()
    except (TypeError, orjson.JSONEncodeError):
        # Lone surrogates and other oddities: keep them escaped rather than lose the record.
        return json.dumps(payload, ensure_ascii=True, default=repr)


def rules_from(settings: Settings) -> Rules:
    """Validation rules as of now: each batch takes the clock afresh, so a long import never judges
    "in the future" against its start time."""
    return Rules(
        region=settings.default_region.upper(),
        now=datetime.now(UTC),
        future_tolerance=timedelta(seconds=settings.future_tolerance_seconds),
    )


def claimed_event_id(record: RawRecord) -> str | None:
    """The ``event_id`` the sender gave, as reported back even for a rejected record."""
    if record.accepted is not None:
        return record.accepted.event_id
    payload = record.payload
    if isinstance(payload, dict) and isinstance(payload.get("event_id"), str):
        return str(payload["event_id"]).strip()[:128]
    return None


def check_record(record: RawRecord, rules: Rules, max_event_bytes: int) -> AcceptedEvent | list[Problem]:
    """The event a record holds, or its problems (also left on ``record.problems``).

    Idempotent: a record checked once (by a worker) answers the same without validating again.
    """
    if record.problems is not None:
        return record.problems
    if record.accepted is not None:
        return record.accepted
    if len(record.raw) > max_event_bytes:
        record.reason_code = "event_too_large"
        record.problems = [Problem("(event)", f"is {len(record.raw)} bytes; at most {max_event_bytes} allowed")]
        return record.problems
    result = validate_event(record.payload, rules, record.raw)
    if isinstance(result, list):
        record.problems = result
    return result
