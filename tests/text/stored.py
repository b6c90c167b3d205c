"""Helpers for the database tests of text analytics: a workspace in a rolled-back session, events in."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.config import Settings
from cxhub.events.service import IngestReport, ingest, record_from_payload
from cxhub.governance.service import ensure_workspace
from cxhub.pipeline import PipelineBatch, Queue, default_pipeline
from cxhub.text.models import TextAnalysis, TextMention
from tests.builders import event


def workspace(session: Session, **settings: Any) -> uuid.UUID:
    ws = ensure_workspace(session, slug=f"t-{uuid.uuid4().hex[:12]}")
    if settings:
        ws.settings = settings
        session.flush()
    return ws.id


class Recorder:
    """The real pipeline, keeping each batch it ran so a test can read ``batch.analyses``."""

    def __init__(self) -> None:
        self.batches: list[PipelineBatch] = []
        self.pipeline = default_pipeline()

    def publish(self, session: Session, batch: PipelineBatch) -> None:
        self.pipeline.run(session, batch)
        self.batches.append(batch)


def send(
    session: Session, workspace_id: uuid.UUID, settings: Settings, *payloads: dict[str, Any], queue: Queue | None = None
) -> IngestReport:
    report = ingest(
        session,
        workspace_id=workspace_id,
        records=[record_from_payload(payload) for payload in payloads],
        source="api",
        settings=settings,
        queue=queue or Recorder(),
    )
    assert report.rejected == 0, [o.problems for o in report.outcomes]
    return report


def texts(*bodies: str | None, **fields: Any) -> list[dict[str, Any]]:
    return [event(text=body, **fields) if body is not None else event(**fields) for body in bodies]


def analyses(session: Session, workspace_id: uuid.UUID) -> list[TextAnalysis]:
    return list(
        session.scalars(select(TextAnalysis).where(TextAnalysis.workspace_id == workspace_id).order_by(TextAnalysis.id))
    )


def mentions(session: Session, workspace_id: uuid.UUID) -> list[TextMention]:
    return list(
        session.scalars(select(TextMention).where(TextMention.workspace_id == workspace_id).order_by(TextMention.id))
    )
