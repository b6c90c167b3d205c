"""The responsibility report: where CX ownership is missing, doubled or idle, and how much it matters.

Pure: it takes the map and per-touchpoint event counts (the service runs the SQL ``GROUP BY``) and
returns plain dataclasses, so every rule is tested on literals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from cxhub.governance.schemas import MapDocument, Raci


@dataclass(frozen=True, slots=True)
class Activity:
    """What happened at one touchpoint in the period: events, and how many of them were feedback."""

    touchpoint: str
    events: int
    feedback: int


@dataclass(frozen=True, slots=True)
class TouchpointGap:
    """A touchpoint with no accountable owner, several, or none at all because the map lacks it."""

    key: str
    name: str | None  # None for a touchpoint seen in events but missing from the map
    accountable: list[str]
    responsible: list[str]
    events: int
    feedback: int


@dataclass(frozen=True, slots=True)
class StageGap:
    key: str
    name: str
    accountable: list[str]
    responsible: list[str]


@dataclass(frozen=True, slots=True)
class IdleDepartment:
    """A department neither accountable nor responsible for anything; it may still be consulted or informed."""

    key: str
    name: str
    consulted: int
    informed: int


@dataclass(frozen=True, slots=True)
class DepartmentLoad:
    """What one department answers for, and the events and feedback on the touchpoints it is accountable for."""

    key: str
    name: str
    accountable: list[str]
    responsible: list[str]
    stages_accountable: list[str]
    events: int
    feedback: int


@dataclass(frozen=True, slots=True)
class Share:
    """``unowned`` of ``total`` fell on touchpoints nobody is accountable for; ``share`` is None when total is 0."""

    total: int
    unowned: int
    share: float | None


@dataclass(frozen=True, slots=True)
class ResponsibilityReport:
    touchpoint_count: int
    stage_count: int
    department_count: int
    touchpoints_without_accountable: list[TouchpointGap]
    touchpoints_with_several_accountable: list[TouchpointGap]
    unknown_touchpoints: list[TouchpointGap]
    stages_without_accountable: list[StageGap]
    stages_with_several_accountable: list[StageGap]
    departments_owning_nothing: list[IdleDepartment]
    departments: list[DepartmentLoad]
    events: Share
    feedback: Share
    period_from: datetime | None = None
    period_to: datetime | None = None
    map_version: int = 0
    map_updated_at: datetime | None = field(default=None)


def _share(total: int, unowned: int) -> Share:
    return Share(total=total, unowned=unowned, share=unowned / total if total else None)


def _by_activity(gap: TouchpointGap) -> tuple[int, int, str]:
    return (-gap.events, -gap.feedback, gap.key)


def responsibility_report(document: MapDocument, activity: Iterable[Activity]) -> ResponsibilityReport:
    """Gaps in the map and the share of events and feedback they leave without an accountable owner.

    ``document`` is the map (departments, touchpoints, stages with their RACI); ``activity`` holds at
    most one row per touchpoint as events name it. A touchpoint counts as unowned when the map gives
    it no accountable department or does not list it at all (those are ``unknown_touchpoints``).
    Touchpoint gaps are sorted by events, most first, so the costliest gap leads.
    """
    seen = {row.touchpoint: row for row in activity}
    none = Activity("", 0, 0)
    without: list[TouchpointGap] = []
    several: list[TouchpointGap] = []
    unowned_events = unowned_feedback = 0
    mapped: set[str] = set()
    load: dict[str, list[int]] = {d.key: [0, 0] for d in document.departments}
    for touchpoint in document.touchpoints:
        mapped.add(touchpoint.key)
        row = seen.get(touchpoint.key, none)
        raci = touchpoint.raci
        gap = TouchpointGap(
            touchpoint.key, touchpoint.name, raci.accountable, raci.responsible, row.events, row.feedback
        )
        for key in raci.accountable:
            load[key][0] += row.events
            load[key][1] += row.feedback
        if not raci.accountable:
            without.append(gap)
            unowned_events += row.events
            unowned_feedback += row.feedback
        elif len(raci.accountable) > 1:
            several.append(gap)
    unknown = [
        TouchpointGap(row.touchpoint, None, [], [], row.events, row.feedback)
        for row in seen.values()
        if row.touchpoint not in mapped
    ]
    unowned_events += sum(gap.events for gap in unknown)
    unowned_feedback += sum(gap.feedback for gap in unknown)
    stages_without = [
        StageGap(s.key, s.name, [], s.raci.responsible) for s in document.stages if not s.raci.accountable
    ]
    stages_several = [
        StageGap(s.key, s.name, s.raci.accountable, s.raci.responsible)
        for s in document.stages
        if len(s.raci.accountable) > 1
    ]
    return ResponsibilityReport(
        touchpoint_count=len(document.touchpoints),
        stage_count=len(document.stages),
        department_count=len(document.departments),
        touchpoints_without_accountable=sorted(without, key=_by_activity),
        touchpoints_with_several_accountable=sorted(several, key=_by_activity),
        unknown_touchpoints=sorted(unknown, key=_by_activity),
        stages_without_accountable=stages_without,
        stages_with_several_accountable=stages_several,
        departments_owning_nothing=_idle_departments(document),
        departments=_department_loads(document, load),
        events=_share(sum(row.events for row in seen.values()), unowned_events),
        feedback=_share(sum(row.feedback for row in seen.values()), unowned_feedback),
    )


def _targets(document: MapDocument) -> list[tuple[str, str, Raci]]:
    return [("touchpoint", t.key, t.raci) for t in document.touchpoints] + [
        ("stage", s.key, s.raci) for s in document.stages
    ]


def _idle_departments(document: MapDocument) -> list[IdleDepartment]:
    owners: set[str] = set()
    consulted: dict[str, int] = {}
    informed: dict[str, int] = {}
    for _, _, raci in _targets(document):
        owners.update(raci.accountable, raci.responsible)
        for key in raci.consulted:
            consulted[key] = consulted.get(key, 0) + 1
        for key in raci.informed:
            informed[key] = informed.get(key, 0) + 1
    return [
        IdleDepartment(d.key, d.name, consulted.get(d.key, 0), informed.get(d.key, 0))
        for d in document.departments
        if d.key not in owners
    ]


def _department_loads(document: MapDocument, counts: dict[str, list[int]]) -> list[DepartmentLoad]:
    accountable: dict[str, list[str]] = {d.key: [] for d in document.departments}
    responsible: dict[str, list[str]] = {d.key: [] for d in document.departments}
    stages: dict[str, list[str]] = {d.key: [] for d in document.departments}
    for t in document.touchpoints:
        for key in t.raci.accountable:
            accountable[key].append(t.key)
        for key in t.raci.responsible:
            responsible[key].append(t.key)
    for s in document.stages:
        for key in s.raci.accountable:
            stages[key].append(s.key)
    return [
        DepartmentLoad(
            d.key, d.name, accountable[d.key], responsible[d.key], stages[d.key], counts[d.key][0], counts[d.key][1]
        )
        for d in document.departments
    ]
