"""Department pages: each department's KPIs on its own touchpoints. A lead sees only their own."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from cxhub.governance.ownership import departments_overview, load_map
from cxhub.governance.schemas import DepartmentOut
from cxhub.governance.users import can_see_department
from cxhub.kit.errors import CxhubError, NotFound
from cxhub.kit.http import HubDep, SessionDep
from cxhub.metrics.stats import METRICS
from cxhub.web.cache import Snapshot
from cxhub.web.i18n import N_
from cxhub.web.overview import (
    all_changes,
    anonymous,
    by_field,
    case_backlog,
    last_week_start,
    names_of,
    pick_days,
    pooled,
    rising_negative_topics,
    window,
)
from cxhub.web.render import render, web_router
from cxhub.web.security import Viewer, ViewerDep

router = web_router()


def owned_touchpoints(department: DepartmentOut) -> list[str]:
    """The touchpoints a department answers for: accountable or responsible, in map order."""
    seen: list[str] = []
    for key in [*department.touchpoints.get("A", []), *department.touchpoints.get("R", [])]:
        if key not in seen:
            seen.append(key)
    return seen


def find_department(session: Session, workspace_id: uuid.UUID, key: str) -> DepartmentOut:
    for department in departments_overview(load_map(session, workspace_id=workspace_id)):
        if department.key == key:
            return department
    raise NotFound("department_not_found", f"no department {key!r} in the governance map", field="department")


def touchpoints_visible_to(session: Session, viewer: Viewer) -> list[str] | None:
    """None when the viewer may read every touchpoint; a lead gets their department's list."""
    if viewer.user.role != "department_lead" or not viewer.user.department_key:
        return None
    try:
        return owned_touchpoints(find_department(session, viewer.workspace_id, viewer.user.department_key))
    except NotFound:
        return []


def kpi_cards(
    session: Session,
    workspace_id: uuid.UUID,
    department: DepartmentOut,
    touchpoints: Sequence[str],
    start: datetime,
    end: datetime,
    min_group: int,
) -> list[dict[str, Any]]:
    """The department's KPIs that are survey metrics, measured on its touchpoints, against its targets."""
    cards: list[dict[str, Any]] = []
    for kpi in department.kpis:
        spec = METRICS.get(kpi.metric)
        if spec is None:
            cards.append({"metric": kpi.metric, "spec": None, "target": kpi.target, "result": None})
            continue
        result = pooled(session, workspace_id, kpi.metric, start, end, touchpoints) if touchpoints else None
        if result is not None:
            result = anonymous(result, kpi.metric, min_group)
        cards.append(
            {
                "metric": kpi.metric,
                "spec": spec,
                "target": kpi.target,
                "result": result,
                "met": target_met(kpi.metric, kpi.target, result),
            }
        )
    return cards


def target_met(metric: str, target: float | None, result: Mapping[str, Any] | None) -> bool | None:
    """Whether the target is reached; a CSAT target on the 1–5 scale is read against the mean answer."""
    spec = METRICS.get(metric)
    if spec is None or target is None or not result or result.get("value") is None:
        return None
    value = result["value"]
    if spec.kind == "top2box" and target <= spec.scale_max:
        value = result.get("mean")
    if value is None:
        return None
    return bool(value >= target) if spec.higher_is_better else bool(value <= target)


@router.get("/app/departments")
def departments(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    if viewer.user.role == "department_lead" and viewer.user.department_key:
        return department_page_redirect(viewer)
    viewer.require("departments")
    listing = departments_overview(load_map(session, workspace_id=viewer.workspace_id))
    rows = [{"department": d, "touchpoints": owned_touchpoints(d)} for d in listing]
    return render(
        request, "departments.html", {"title": N_("Departments"), "rows": rows}, viewer=viewer, active="departments"
    )


def department_page_redirect(viewer: Viewer) -> Response:
    from fastapi.responses import RedirectResponse

    return RedirectResponse(f"/app/departments/{viewer.user.department_key}", status_code=303)


@router.get("/app/departments/{key}")
def department(
    request: Request, key: str, viewer: ViewerDep, session: SessionDep, hub: HubDep, days: int | None = None
) -> Response:
    if not can_see_department(viewer.user, key):
        raise CxhubError("forbidden", N_("This page belongs to another department."), status=403)
    ws, k = viewer.workspace_id, hub.settings.voe_min_group_size
    found = find_department(session, ws, key)
    days = pick_days(days)
    start, end = window(days)
    touchpoints = owned_touchpoints(found)
    names, _ = names_of(session, ws)
    snapshot = Snapshot(session, workspace_id=ws)
    tables = []
    for metric in ("nps", "csat", "ces"):
        rows = [
            row
            for row in by_field(session, ws, metric, "touchpoint", start, end, k)
            if row["touchpoint"] in touchpoints
        ]
        if rows:
            tables.append({"metric": metric, "label": METRICS[metric].label(viewer.language), "rows": rows})
    return render(
        request,
        "department.html",
        {
            "title": found.labels.get(viewer.language, found.name),
            "department": found,
            "days": days,
            "touchpoints": touchpoints,
            "touchpoint_names": names,
            "kpis": kpi_cards(session, ws, found, touchpoints, start, end, k),
            "tables": tables,
            "changes": [c for c in all_changes(snapshot, session, ws, end, k, names) if c["touchpoint"] in touchpoints],
            "rising": snapshot.get(
                "rising",
                (last_week_start(end), tuple(touchpoints)),
                lambda: rising_negative_topics(session, ws, end, touchpoints=touchpoints),
            ),
            "can_drill": viewer.can("feedback"),
            "cases": case_backlog(session, ws, department=key) if viewer.can("cases") else None,
        },
        viewer=viewer,
        active="departments",
    )
