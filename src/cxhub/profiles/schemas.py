from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from cxhub.identity.schemas import MergeOut


class AmountOut(BaseModel):
    cents: int
    currency: str


class TimelineEvent(BaseModel):
    event_id: str
    occurred_at: datetime
    received_at: datetime
    type: str
    channel: str
    touchpoint: str
    identifiers: dict[str, str]
    attributes: dict[str, Any]
    text: str | None = None
    score: float | None = None
    amount: AmountOut | None = None
    products: list[dict[str, Any]] | None = None
    source: str


class ChannelUse(BaseModel):
    channel: str
    events: int
    first_seen: datetime
    last_seen: datetime


class OwnedProduct(BaseModel):
    sku: str
    name: str | None = None
    quantity: int
    first_purchased_at: datetime
    last_purchased_at: datetime


class Traits(BaseModel):
    first_seen: datetime | None
    last_seen: datetime | None
    events: int
    channels: list[ChannelUse]
    lifetime_value: list[AmountOut] = Field(description="Purchases minus returns, one entry per currency.")
    owned_products: list[OwnedProduct]


class CustomerOut(BaseModel):
    customer_id: str
    requested_id: str | None = Field(default=None, description="Set when the id asked for was merged into this one.")
    created_at: datetime
    identifiers: dict[str, list[str]]
    traits: Traits
    merges: list[MergeOut]


class TimelinePage(BaseModel):
    customer_id: str
    events: list[TimelineEvent]
    next_cursor: str | None


class ScoreOut(BaseModel):
    event_id: str
    occurred_at: datetime
    type: str
    metric: str | None
    score: float
    touchpoint: str
    channel: str


class ContextOut(BaseModel):
    customer_id: str
    identifiers: dict[str, list[str]]
    profile: Traits
    recent_events: list[TimelineEvent]
    owned_products: list[OwnedProduct]
    last_scores: list[ScoreOut]
    open_cases: list[dict[str, Any]] = Field(
        description="Open cases: id, title, status, priority, department, due_at, breached (most urgent first)."
    )
    churn_risk: float | None = Field(description="Filled once the prediction capability is installed.")
