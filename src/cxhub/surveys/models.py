from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.db import Base, UTCDateTime, utcnow


class Survey(Base):
    """A survey definition; ``version`` grows on every change so an answer says what it answered."""

    __tablename__ = "surveys"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slug"),
        Index("ix_surveys_workspace_status", "workspace_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyInvitation(Base):
    """One decision about asking one customer: scheduled, sent, suppressed (and why), answered.

    Unique per trigger event and survey, so running the pipeline again on an event decides nothing new.
    ``due_at`` is when the next delivery attempt may happen.
    """

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("workspace_id", "survey_id", "trigger_event_id"),
        Index("ix_survey_invitations_due", "status", "due_at"),
        Index("ix_survey_invitations_customer", "workspace_id", "customer_id", "due_at"),
        Index("ix_survey_invitations_survey", "workspace_id", "survey_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    survey_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("surveys.id"))
    survey_version: Mapped[int]
    customer_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    trigger_event_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SurveyPolicy(Base):
    """The contact policy of a workspace; a workspace without a row gets the defaults."""

    __tablename__ = "survey_policies"

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    min_days_between_invitations: Mapped[int] = mapped_column(default=30)
    suppress_while_complaint_open: Mapped[bool] = mapped_column(default=True)
    complaint_window_days: Mapped[int] = mapped_column(default=60)
    link_ttl_days: Mapped[int] = mapped_column(default=14)
    max_trigger_age_days: Mapped[int] = mapped_column(default=3)
    quiet_hours_start: Mapped[int | None] = mapped_column(nullable=True)
    quiet_hours_end: Mapped[int | None] = mapped_column(nullable=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Rome")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
