"""The identity step of the pipeline."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cxhub.identity.service import stitch
from cxhub.pipeline import PipelineBatch


def resolve_identities(session: Session, batch: PipelineBatch) -> None:
    plan = stitch(
        session,
        workspace_id=batch.workspace_id,
        events=[(event.event_id, event.keys, event.occurred_at) for event in batch.events],
    )
    batch.customer_ids = plan.event_customers
    batch.origin_ids = plan.event_origins
