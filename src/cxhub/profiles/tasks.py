"""The timeline step of the pipeline: accepted, stitched events become timeline rows."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cxhub.db import table_of, utcnow
from cxhub.events.models import Event
from cxhub.kit.bulk import bulk_insert
from cxhub.pipeline import PipelineBatch


def append_to_timeline(session: Session, batch: PipelineBatch) -> None:
    if not batch.events:
        return
    received_at = utcnow()
    workspace_id = batch.workspace_id
    source = batch.source
    rows = [
        {
            "workspace_id": workspace_id,
            "event_id": event.event_id,
            "customer_id": customer_id,
            "origin_customer_id": origin_id,
            "occurred_at": event.occurred_at,
            "received_at": received_at,
            "type": event.type,
            "channel": event.channel,
            "touchpoint": event.touchpoint,
            "identifiers": event.identifiers,
            "attributes": event.attributes,
            "text": event.text,
            "score": event.score,
            "metric": event.metric,
            "amount_cents": event.amount_cents,
            "currency": event.currency,
            "products": event.products,
            "source": source,
        }
        for event, customer_id, origin_id in zip(batch.events, batch.customer_ids, batch.origin_ids, strict=True)
    ]
    bulk_insert(session, table_of(Event), rows)
