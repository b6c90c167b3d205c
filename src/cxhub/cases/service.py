"""Cases: open one (or add to the open one of the same customer and topic), read them, list them.

Every change writes a history row; opening, status changes and resolution also go on the customer's
timeline as ``case_*`` events (channel ``cxhub``), which rules never look at. People's changes are in
``workflow.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from cxhub.cases import notify
from cxhub.cases.models import OPEN_STATUSES, Case, CaseHistory, CaseLink
from cxhub.cases.routing import Router, calendar_of, get_settings, sla_hours_for
from cxhub.cases.schemas import PRIORITIES, CaseDetail, CaseOut, CaseSpec, GroupStats, HistoryOut, LinkOut, SettingsDoc
from cxhub.cases.sla import Calendar, add_business_hours
from cxhub.cases.stats import CaseFacts, loop_measures
from cxhub.db import table_of, utcnow
from cxhub.events.models import Event
from cxhub.events.schemas import HUB_CHANNEL
from cxhub.governance.models import Department
from cxhub.kit.bulk import bulk_insert
from cxhub.kit.errors import CxhubError, NotFound
from cxhub.kit.sql import is_one_of

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("in_progress", "waiting_customer", "resolved"),
    "in_progress": ("waiting_customer", "resolved"),
    "waiting_customer": ("in_progress", "resolved"),
    "resolved": ("closed", "in_progress"),
    "closed": ("in_progress",),
}
SYSTEM = "cxhub"


@dataclass(slots=True)
class Signal:
    """One event that a rule says needs a case."""

    customer_id: uuid.UUID
    event_id: str
    occurred_at: datetime
    touchpoint: str
    stage: str | None
    metric: str | None
    score: float | None
    rule_key: str | None
    rule_version: int | None
    spec: CaseSpec
    topic: str
    title: str
    opened_at: datetime | None = None  # backdated opening (demo, history); None: now


@dataclass
class OpenReport:
    opened: list[Case] = field(default_factory=list)
    added: int = 0
    skipped: int = 0


# --- opening ---------------------------------------------------------------------------------------


def open_cases(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    signals: Sequence[Signal],
    now: datetime | None = None,
    opened_at: datetime | None = None,
) -> OpenReport:
    """Open a case per customer and topic, or add each signal to the open case of that customer and topic.

    Idempotent: an event already linked to a case is skipped, so a redelivered batch changes nothing.
    ``opened_at`` backdates opening (demo and imports of history); by default the case opens now.
    """
    report = OpenReport()
    if not signals:
        return report
    now = now or utcnow()
    linked = set(
        session.scalars(
            select(CaseLink.event_id).where(
                CaseLink.workspace_id == workspace_id,
                is_one_of(session, CaseLink.event_id, list({s.event_id for s in signals})),
            )
        )
    )
    open_by_key: dict[tuple[uuid.UUID, str], Case] = {
        (c.customer_id, c.topic): c
        for c in session.scalars(
            select(Case).where(
                Case.workspace_id == workspace_id,
                is_one_of(session, Case.customer_id, list({s.customer_id for s in signals})),
                Case.status.in_(OPEN_STATUSES),
            )
        )
    }
    settings = get_settings(session, workspace_id=workspace_id)
    router = Router(session, workspace_id)
    leads = department_leads(session, workspace_id=workspace_id)
    calendar = calendar_of(settings)
    links: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    first_signals: list[Signal] = []
    later: list[tuple[Case, Signal]] = []
    fresh: set[uuid.UUID] = set()
    # Routing queries must not flush each new case on its own: the cases go in one INSERT below.
    with session.no_autoflush:
        for signal in sorted(signals, key=lambda s: s.occurred_at):
            if signal.event_id in linked:
                report.skipped += 1
                continue
            linked.add(signal.event_id)
            key = (signal.customer_id, signal.topic)
            case = open_by_key.get(key)
            if case is not None:
                if case.id in fresh:
                    later.append((case, signal))
                else:
                    _add_signal(case, signal, now, links, changes)
                report.added += 1
                continue
            start = signal.opened_at or opened_at or now
            case = _new_case(session, workspace_id, signal, settings, calendar, router, start)
            open_by_key[key] = case
            report.opened.append(case)
            first_signals.append(signal)
            fresh.add(case.id)
    session.flush()  # the new cases exist before rows that point at them
    messages: list[notify.Occasion] = []
    for case, signal in zip(report.opened, first_signals, strict=True):
        links.append(_link_row(case, signal, now))
        opened = {"rule": [None, signal.rule_key], "event": [None, signal.event_id]}
        changes.append(_history_row(case, "opened", opened, case.opened_at))
        attributes = {"rule": signal.rule_key, "signal_event_id": signal.event_id}
        timeline.append(timeline_row(case, "case_opened", case.opened_at, attributes))
        lead = leads.get(case.department) if case.department is not None else None
        messages.append((case, "opened", [lead] if lead else [], None))
    for case, signal in later:
        _add_signal(case, signal, now, links, changes)
    session.flush()  # the counts of cases that were already open, before the rows below
    # Rows nothing reads back in this session go in by bulk (COPY on PostgreSQL), one write per table.
    bulk_insert(session, table_of(CaseLink), links)
    bulk_insert(session, table_of(CaseHistory), changes)
    bulk_insert(session, table_of(Event), timeline)
    notify.queue_many(session, items=messages, settings=settings, now=now)
    session.flush()
    return report


def _new_case(
    session: Session,
    workspace_id: uuid.UUID,
    signal: Signal,
    settings: SettingsDoc,
    calendar: Calendar,
    router: Router,
    opened_at: datetime,
) -> Case:
    spec = signal.spec
    department = spec.department
    if department is None:
        found = router.department(signal.touchpoint, signal.stage)
        department = found.key if found is not None else None
    hours = sla_hours_for(settings, spec.priority, spec.sla_hours)
    case = Case(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        customer_id=signal.customer_id,
        topic=signal.topic[:200],
        title=signal.title[:300],
        rule_key=signal.rule_key,
        rule_version=signal.rule_version,
        touchpoint=signal.touchpoint,
        stage=signal.stage,
        department=department,
        status="new",
        priority=spec.priority,
        tags=list(spec.tags),
        signal_at=signal.occurred_at,
        opened_at=opened_at,
        sla_hours=hours,
        due_at=add_business_hours(opened_at, hours, calendar),
        metric=signal.metric,
        score_before=signal.score if signal.metric else None,
        events_count=1,
        updated_at=opened_at,
    )
    session.add(case)
    return case


def _add_signal(
    case: Case, signal: Signal, now: datetime, links: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> None:
    """Count ``signal`` on the open ``case``; its link and history rows are appended for one bulk write."""
    links.append(_link_row(case, signal, now))
    case.events_count += 1
    changed: dict[str, Any] = {
        "event": [None, signal.event_id],
        "events_count": [case.events_count - 1, case.events_count],
    }
    if PRIORITIES.index(signal.spec.priority) < PRIORITIES.index(case.priority):
        changed["priority"] = [case.priority, signal.spec.priority]
        case.priority = signal.spec.priority
    if case.score_before is None and signal.metric:
        case.metric, case.score_before = signal.metric, signal.score
    case.updated_at = now
    changes.append(_history_row(case, "linked", changed, now))


def _link_row(case: Case, signal: Signal, now: datetime) -> dict[str, Any]:
    return {
        "workspace_id": case.workspace_id,
        "case_id": case.id,
        "event_id": signal.event_id,
        "rule_key": signal.rule_key,
        "occurred_at": signal.occurred_at,
        "linked_at": now,
    }


def _history_row(case: Case, action: str, changes: dict[str, Any], at: datetime) -> dict[str, Any]:
    return {
        "workspace_id": case.workspace_id,
        "case_id": case.id,
        "at": at,
        "actor": SYSTEM,
        "action": action,
        "changes": changes,
        "note": None,
    }


def history(
    session: Session,
    case: Case,
    action: str,
    actor: str,
    changes: dict[str, Any],
    *,
    at: datetime,
    note: str | None = None,
) -> None:
    session.add(
        CaseHistory(
            workspace_id=case.workspace_id,
            case_id=case.id,
            at=at,
            actor=actor[:200],
            action=action,
            changes=changes,
            note=note,
        )
    )


def timeline_row(case: Case, kind: str, at: datetime, attributes: dict[str, Any]) -> dict[str, Any]:
    return {
        "workspace_id": case.workspace_id,
        "event_id": f"case:{case.id.hex}:{kind}:{uuid.uuid4().hex[:12]}",
        "customer_id": case.customer_id,
        "origin_customer_id": case.customer_id,
        "occurred_at": at,
        "received_at": at,
        "type": kind,
        "channel": HUB_CHANNEL,
        "touchpoint": case.touchpoint,
        "identifiers": {},
        "attributes": {"case_id": str(case.id), "title": case.title, "status": case.status, **attributes},
        "text": None,
        "score": None,
        "metric": None,
        "amount_cents": None,
        "currency": None,
        "products": None,
        "source": "cxhub",
    }


def department_leads(session: Session, *, workspace_id: uuid.UUID) -> dict[str, str | None]:
    """Every department's lead e-mail, by key: one query for a whole batch of new cases."""
    rows = session.execute(select(Department.key, Department.lead_email).where(Department.workspace_id == workspace_id))
    return {key: email for key, email in rows}


def lead_email(
    session: Session, workspace_id: uuid.UUID, department: str | None, cache: dict[str, str | None]
) -> str | None:
    if department is None:
        return None
    if department not in cache:
        cache[department] = session.scalar(
            select(Department.lead_email).where(Department.workspace_id == workspace_id, Department.key == department)
        )
    return cache[department]


# --- reading ---------------------------------------------------------------------------------------


def get_case(session: Session, *, workspace_id: uuid.UUID, case_id: uuid.UUID) -> Case:
    case = session.scalar(select(Case).where(Case.workspace_id == workspace_id, Case.id == case_id))
    if case is None:
        raise NotFound("case_not_found", f"no case {case_id} in this workspace", field="case_id")
    return case


def is_breached(case: Case, now: datetime) -> bool:
    if case.breached_at is not None:
        return True
    return case.status in OPEN_STATUSES and case.sla_paused_at is None and case.due_at < now


def case_out(case: Case, now: datetime | None = None) -> CaseOut:
    now = now or utcnow()
    return CaseOut(
        id=case.id,
        customer_id=case.customer_id,
        title=case.title,
        topic=case.topic,
        status=case.status,
        priority=case.priority,
        department=case.department,
        assignee=case.assignee,
        touchpoint=case.touchpoint,
        stage=case.stage,
        rule_key=case.rule_key,
        rule_version=case.rule_version,
        tags=list(case.tags or []),
        root_cause=case.root_cause,
        resolution=case.resolution,
        signal_at=case.signal_at,
        opened_at=case.opened_at,
        first_action_at=case.first_action_at,
        resolved_at=case.resolved_at,
        closed_at=case.closed_at,
        due_at=case.due_at,
        sla_hours=case.sla_hours,
        sla_paused=case.sla_paused_at is not None,
        breached=is_breached(case, now),
        breached_at=case.breached_at,
        escalated_at=case.escalated_at,
        metric=case.metric,
        score_before=case.score_before,
        score_after=case.score_after,
        recovered=case.recovered,
        followup_survey=case.followup_survey,
        events_count=case.events_count,
        version=case.version,
        updated_at=case.updated_at,
    )


def case_detail(session: Session, *, workspace_id: uuid.UUID, case_id: uuid.UUID) -> CaseDetail:
    case = get_case(session, workspace_id=workspace_id, case_id=case_id)
    links = session.scalars(
        select(CaseLink).where(CaseLink.case_id == case.id).order_by(CaseLink.occurred_at, CaseLink.id)
    )
    history = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id))
    return CaseDetail(
        **case_out(case).model_dump(),
        links=[LinkOut(event_id=link.event_id, occurred_at=link.occurred_at, rule_key=link.rule_key) for link in links],
        history=[HistoryOut(at=h.at, actor=h.actor, action=h.action, changes=h.changes, note=h.note) for h in history],
        allowed_transitions=list(TRANSITIONS.get(case.status, ())),
    )


def list_cases(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    status: Collection[str] | None = None,
    department: str | None = None,
    priority: str | None = None,
    assignee: str | None = None,
    customer_id: uuid.UUID | None = None,
    rule: str | None = None,
    breached: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[int, list[Case]]:
    """Cases matching every filter given, most urgent first (open before done, earliest due first)."""
    if not 1 <= limit <= 1000:
        raise CxhubError("invalid_limit", "limit must be between 1 and 1000", field="limit")
    now = now or utcnow()
    conditions: list[Any] = [Case.workspace_id == workspace_id]
    if status:
        unknown = set(status) - set(TRANSITIONS)
        if unknown:
            raise CxhubError("invalid_status", f"unknown status {', '.join(sorted(unknown))}", field="status")
        conditions.append(Case.status.in_(list(status)))
    for column, value in (
        (Case.department, department),
        (Case.priority, priority),
        (Case.assignee, assignee),
        (Case.rule_key, rule),
    ):
        if value:
            conditions.append(column == value)
    if customer_id is not None:
        conditions.append(Case.customer_id == customer_id)
    late = or_(
        Case.breached_at.is_not(None),
        and_(Case.status.in_(OPEN_STATUSES), Case.sla_paused_at.is_(None), Case.due_at < now),
    )
    if breached is True:
        conditions.append(late)
    elif breached is False:
        conditions.append(~late)
    total = int(session.scalar(select(func.count()).select_from(Case).where(*conditions)) or 0)
    done = Case.status.in_(("resolved", "closed"))
    rows = session.scalars(
        select(Case).where(*conditions).order_by(done, Case.due_at, Case.id).limit(limit).offset(offset)
    )
    return total, list(rows)


def open_cases_of(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> list[dict[str, Any]]:
    """The customer's open cases as the context API shows them (most urgent first)."""
    now = utcnow()
    rows = session.scalars(
        select(Case)
        .where(Case.workspace_id == workspace_id, Case.customer_id == customer_id, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.due_at)
    )
    return [
        {
            "id": str(c.id),
            "title": c.title,
            "status": c.status,
            "priority": c.priority,
            "department": c.department,
            "due_at": c.due_at,
            "breached": is_breached(c, now),
        }
        for c in rows
    ]


def customers_with_open_cases(
    session: Session, *, workspace_id: uuid.UUID, customer_ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    ids = list(set(customer_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Case.customer_id).where(
                Case.workspace_id == workspace_id,
                is_one_of(session, Case.customer_id, ids),
                Case.status.in_(OPEN_STATUSES),
            )
        )
    )


def customers_with_cases_since(
    session: Session, *, workspace_id: uuid.UUID, customer_ids: Collection[uuid.UUID], since: datetime
) -> set[uuid.UUID]:
    """Customers with any case opened since ``since``: for them the case, not the complaint, says what is open."""
    ids = list(set(customer_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(Case.customer_id).where(
                Case.workspace_id == workspace_id, is_one_of(session, Case.customer_id, ids), Case.signal_at >= since
            )
        )
    )


STATS_GROUPS = {
    "department": Case.department,
    "rule": Case.rule_key,
    "priority": Case.priority,
    "touchpoint": Case.touchpoint,
}


def loop_stats(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    by: str | None = "department",
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> list[GroupStats]:
    """Loop measures per department (or rule, priority, touchpoint; ``None``: one overall group) over the
    cases opened in ``[since, until)``. Reads only the columns the measures need."""
    if by is not None and by not in STATS_GROUPS:
        raise CxhubError("invalid_group", f"by must be one of {', '.join(STATS_GROUPS)}", field="by")
    now = now or utcnow()
    group = STATS_GROUPS[by] if by is not None else None
    query = select(
        group if group is not None else Case.workspace_id,
        Case.status,
        Case.signal_at,
        Case.opened_at,
        Case.first_action_at,
        Case.resolved_at,
        Case.due_at,
        Case.breached_at,
        Case.sla_paused_at,
        Case.score_after,
        Case.recovered,
    ).where(Case.workspace_id == workspace_id)
    if since is not None:
        query = query.where(Case.opened_at >= since)
    if until is not None:
        query = query.where(Case.opened_at < until)
    facts = [
        CaseFacts(
            group=(str(row[0]) if row[0] is not None else None) if group is not None else None,
            status=row[1],
            signal_at=row[2],
            opened_at=row[3],
            first_action_at=row[4],
            resolved_at=row[5],
            due_at=row[6],
            breached_at=row[7],
            paused=row[8] is not None,
            score_after=row[9],
            recovered=row[10],
        )
        for row in session.execute(query)
    ]
    return [GroupStats.model_validate(g) for g in loop_measures(facts, now)]
