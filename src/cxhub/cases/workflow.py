"""People working a case: the status machine, assignment, notes and edits, each checked against ``version``.

A stale ``version`` is refused with 409 ``case_conflict``; the ORM's version column refuses it again
at write time, should two writers pass the check together. The first of these changes on a case is
its first action, the moment the loop measures count to.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cxhub.cases import notify
from cxhub.cases.models import OPEN_STATUSES, Case
from cxhub.cases.routing import calendar_of, get_settings
from cxhub.cases.schemas import CasePatch
from cxhub.cases.service import TRANSITIONS, get_case, history, lead_email, timeline_row
from cxhub.cases.sla import add_business_hours, business_hours_between
from cxhub.db import table_of, utcnow
from cxhub.events.models import Event
from cxhub.kit.bulk import bulk_insert
from cxhub.kit.errors import CxhubError

REOPEN_DAYS = 30  # a closed case can be reopened this long; after that a new signal opens a new case


def _locked(session: Session, workspace_id: uuid.UUID, case_id: uuid.UUID, version: int | None) -> Case:
    case = get_case(session, workspace_id=workspace_id, case_id=case_id)
    if version is not None and case.version != version:
        raise _conflict(case.version, version)
    return case


def _conflict(current: int | None, read: int | None) -> CxhubError:
    return CxhubError(
        "case_conflict",
        f"the case changed since you read it (version {current}, you sent {read}): read it again",
        status=409,
        field="version",
        details={"current_version": current},
    )


def _flush(session: Session, case: Case, version: int | None) -> Case:
    try:
        session.flush()
    except StaleDataError:
        raise _conflict(None, version) from None
    return case


def _acted(case: Case, now: datetime) -> None:
    if case.first_action_at is None:
        case.first_action_at = now


def transition(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    case_id: uuid.UUID,
    to: str,
    version: int | None,
    actor: str,
    note: str | None = None,
    resolution: str | None = None,
    root_cause: str | None = None,
    followup: bool = False,
    followup_survey: str | None = None,
    now: datetime | None = None,
) -> Case:
    """Move a case along new → in_progress → waiting_customer → resolved → closed (or reopen it).

    Refused with 409 ``invalid_transition`` naming both states when the machine does not allow the
    step; waiting for the customer stops the SLA clock and leaving that state restarts it.
    """
    now = now or utcnow()
    case = _locked(session, workspace_id, case_id, version)
    _move(session, case, to, actor=actor, now=now, note=note, resolution=resolution, root_cause=root_cause)
    if to == "closed" and (followup or followup_survey):
        _send_followup(session, case, followup_survey, actor=actor, now=now)
    return _flush(session, case, version)


def _move(
    session: Session,
    case: Case,
    to: str,
    *,
    actor: str,
    now: datetime,
    note: str | None = None,
    resolution: str | None = None,
    root_cause: str | None = None,
) -> None:
    before = case.status
    if to not in TRANSITIONS:
        raise CxhubError("invalid_status", f"unknown status {to!r}", field="to")
    if to not in TRANSITIONS[before]:
        allowed = ", ".join(TRANSITIONS[before]) or "none"
        raise CxhubError(
            "invalid_transition",
            f"a case cannot go from {before} to {to} (from {before}: {allowed})",
            status=409,
            field="to",
            details={"from": before, "to": to, "allowed": list(TRANSITIONS[before])},
        )
    settings = get_settings(session, workspace_id=case.workspace_id)
    calendar = calendar_of(settings)
    changes: dict[str, Any] = {"status": [before, to]}
    if before == "closed" and case.closed_at is not None and now - case.closed_at > timedelta(days=REOPEN_DAYS):
        raise CxhubError(
            "reopen_expired",
            f"case was closed more than {REOPEN_DAYS} days ago: a new signal opens a new case",
            status=409,
        )
    if (
        before in ("resolved", "closed") and to in OPEN_STATUSES
    ):  # reopening: a fresh SLA clock, unless another case now holds the topic
        clash = session.scalar(
            select(Case.id).where(
                Case.workspace_id == case.workspace_id,
                Case.customer_id == case.customer_id,
                Case.topic == case.topic,
                Case.status.in_(OPEN_STATUSES),
                Case.id != case.id,
            )
        )
        if clash is not None:
            raise CxhubError(
                "case_duplicate_open",
                f"case {clash} is already open for this customer and topic",
                status=409,
                details={"open_case_id": str(clash)},
            )
        case.resolved_at = case.closed_at = None
        case.due_at = add_business_hours(now, case.sla_hours, calendar)
        changes["due_at"] = [None, case.due_at.isoformat()]
    if before == "waiting_customer":
        remaining = max(case.sla_remaining_hours or 0.0, 0.0)
        old_due = case.due_at
        case.due_at = add_business_hours(now, remaining, calendar) if case.breached_at is None else case.due_at
        case.sla_paused_at, case.sla_remaining_hours = None, None
        changes["due_at"] = [old_due.isoformat(), case.due_at.isoformat()]
    if to == "waiting_customer":
        case.sla_paused_at = now
        case.sla_remaining_hours = business_hours_between(now, case.due_at, calendar)
    if to == "resolved":
        case.resolved_at = now
    if to == "closed":
        case.closed_at = now
    for name, value in (("resolution", resolution), ("root_cause", root_cause)):
        if value is not None and value != getattr(case, name):
            changes[name] = [getattr(case, name), value]
            setattr(case, name, value)
    case.status = to
    case.updated_at = now
    _acted(case, now)
    history(session, case, "status", actor, changes, at=now, note=note)
    kind = "case_resolved" if to == "resolved" else "case_updated"
    bulk_insert(session, table_of(Event), [timeline_row(case, kind, now, {"from": before, "to": to})])
    if to == "resolved":
        lead = lead_email(session, case.workspace_id, case.department, {})
        notify.queue(
            session,
            case=case,
            kind="resolved",
            settings=settings,
            emails=[lead] if lead else [],
            now=now,
            occasion=f"resolved:{now.isoformat()}",
        )


def _send_followup(session: Session, case: Case, slug: str | None, *, actor: str, now: datetime) -> None:
    from cxhub.surveys.invitations import invite
    from cxhub.surveys.service import get_survey

    slug = slug or get_settings(session, workspace_id=case.workspace_id).followup_survey
    if not slug:
        raise CxhubError(
            "followup_survey_required",
            "name the follow-up survey (followup_survey) or set one in the case settings",
            field="followup_survey",
        )
    session.flush()  # the contact policy must see this case closed
    survey = get_survey(session, workspace_id=case.workspace_id, slug=slug)
    invitation = invite(
        session,
        survey=survey,
        customer_id=case.customer_id,
        channel="email",
        context={"case_id": str(case.id)},
        now=now,
    )
    case.followup_survey = slug
    if invitation.status != "suppressed":
        case.followup_sent_at = now
    history(
        session,
        case,
        "followup",
        actor,
        {"survey": [None, slug], "invitation": [None, invitation.status]},
        at=now,
        note=invitation.reason,
    )


def assign(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    case_id: uuid.UUID,
    assignee: str | None,
    version: int | None,
    actor: str,
    now: datetime | None = None,
) -> Case:
    now = now or utcnow()
    case = _locked(session, workspace_id, case_id, version)
    _assign(session, case, assignee, actor=actor, now=now)
    return _flush(session, case, version)


def _assign(session: Session, case: Case, assignee: str | None, *, actor: str, now: datetime) -> None:
    assignee = (assignee or "").strip() or None
    if assignee == case.assignee:
        return
    history(session, case, "assigned", actor, {"assignee": [case.assignee, assignee]}, at=now)
    case.assignee = assignee
    case.updated_at = now
    _acted(case, now)
    if assignee:
        settings = get_settings(session, workspace_id=case.workspace_id)
        notify.queue(
            session,
            case=case,
            kind="assigned",
            settings=settings,
            emails=[assignee],
            now=now,
            occasion=f"assigned:{assignee}:{now.isoformat()}",
        )


def add_note(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    case_id: uuid.UUID,
    text: str,
    actor: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Case:
    """A note is an action: it counts as the first action on a new case. Without ``version`` a note
    never conflicts (notes only add), but it still bumps the version others must read."""
    now = now or utcnow()
    case = _locked(session, workspace_id, case_id, version)
    history(session, case, "note", actor, {}, at=now, note=text)
    case.updated_at = now
    _acted(case, now)
    return _flush(session, case, version)


def update_case(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    case_id: uuid.UUID,
    patch: CasePatch,
    actor: str,
    now: datetime | None = None,
) -> Case:
    """Apply a PATCH: plain fields, then the assignee, then the status (through the machine)."""
    now = now or utcnow()
    case = _locked(session, workspace_id, case_id, patch.version)
    changes: dict[str, Any] = {}
    for name in ("title", "priority", "tags", "root_cause", "resolution"):
        value = getattr(patch, name)
        if value is not None and value != getattr(case, name):
            changes[name] = [getattr(case, name), value]
            setattr(case, name, list(value) if name == "tags" else value)
    if changes:
        case.updated_at = now
        _acted(case, now)
        history(session, case, "updated", actor, changes, at=now)
    if "assignee" in patch.model_fields_set:
        _assign(session, case, patch.assignee, actor=actor, now=now)
    if patch.status is not None and patch.status != case.status:
        _move(session, case, patch.status, actor=actor, now=now)
    return _flush(session, case, patch.version)
