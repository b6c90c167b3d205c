"""Disconnected experiences: rules over customers' timelines that catch the brand contradicting itself.

- ``offer_for_owned_product``: an offer for a product the customer holds (bought, not returned);
- ``sales_during_open_complaint``: an offer while a complaint is open (no event of its ticket says it
  was resolved, and it is at most ``complaint_open_days`` old);
- ``repeated_request``: the same request (reason) on another channel within ``repeat_days``;
- ``survey_after_complaint``: a survey within ``survey_after_complaint_hours`` of a complaint.

Input is a timeline frame; every rule is a vectorised join within customers. Output: one row per
finding, ``kind, customer_id, occurred_at`` (of the flagged event), ``touchpoint`` (where the brand
slipped), ``event_ids`` (the events that contradict each other, oldest first) and ``explanation``. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cxhub.journeys.timeline import CONTACT_TYPES, FEEDBACK_TYPES

KINDS = ("offer_for_owned_product", "sales_during_open_complaint", "repeated_request", "survey_after_complaint")
RESOLVED = ("risolto", "resolved", "chiuso", "closed")
SCHEMA: dict[str, pl.DataType] = {
    "kind": pl.String(),
    "customer_id": pl.String(),
    "occurred_at": pl.Datetime("us", "UTC"),
    "touchpoint": pl.String(),
    "event_ids": pl.List(pl.String),
    "explanation": pl.String(),
}
# Event types a detector reads; the extract fetches event ids only for these. And the columns it reads.
TYPES = ("offer", "purchase", "return", "plan_change", "complaint", *CONTACT_TYPES, *FEEDBACK_TYPES)
_READ = ["customer_id", "occurred_at", "event_id", "type", "channel", "touchpoint", "metric", "reason", "outcome"]
_READ += ["ticket_id", "status", "sku", "campaign", "products"]


@dataclass(frozen=True, slots=True)
class DisconnectRules:
    repeat_days: float = 7.0
    complaint_open_days: float = 14.0
    survey_after_complaint_hours: float = 48.0
    ignore_reasons: tuple[str, ...] = ()


def detect(frame: pl.DataFrame, rules: DisconnectRules | None = None) -> pl.DataFrame:
    """Every finding in ``frame``, newest first (then by customer and kind)."""
    return newest_first(find(frame, rules))


def find(frame: pl.DataFrame, rules: DisconnectRules | None = None) -> pl.DataFrame:
    """Every finding in ``frame``, in no particular order (:func:`detect` sorts them)."""
    rules = rules or DisconnectRules()
    rows = frame.select(_READ).filter(pl.col("type").is_in(TYPES))
    if rows["event_id"].null_count():
        rows = rows.with_columns(
            pl.col("event_id").fill_null(pl.format("#{}", pl.int_range(pl.len()))).alias("event_id")
        )
    offers, complaints = _offers(rows), _complaints(rows)
    parts = [
        _owned(rows, offers),
        _open_complaint(rows, offers, complaints, rules),
        _repeated(rows, rules),
        _survey_after_complaint(rows, complaints, rules),
    ]
    return pl.concat([part.select(list(SCHEMA)).cast(SCHEMA) for part in parts])  # type: ignore[arg-type]


def newest(found: pl.DataFrame, limit: int) -> pl.DataFrame:
    """``newest_first(found).head(limit)``, sorting only the findings that can be among them: those at
    least as recent as the ``limit``-th most recent."""
    if limit <= 0:
        return found.clear()
    if found.height > limit and not found["occurred_at"].null_count():
        cutoff = found["occurred_at"].top_k(limit).min()
        found = found.filter(pl.col("occurred_at") >= cutoff)
    return newest_first(found).head(limit)


def newest_first(found: pl.DataFrame) -> pl.DataFrame:
    """Findings newest first, then by customer and kind, and then by everything else they say, so the
    order is total: the same findings come out in the same order however customers were chunked."""
    return found.sort(
        [
            pl.col("occurred_at"),
            pl.col("customer_id"),
            pl.col("kind"),
            pl.col("touchpoint"),
            pl.col("explanation"),
            pl.col("event_ids").list.join("\x00"),
        ],
        descending=[True, False, False, False, False, False],
        nulls_last=True,
    )


def _hours(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_seconds() / 3600


def _ago(hours: pl.Expr) -> pl.Expr:
    """'3 h' under two days, else '5 days' (rounded)."""
    return (
        pl.when(hours < 48)
        .then(pl.format("{} h", hours.round(0).cast(pl.Int64)))
        .otherwise(pl.format("{} days", (hours / 24).round(0).cast(pl.Int64)))
    )


def _offers(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("type") == "offer").select(
        "customer_id", "occurred_at", "event_id", "touchpoint", "sku", pl.col("campaign").fill_null("(no campaign)")
    )


def _owned(rows: pl.DataFrame, offers: pl.DataFrame) -> pl.DataFrame:
    offers = offers.filter(pl.col("sku").is_not_null())
    sign = pl.when(pl.col("type") == "return").then(-1).otherwise(1)
    ledger = (
        rows.filter(pl.col("type").is_in(["purchase", "return", "plan_change"]) & pl.col("products").is_not_null())
        .select(
            "customer_id",
            pl.col("occurred_at").alias("held_at"),
            pl.col("event_id").alias("held_id"),
            sign.alias("sign"),
            "products",
        )
        .explode("products", empty_as_null=False)
        .unnest("products")
        .select(
            "customer_id",
            "held_at",
            "held_id",
            "sku",
            (pl.col("sign") * pl.col("quantity").fill_null(1)).alias("quantity"),
        )
    )
    pairs = offers.join(ledger, on=["customer_id", "sku"]).filter(pl.col("held_at") < pl.col("occurred_at"))
    held = (
        pairs.sort("held_at")
        .group_by("event_id")
        .agg(
            pl.col("quantity").sum().alias("held"),
            pl.col("held_id").filter(pl.col("quantity") > 0).last().alias("bought_id"),
            pl.col("held_at").filter(pl.col("quantity") > 0).last().alias("bought_at"),
            pl.col("customer_id", "occurred_at", "touchpoint", "sku", "campaign").first(),
        )
        .filter(pl.col("held") > 0)
    )
    return held.select(
        pl.lit("offer_for_owned_product").alias("kind"),
        "customer_id",
        "occurred_at",
        "touchpoint",
        pl.concat_list("bought_id", "event_id").alias("event_ids"),
        pl.format(
            "offer '{}' for {} sent {} after the customer bought it",
            "campaign",
            "sku",
            _ago(_hours("occurred_at", "bought_at")),
        ).alias("explanation"),
    )


def _complaints(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.filter(pl.col("type") == "complaint").select(
        "customer_id",
        pl.col("occurred_at").alias("complained_at"),
        pl.col("event_id").alias("complaint_id"),
        pl.col("ticket_id").fill_null(pl.col("event_id")).alias("ticket"),
        pl.col("reason").fill_null("unspecified").alias("complaint_reason"),
    )


def _latest_complaint(pairs: pl.DataFrame) -> pl.DataFrame:
    """One finding per flagged event: the most recent complaint before it."""
    return pairs.sort("complained_at").group_by("event_id").agg(pl.all().last())


def _open_complaint(
    rows: pl.DataFrame, offers: pl.DataFrame, complaints: pl.DataFrame, rules: DisconnectRules
) -> pl.DataFrame:
    pairs = offers.join(complaints, on="customer_id").filter(
        (pl.col("complained_at") < pl.col("occurred_at"))
        & (_hours("occurred_at", "complained_at") <= rules.complaint_open_days * 24)
    )
    resolutions = rows.filter(
        pl.col("ticket_id").is_not_null()
        & (pl.col("outcome").is_in(RESOLVED) | pl.col("status").str.to_lowercase().is_in(RESOLVED))
    ).select("customer_id", pl.col("ticket_id").alias("ticket"), pl.col("occurred_at").alias("resolved_at"))
    closed = (
        pairs.join(resolutions, on=["customer_id", "ticket"])
        .filter((pl.col("resolved_at") > pl.col("complained_at")) & (pl.col("resolved_at") < pl.col("occurred_at")))
        .select("event_id", "complaint_id")
        .unique()
    )
    still_open = _latest_complaint(pairs.join(closed, on=["event_id", "complaint_id"], how="anti"))
    return still_open.select(
        pl.lit("sales_during_open_complaint").alias("kind"),
        "customer_id",
        "occurred_at",
        "touchpoint",
        pl.concat_list("complaint_id", "event_id").alias("event_ids"),
        pl.format(
            "offer '{}' sent {} after complaint {} ({}), still open",
            "campaign",
            _ago(_hours("occurred_at", "complained_at")),
            "ticket",
            "complaint_reason",
        ).alias("explanation"),
    )


def _repeated(rows: pl.DataFrame, rules: DisconnectRules) -> pl.DataFrame:
    contacts = rows.filter(
        pl.col("type").is_in(CONTACT_TYPES)
        & pl.col("reason").is_not_null()
        & pl.col("reason").is_in(rules.ignore_reasons).not_()
    ).sort(["customer_id", "reason", "occurred_at"], maintain_order=True)
    before = {name: pl.col(name).shift(1) for name in ("customer_id", "reason", "channel", "event_id", "occurred_at")}
    pairs = contacts.with_columns(
        before["channel"].alias("first_channel"),
        before["event_id"].alias("first_id"),
        before["occurred_at"].alias("first_at"),
        ((before["customer_id"] == pl.col("customer_id")) & (before["reason"] == pl.col("reason"))).alias("same"),
    ).filter(
        pl.col("same").fill_null(False)
        & (pl.col("first_channel") != pl.col("channel"))
        & (_hours("occurred_at", "first_at") <= rules.repeat_days * 24)
    )
    # One chunk per column: Polars 1.44 can panic formatting a shifted string column left in pieces.
    return pairs.rechunk().select(
        pl.lit("repeated_request").alias("kind"),
        "customer_id",
        "occurred_at",
        "touchpoint",
        pl.concat_list("first_id", "event_id").alias("event_ids"),
        pl.format(
            "the same request about '{}' on {}, then again on {} {} later",
            "reason",
            "first_channel",
            "channel",
            _ago(_hours("occurred_at", "first_at")),
        ).alias("explanation"),
    )


def _survey_after_complaint(rows: pl.DataFrame, complaints: pl.DataFrame, rules: DisconnectRules) -> pl.DataFrame:
    surveys = rows.filter(pl.col("type").is_in(FEEDBACK_TYPES)).select(
        "customer_id", "occurred_at", "event_id", "touchpoint", pl.col("metric").fill_null("feedback")
    )
    pairs = surveys.join(complaints, on="customer_id").filter(
        (pl.col("complained_at") <= pl.col("occurred_at"))
        & (_hours("occurred_at", "complained_at") <= rules.survey_after_complaint_hours)
    )
    return _latest_complaint(pairs).select(
        pl.lit("survey_after_complaint").alias("kind"),
        "customer_id",
        "occurred_at",
        "touchpoint",
        pl.concat_list("complaint_id", "event_id").alias("event_ids"),
        pl.format(
            "{} survey sent {} after complaint {} ({})",
            pl.col("metric").str.to_uppercase(),
            _ago(_hours("occurred_at", "complained_at")),
            "ticket",
            "complaint_reason",
        ).alias("explanation"),
    )
