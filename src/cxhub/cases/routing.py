"""Where a case goes and by when: the workspace's case settings, the governance map, the SLA clock."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cxhub.cases.models import CaseSettings
from cxhub.cases.schemas import SettingsDoc
from cxhub.cases.sla import Calendar, add_business_hours
from cxhub.db import utcnow
from cxhub.governance.models import Department
from cxhub.governance.ownership import accountable_department
from cxhub.kit.errors import CxhubError

K = TypeVar("K")
V = TypeVar("V")


def get_settings(session: Session, *, workspace_id: uuid.UUID) -> SettingsDoc:
    """The workspace's case settings; the defaults (Italian calendar, 9–18 Mon–Fri) when none are saved."""
    row = session.get(CaseSettings, workspace_id)
    return SettingsDoc.model_validate(row.config) if row is not None else SettingsDoc()


def save_settings(session: Session, *, workspace_id: uuid.UUID, document: SettingsDoc) -> SettingsDoc:
    """Store ``document`` whole after checking its calendar (timezone, hours, holiday country)."""
    Calendar.from_config(document.business_hours.model_dump())
    row = session.get(CaseSettings, workspace_id)
    config = document.model_dump(mode="json")
    if row is None:
        session.add(CaseSettings(workspace_id=workspace_id, config=config, updated_at=utcnow()))
    else:
        row.config = config
        row.updated_at = utcnow()
    session.flush()
    _calendars.clear()
    return document


def parse_settings(data: object) -> SettingsDoc:
    try:
        return SettingsDoc.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(document)"
        raise CxhubError("invalid_settings", f"{where}: {first['msg']}", status=422, field=where) from None


_calendars: dict[str, Calendar] = {}


def calendar_of(document: SettingsDoc) -> Calendar:
    """The compiled calendar of a settings document, cached by its content."""
    config = document.business_hours.model_dump()
    key = repr(sorted(config.items()))
    found = _calendars.get(key)
    if found is None:
        if len(_calendars) > 256:
            _calendars.clear()
        found = _calendars[key] = Calendar.from_config(config)
    return found


def sla_hours_for(document: SettingsDoc, priority: str, override: float | None = None) -> float:
    return float(override if override is not None else document.sla_hours.get(priority, 24.0))  # type: ignore[call-overload]


def due_at(document: SettingsDoc, start: datetime, hours: float) -> datetime:
    return add_business_hours(start, hours, calendar_of(document))


@dataclass
class Router:
    """Routes cases of one workspace through the governance map, asking once per touchpoint and stage."""

    session: Session
    workspace_id: uuid.UUID
    _seen: dict[tuple[str, str | None], Department | None] = field(default_factory=dict)

    def department(self, touchpoint: str, stage: str | None) -> Department | None:
        key = (touchpoint, stage)
        if key not in self._seen:
            self._seen[key] = accountable_department(
                self.session, workspace_id=self.workspace_id, touchpoint=touchpoint, stage=stage
            )
        return self._seen[key]


class TtlCache(Generic[K, V]):
    """A small per-process cache whose entries expire after ``ttl`` seconds: only a cache, so every
    replica sees a change within ``ttl``, and the replica that made it at once (it calls ``drop``)."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if len(self._entries) > 1024:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def drop(self, key: K) -> None:
        self._entries.pop(key, None)
