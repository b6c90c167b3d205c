"""A response becomes events: checked, ingested like any event, the invitation marked in the same
transaction. Nothing of a refused response is stored."""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cxhub.config import Settings
from cxhub.db import utcnow
from cxhub.events.service import ingest, record_from_payload
from cxhub.identity.normalize import priority
from cxhub.identity.service import identifiers_of, live_customer_id
from cxhub.kit.errors import CxhubError
from cxhub.pipeline import Queue
from cxhub.privacy import service as privacy
from cxhub.surveys import links
from cxhub.surveys.answers import build_events
from cxhub.surveys.definition import SurveyDefinition
from cxhub.surveys.models import Survey, SurveyInvitation
from cxhub.surveys.service import definition_of

ANSWERABLE = ("scheduled", "sending", "sent", "failed")
ANONYMOUS = "anonymous"
_RESPONSE_ID = re.compile(r"^[0-9a-f]{32}$")


class FormError(CxhubError):
    """Why a public link cannot be answered; the form shows a page for each ``code``."""


BAD_LINK = ("link_invalid", 404)
EXPIRED = ("link_expired", 410)
ANSWERED = ("already_answered", 409)
CLOSED = ("survey_closed", 410)
OPTED_OUT = ("opted_out", 403)


def _fail(kind: tuple[str, int], language: str | None = None) -> FormError:
    """The error; ``language`` (when the invitation is known) lets its page speak the customer's language."""
    return FormError(kind[0], kind[0].replace("_", " "), status=kind[1], details={"language": language})


@dataclass
class Opened:
    """A link that may be answered: the survey, its definition and what the response will carry."""

    survey: Survey
    definition: SurveyDefinition
    invitation: SurveyInvitation | None = None
    link: links.OpenLink | None = None

    @property
    def language(self) -> str | None:
        return self.invitation.language if self.invitation is not None else None


def open_invitation(session: Session, *, settings: Settings, token: str, now: datetime | None = None) -> Opened:
    """The invitation a token opens, or the FormError that explains why it cannot be answered."""
    now = now or utcnow()
    try:
        invitation_id = links.read_invitation_token(settings.resolved_secret_key(), token, now=now.timestamp())
    except links.BadLink:
        raise _fail(BAD_LINK) from None
    except links.ExpiredLink:
        raise _fail(EXPIRED) from None
    invitation = session.scalar(select(SurveyInvitation).where(SurveyInvitation.id == invitation_id))
    if invitation is None or invitation.status == "suppressed":
        raise _fail(BAD_LINK)
    language = invitation.language
    if invitation.status == "responded":
        raise _fail(ANSWERED, language)
    if invitation.status == "expired" or invitation.expires_at < now:
        raise _fail(EXPIRED, language)
    survey = session.get(Survey, invitation.survey_id)
    if survey is None:
        raise _fail(BAD_LINK)
    if survey.status != "active":
        raise _fail(CLOSED, language)
    if invitation.customer_id is not None and _refused(session, invitation):
        raise _fail(OPTED_OUT, language)
    return Opened(survey=survey, definition=definition_of(survey), invitation=invitation)


def open_link(session: Session, *, settings: Settings, token: str, now: datetime | None = None) -> Opened:
    """The survey an open (kiosk, QR) link stands for."""
    now = now or utcnow()
    try:
        link = links.read_open_token(settings.resolved_secret_key(), token, now=now.timestamp())
    except links.BadLink:
        raise _fail(BAD_LINK) from None
    except links.ExpiredLink:
        raise _fail(EXPIRED) from None
    survey = session.scalar(select(Survey).where(Survey.workspace_id == link.workspace_id, Survey.slug == link.survey))
    if survey is None:
        raise _fail(BAD_LINK)
    if survey.status != "active":
        raise _fail(CLOSED)
    return Opened(survey=survey, definition=definition_of(survey), link=link)


def _refused(session: Session, invitation: SurveyInvitation) -> bool:
    assert invitation.customer_id is not None
    try:
        live = live_customer_id(session, workspace_id=invitation.workspace_id, customer_id=invitation.customer_id)
    except CxhubError:
        return False
    return bool(privacy.refused(session, workspace_id=invitation.workspace_id, customer_ids=[live]))


def submit(
    session: Session,
    *,
    opened: Opened,
    answers: dict[str, Any],
    language: str,
    settings: Settings,
    queue: Queue,
    response_id: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Store a checked response as events; returns their event ids.

    An invitation is marked ``responded`` by a conditional update first: of two submissions racing,
    the second finds it answered (409) and stores nothing. An open-link response is identified by
    ``response_id`` (the form's hidden id), so a double click stores it once.
    """
    now = now or utcnow()
    survey, definition = opened.survey, opened.definition
    invitation = opened.invitation
    context: dict[str, Any]
    always: dict[str, Any] = {}
    if invitation is not None:
        marked = session.execute(
            update(SurveyInvitation)
            .where(SurveyInvitation.id == invitation.id, SurveyInvitation.status.in_(ANSWERABLE))
            .values(status="responded", responded_at=now)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            raise _fail(ANSWERED, invitation.language)
        rid = invitation.id.hex
        context = dict(invitation.context or {})
        response_channel = "email" if invitation.channel == "email" else "web"
        identifiers = _identifiers(session, definition, invitation)
    else:
        assert opened.link is not None
        link = opened.link
        rid = response_id if response_id and _RESPONSE_ID.match(response_id) else secrets.token_hex(16)
        context = {"touchpoint": link.touchpoint}
        always = link.context()
        response_channel = link.channel
        identifiers = {ANONYMOUS: rid}
    touchpoint = context.get("touchpoint") or definition.touchpoint or survey.slug
    channel = context.get("channel") or definition.channel or response_channel
    payloads = build_events(
        definition,
        response_id=rid,
        answers=answers,
        language=language,
        occurred_at=now,
        identifiers=identifiers,
        touchpoint=str(touchpoint),
        channel=str(channel),
        response_channel=response_channel,
        version=survey.version,
        context=context,
        always=always,
    )
    report = ingest(
        session,
        workspace_id=survey.workspace_id,
        records=[record_from_payload(payload) for payload in payloads],
        source="survey",
        settings=settings,
        queue=queue,
        dead_letter=False,
    )
    rejected = [o for o in report.outcomes if o.status == "rejected"]
    if rejected:
        problems = "; ".join(f"{p.field}: {p.problem}" for o in rejected for p in o.problems)
        raise CxhubError("response_rejected", f"the response could not be stored: {problems}", status=422)
    return [str(payload["event_id"]) for payload in payloads]


def _identifiers(session: Session, definition: SurveyDefinition, invitation: SurveyInvitation) -> dict[str, str]:
    """The customer's strongest identifier, so the response lands on their timeline; employees and
    invitations without a customer answer anonymously."""
    if definition.audience == "employee" or invitation.customer_id is None:
        return {ANONYMOUS: invitation.id.hex}
    try:
        live = live_customer_id(session, workspace_id=invitation.workspace_id, customer_id=invitation.customer_id)
    except CxhubError:
        return {ANONYMOUS: invitation.id.hex}
    known = identifiers_of(session, workspace_id=invitation.workspace_id, customer_id=live)
    if not known:
        return {ANONYMOUS: invitation.id.hex}
    kind = min(known, key=lambda k: (priority(k), k))
    return {kind: known[kind][0]}


def new_response_id() -> str:
    return uuid.uuid4().hex
