from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from cxhub.db import Base, BigId, UTCDateTime, utcnow


class Consent(Base):
    """What a customer allowed or refused for one purpose (``surveys``, ``marketing``…), and who said so."""

    __tablename__ = "consents"
    __table_args__ = (UniqueConstraint("workspace_id", "customer_id", "purpose"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("workspaces.id"))
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    purpose: Mapped[str] = mapped_column(String(32))
    granted: Mapped[bool]
    source: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
