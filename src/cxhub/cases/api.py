"""``/api/v1/rules`` and ``/api/v1/cases``: rules with dry runs, cases with their history, loop measures.

Scopes: reading needs ``read``; working cases (edit, note, assign, move) needs ``ingest``, the scope of
systems that write into the hub (a CRM, an agent desk); rules, settings and the tick need ``admin``.
Name the person acting with ``X-Cxhub-Actor`` (else the key is the actor). Notifications a change
queues are sent after its transaction commits.
"""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import event
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cxhub.cases import notify, routing, rulebook, service, tasks, workflow
from cxhub.cases import rules as lang
from cxhub.cases.matching import dry_run
from cxhub.cases.schemas import (
    AssignIn,
    CaseDetail,
    CaseOut,
    CasePage,
    CasePatch,
    DryRunOut,
    GroupStats,
    NoteIn,
    NotificationOut,
    RuleDefinition,
    RuleImportItem,
    RuleOut,
    SettingsDoc,
    TickOut,
    TransitionIn,
)
from cxhub.db import with_retry
from cxhub.governance.service import Principal
from cxhub.kit import jsonio
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub, HubDep, Ingester, Reader, SessionDep, scoped

log = logging.getLogger("cxhub.cases")
rules_router = APIRouter(prefix="/api/v1/rules", tags=["rules"])
cases_router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
Admin = Annotated[Principal, Depends(scoped("admin"))]
ActorHeader = Annotated[str | None, Header(alias="X-Cxhub-Actor", max_length=200)]
MAX_RULES_BYTES = 2 * 1024 * 1024


def _actor(principal: Principal, header: str | None) -> str:
    return header.strip() if header and header.strip() else f"key:{principal.key_id}"


def _rule_out(rule: Any) -> RuleOut:
    return RuleOut(
        key=rule.key,
        version=rule.version,
        name=rule.name,
        status=rule.status,
        definition=rule.definition,
        created_at=rule.created_at,
        activated_at=rule.activated_at,
        last_dry_run=rule.last_dry_run,
    )


_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxhub-case-notify")


def _send_quietly(hub: Hub, workspace_id: uuid.UUID) -> None:
    try:
        notify.drain_outbox(hub.sessions, settings=hub.settings, workspace_id=workspace_id)
    except Exception:  # noqa: BLE001 - the outbox keeps what was not sent; the tick tries again
        log.exception("sending case notifications failed")


def _send_after_commit(session: Session, hub: Hub, workspace_id: uuid.UUID) -> None:
    """Send what this request queued once its transaction has committed: a rollback sends nothing,
    and the request does not wait for webhooks (one sender thread; ``cases tick`` catches the rest)."""

    def kick(_: Session) -> None:
        _sender.submit(_send_quietly, hub, workspace_id)

    event.listen(session, "after_commit", kick, once=True)


# --- rules -----------------------------------------------------------------------------------------


@rules_router.get("", response_model=list[RuleOut], summary="The current version of every rule")
def list_rules(session: SessionDep, principal: Reader, status: str | None = None) -> list[RuleOut]:
    return [_rule_out(r) for r in rulebook.list_rules(session, workspace_id=principal.workspace_id, status=status)]


@rules_router.post(
    "", response_model=RuleImportItem, status_code=201, summary="Create a rule, or its next version when it exists"
)
def save_rule(definition: RuleDefinition, hub: HubDep, principal: Admin, force: bool = False) -> RuleImportItem:
    def work(session: Any) -> RuleImportItem:
        return rulebook.import_rules(
            session, workspace_id=principal.workspace_id, definitions=[definition], force=force, source="api"
        )[0]

    return with_retry(hub.sessions, work)


@rules_router.post("/import", response_model=list[RuleImportItem], summary="Import a rules file (YAML or JSON)")
async def import_rules(request: Request, hub: HubDep, principal: Admin, force: bool = False) -> list[RuleImportItem]:
    raw = await request.body()
    if len(raw) > MAX_RULES_BYTES:
        raise CxhubError("payload_too_large", "a rules file is at most 2 MiB", status=413)
    if "json" in request.headers.get("content-type", ""):
        try:
            definitions = lang.parse_rules(jsonio.loads(raw))
        except jsonio.JSONDecodeError as exc:
            raise CxhubError("malformed_json", f"body is not valid JSON: {exc}") from None
    else:
        definitions = lang.parse_rules_yaml(raw)

    def work(session: Any) -> list[RuleImportItem]:
        return rulebook.import_rules(
            session, workspace_id=principal.workspace_id, definitions=definitions, force=force, source="api"
        )

    return await run_in_threadpool(with_retry, hub.sessions, work)


@rules_router.get(
    "/export.yaml",
    response_class=Response,
    summary="Every rule as the YAML file `rules import` reads",
    responses={200: {"content": {"application/yaml": {}}}},
)
def export_rules(session: SessionDep, principal: Reader) -> Response:
    rows = rulebook.list_rules(session, workspace_id=principal.workspace_id)
    text = lang.dump_rules_yaml(
        [(rulebook.definition_of(r), r.status == "active") for r in rows],
        header=f"cxhub rules of workspace {principal.workspace_slug}",
    )
    return Response(text, media_type="application/yaml")


@rules_router.get("/{key}", summary="A rule with every version it had")
def get_rule(key: str, session: SessionDep, principal: Reader) -> dict[str, Any]:
    versions = rulebook.rule_versions(session, workspace_id=principal.workspace_id, key=key)
    current = next(r for r in versions if r.is_current)
    return {
        "current": _rule_out(current).model_dump(mode="json"),
        "versions": [_rule_out(r).model_dump(mode="json") for r in versions],
    }


@rules_router.post("/{key}/dry-run", response_model=DryRunOut, summary="What the rule would match over past events")
def dry_run_rule(
    key: str, session: SessionDep, principal: Reader, days: Annotated[int | None, Query(ge=1, le=3650)] = None
) -> DryRunOut:
    rule = rulebook.current_rule(session, workspace_id=principal.workspace_id, key=key)
    return dry_run(
        session,
        workspace_id=principal.workspace_id,
        definition=rulebook.definition_of(rule),
        version=rule.version,
        days=days,
    )


@rules_router.post("/{key}/activate", response_model=DryRunOut, summary="Activate after a dry run (guarded)")
def activate_rule(key: str, session: SessionDep, principal: Admin, force: bool = False) -> DryRunOut:
    return rulebook.activate_rule(session, workspace_id=principal.workspace_id, key=key, force=force)


@rules_router.post("/{key}/pause", response_model=RuleOut, summary="Stop a rule from opening cases")
def pause_rule(key: str, session: SessionDep, principal: Admin) -> RuleOut:
    return _rule_out(rulebook.pause_rule(session, workspace_id=principal.workspace_id, key=key))


# --- cases -----------------------------------------------------------------------------------------


@cases_router.get("", response_model=CasePage, summary="Cases, filtered; most urgent first")
def list_cases(
    session: SessionDep,
    principal: Reader,
    status: Annotated[list[str] | None, Query()] = None,
    department: str | None = None,
    priority: str | None = None,
    assignee: str | None = None,
    customer_id: uuid.UUID | None = None,
    rule: str | None = None,
    breached: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CasePage:
    total, rows = service.list_cases(
        session,
        workspace_id=principal.workspace_id,
        status=[s for part in status or [] for s in part.split(",") if s],
        department=department,
        priority=priority,
        assignee=assignee,
        customer_id=customer_id,
        rule=rule,
        breached=breached,
        limit=limit,
        offset=offset,
    )
    return CasePage(total=total, cases=[service.case_out(c) for c in rows])


@cases_router.get("/stats", response_model=list[GroupStats], summary="Loop measures by department, rule…")
def case_stats(
    session: SessionDep,
    principal: Reader,
    by: str = "department",
    since: Annotated[str | None, Query(alias="from")] = None,
    until: Annotated[str | None, Query(alias="to")] = None,
) -> list[GroupStats]:
    from cxhub.governance.ownership import period_bound

    return service.loop_stats(
        session,
        workspace_id=principal.workspace_id,
        by=None if by == "all" else by,
        since=period_bound(since, field="from"),
        until=period_bound(until, field="to"),
    )


@cases_router.get("/settings", response_model=SettingsDoc, summary="Business hours, SLA per priority, notifications")
def get_case_settings(session: SessionDep, principal: Reader) -> SettingsDoc:
    return routing.get_settings(session, workspace_id=principal.workspace_id)


@cases_router.put("/settings", response_model=SettingsDoc, summary="Replace the case settings")
def put_case_settings(document: SettingsDoc, session: SessionDep, principal: Admin) -> SettingsDoc:
    return routing.save_settings(session, workspace_id=principal.workspace_id, document=document)


@cases_router.get("/notifications", response_model=list[NotificationOut], summary="The notification outbox and log")
def list_notifications(
    session: SessionDep,
    principal: Reader,
    case_id: uuid.UUID | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[NotificationOut]:
    rows = notify.list_notifications(
        session, workspace_id=principal.workspace_id, case_id=case_id, status=status, limit=limit
    )
    return [NotificationOut.model_validate(r, from_attributes=True) for r in rows]


@cases_router.post("/tick", response_model=TickOut, summary="Run the scheduled check now: silence, SLA, outbox")
def tick(hub: HubDep, principal: Admin) -> TickOut:
    return tasks.tick(hub.sessions, settings=hub.settings, workspace_id=principal.workspace_id).out()


@cases_router.get("/{case_id}", response_model=CaseDetail, summary="A case with its events and history")
def get_case(case_id: uuid.UUID, session: SessionDep, principal: Reader) -> CaseDetail:
    return service.case_detail(session, workspace_id=principal.workspace_id, case_id=case_id)


@cases_router.patch("/{case_id}", response_model=CaseOut, summary="Change fields (send the version you read)")
def patch_case(
    case_id: uuid.UUID,
    patch: CasePatch,
    session: SessionDep,
    hub: HubDep,
    principal: Ingester,
    actor: ActorHeader = None,
) -> CaseOut:
    case = workflow.update_case(
        session, workspace_id=principal.workspace_id, case_id=case_id, patch=patch, actor=_actor(principal, actor)
    )
    _send_after_commit(session, hub, principal.workspace_id)
    return service.case_out(case)


@cases_router.post("/{case_id}/notes", response_model=CaseOut, status_code=201, summary="Add a note")
def add_note(
    case_id: uuid.UUID, body: NoteIn, session: SessionDep, principal: Ingester, actor: ActorHeader = None
) -> CaseOut:
    case = workflow.add_note(
        session,
        workspace_id=principal.workspace_id,
        case_id=case_id,
        text=body.text,
        version=body.version,
        actor=_actor(principal, actor),
    )
    return service.case_out(case)


@cases_router.post("/{case_id}/assign", response_model=CaseOut, summary="Assign (or unassign with null)")
def assign_case(
    case_id: uuid.UUID,
    body: AssignIn,
    session: SessionDep,
    hub: HubDep,
    principal: Ingester,
    actor: ActorHeader = None,
) -> CaseOut:
    case = workflow.assign(
        session,
        workspace_id=principal.workspace_id,
        case_id=case_id,
        assignee=body.assignee,
        version=body.version,
        actor=_actor(principal, actor),
    )
    _send_after_commit(session, hub, principal.workspace_id)
    return service.case_out(case)


@cases_router.post("/{case_id}/transitions", response_model=CaseOut, summary="Move the case to another status")
def transition_case(
    case_id: uuid.UUID,
    body: TransitionIn,
    session: SessionDep,
    hub: HubDep,
    principal: Ingester,
    actor: ActorHeader = None,
) -> CaseOut:
    case = workflow.transition(
        session,
        workspace_id=principal.workspace_id,
        case_id=case_id,
        to=body.to,
        version=body.version,
        actor=_actor(principal, actor),
        note=body.note,
        resolution=body.resolution,
        root_cause=body.root_cause,
        followup=body.followup,
        followup_survey=body.followup_survey,
    )
    _send_after_commit(session, hub, principal.workspace_id)
    return service.case_out(case)
