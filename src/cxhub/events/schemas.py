"""Pydantic I/O for events: what a touchpoint sends, what the hub answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

if TYPE_CHECKING:
    from cxhub.text.analyzer import TextResult

_LABEL = r"^[a-z0-9][a-z0-9_.:\-]*$"

# Strings are checked for control characters and lone surrogates once per event, by
# ``validation.deep_problems``, not field by field: most events hold none, and the raw text
# tells which might.
Label = Annotated[str, StringConstraints(to_lower=True, min_length=1, max_length=64, pattern=_LABEL)]
Text = Annotated[str, Field(max_length=20_000)]


def _product_from_string(value: Any) -> Any:
    return {"sku": value} if isinstance(value, str) else value


# The channel of the events the hub writes on a timeline itself (a case opened, resolved…): they tell
# the customer's story, but they are not the customer's doing, so journeys and activity counts skip them.
HUB_CHANNEL = "cxhub"


class Amount(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    cents: int = Field(ge=-(10**13), le=10**13, description="Integer amount in the currency's minor unit.")
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR.")


class ProductLine(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: Annotated[str, Field(min_length=1, max_length=128)]
    name: Annotated[str, Field(max_length=200)] | None = None
    quantity: int = Field(default=1, ge=1, le=100_000)
    unit_amount_cents: int | None = Field(default=None, ge=-(10**12), le=10**12)


class EventIn(BaseModel):
    """An event as a touchpoint sends it. Unknown fields are refused, not ignored."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "example": {
                "event_id": "pos-2026-000123",
                "occurred_at": "2026-11-20T17:32:00+01:00",
                "type": "purchase",
                "channel": "store",
                "touchpoint": "negozio_milano_duomo",
                "identifiers": {"loyalty_id": "LY-0042-7781", "phone": "347 123 4567"},
                "attributes": {"store": "Milano Duomo", "payment": "card"},
                "amount": {"cents": 12990, "currency": "EUR"},
                "products": [{"sku": "MOD-FIBRA-X", "name": "Modem Fibra X", "quantity": 1}],
            }
        },
    )

    event_id: Annotated[str, Field(min_length=1, max_length=128)]
    occurred_at: AwareDatetime
    type: Label
    channel: Label
    touchpoint: Annotated[str, Field(min_length=1, max_length=128)]
    identifiers: dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=512)]] = Field(
        min_length=1, max_length=20
    )
    attributes: dict[str, Any] = Field(default_factory=dict)
    text: Text | None = None
    score: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    amount: Amount | None = None
    products: list[Annotated[ProductLine, BeforeValidator(_product_from_string)]] | None = Field(
        default=None, max_length=200
    )


class EventsBatch(BaseModel):
    """The body of ``POST /api/v1/events`` (documentation only: the endpoint validates each event)."""

    events: list[EventIn]


@dataclass(slots=True)
class AcceptedEvent:
    """A validated event with normalized identifiers, ready for the pipeline."""

    event_id: str
    occurred_at: datetime
    type: str
    channel: str
    touchpoint: str
    identifiers: dict[str, str]
    keys: list[str]
    attributes: dict[str, Any]
    text: str | None
    score: float | None
    amount_cents: int | None
    currency: str | None
    products: list[dict[str, Any]] | None
    metric: str | None = None
    # The text analysis made upstream (by an import worker process) with taxonomy ``analysis_version``;
    # the text step uses it instead of analysing again when that is still the workspace's version.
    analysis: TextResult | None = None
    analysis_version: int | None = None


class FieldProblem(BaseModel):
    field: str
    problem: str


Status = Literal["accepted", "duplicate", "rejected"]


class EventResult(BaseModel):
    index: int
    event_id: str | None = None
    status: Status
    customer_id: str | None = None
    errors: list[FieldProblem] = Field(default_factory=list)
    deadletter_id: int | None = None


class IngestResponse(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    results: list[EventResult]


class DeadLetterOut(BaseModel):
    id: int
    source: str
    location: str | None
    reason_code: str
    errors: list[dict[str, Any]]
    status: str
    attempts: int
    truncated: bool
    created_at: datetime
    replayed_at: datetime | None
    replayed_event_id: str | None
    raw: str | None = None


class ReplayResult(BaseModel):
    id: int
    status: str
    event_id: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)
