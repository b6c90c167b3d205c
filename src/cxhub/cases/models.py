"""Alert rules (versioned), cases with their history and linked events, SLA settings, the notification outbox."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.db import Base, BigId, UTCDateTime, utcnow

OPEN_STATUSES = ("new", "in_progress", "waiting_customer")
_OPEN_SQL = "status IN ('new', 'in_progress', 'waiting_customer')"


class Rule(Base):
    """One version of an alert rule. An edit writes a new row; the old one stays, no longer ``current``."""

    __tablename__ = "case_rules"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key", "version"),
        Index("ix_case_rules_current", "workspace_id", "is_current", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    # draft (never active), active, paused
    status: Mapped[str] = mapped_column(String(16), default="draft")
    name: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The dry run shown when it was activated: {"scanned": n, "matched": m, "share": s, "forced": bool}.
    last_dry_run: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    source: Mapped[str] = mapped_column(String(200), default="")


class Case(Base):
    """A bad experience someone must act on: routed to a department, timed by an SLA, closed with a result.

    ``version`` is the optimistic lock: every update names the version it read. A partial unique index
    keeps one open case per customer and topic, even when two batches race to open it.
    """

    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "ix_cases_one_open",
            "workspace_id",
            "customer_id",
            "topic",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_cases_workspace_status", "workspace_id", "status", "due_at"),
        Index("ix_cases_workspace_opened", "workspace_id", "opened_at"),
        Index("ix_cases_customer", "workspace_id", "customer_id", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    topic: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    rule_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    rule_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    touchpoint: Mapped[str] = mapped_column(String(128))
    stage: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The department's key, not its id: a map re-import may drop a department a closed case still names.
    department: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(320), nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    root_cause: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    signal_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sla_hours: Mapped[float] = mapped_column(Float)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # While waiting for the customer the clock stops: what was left of the SLA, in business hours.
    sla_paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sla_remaining_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    metric: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score_before: Mapped[float | None] = mapped_column(Float, nullable=True)
    score_after: Mapped[float | None] = mapped_column(Float, nullable=True)
    recovered: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    followup_survey: Mapped[str | None] = mapped_column(String(64), nullable=True)
    followup_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    events_count: Mapped[int] = mapped_column(Integer, default=1)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The ORM's own optimistic lock: UPDATE ... WHERE version = <read>, so even two writers that both
    # passed the API's version check cannot both win.
    __mapper_args__ = {"version_id_col": version}


class CaseLink(Base):
    """An event that fed a case: the signal that opened it and every repeat that was added to it."""

    __tablename__ = "case_links"
    __table_args__ = (
        UniqueConstraint("workspace_id", "case_id", "event_id"),
        Index("ix_case_links_event", "workspace_id", "event_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    rule_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseHistory(Base):
    """Every change to a case, who made it and what it was: ``changes`` maps a field to [before, after]."""

    __tablename__ = "case_history"
    __table_args__ = (Index("ix_case_history_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    # opened, linked, updated, status, assigned, note, breached, escalated, followup, recovered
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class CaseSettings(Base):
    """A workspace's business hours, SLA per priority and notification targets (defaults when absent)."""

    __tablename__ = "case_settings"

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(Base):
    """One message to send (a webhook or an e-mail), written in the transaction that caused it.

    Drained after commit, so a rolled-back change notifies no one. ``key`` makes it idempotent: the
    same case event never queues the same message twice, and retries update this one row.
    """

    __tablename__ = "case_notifications"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_case_notifications_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(1000))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # pending, sending (claimed by a drainer until next_attempt_at), sent, failed (gave up), skipped
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class DeliveryAttempt(Base):
    """The delivery log: one row per try of a notification, with what the other side answered."""

    __tablename__ = "case_delivery_attempts"
    __table_args__ = (Index("ix_case_delivery_attempts_notification", "notification_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    notification_id: Mapped[int] = mapped_column(ForeignKey("case_notifications.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    tries: Mapped[int] = mapped_column(Integer, default=1)
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
