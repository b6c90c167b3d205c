"""Settings: workspaces, users and roles, API keys, the governance map, alert rules and the surveys.

CX managers read it; only admins change anything (the ``manage`` permission). Every form carries the
session's CSRF token.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cxhub.cases.rulebook import list_rules
from cxhub.governance import service as governance
from cxhub.governance import users
from cxhub.governance.ownership import load_map, stages_overview, touchpoints_overview
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import SessionDep
from cxhub.surveys.service import list_surveys
from cxhub.web.i18n import N_
from cxhub.web.render import render, web_router
from cxhub.web.rules import RULE_STATUS_LABELS
from cxhub.web.security import Viewer, ViewerDep, check_csrf
from cxhub.web.surveys import SURVEY_STATUS_LABELS

router = web_router()
ROLE_LABELS = {
    "admin": N_("Administrator"),
    "cx_manager": N_("CX manager"),
    "analyst": N_("Analyst"),
    "department_lead": N_("Department lead"),
    "agent": N_("Agent"),
    "viewer": N_("Viewer"),
}


def _page(request: Request, viewer: Viewer, session: Session, *, status: int = 200, **extra: Any) -> Response:
    ws = viewer.workspace_id
    document = load_map(session, workspace_id=ws)
    context: dict[str, Any] = {
        "title": N_("Settings"),
        "manage": viewer.can("manage"),
        "workspaces": governance.list_workspaces(session),
        "current_workspace": ws,
        "users": users.list_users(session, workspace_id=ws),
        "roles": users.ROLES,
        "role_labels": ROLE_LABELS,
        "departments": document.departments,
        "touchpoints": touchpoints_overview(document),
        "stages": stages_overview(document),
        "map_version": document.version,
        "keys": governance.list_api_keys(session, workspace_id=ws),
        "scopes": governance.SCOPES,
        "surveys": list_surveys(session, workspace_id=ws),
        "survey_status_labels": SURVEY_STATUS_LABELS,
        "rules": list_rules(session, workspace_id=ws),
        "rule_status_labels": RULE_STATUS_LABELS,
        "problem": None,
        "new_token": None,
        "new_password": None,
    }
    context.update(extra)
    return render(request, "settings.html", context, viewer=viewer, active="settings", status=status)


def _manage(viewer: Viewer, csrf_token: str) -> None:
    check_csrf(viewer.csrf, csrf_token)
    viewer.require("manage")


@router.get("/app/settings")
def settings_page(request: Request, viewer: ViewerDep, session: SessionDep) -> Response:
    viewer.require("settings")
    return _page(request, viewer, session)


@router.post("/app/settings/users")
def create_user(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    email: Annotated[str, Form()],
    role: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    department: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The new user's first password is generated and shown once, to hand over in person."""
    _manage(viewer, csrf_token)
    password = users.generate_password()
    try:
        # Checks come before any write, so a refused user leaves nothing behind to roll back.
        users.create_user(
            session,
            workspace_id=viewer.workspace_id,
            email=email,
            password=password,
            role=role,
            name=name,
            department_key=department or None,
        )
    except CxhubError as exc:
        return _page(request, viewer, session, status=400, problem=exc.message)
    return _page(request, viewer, session, new_password={"email": email.strip().lower(), "password": password})


@router.post("/app/settings/users/{user_id}")
def update_user(
    request: Request,
    user_id: uuid.UUID,
    viewer: ViewerDep,
    session: SessionDep,
    role: Annotated[str, Form()],
    department: Annotated[str, Form()] = "",
    disabled: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _manage(viewer, csrf_token)
    if user_id == viewer.user.id and (role != "admin" or disabled):
        return _page(request, viewer, session, status=400, problem=N_("You cannot demote or disable yourself."))
    try:
        users.set_role(
            session, workspace_id=viewer.workspace_id, user_id=user_id, role=role, department_key=department or None
        )
        users.set_disabled(session, workspace_id=viewer.workspace_id, user_id=user_id, disabled=disabled == "1")
    except CxhubError as exc:
        return _page(request, viewer, session, status=400, problem=exc.message)
    return RedirectResponse("/app/settings#users", status_code=303)


@router.post("/app/settings/keys")
def create_key(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _manage(viewer, csrf_token)
    try:
        wanted = governance.parse_scopes(scopes or [])
    except CxhubError as exc:
        return _page(request, viewer, session, status=400, problem=exc.message)
    _, token = governance.create_api_key(session, workspace_id=viewer.workspace_id, scopes=wanted, name=name[:200])
    return _page(request, viewer, session, new_token=token)


@router.post("/app/settings/keys/{prefix}/revoke")
def revoke_key(
    request: Request, prefix: str, viewer: ViewerDep, session: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    _manage(viewer, csrf_token)
    keys = {key.prefix for key in governance.list_api_keys(session, workspace_id=viewer.workspace_id)}
    if prefix not in keys:
        raise CxhubError("api_key_not_found", f"no API key with prefix {prefix!r}", status=404)
    governance.revoke_api_key(session, prefix=prefix)
    return RedirectResponse("/app/settings#keys", status_code=303)


@router.post("/app/settings/workspace")
def switch_workspace(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    workspace: Annotated[uuid.UUID, Form()],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    _manage(viewer, csrf_token)
    users.switch_workspace(session, user=viewer.user, user_session=viewer.user_session, workspace_id=workspace)
    return RedirectResponse("/app", status_code=303)
