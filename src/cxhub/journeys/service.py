"""Journeys: designed journeys (CRUD, YAML) and discovery over the workspace's events.

The only bridge between the database and the pure modules: it streams the timeline extract into
:class:`analysis.JourneyAnalysis` and shapes what comes back. Services never commit.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.journeys import disconnects, extract, parallel
from cxhub.journeys.analysis import Spec, disconnect_counts, disconnect_list
from cxhub.journeys.design import JourneyDef, journey_from_yaml, journey_to_yaml, parse_journey, reference_warnings
from cxhub.journeys.discovery import Level
from cxhub.journeys.models import Journey
from cxhub.journeys.pains import PainRules
from cxhub.journeys.schemas import DisconnectCounts, DisconnectOut, DisconnectPage, DiscoveryOut, JourneyOut
from cxhub.kit.errors import CxhubError, NotFound

# General questions are not "the same request again": asking twice for information is no failure.
INFORMATION_REASONS = ("informazioni", "information", "info")
MAX_PAGE = 500


# -- designed journeys ------------------------------------------------------------------------------


def get_journey(session: Session, *, workspace_id: uuid.UUID, key: str) -> Journey:
    journey = session.scalar(select(Journey).where(Journey.workspace_id == workspace_id, Journey.key == key))
    if journey is None:
        raise NotFound("journey_not_found", f"no journey {key!r} in this workspace", field="journey")
    return journey


def list_journeys(session: Session, *, workspace_id: uuid.UUID) -> list[Journey]:
    return list(session.scalars(select(Journey).where(Journey.workspace_id == workspace_id).order_by(Journey.key)))


def definition_of(journey: Journey) -> JourneyDef:
    return parse_journey(journey.definition)


def save_journey(
    session: Session, *, workspace_id: uuid.UUID, definition: JourneyDef, replace: bool = True
) -> tuple[Journey, list[str]]:
    """Create the journey, or replace the one with its key (unless ``replace`` is false: then
    ``journey_exists``). Returns it with the warnings about names no event carries."""
    existing = session.scalar(
        select(Journey).where(Journey.workspace_id == workspace_id, Journey.key == definition.journey)
    )
    if existing is not None and not replace:
        raise CxhubError(
            "journey_exists", f"journey {definition.journey!r} already exists", status=409, field="journey"
        )
    now = utcnow()
    journey = existing or Journey(id=uuid.uuid4(), workspace_id=workspace_id, key=definition.journey, created_at=now)
    journey.name = definition.name
    journey.segment = definition.segment
    journey.description = definition.description
    journey.definition = definition.model_dump(mode="json")
    journey.updated_at = now
    if existing is None:
        session.add(journey)
    session.flush()
    names = extract.known_names(session, workspace_id=workspace_id)
    return journey, reference_warnings(definition, **names)


def ensure_journey(session: Session, *, workspace_id: uuid.UUID, definition: JourneyDef) -> Journey:
    """The journey with the definition's key, created from it only when absent (so edits survive)."""
    existing = session.scalar(
        select(Journey).where(Journey.workspace_id == workspace_id, Journey.key == definition.journey)
    )
    if existing is not None:
        return existing
    return save_journey(session, workspace_id=workspace_id, definition=definition, replace=False)[0]


def import_journey_yaml(session: Session, *, workspace_id: uuid.UUID, text: str) -> tuple[Journey, list[str]]:
    """Create or replace a journey from its YAML document."""
    return save_journey(session, workspace_id=workspace_id, definition=journey_from_yaml(text))


def export_journey_yaml(session: Session, *, workspace_id: uuid.UUID, key: str) -> str:
    return journey_to_yaml(definition_of(get_journey(session, workspace_id=workspace_id, key=key)))


def delete_journey(session: Session, *, workspace_id: uuid.UUID, key: str) -> None:
    session.delete(get_journey(session, workspace_id=workspace_id, key=key))
    session.flush()


def journey_out(journey: Journey, warnings: list[str] | None = None) -> JourneyOut:
    return JourneyOut(
        key=journey.key,
        name=journey.name,
        segment=journey.segment,
        description=journey.description,
        definition=definition_of(journey),
        created_at=journey.created_at,
        updated_at=journey.updated_at,
        warnings=warnings or [],
    )


# -- periods ----------------------------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """``2026-Q3``, ``2026-07`` or ``2026`` as [start, end) in UTC."""
    text = period.strip()
    if m := _QUARTER.match(text):
        year, quarter = int(m[1]), int(m[2])
        start, end = date(year, 3 * quarter - 2, 1), date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    elif (m := _MONTH.match(text)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        start, end = date(year, month, 1), date(year + (month == 12), month % 12 + 1, 1)
    elif m := _YEAR.match(text):
        start, end = date(int(m[1]), 1, 1), date(int(m[1]) + 1, 1, 1)
    else:
        raise CxhubError("invalid_period", "period is YYYY, YYYY-MM or YYYY-Qn (e.g. 2026-Q3)", field="period")
    return _midnight(start), _midnight(end)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def day_bounds(start: date | datetime | None, end: date | datetime | None) -> tuple[datetime | None, datetime | None]:
    """[start, end) for inclusive calendar days (``--to 2026-09-30`` covers that whole day)."""
    lower = start if isinstance(start, datetime) else _midnight(start) if start else None
    upper = end if isinstance(end, datetime) else _midnight(end) + timedelta(days=1) if end else None
    for name, value in (("from", lower), ("to", upper)):
        if value is not None and value.tzinfo is None:
            raise CxhubError("invalid_period", f"{name} must carry a timezone", field=name)
    if lower and upper and lower >= upper:
        raise CxhubError("invalid_period", "from must be before to", field="from")
    return lower, upper


# -- discovery --------------------------------------------------------------------------------------


def _spec_inputs(
    session: Session, workspace_id: uuid.UUID, journey: str | None, level: Level | None
) -> tuple[Level, JourneyDef | None]:
    definition = definition_of(get_journey(session, workspace_id=workspace_id, key=journey)) if journey else None
    level = level or (Level.stage if definition else Level.touchpoint)
    if level is Level.stage and definition is None:
        raise CxhubError(
            "journey_required", "the stage level needs --journey (a designed journey's key)", field="journey"
        )
    return level, definition


def discover(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    journey: str | None = None,
    level: Level | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    segment: str | None = None,
    entry_channel: str | None = None,
    path_steps: int = 5,
    top_paths: int = 10,
    sankey_steps: int = 5,
    disconnect_limit: int = 100,
    churn_days: int = 60,
    on_chunk: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> DiscoveryOut:
    """Paths, transitions, the emotional curve, pain points and disconnects of ``[start, end)``.

    ``level`` defaults to the journey's stages when a journey is named, else to touchpoints.
    ``on_chunk`` hears the number of events of each chunk read, for a progress bar. ``workers``
    customer ranges are read side by side (``parallel``; default one per core, at most four).
    """
    for name, value, top in (
        ("path_steps", path_steps, 20),
        ("top_paths", top_paths, 100),
        ("sankey_steps", sankey_steps, 10),
    ):
        if not 1 <= value <= top:
            raise CxhubError("invalid_option", f"{name} must be between 1 and {top}", field=name)
    if not 0 <= disconnect_limit <= 10_000:
        raise CxhubError("invalid_option", "disconnect_limit must be between 0 and 10000", field="disconnect_limit")
    level, definition = _spec_inputs(session, workspace_id, journey, level)
    as_of = end or extract.last_event_at(session, workspace_id=workspace_id) or utcnow()
    spec = Spec(
        level=level,
        as_of=as_of,
        journey=definition,
        segment=segment,
        entry_channel=entry_channel,
        path_steps=path_steps,
        top_paths=top_paths,
        sankey_steps=sankey_steps,
        disconnect_limit=disconnect_limit,
        pain_rules=PainRules(as_of=as_of, churn_days=churn_days, ignore_reasons=INFORMATION_REASONS),
        disconnect_rules=disconnects.DisconnectRules(ignore_reasons=INFORMATION_REASONS),
    )
    analysis = parallel.analyse(
        session,
        spec=spec,
        workspace_id=workspace_id,
        start=start,
        end=end,
        stages=level is Level.stage,
        segments=bool(segment or (definition and definition.segment)),
        workers=workers,
        on_chunk=on_chunk,
    )
    result = analysis.result()
    result["disconnects"] = [_disconnect_out(row) for row in result["disconnects"]]
    result["period"] = {"from": start, "to": end, "as_of": as_of}
    return DiscoveryOut.model_validate(result)


def _customer(value: str) -> str:
    """A customer id as the API spells it (SQLite hands back 32 hex digits)."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return value


def _disconnect_out(row: dict[str, Any]) -> DisconnectOut:
    customer = _customer(row["customer_id"])
    return DisconnectOut(**{**row, "customer_id": customer, "timeline": f"/api/v1/customers/{customer}/timeline"})


def list_disconnects(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    kind: str | None = None,
    customer_id: uuid.UUID | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> DisconnectPage:
    """Disconnected experiences, newest first, a page at a time; ``counts`` covers every page.

    Findings are computed from the events on each call (the hub keeps no copy of them), so a page is
    as fresh as the timeline.
    """
    if not 1 <= limit <= MAX_PAGE:
        raise CxhubError("invalid_limit", f"limit must be between 1 and {MAX_PAGE}", field="limit")
    if kind is not None and kind not in disconnects.KINDS:
        raise CxhubError("invalid_kind", f"kind is one of {', '.join(disconnects.KINDS)}", field="kind")
    offset = _decode_offset(cursor)
    rules = disconnects.DisconnectRules(ignore_reasons=INFORMATION_REASONS)
    found = [
        disconnects.detect(chunk, rules)
        for chunk in extract.stream_timeline(
            session, workspace_id=workspace_id, start=start, end=end, customer_id=customer_id, stages=False
        )
    ]
    frame = pl.concat(found) if found else pl.DataFrame(schema=disconnects.SCHEMA)
    if kind is not None:
        frame = frame.filter(pl.col("kind") == kind)
    frame = disconnects.newest_first(frame)
    page = frame.slice(offset, limit)
    following = offset + limit
    return DisconnectPage(
        disconnects=[_disconnect_out(row) for row in disconnect_list(page)],
        counts=DisconnectCounts.model_validate(disconnect_counts(frame)),
        next_cursor=_encode_offset(following) if following < frame.height else None,
    )


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _decode_offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        tag, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if tag == "o" and value.isdigit():
            return int(value)
    except (ValueError, UnicodeDecodeError):
        pass
    raise CxhubError("invalid_cursor", "cursor is not one this API returned", field="cursor")
