"""The governance map in the database: import (whole-map replace), read back, route, report.

Rules, cases and SLA route through :func:`accountable_department` and :func:`owners_of`; the
responsibility report reads the map and one ``GROUP BY`` over events.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any, TypeVar

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.events.models import Event
from cxhub.events.schemas import HUB_CHANNEL
from cxhub.governance.mapfile import diff_maps, normalize
from cxhub.governance.models import Department, GovernanceMap, JourneyStage, Ownership, Touchpoint
from cxhub.governance.report import Activity, ResponsibilityReport, responsibility_report
from cxhub.governance.schemas import (
    ROLES,
    DepartmentIn,
    DepartmentOut,
    ImportResult,
    Kpi,
    MapDiff,
    MapDocument,
    Raci,
    Role,
    StageIn,
    StageOut,
    TouchpointIn,
    TouchpointOut,
)
from cxhub.kit.errors import CxhubError, NotFound

Target = Touchpoint | JourneyStage


def get_map_version(session: Session, *, workspace_id: uuid.UUID) -> GovernanceMap | None:
    """The map's version row; None until a first import."""
    return session.get(GovernanceMap, workspace_id)


def _roles_by_target(session: Session, workspace_id: uuid.UUID) -> dict[uuid.UUID, dict[str, list[str]]]:
    """Target id (touchpoint or stage) → role → department keys, in the map's order."""
    rows = session.execute(
        select(Ownership.touchpoint_id, Ownership.stage_id, Ownership.role, Department.key)
        .join(Department, Department.id == Ownership.department_id)
        .where(Ownership.workspace_id == workspace_id)
        .order_by(Ownership.role, Ownership.position)
    )
    out: dict[uuid.UUID, dict[str, list[str]]] = {}
    for touchpoint_id, stage_id, role, key in rows:
        target = touchpoint_id if touchpoint_id is not None else stage_id
        if target is None:  # impossible: a check constraint wants exactly one
            continue
        out.setdefault(target, {}).setdefault(role, []).append(key)
    return out


def load_map(session: Session, *, workspace_id: uuid.UUID) -> MapDocument:
    """The stored map as a document (empty before the first import), with its version."""
    roles = _roles_by_target(session, workspace_id)
    departments = session.scalars(
        select(Department).where(Department.workspace_id == workspace_id).order_by(Department.position)
    )
    touchpoints = session.scalars(
        select(Touchpoint).where(Touchpoint.workspace_id == workspace_id).order_by(Touchpoint.position)
    )
    stages = session.scalars(
        select(JourneyStage).where(JourneyStage.workspace_id == workspace_id).order_by(JourneyStage.position)
    )
    state = get_map_version(session, workspace_id=workspace_id)
    return MapDocument(
        version=state.version if state else 0,
        updated_at=state.updated_at if state else None,
        departments=[
            DepartmentIn(
                key=d.key,
                name=d.name,
                labels=d.labels,
                lead_email=d.lead_email,
                kpis=[Kpi.model_validate(kpi) for kpi in d.kpis],
            )
            for d in departments
        ],
        touchpoints=[
            TouchpointIn(
                key=t.key,
                name=t.name,
                channel=t.channel,
                description=t.description,
                raci=Raci.of(roles.get(t.id, {})),
            )
            for t in touchpoints
        ],
        stages=[StageIn(key=s.key, name=s.name, order=s.position, raci=Raci.of(roles.get(s.id, {}))) for s in stages],
    )


def _bare(document: MapDocument) -> MapDocument:
    return normalize(document).model_copy(update={"version": None, "updated_at": None})


def import_map(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    document: MapDocument,
    dry_run: bool = False,
    source: str = "",
    expected_version: int | None = None,
) -> ImportResult:
    """Replace the whole map with ``document`` (already checked by ``mapfile.parse_map``).

    Entries are matched by key, so a department that stays keeps its id (and whatever points at it);
    the RACI is rewritten whole. An import that changes nothing writes nothing and keeps the version.
    The caller's transaction makes it atomic: a failure leaves the previous map as it was.
    """
    state = session.scalar(select(GovernanceMap).where(GovernanceMap.workspace_id == workspace_id).with_for_update())
    version = state.version if state else 0
    if expected_version is not None and expected_version != version:
        raise CxhubError(
            "map_changed",
            f"the map is at version {version}, not {expected_version}: read it again before replacing it",
            status=412,
            field="If-Match",
        )
    current = _bare(load_map(session, workspace_id=workspace_id))
    wanted = _bare(document)
    diff = diff_maps(current, wanted)
    counts = {
        "departments": len(wanted.departments),
        "touchpoints": len(wanted.touchpoints),
        "stages": len(wanted.stages),
        "ownerships": sum(len(names) for t in _raci_of(wanted) for names in t.by_role().values()),
    }
    if dry_run or diff.empty:
        updated = state.updated_at if state else None
        return ImportResult(
            dry_run=dry_run, changed=not diff.empty, version=version, updated_at=updated, diff=diff, **counts
        )
    now = utcnow()
    _write(session, workspace_id, wanted, diff, now)
    if state is None:
        state = GovernanceMap(workspace_id=workspace_id, version=0)
        session.add(state)
    state.version = version + 1
    state.updated_at = now
    state.source = source[:200]
    session.flush()
    return ImportResult(dry_run=False, changed=True, version=state.version, updated_at=now, diff=diff, **counts)


def import_map_once(
    session: Session, *, workspace_id: uuid.UUID, document: MapDocument, source: str = ""
) -> ImportResult | None:
    """Import ``document`` unless the workspace already has a map (None then): seeding never overwrites edits."""
    if get_map_version(session, workspace_id=workspace_id) is not None:
        return None
    return import_map(session, workspace_id=workspace_id, document=document, source=source)


def _raci_of(document: MapDocument) -> list[Raci]:
    return [t.raci for t in document.touchpoints] + [s.raci for s in document.stages]


def _write(session: Session, workspace_id: uuid.UUID, wanted: MapDocument, diff: MapDiff, now: datetime) -> None:
    session.execute(delete(Ownership).where(Ownership.workspace_id == workspace_id))
    touched = {
        "departments": set(diff.departments.added) | {c.key for c in diff.departments.changed},
        "touchpoints": set(diff.touchpoints.added) | {c.key for c in diff.touchpoints.changed},
        "stages": set(diff.stages.added) | {c.key for c in diff.stages.changed},
    }
    departments = _sync(
        session,
        Department,
        workspace_id,
        [
            {
                "key": d.key,
                "name": d.name,
                "labels": dict(d.labels),
                "lead_email": d.lead_email,
                "kpis": [k.model_dump(exclude_none=True) for k in d.kpis],
            }
            for d in wanted.departments
        ],
        touched["departments"],
        now,
    )
    touchpoints = _sync(
        session,
        Touchpoint,
        workspace_id,
        [
            {"key": t.key, "name": t.name, "channel": t.channel, "description": t.description}
            for t in wanted.touchpoints
        ],
        touched["touchpoints"],
        now,
    )
    stages = _sync(
        session,
        JourneyStage,
        workspace_id,
        [{"key": s.key, "name": s.name, "position": s.order} for s in wanted.stages],
        touched["stages"],
        now,
    )
    session.flush()
    cells: list[Ownership] = []
    targets: list[tuple[str, uuid.UUID, Raci]] = [
        ("touchpoint_id", touchpoints[t.key], t.raci) for t in wanted.touchpoints
    ]
    targets += [("stage_id", stages[s.key], s.raci) for s in wanted.stages]
    for column, target_id, raci in targets:
        for role, names in raci.by_role().items():
            for position, name in enumerate(names):
                cells.append(
                    Ownership(
                        id=uuid.uuid4(),
                        workspace_id=workspace_id,
                        department_id=departments[name],
                        role=role,
                        position=position,
                        **{column: target_id},
                    )
                )
    session.add_all(cells)


_Entry = TypeVar("_Entry", Department, Touchpoint, JourneyStage)


def _sync(
    session: Session,
    model: type[_Entry],
    workspace_id: uuid.UUID,
    rows: list[dict[str, Any]],
    touched: set[str],
    now: datetime,
) -> dict[str, uuid.UUID]:
    """Make the table hold exactly ``rows`` (matched by key); the id of each key afterwards."""
    existing = {row.key: row for row in session.scalars(select(model).where(model.workspace_id == workspace_id))}
    wanted = {row["key"] for row in rows}
    for key, stale in existing.items():
        if key not in wanted:
            session.delete(stale)
    ids: dict[str, uuid.UUID] = {}
    for position, values in enumerate(rows):
        values = {"position": position, **values}
        entry = existing.get(values["key"])
        if entry is None:
            entry = model(id=uuid.uuid4(), workspace_id=workspace_id, updated_at=now, **values)
            session.add(entry)
        else:
            for name, value in values.items():
                setattr(entry, name, value)
            if values["key"] in touched:
                entry.updated_at = now
        ids[entry.key] = entry.id
    return ids


def list_departments(session: Session, *, workspace_id: uuid.UUID) -> list[Department]:
    return list(
        session.scalars(select(Department).where(Department.workspace_id == workspace_id).order_by(Department.position))
    )


def get_department(session: Session, *, workspace_id: uuid.UUID, key: str) -> Department:
    department = session.scalar(
        select(Department).where(Department.workspace_id == workspace_id, Department.key == key.strip().lower())
    )
    if department is None:
        raise NotFound("department_not_found", f"no department {key!r} in the governance map", field="department")
    return department


def departments_overview(document: MapDocument) -> list[DepartmentOut]:
    """Each department with its KPIs and what it holds, role by role: the department page's data."""
    owned: dict[str, dict[str, dict[Role, list[str]]]] = {
        d.key: {"touchpoints": {r: [] for r in ROLES}, "stages": {r: [] for r in ROLES}} for d in document.departments
    }
    for kind, entries in (("touchpoints", document.touchpoints), ("stages", document.stages)):
        for entry in entries:
            for role, names in entry.raci.by_role().items():
                for name in names:
                    owned[name][kind][role].append(entry.key)
    return [
        DepartmentOut(
            key=d.key,
            name=d.name,
            labels=d.labels,
            lead_email=d.lead_email,
            kpis=d.kpis,
            touchpoints=owned[d.key]["touchpoints"],
            stages=owned[d.key]["stages"],
        )
        for d in document.departments
    ]


def touchpoints_overview(document: MapDocument) -> list[TouchpointOut]:
    return [
        TouchpointOut(key=t.key, name=t.name, channel=t.channel, description=t.description, raci=t.raci.by_role())
        for t in document.touchpoints
    ]


def stages_overview(document: MapDocument) -> list[StageOut]:
    return [StageOut(key=s.key, name=s.name, order=s.order or 0, raci=s.raci.by_role()) for s in document.stages]


def owners_of(
    session: Session, *, workspace_id: uuid.UUID, touchpoint: str | None = None, stage: str | None = None
) -> dict[Role, list[Department]]:
    """The departments in each RACI role for a touchpoint, completed role by role from its journey stage.

    A role the touchpoint's map entry leaves empty is taken from the stage's, so a case about an
    unmapped touchpoint at the ``assistenza`` stage still finds who answers for ``assistenza``.
    Lists keep the map's order: the first accountable department is the one cases are routed to.
    """
    if touchpoint is None and stage is None:
        raise CxhubError("target_required", "give a touchpoint, a stage, or both", field="touchpoint")
    conditions = []
    if touchpoint is not None:
        conditions.append(and_(Ownership.touchpoint_id == Touchpoint.id, Touchpoint.key == touchpoint.strip()))
    if stage is not None:
        conditions.append(and_(Ownership.stage_id == JourneyStage.id, JourneyStage.key == stage.strip().lower()))
    on_stage = case((Ownership.stage_id.is_(None), 0), else_=1)
    rows = session.execute(
        select(on_stage, Ownership.role, Department)
        .join(Department, Department.id == Ownership.department_id)
        .outerjoin(Touchpoint, and_(Touchpoint.id == Ownership.touchpoint_id, Touchpoint.workspace_id == workspace_id))
        .outerjoin(JourneyStage, and_(JourneyStage.id == Ownership.stage_id, JourneyStage.workspace_id == workspace_id))
        .where(Ownership.workspace_id == workspace_id, or_(*conditions))
        .order_by(on_stage, Ownership.position)
    )
    found: dict[int, dict[Role, list[Department]]] = {0: {r: [] for r in ROLES}, 1: {r: [] for r in ROLES}}
    for level, role, department in rows:
        found[level][role].append(department)
    return {role: found[0][role] or found[1][role] for role in ROLES}


def accountable_department(
    session: Session, *, workspace_id: uuid.UUID, touchpoint: str, stage: str | None = None
) -> Department | None:
    """Where a case about ``touchpoint`` goes: its accountable department, else its stage's, else None.

    With several accountable departments (a gap the responsibility report flags) the first the map
    lists wins, so routing stays deterministic.
    """
    accountable = owners_of(session, workspace_id=workspace_id, touchpoint=touchpoint, stage=stage)["A"]
    return accountable[0] if accountable else None


def period_bound(value: str | datetime | date | None, *, field: str) -> datetime | None:
    """A period limit from a date (midnight UTC) or a date-time (UTC when it names no offset)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise CxhubError(
                "invalid_period", f"{field} must be a date (2026-11-01) or a date-time, not {value!r}", field=field
            ) from None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0), tzinfo=UTC)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def touchpoint_activity(
    session: Session, *, workspace_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> list[Activity]:
    """Events and feedback (survey responses, or anything with text) per touchpoint, in ``[since, until)``."""
    feedback = or_(Event.type == "survey_response", and_(Event.text.is_not(None), Event.text != ""))
    stmt = (
        select(Event.touchpoint, func.count(), func.coalesce(func.sum(case((feedback, 1), else_=0)), 0))
        .where(Event.workspace_id == workspace_id, Event.channel != HUB_CHANNEL)
        .group_by(Event.touchpoint)
    )
    if since is not None:
        stmt = stmt.where(Event.occurred_at >= since)
    if until is not None:
        stmt = stmt.where(Event.occurred_at < until)
    return [Activity(touchpoint, int(events), int(fed)) for touchpoint, events, fed in session.execute(stmt)]


def get_responsibility_report(
    session: Session, *, workspace_id: uuid.UUID, since: datetime | None = None, until: datetime | None = None
) -> ResponsibilityReport:
    """The responsibility report of the stored map over the events of ``[since, until)``."""
    if since is not None and until is not None and since >= until:
        raise CxhubError("invalid_period", "the period's start must come before its end", field="from")
    document = load_map(session, workspace_id=workspace_id)
    activity = touchpoint_activity(session, workspace_id=workspace_id, since=since, until=until)
    report = responsibility_report(document, activity)
    return replace(
        report,
        period_from=since,
        period_to=until,
        map_version=document.version or 0,
        map_updated_at=document.updated_at,
    )
