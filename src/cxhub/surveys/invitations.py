"""Invitations: the facts the contact policy needs, one decision row per invitation, their links."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.config import Settings
from cxhub.db import utcnow
from cxhub.identity.models import Identifier
from cxhub.identity.service import live_customer_id
from cxhub.kit.errors import CxhubError, NotFound
from cxhub.kit.sql import is_one_of
from cxhub.privacy import service as privacy
from cxhub.surveys import links, policy
from cxhub.surveys.models import Survey, SurveyInvitation
from cxhub.surveys.service import complaint_open_customers, definition_of, get_policy

CHANNELS = ("email", "webhook", "link")
# Invitations that count as "asked" for the minimum gap between two invitations.
COUNTED = ("scheduled", "sending", "sent", "failed", "responded")


@dataclass
class Known:
    """Facts about a set of customers, fetched in a few bulk queries."""

    refused: set[uuid.UUID] = field(default_factory=set)
    complaint_open: set[uuid.UUID] = field(default_factory=set)
    last_invited: dict[uuid.UUID, datetime] = field(default_factory=dict)
    emails: dict[uuid.UUID, str] = field(default_factory=dict)

    def facts(self, customer_id: uuid.UUID, *, channel: str, survey_active: bool = True) -> policy.Facts:
        return policy.Facts(
            opted_out=customer_id in self.refused,
            complaint_open=customer_id in self.complaint_open,
            last_invited_at=self.last_invited.get(customer_id),
            needs_address=channel == "email",
            has_address=customer_id in self.emails,
            survey_active=survey_active,
        )


def gather(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    customer_ids: Collection[uuid.UUID],
    rules: policy.Rules,
    now: datetime,
    exclude: uuid.UUID | None = None,
) -> Known:
    """What the policy needs about ``customer_ids`` (live ids); ``exclude`` leaves one invitation out
    of "last invited" (the one being decided again at dispatch)."""
    ids = list(set(customer_ids))
    known = Known()
    if not ids:
        return known
    known.refused = privacy.refused(session, workspace_id=workspace_id, customer_ids=ids)
    if rules.suppress_while_complaint_open:
        known.complaint_open = complaint_open_customers(
            session, workspace_id=workspace_id, customer_ids=ids, window_days=rules.complaint_window_days, now=now
        )
    if rules.min_days_between_invitations > 0:
        window = timedelta(days=rules.min_days_between_invitations)
        query = (
            select(SurveyInvitation.customer_id, func.max(SurveyInvitation.due_at))
            .where(
                SurveyInvitation.workspace_id == workspace_id,
                is_one_of(session, SurveyInvitation.customer_id, ids),
                SurveyInvitation.status.in_(COUNTED),
                # Decisions are about "now" give or take a trigger's age: older invitations cannot be close.
                SurveyInvitation.due_at >= now - window - timedelta(days=rules.max_trigger_age_days + 1),
            )
            .group_by(SurveyInvitation.customer_id)
        )
        if exclude is not None:
            query = query.where(SurveyInvitation.id != exclude)
        known.last_invited = {cid: when for cid, when in session.execute(query) if cid is not None}
    rows = session.execute(
        select(Identifier.customer_id, Identifier.value)
        .where(
            Identifier.workspace_id == workspace_id,
            Identifier.type == "email",
            is_one_of(session, Identifier.customer_id, ids),
        )
        .order_by(Identifier.first_seen_at)
    )
    known.emails = {cid: value for cid, value in rows}  # the latest address seen wins
    return known


class SurveyRef(Protocol):
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def workspace_id(self) -> uuid.UUID: ...
    @property
    def version(self) -> int: ...


def new_invitation(
    *,
    survey: SurveyRef,
    customer_id: uuid.UUID | None,
    trigger_event_id: str | None,
    channel: str,
    language: str,
    due_at: datetime,
    rules: policy.Rules,
    reason: str | None,
    context: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """One invitation row (for a bulk insert): ``scheduled``, or ``suppressed`` with its reason."""
    return {
        "id": uuid.uuid4(),
        "workspace_id": survey.workspace_id,
        "survey_id": survey.id,
        "survey_version": survey.version,
        "customer_id": customer_id,
        "trigger_event_id": trigger_event_id,
        "channel": channel,
        "language": language,
        "status": "suppressed" if reason else "scheduled",
        "reason": reason,
        "due_at": due_at,
        "sent_at": None,
        "expires_at": due_at + timedelta(days=rules.link_ttl_days),
        "responded_at": None,
        "attempts": 0,
        "last_attempt_at": None,
        "context": context,
        "created_at": now,
    }


def invite(
    session: Session,
    *,
    survey: Survey,
    customer_id: uuid.UUID,
    channel: str = "link",
    language: str | None = None,
    context: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> SurveyInvitation:
    """Invite one customer by hand. The contact policy applies as to any trigger: the row says
    ``suppressed`` and why when it refuses. A ``link`` invitation is ``sent`` at once (the caller
    hands the link over); e-mail and webhook ones are sent by the next dispatch."""
    if survey.status != "active":
        raise CxhubError("survey_inactive", f"survey {survey.slug!r} is {survey.status}", status=409, field="slug")
    if channel not in CHANNELS:
        raise CxhubError("invalid_channel", f"channel must be one of {', '.join(CHANNELS)}", field="channel")
    if channel == "webhook":
        raise CxhubError(
            "invalid_channel", "webhook invitations come from a trigger with a webhook_url", field="channel"
        )
    definition = definition_of(survey)
    if definition.audience == "employee":
        raise CxhubError(
            "employee_survey", "employee surveys are answered anonymously through open links", field="slug"
        )
    if language is not None and language not in definition.languages:
        raise CxhubError(
            "invalid_language", f"language must be one of {', '.join(definition.languages)}", field="language"
        )
    now = now or utcnow()
    workspace_id = survey.workspace_id
    live = live_customer_id(session, workspace_id=workspace_id, customer_id=customer_id)
    rules = get_policy(session, workspace_id=workspace_id)
    known = gather(session, workspace_id=workspace_id, customer_ids=[live], rules=rules, now=now)
    reason = policy.decide(rules, known.facts(live, channel=channel), at=now)
    row = new_invitation(
        survey=survey,
        customer_id=live,
        trigger_event_id=None,
        channel=channel,
        language=language or definition.default_language,
        due_at=now,
        rules=rules,
        reason=reason,
        context=dict(context or {}),
        now=now,
    )
    invitation = SurveyInvitation(**row)
    if channel == "link" and reason is None:
        invitation.status = "sent"
        invitation.sent_at = now
    session.add(invitation)
    session.flush()
    return invitation


def get_invitation(session: Session, *, workspace_id: uuid.UUID, invitation_id: uuid.UUID) -> SurveyInvitation:
    found = session.scalar(
        select(SurveyInvitation).where(
            SurveyInvitation.workspace_id == workspace_id, SurveyInvitation.id == invitation_id
        )
    )
    if found is None:
        raise NotFound("invitation_not_found", f"no invitation {invitation_id} in this workspace", field="id")
    return found


def list_invitations(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    survey_id: uuid.UUID | None = None,
    status: str | None = None,
    reason: str | None = None,
    customer_id: uuid.UUID | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[SurveyInvitation]:
    query = select(SurveyInvitation).where(SurveyInvitation.workspace_id == workspace_id)
    if survey_id is not None:
        query = query.where(SurveyInvitation.survey_id == survey_id)
    if status:
        query = query.where(SurveyInvitation.status == status)
    if reason:
        query = query.where(SurveyInvitation.reason == reason)
    if customer_id is not None:
        query = query.where(SurveyInvitation.customer_id == customer_id)
    query = query.order_by(SurveyInvitation.created_at.desc(), SurveyInvitation.id).limit(limit).offset(offset)
    return list(session.scalars(query))


def form_url(settings: Settings, invitation: SurveyInvitation) -> str | None:
    """The invitation's public link; None for one that was suppressed (nobody may answer it)."""
    if invitation.status == "suppressed":
        return None
    token = links.invitation_token(
        settings.resolved_secret_key(), invitation.id, int(invitation.expires_at.timestamp())
    )
    return f"{settings.public_url.rstrip('/')}/s/{token}"


def optout_url(settings: Settings, invitation: SurveyInvitation) -> str:
    token = links.optout_token(settings.resolved_secret_key(), invitation.id)
    return f"{settings.public_url.rstrip('/')}/s/optout/{token}"


def open_url(settings: Settings, link: links.OpenLink) -> str:
    return f"{settings.public_url.rstrip('/')}/s/open/{links.open_token(settings.resolved_secret_key(), link)}"
