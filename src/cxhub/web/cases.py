"""Cases: the queue, a case with its history, and working it (assign, comment, move it to closure).

A department lead sees and works only their department's cases. Every change goes through
``cxhub.cases.workflow`` with the case's version, so two people editing at once get a clear conflict.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from babel.dates import format_timedelta
from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from cxhub.cases import service as cases
from cxhub.cases import workflow
from cxhub.cases.models import OPEN_STATUSES, Case
from cxhub.db import utcnow
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import SessionDep
from cxhub.web.i18n import C_, LOCALES, N_
from cxhub.web.overview import names_of
from cxhub.web.render import render, web_router
from cxhub.web.security import Viewer, ViewerDep, check_csrf

router = web_router()
PAGE = 50
STATUS_LABELS = {
    "new": N_("new"),
    "in_progress": N_("in progress"),
    "waiting_customer": N_("waiting for the customer"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
# Shown with pgettext("case priority", …): Italian agrees a priority in the feminine (bassa, alta).
PRIORITY_LABELS = {
    "low": C_("case priority", "low"),
    "medium": C_("case priority", "medium"),
    "high": C_("case priority", "high"),
    "urgent": C_("case priority", "urgent"),
}
VIEWS = {"open": OPEN_STATUSES, "done": ("resolved", "closed"), "all": None}


def backlog(session: Session, *, workspace_id: uuid.UUID, department: str | None = None) -> dict[str, Any]:
    """Open cases and how many are past their SLA, overall and per department: the overview's panel."""
    now = utcnow()
    late = or_(Case.breached_at.is_not(None), and_(Case.sla_paused_at.is_(None), Case.due_at < now))
    query = (
        select(Case.department, func.count(), func.sum(when((late, 1), else_=0)))
        .where(Case.workspace_id == workspace_id, Case.status.in_(OPEN_STATUSES))
        .group_by(Case.department)
    )
    if department is not None:
        query = query.where(Case.department == department)
    rows = [
        {"department": key, "open": int(count), "breached": int(breached or 0)}
        for key, count, breached in session.execute(query)
    ]
    rows.sort(key=lambda row: (-row["breached"], -row["open"], row["department"] or ""))
    return {"open": sum(r["open"] for r in rows), "breached": sum(r["breached"] for r in rows), "departments": rows}


def sla_text(case: Any, language: str, now: datetime) -> str:
    """ "in 5 hours" / "2 days ago", in the reader's language; empty once the case is done."""
    if case.status not in OPEN_STATUSES:
        return ""
    return format_timedelta(
        case.due_at - now, add_direction=True, granularity="minute", threshold=1.5, locale=LOCALES[language]
    )


def _scope(viewer: Viewer) -> str | None:
    """The department a lead is kept to; None for everyone who sees every case."""
    viewer.require("cases")
    return viewer.user.department_key if viewer.user.role == "department_lead" else None


@router.get("/app/cases")
def queue(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    view: str = "open",
    department: str | None = None,
    mine: str | None = None,
    late: str | None = None,
    page: int = 0,
) -> Response:
    own = _scope(viewer)
    view = view if view in VIEWS else "open"
    total, rows = cases.list_cases(
        session,
        workspace_id=viewer.workspace_id,
        status=VIEWS[view],
        department=own or department or None,
        assignee=viewer.user.email if mine == "1" else None,
        breached=True if late == "1" else None,
        limit=PAGE,
        offset=max(page, 0) * PAGE,
    )
    now = utcnow()
    names, _ = names_of(session, viewer.workspace_id)
    return render(
        request,
        "cases.html",
        {
            "title": N_("Cases"),
            "cases": [cases.case_out(case, now) for case in rows],
            "sla": {case.id: sla_text(case, viewer.language, now) for case in rows},
            "total": total,
            "view": view,
            "department": own or department or "",
            "mine": mine == "1",
            "late": late == "1",
            "page": max(page, 0),
            "pages": (total + PAGE - 1) // PAGE,
            "status_labels": STATUS_LABELS,
            "priority_labels": PRIORITY_LABELS,
            "touchpoint_names": names,
            "backlog": backlog(session, workspace_id=viewer.workspace_id, department=own),
        },
        viewer=viewer,
        active="cases",
    )


def _case_for(session: Session, viewer: Viewer, case_id: uuid.UUID) -> Case:
    own = _scope(viewer)
    case = cases.get_case(session, workspace_id=viewer.workspace_id, case_id=case_id)
    if own is not None and case.department != own:
        raise CxhubError("forbidden", N_("This case belongs to another department."), status=403)
    return case


def _case_page(
    request: Request, viewer: Viewer, session: Session, case_id: uuid.UUID, *, problem: str | None = None
) -> Response:
    _case_for(session, viewer, case_id)
    detail = cases.case_detail(session, workspace_id=viewer.workspace_id, case_id=case_id)
    names, _ = names_of(session, viewer.workspace_id)
    now = utcnow()
    return render(
        request,
        "case.html",
        {
            "title": N_("Case"),
            "case": detail,
            "sla": sla_text(detail, viewer.language, now),
            "status_labels": STATUS_LABELS,
            "priority_labels": PRIORITY_LABELS,
            "touchpoint_names": names,
            "problem": problem,
        },
        viewer=viewer,
        active="cases",
        status=400 if problem else 200,
    )


@router.get("/app/cases/{case_id}")
def case_page(request: Request, case_id: uuid.UUID, viewer: ViewerDep, session: SessionDep) -> Response:
    return _case_page(request, viewer, session, case_id)


@router.post("/app/cases/{case_id}")
def work_case(
    request: Request,
    case_id: uuid.UUID,
    viewer: ViewerDep,
    session: SessionDep,
    action: Annotated[str, Form()],
    version: Annotated[int, Form()],
    csrf_token: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    to: Annotated[str, Form()] = "",
    resolution: Annotated[str, Form()] = "",
    root_cause: Annotated[str, Form()] = "",
) -> Response:
    """One form per action; a refused change (a stale version, a step the machine forbids) is shown
    on the case page, and nothing of it is written."""
    check_csrf(viewer.csrf, csrf_token)
    _case_for(session, viewer, case_id)
    ws, actor = viewer.workspace_id, viewer.user.email
    try:
        if action == "assign":
            workflow.assign(session, workspace_id=ws, case_id=case_id, assignee=assignee, version=version, actor=actor)
        elif action == "note":
            if not note.strip():
                return _case_page(request, viewer, session, case_id, problem=N_("Write the comment first."))
            workflow.add_note(
                session, workspace_id=ws, case_id=case_id, text=note.strip()[:5000], actor=actor, version=version
            )
        elif action == "status":
            workflow.transition(
                session,
                workspace_id=ws,
                case_id=case_id,
                to=to,
                version=version,
                actor=actor,
                note=note.strip() or None,
                resolution=resolution.strip() or None,
                root_cause=root_cause.strip() or None,
            )
        else:
            raise CxhubError("invalid_action", f"unknown action {action!r}", field="action")
    except CxhubError as exc:
        session.rollback()
        return _case_page(request, viewer, session, case_id, problem=exc.message)
    return RedirectResponse(f"/app/cases/{case_id}", status_code=303)
