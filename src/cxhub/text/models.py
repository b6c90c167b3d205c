"""Tables of text analytics: one analysis per event with text, one row per topic mention, the taxonomy.

The analysis copies what feedback slicing needs from its event (time, type, channel, touchpoint,
metric, score), so "negative verbatims about delivery at the Milan store" reads one table. The
customer is the one the event had when it was analysed; merges move events, so the verbatim list
reads the live customer from ``events``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.db import Base, BigId, UTCDateTime, utcnow


class TextAnalysis(Base):
    """What the analyser found in one event's text; ``redacted_text`` is the only text shown or exported."""

    __tablename__ = "text_analyses"
    __table_args__ = (
        UniqueConstraint("workspace_id", "event_id"),
        Index("ix_text_analyses_workspace_time", "workspace_id", "occurred_at"),
        Index("ix_text_analyses_sentiment", "workspace_id", "sentiment_label", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    type: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    touchpoint: Mapped[str] = mapped_column(String(128))
    metric: Mapped[str | None] = mapped_column(String(32), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    language: Mapped[str] = mapped_column(String(16))
    sentiment_label: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)
    emotions: Mapped[dict[str, float]] = mapped_column(JSON)
    effort: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pii: Mapped[list[str]] = mapped_column(JSON)  # kinds found (email, phone…), never the values
    flags: Mapped[list[str]] = mapped_column(JSON)
    redacted_text: Mapped[str] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JSON)  # topic paths, each once, in text order
    taxonomy_version: Mapped[int] = mapped_column(Integer)  # 0: the shipped default
    analyzed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TextMention(Base):
    """One topic mention with the sentiment of its clause: topic trends count these rows."""

    __tablename__ = "text_mentions"
    __table_args__ = (
        Index("ix_text_mentions_path_time", "workspace_id", "path", "occurred_at"),
        # Reprocessing replaces an event's mentions: found by event, not by a scan of the workspace.
        Index("ix_text_mentions_event", "workspace_id", "event_id"),
        # The newest mention of a workspace in one look-up: the web cache's data version (web.cache).
        Index("ix_text_mentions_workspace_id", "workspace_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    event_id: Mapped[str] = mapped_column(String(128))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    touchpoint: Mapped[str] = mapped_column(String(128))
    path: Mapped[str] = mapped_column(String(200))
    sentiment_label: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float)


class TaxonomyRecord(Base):
    """A workspace's own taxonomy; no row means the default shipped with cxhub (version 0)."""

    __tablename__ = "taxonomies"

    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
