"""The timeline frame every journey analysis reads: one row per event, ordered by customer and time.

``service`` streams it out of the database in chunks that never split a customer; tests build it from
literals with :func:`timeline_frame`. Pure: Polars only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

PRODUCT = pl.Struct({"sku": pl.String, "quantity": pl.Int64})
SCHEMA: dict[str, pl.DataType] = {
    "customer_id": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "event_id": pl.String(),
    "type": pl.String(),
    "channel": pl.String(),
    "touchpoint": pl.String(),
    "journey_stage": pl.String(),
    "metric": pl.String(),
    "score": pl.Float64(),
    "sentiment": pl.Float64(),
    "reason": pl.String(),
    "outcome": pl.String(),
    "ticket_id": pl.String(),
    "status": pl.String(),
    "wait_seconds": pl.Float64(),
    "segment": pl.String(),
    "sku": pl.String(),
    "campaign": pl.String(),
    "products": pl.List(PRODUCT),
}
FEEDBACK_TYPES = ("survey_response",)
CONTACT_TYPES = ("call", "chat", "email", "complaint", "store_visit")


def timeline_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """A timeline frame from event dicts (missing columns are null), sorted by customer then time.

    ``occurred_at`` must be timezone-aware; ``products`` is a list of ``{"sku", "quantity"}``.
    """
    records = [{name: row.get(name) for name in SCHEMA} for row in rows]
    frame = pl.DataFrame(records, schema=SCHEMA, orient="row") if records else pl.DataFrame(schema=SCHEMA)
    return sort_timeline(frame)


def sort_timeline(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(["customer_id", "occurred_at"], maintain_order=True)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every column of :data:`SCHEMA`, in that order and of that type (absent ones null)."""
    columns = [
        (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in SCHEMA.items()
    ]
    return frame.select(columns)


def customer_changed() -> pl.Expr:
    """True on the first row of each customer (the frame is ordered by customer)."""
    return (pl.col("customer_id") != pl.col("customer_id").shift(1)).fill_null(True)
