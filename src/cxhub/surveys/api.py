"""``/api/v1/surveys``: definitions, invitations, open links; ``/api/v1/survey-policy``."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cxhub.db import transaction
from cxhub.governance.service import Principal
from cxhub.identity.service import find_customer_by_identifier
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub, HubDep, Ingester, Reader, SessionDep, scoped
from cxhub.surveys import invitations, links, policy, service
from cxhub.surveys.definition import SurveyDefinition, load_definition
from cxhub.surveys.schemas import (
    ImportOut,
    InvitationOut,
    InviteIn,
    OpenLinkIn,
    OpenLinkOut,
    PolicyIO,
    SurveyOut,
)

T = TypeVar("T")
router = APIRouter(prefix="/api/v1", tags=["surveys"])
Admin = Annotated[Principal, Depends(scoped("admin"))]
MAX_DEFINITION_BYTES = 1024 * 1024
_DEFINITION_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}
Status = Annotated[str, Query(pattern="^(draft|active|archived)$")]


async def _definition(request: Request) -> SurveyDefinition:
    """The body as a definition: JSON or YAML, told by its content type (or its first character)."""
    body = await request.body()
    if len(body) > MAX_DEFINITION_BYTES:
        raise CxhubError("body_too_large", f"a definition may take at most {MAX_DEFINITION_BYTES} bytes", status=413)
    kind = request.headers.get("content-type", "").lower()
    fmt = "json" if "json" in kind else "yaml" if "yaml" in kind else None
    return load_definition(body.decode("utf-8", "replace"), fmt)


async def _write(hub: Hub, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction, off the event loop (the body was read on it)."""

    def run() -> T:
        with transaction(hub.sessions) as session:
            return work(session)

    return await run_in_threadpool(run)


@router.get("/surveys", response_model=list[SurveyOut], summary="List surveys")
def list_surveys(session: SessionDep, principal: Reader, status: Status | None = None) -> list[SurveyOut]:
    found = service.list_surveys(session, workspace_id=principal.workspace_id, status=status)
    return [SurveyOut.of(s, full=False) for s in found]


@router.post(
    "/surveys",
    response_model=SurveyOut,
    status_code=201,
    openapi_extra=_DEFINITION_BODY,
    summary="Create a survey from a JSON or YAML definition",
)
async def create_survey(request: Request, hub: HubDep, principal: Admin, status: Status = "active") -> SurveyOut:
    definition = await _definition(request)

    def work(session: Session) -> SurveyOut:
        survey = service.create_survey(
            session, workspace_id=principal.workspace_id, definition=definition, status=status
        )
        return SurveyOut.of(survey)

    return await _write(hub, work)


@router.post(
    "/surveys/import",
    response_model=ImportOut,
    openapi_extra=_DEFINITION_BODY,
    summary="Create the survey, or update the one with the same slug (its version grows)",
)
async def import_survey(request: Request, hub: HubDep, principal: Admin, status: Status | None = None) -> ImportOut:
    definition = await _definition(request)

    def work(session: Session) -> ImportOut:
        survey, created = service.import_survey(
            session, workspace_id=principal.workspace_id, definition=definition, status=status
        )
        return ImportOut(created=created, survey=SurveyOut.of(survey))

    return await _write(hub, work)


@router.get("/surveys/{slug}", response_model=SurveyOut)
def get_survey(slug: str, session: SessionDep, principal: Reader) -> SurveyOut:
    return SurveyOut.of(service.get_survey(session, workspace_id=principal.workspace_id, slug=slug))


@router.put("/surveys/{slug}", response_model=SurveyOut, openapi_extra=_DEFINITION_BODY, summary="Replace a definition")
async def update_survey(request: Request, slug: str, hub: HubDep, principal: Admin) -> SurveyOut:
    definition = await _definition(request)

    def work(session: Session) -> SurveyOut:
        survey = service.update_survey(session, workspace_id=principal.workspace_id, slug=slug, definition=definition)
        return SurveyOut.of(survey)

    return await _write(hub, work)


@router.get("/surveys/{slug}/export", response_class=PlainTextResponse, summary="The definition as YAML or JSON")
def export_survey(
    slug: str,
    session: SessionDep,
    principal: Reader,
    format: Annotated[str, Query(pattern="^(yaml|json)$")] = "yaml",
) -> PlainTextResponse:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, slug=slug)
    media = "application/json" if format == "json" else "application/yaml"
    return PlainTextResponse(service.export_survey(survey, format), media_type=media)


@router.post("/surveys/{slug}/archive", response_model=SurveyOut, summary="Stop triggers and close the form")
def archive_survey(slug: str, session: SessionDep, principal: Admin) -> SurveyOut:
    return SurveyOut.of(service.set_status(session, workspace_id=principal.workspace_id, slug=slug, status="archived"))


@router.post("/surveys/{slug}/activate", response_model=SurveyOut)
def activate_survey(slug: str, session: SessionDep, principal: Admin) -> SurveyOut:
    return SurveyOut.of(service.set_status(session, workspace_id=principal.workspace_id, slug=slug, status="active"))


@router.get("/surveys/{slug}/invitations", response_model=list[InvitationOut], summary="Invitations and decisions")
def list_invitations(
    slug: str,
    session: SessionDep,
    principal: Reader,
    status: Annotated[str | None, Query(max_length=16)] = None,
    reason: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[InvitationOut]:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, slug=slug)
    found = invitations.list_invitations(
        session,
        workspace_id=principal.workspace_id,
        survey_id=survey.id,
        status=status,
        reason=reason,
        limit=limit,
        offset=offset,
    )
    return [InvitationOut.of(i) for i in found]


@router.post(
    "/surveys/{slug}/invitations",
    response_model=InvitationOut,
    status_code=201,
    summary="Invite a customer; the answer holds the link (unless the contact policy suppressed it)",
)
def invite(slug: str, body: InviteIn, session: SessionDep, hub: HubDep, principal: Ingester) -> InvitationOut:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, slug=slug)
    customer_id = body.customer_id
    if customer_id is None:
        assert body.email is not None
        customer_id = find_customer_by_identifier(
            session,
            workspace_id=principal.workspace_id,
            kind="email",
            value=body.email,
            region=hub.settings.default_region,
        )
    invitation = invitations.invite(
        session,
        survey=survey,
        customer_id=customer_id,
        channel=body.channel,
        language=body.language,
        context=dict(body.context),
    )
    return InvitationOut.of(invitation, invitations.form_url(hub.settings, invitation))


@router.get("/surveys/{slug}/invitations/{invitation_id}", response_model=InvitationOut)
def get_invitation(
    slug: str, invitation_id: uuid.UUID, session: SessionDep, hub: HubDep, principal: Reader
) -> InvitationOut:
    survey = service.get_survey(session, workspace_id=principal.workspace_id, slug=slug)
    invitation = invitations.get_invitation(session, workspace_id=principal.workspace_id, invitation_id=invitation_id)
    if invitation.survey_id != survey.id:
        raise CxhubError("invitation_not_found", f"no invitation {invitation_id} for {slug!r}", status=404)
    return InvitationOut.of(invitation, invitations.form_url(hub.settings, invitation))


@router.post("/surveys/{slug}/links", response_model=OpenLinkOut, status_code=201, summary="Mint an open link")
def mint_open_link(slug: str, body: OpenLinkIn, session: SessionDep, hub: HubDep, principal: Admin) -> OpenLinkOut:
    """An anonymous link for a kiosk or a QR code at one touchpoint or unit: every submission is a new
    anonymous response."""
    survey = service.get_survey(session, workspace_id=principal.workspace_id, slug=slug)
    expires = datetime.now(UTC) + timedelta(days=body.expires_days) if body.expires_days else None
    link = links.OpenLink(
        workspace_id=principal.workspace_id,
        survey=survey.slug,
        touchpoint=body.touchpoint,
        unit=body.unit,
        department=body.department,
        channel=body.channel,
        expires_at=int(expires.timestamp()) if expires else None,
    )
    return OpenLinkOut(
        url=invitations.open_url(hub.settings, link),
        survey=survey.slug,
        touchpoint=body.touchpoint,
        unit=body.unit,
        department=body.department,
        channel=body.channel,
        expires_at=expires,
    )


@router.get("/survey-policy", response_model=PolicyIO, summary="The contact policy")
def get_policy(session: SessionDep, principal: Reader) -> PolicyIO:
    rules = service.get_policy(session, workspace_id=principal.workspace_id)
    return PolicyIO(**dataclasses.asdict(rules))


@router.put("/survey-policy", response_model=PolicyIO, summary="Replace the contact policy")
def put_policy(body: PolicyIO, session: SessionDep, principal: Admin) -> PolicyIO:
    rules = service.put_policy(session, workspace_id=principal.workspace_id, rules=policy.Rules(**body.model_dump()))
    return PolicyIO(**dataclasses.asdict(rules))
