from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.db import Base, BigId, UTCDateTime, utcnow


class Customer(Base):
    """One person as the hub knows them.

    A customer merged into another keeps its row with ``merged_into`` set (the direct parent), so
    an un-merge can restore it; events and identifiers always point at the surviving root.
    """

    __tablename__ = "customers"
    __table_args__ = (Index("ix_customers_workspace_created", "workspace_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merged_into: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True, index=True)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Identifier(Base):
    """A normalized identifier (``type:value``) and the customer it belongs to.

    ``origin_customer_id`` is the customer it was first seen with and never changes; it tells an
    un-merge where the identifier goes back to.
    """

    __tablename__ = "identifiers"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        Index("ix_identifiers_customer", "workspace_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    key: Mapped[str] = mapped_column(String(320))
    type: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(256))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    origin_customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Merge(Base):
    """The merge log: which profile was folded into which, by what evidence."""

    __tablename__ = "merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"), index=True)
    winner_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    loser_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    event_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class MergeBlock(Base):
    """Two profiles a person separated with an un-merge: never merged again automatically."""

    __tablename__ = "merge_blocks"
    __table_args__ = (UniqueConstraint("workspace_id", "customer_a", "customer_b"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    customer_a: Mapped[uuid.UUID] = mapped_column(Uuid)
    customer_b: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
