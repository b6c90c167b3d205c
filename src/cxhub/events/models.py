from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.db import Base, BigId, UTCDateTime, utcnow


class Event(Base):
    """One thing a customer did or said, at one touchpoint: a row of the timeline."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("workspace_id", "event_id"),
        Index("ix_events_customer_time", "workspace_id", "customer_id", "occurred_at"),
        Index("ix_events_workspace_time", "workspace_id", "occurred_at"),
        # The newest event of a workspace in one look-up: the web cache's data version (web.cache).
        Index("ix_events_workspace_id", "workspace_id", "id"),
        # Covers "NPS by touchpoint (or channel) per period" without reading the table; touchpoint
        # before time hands SQLite's GROUP BY its rows already sorted (3x faster than time first).
        # Partial: only feedback pays for it. On SQLite, migration 0006 adds ix_events_feedback_day
        # over substr(occurred_at, 1, 10) (0009 adds occurred_at, for windows), which SQLAlchemy
        # cannot reflect, so it lives there only.
        Index(
            "ix_events_feedback",
            "workspace_id",
            "metric",
            "touchpoint",
            "occurred_at",
            "channel",
            "score",
            sqlite_where=text("metric IS NOT NULL"),
            postgresql_where=text("metric IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    origin_customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    type: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    touchpoint: Mapped[str] = mapped_column(String(128))
    identifiers: Mapped[dict[str, str]] = mapped_column(JSON)
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # attributes.metric of a survey_response (nps, csat, ces, enps…), lifted out so metrics use an index.
    metric: Mapped[str | None] = mapped_column(String(32), nullable=True)
    amount_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    products: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    source: Mapped[str] = mapped_column(String(32), default="api")


class DeadLetter(Base):
    """A record the hub refused, kept whole with the reason so it can be fixed and replayed."""

    __tablename__ = "dead_letters"
    __table_args__ = (Index("ix_dead_letters_workspace_status", "workspace_id", "status", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    source: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(String(512), nullable=True)
    raw: Mapped[str] = mapped_column(Text)
    truncated: Mapped[bool] = mapped_column(default=False)
    reason_code: Mapped[str] = mapped_column(String(64))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    replayed_event_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
