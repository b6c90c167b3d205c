"""Hand-built timelines whose paths, times and findings are known, for the pure journey modules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from cxhub.journeys.design import JourneyDef, parse_journey
from cxhub.journeys.timeline import timeline_frame

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ev(
    customer: str, hours: float, kind: str, touchpoint: str = "sito_web", channel: str = "web", **fields: Any
) -> dict[str, Any]:
    return {
        "customer_id": customer,
        "occurred_at": T0 + timedelta(hours=hours),
        "type": kind,
        "touchpoint": touchpoint,
        "channel": channel,
        "event_id": fields.pop("event_id", f"{customer}-{hours:g}-{kind}"),
        **fields,
    }


def frame(*rows: dict[str, Any]) -> pl.DataFrame:
    return timeline_frame(rows)


def shop_journey(**changes: Any) -> JourneyDef:
    """scoperta → acquisto → attivazione (optional) → assistenza (optional) → rinnovo."""
    document: dict[str, Any] = {
        "journey": "shop",
        "stages": [
            {"key": "scoperta", "match": [{"types": ["web_visit"]}]},
            {"key": "acquisto", "match": [{"types": ["purchase"]}], "target_hours": 24},
            {"key": "attivazione", "match": [{"touchpoints": ["attivazione_fibra"]}], "optional": True},
            {"key": "assistenza", "match": [{"types": ["call", "chat", "complaint"]}], "optional": True},
            {"key": "rinnovo", "match": [{"types": ["plan_change", "offer"]}]},
        ],
    }
    document.update(changes)
    return parse_journey(document)
