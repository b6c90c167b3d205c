"""Pydantic I/O of the surveys API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cxhub.surveys.models import Survey, SurveyInvitation


class SurveyOut(BaseModel):
    id: uuid.UUID
    slug: str
    name: str
    audience: str
    status: str
    version: int
    created_at: datetime
    updated_at: datetime
    definition: dict[str, Any] | None = None

    @classmethod
    def of(cls, survey: Survey, *, full: bool = True) -> SurveyOut:
        return cls(
            id=survey.id,
            slug=survey.slug,
            name=survey.name,
            audience=survey.audience,
            status=survey.status,
            version=survey.version,
            created_at=survey.created_at,
            updated_at=survey.updated_at,
            definition=survey.definition if full else None,
        )


class ImportOut(BaseModel):
    created: bool
    survey: SurveyOut


class InvitationOut(BaseModel):
    id: uuid.UUID
    survey_id: uuid.UUID
    survey_version: int
    customer_id: uuid.UUID | None
    trigger_event_id: str | None
    channel: str
    language: str
    status: str
    reason: str | None
    due_at: datetime
    sent_at: datetime | None
    expires_at: datetime
    responded_at: datetime | None
    attempts: int
    context: dict[str, Any]
    link: str | None = Field(default=None, description="The public form; absent for suppressed invitations.")

    @classmethod
    def of(cls, invitation: SurveyInvitation, link: str | None = None) -> InvitationOut:
        return cls(
            id=invitation.id,
            survey_id=invitation.survey_id,
            survey_version=invitation.survey_version,
            customer_id=invitation.customer_id,
            trigger_event_id=invitation.trigger_event_id,
            channel=invitation.channel,
            language=invitation.language,
            status=invitation.status,
            reason=invitation.reason,
            due_at=invitation.due_at,
            sent_at=invitation.sent_at,
            expires_at=invitation.expires_at,
            responded_at=invitation.responded_at,
            attempts=invitation.attempts,
            context=invitation.context or {},
            link=link,
        )


class InviteIn(BaseModel):
    """Invite one customer, named by id or by e-mail address."""

    model_config = ConfigDict(extra="forbid")

    customer_id: uuid.UUID | None = None
    email: str | None = Field(default=None, max_length=320)
    channel: Literal["link", "email"] = "link"
    language: Literal["it", "en"] | None = None
    context: dict[str, str | int | float | bool] = Field(
        default_factory=dict, description="Carried onto the response: touchpoint, channel, journey_stage, unit…"
    )

    @model_validator(mode="after")
    def one_customer(self) -> InviteIn:
        if (self.customer_id is None) == (self.email is None):
            raise ValueError("give exactly one of customer_id or email")
        return self


class OpenLinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    touchpoint: str | None = Field(default=None, min_length=1, max_length=128)
    unit: str | None = Field(default=None, min_length=1, max_length=128)
    department: str | None = Field(default=None, min_length=1, max_length=128)
    channel: Literal["qr", "kiosk"] = "qr"
    expires_days: int | None = Field(default=None, ge=1, le=3650, description="None: the link does not expire.")


class OpenLinkOut(BaseModel):
    url: str
    survey: str
    touchpoint: str | None
    unit: str | None
    department: str | None
    channel: str
    expires_at: datetime | None


class PolicyIO(BaseModel):
    """The contact policy of the workspace."""

    model_config = ConfigDict(extra="forbid")

    min_days_between_invitations: int = Field(default=30, ge=0, le=3650)
    suppress_while_complaint_open: bool = True
    complaint_window_days: int = Field(default=60, ge=1, le=3650)
    link_ttl_days: int = Field(default=14, ge=1, le=365)
    max_trigger_age_days: int = Field(default=3, ge=0, le=3650)
    quiet_hours_start: int | None = Field(default=None, ge=0, le=23)
    quiet_hours_end: int | None = Field(default=None, ge=0, le=23)
    timezone: str = Field(default="Europe/Rome", max_length=64)

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone, e.g. Europe/Rome") from None
        return value


class DispatchOut(BaseModel):
    sent: int
    failed: int
    suppressed: int
    postponed: int
    expired: int
