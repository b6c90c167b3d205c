"""Settings → alert rules: each rule's versions and state, a dry run over past events, activate or pause.

Anyone who reads the settings may dry-run a rule (it writes nothing); only admins activate or pause,
and activation goes through ``cases.rulebook.activate_rule``, whose guard refuses a rule that would
match too much of the past unless the admin ticks "force".
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cxhub.cases import rulebook
from cxhub.cases.matching import dry_run
from cxhub.cases.schemas import DryRunOut
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import SessionDep
from cxhub.web.i18n import C_, N_
from cxhub.web.render import render, web_router
from cxhub.web.security import Viewer, ViewerDep, check_csrf

router = web_router()
# A rule (una regola) is feminine in Italian, a survey masculine: each status set has its context.
RULE_STATUS_LABELS = {
    "draft": C_("rule status", "draft"),
    "active": C_("rule status", "active"),
    "paused": C_("rule status", "paused"),
}


def _page(
    request: Request,
    viewer: Viewer,
    session: Session,
    key: str,
    *,
    status: int = 200,
    result: DryRunOut | None = None,
    problem: str | None = None,
) -> Response:
    ws = viewer.workspace_id
    rule = rulebook.current_rule(session, workspace_id=ws, key=key)
    context: dict[str, Any] = {
        "title": rule.name or rule.key,
        "rule": rule,
        "versions": list(reversed(rulebook.rule_versions(session, workspace_id=ws, key=key))),
        "definition": rulebook.definition_of(rule).model_dump(mode="json", exclude_none=True),
        "rule_status_labels": RULE_STATUS_LABELS,
        "manage": viewer.can("manage"),
        "result": result,
        "problem": problem,
    }
    return render(request, "rule.html", context, viewer=viewer, active="settings", status=status)


@router.get("/app/settings/rules/{key}")
def rule_page(request: Request, key: str, viewer: ViewerDep, session: SessionDep) -> Response:
    viewer.require("settings")
    return _page(request, viewer, session, key)


@router.post("/app/settings/rules/{key}/dry-run")
def rule_dry_run(
    request: Request, key: str, viewer: ViewerDep, session: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    """What the current version would have matched over the workspace's dry-run period (default 90 days)."""
    check_csrf(viewer.csrf, csrf_token)
    viewer.require("settings")
    rule = rulebook.current_rule(session, workspace_id=viewer.workspace_id, key=key)
    result = dry_run(
        session, workspace_id=viewer.workspace_id, definition=rulebook.definition_of(rule), version=rule.version
    )
    return _page(request, viewer, session, key, result=result)


@router.post("/app/settings/rules/{key}/activate")
def rule_activate(
    request: Request,
    key: str,
    viewer: ViewerDep,
    session: SessionDep,
    force: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf, csrf_token)
    viewer.require("manage")
    try:
        rulebook.activate_rule(session, workspace_id=viewer.workspace_id, key=key, force=force == "1")
    except CxhubError as exc:
        if exc.code != "rule_too_broad":
            raise
        found = DryRunOut.model_validate({**exc.details.get("dry_run", {}), "samples": []})
        problem = N_("This rule matches more past events than the guard allows: tick “force” if that is meant.")
        return _page(request, viewer, session, key, status=409, result=found, problem=problem)
    return RedirectResponse(f"/app/settings/rules/{key}", status_code=303)


@router.post("/app/settings/rules/{key}/pause")
def rule_pause(
    request: Request, key: str, viewer: ViewerDep, session: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(viewer.csrf, csrf_token)
    viewer.require("manage")
    rulebook.pause_rule(session, workspace_id=viewer.workspace_id, key=key)
    return RedirectResponse(f"/app/settings/rules/{key}", status_code=303)
