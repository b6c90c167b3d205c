"""Which events invite to which survey: the active surveys' triggers, cached, and the matching rule."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.events.schemas import AcceptedEvent
from cxhub.surveys import service
from cxhub.surveys.definition import SurveyDefinition, Trigger, parse_delay
from cxhub.surveys.models import Survey

# Seconds a replica trusts its list of active surveys. A change made through this process is seen at
# once; one made on another replica within this many seconds.
TTL = 5.0


@dataclass(frozen=True, slots=True)
class ActiveSurvey:
    """A snapshot of an active survey with triggers, safe to keep across sessions."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    slug: str
    version: int
    definition: SurveyDefinition
    delays: tuple[timedelta, ...]


class _Cache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[uuid.UUID, tuple[float, list[ActiveSurvey]]] = {}

    def get(self, session: Session, workspace_id: uuid.UUID) -> list[ActiveSurvey]:
        entry = self._entries.get(workspace_id)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        surveys = _load(session, workspace_id)
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[workspace_id] = (time.monotonic() + TTL, surveys)
        return surveys

    def invalidate(self, workspace_id: uuid.UUID) -> None:
        with self._lock:
            self._entries.pop(workspace_id, None)


_cache = _Cache()
service.on_change(_cache.invalidate)


def _load(session: Session, workspace_id: uuid.UUID) -> list[ActiveSurvey]:
    found = []
    for survey in session.scalars(select(Survey).where(Survey.workspace_id == workspace_id, Survey.status == "active")):
        definition = service.definition_of(survey)
        if not definition.triggers:
            continue
        found.append(
            ActiveSurvey(
                id=survey.id,
                workspace_id=survey.workspace_id,
                slug=survey.slug,
                version=survey.version,
                definition=definition,
                delays=tuple(parse_delay(t.delay) for t in definition.triggers),
            )
        )
    return found


def active_surveys(session: Session, workspace_id: uuid.UUID) -> list[ActiveSurvey]:
    """Active surveys that have triggers: at most one query per ``TTL`` seconds and workspace."""
    return _cache.get(session, workspace_id)


def matches(trigger: Trigger, event: AcceptedEvent) -> bool:
    if event.type != trigger.event_type:
        return False
    if trigger.touchpoint is not None and event.touchpoint != trigger.touchpoint:
        return False
    if trigger.channel is not None and event.channel != trigger.channel:
        return False
    if trigger.attributes:
        for key, wanted in trigger.attributes.items():
            if not _equal(event.attributes.get(key), wanted):
                return False
    return True


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted
    return bool(value == wanted)


def first_match(survey: ActiveSurvey, event: AcceptedEvent) -> tuple[Trigger, timedelta] | None:
    for trigger, delay in zip(survey.definition.triggers, survey.delays, strict=True):
        if matches(trigger, event):
            return trigger, delay
    return None
