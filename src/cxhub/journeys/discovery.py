"""Discovered journeys: steps, visits, the directly-follows graph, paths, the Sankey and conformance.

Input is a timeline frame (see ``timeline``), ordered by customer then time. A *step* is what a row
counts as at the chosen level: the designed journey's stage, the raw touchpoint or the event type.
Feedback events (survey responses) are measurements of a step, not steps: they are left out of paths
and transitions and attributed, for the emotional curve, to their own stage/touchpoint or else to the
customer's step before them. Consecutive events at the same step are one *visit*; transitions go from
one visit to the next (self-loops are not transitions), timed from the last event of the first visit
to the first event of the next, like a process-mining directly-follows graph's waiting time.
Every function is vectorised (no Python loop over rows) and pure.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import polars as pl

from cxhub.journeys.design import JourneyDef, stage_expression
from cxhub.journeys.timeline import FEEDBACK_TYPES, customer_changed

ARROW = " → "
_NONE = "\x00"


class Level(StrEnum):
    stage = "stage"
    touchpoint = "touchpoint"
    type = "type"


def assign_steps(frame: pl.DataFrame, level: Level, journey: JourneyDef | None = None) -> pl.DataFrame:
    """``frame`` with ``step`` (the path step; null for feedback and unmapped rows) and ``at_step``.

    ``at_step`` is the step a row's scores and sentiment count for: its own, or for a feedback row
    without one, the customer's previous step.
    """
    if level is Level.stage:
        if journey is None:
            raise ValueError("the stage level needs a designed journey")
        own = stage_expression(journey)
    elif level is Level.touchpoint:
        own = pl.col("touchpoint")
    else:
        own = pl.when(pl.col("type").is_in(FEEDBACK_TYPES)).then(None).otherwise(pl.col("type"))
    feedback = pl.col("type").is_in(FEEDBACK_TYPES)
    out = frame.with_columns(own.alias("_own"), feedback.alias("feedback"))
    # Forward fill that restarts at each customer: a marker on a customer's first row stops the fill.
    carried = pl.when(customer_changed() & pl.col("_own").is_null()).then(pl.lit(_NONE)).otherwise(pl.col("_own"))
    return out.with_columns(
        pl.when(pl.col("feedback")).then(None).otherwise(pl.col("_own")).alias("step"),
        carried.forward_fill().replace(_NONE, None).alias("at_step"),
    ).drop("_own")


def visits(steps: pl.DataFrame) -> pl.DataFrame:
    """One row per visit: ``customer_id, step, first_at, last_at, events, position`` (1-based per customer)."""
    rows = steps.select("customer_id", "step", "occurred_at").filter(pl.col("step").is_not_null())
    new_customer = customer_changed()
    new_visit = new_customer | (pl.col("step") != pl.col("step").shift(1)).fill_null(True)
    marked = rows.with_columns(
        new_customer.alias("_cust"), new_visit.alias("_first"), pl.int_range(pl.len(), dtype=pl.Int64).alias("_row")
    )
    # A visit is a run of rows: its first row starts it, the row before the next run's first ends it.
    firsts = marked.filter(pl.col("_first"))
    lasts = marked.filter(pl.col("_first").shift(-1, fill_value=True)).select(
        pl.col("occurred_at").alias("last_at"), pl.col("_row").alias("_last")
    )
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    start = pl.when(pl.col("_cust")).then(index).otherwise(None).forward_fill()
    return firsts.hstack(lasts).select(
        "customer_id",
        "step",
        pl.col("occurred_at").alias("first_at"),
        "last_at",
        (pl.col("_last") - pl.col("_row") + 1).cast(pl.UInt32).alias("events"),
        (index - start + 1).alias("position"),
    )


def transition_rows(visit_frame: pl.DataFrame) -> pl.DataFrame:
    """Each pair of consecutive visits of one customer: ``customer_id, from, to, hours``."""
    same = pl.col("customer_id") == pl.col("customer_id").shift(-1)
    hours = (pl.col("first_at").shift(-1) - pl.col("last_at")).dt.total_microseconds() / 3_600_000_000
    return (
        visit_frame.with_columns(
            pl.col("step").shift(-1).alias("to"), hours.cast(pl.Float64).alias("hours"), same.alias("_same")
        )
        .filter(pl.col("_same"))
        .select("customer_id", pl.col("step").alias("from"), "to", "hours")
    )


def transitions(rows: pl.DataFrame) -> pl.DataFrame:
    """The directly-follows graph: ``from, to, count, customers, median_hours``, most frequent first."""
    return (
        rows.group_by("from", "to")
        .agg(
            pl.len().alias("count"),
            pl.col("customer_id").n_unique().alias("customers"),
            pl.col("hours").median().alias("median_hours"),
        )
        .sort(["count", "from", "to"], descending=[True, False, False])
    )


def path_counts(visit_frame: pl.DataFrame, steps: int) -> pl.DataFrame:
    """Customers per path, where a path is a customer's first ``steps`` visits: ``path, customers``."""
    # Paths are counted as lists of step codes; only the distinct ones are spelled out.
    heads = visit_frame.filter(pl.col("position") <= steps).select("customer_id", pl.col("step").cast(pl.Categorical))
    counts = heads.group_by("customer_id").agg("step").group_by("step").agg(pl.len().alias("customers"))
    path = pl.col("step").list.eval(pl.element().cast(pl.String)).list.join(ARROW).alias("path")
    return counts.select(path, "customers")


def sankey_counts(visit_frame: pl.DataFrame, steps: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Nodes ``position, step, customers, ends`` and links ``position, from, to, customers`` of the first
    ``steps`` visits; ``ends`` counts the customers whose journey stops at that node."""
    same = pl.col("customer_id") == pl.col("customer_id").shift(-1)
    head = visit_frame.with_columns(pl.when(same).then(pl.col("step").shift(-1)).alias("next")).filter(
        pl.col("position") <= steps
    )
    nodes = head.group_by("position", "step").agg(
        pl.len().alias("customers"), pl.col("next").is_null().sum().alias("ends")
    )
    links = (
        head.filter(pl.col("next").is_not_null() & (pl.col("position") < steps))
        .group_by("position", "step", "next")
        .agg(pl.len().alias("customers"))
        .rename({"step": "from", "next": "to"})
    )
    return nodes, links


def conformance_counts(visit_frame: pl.DataFrame, journey: JourneyDef) -> dict[str, Any]:
    """How customers' stage sequences compare with the designed order.

    A *loop back* is a visit to an earlier stage than the previous one; a *skip* jumps over a stage
    that is not optional. A customer conforms when their sequence has neither. Returns
    ``{"customers", "conforming", "loop_backs": frame(from, to, customers), "skips": frame(...)}``.
    """
    order = {key: i for i, key in enumerate(journey.stage_keys)}
    required = [not stage.optional for stage in journey.stages]
    index = visit_frame.with_columns(
        pl.col("step").replace_strict(order, default=None, return_dtype=pl.Int32).alias("i")
    )
    prev = index.with_columns(
        pl.when(customer_changed().not_()).then(pl.col("i").shift(1)).alias("p"),
        pl.when(customer_changed().not_()).then(pl.col("step").shift(1)).alias("from"),
    ).filter(pl.col("p").is_not_null())
    # Pairs (p, i) that jump over a required stage, as a lookup frame: at most stages² rows.
    n = len(required)
    skipping = [(p, i) for p in range(n) for i in range(p + 2, n) if any(required[p + 1 : i])]
    skip_frame = pl.DataFrame(
        {"p": [a for a, _ in skipping], "i": [b for _, b in skipping]}, schema={"p": pl.Int32, "i": pl.Int32}
    )
    loops = prev.filter(pl.col("i") < pl.col("p"))
    skips = prev.join(skip_frame, on=["p", "i"], how="semi")
    deviating = pl.concat([loops.select("customer_id"), skips.select("customer_id")]).unique()
    customers = visit_frame.select(pl.col("customer_id").n_unique()).item()

    def by_pair(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.group_by("from", pl.col("step").alias("to")).agg(
            pl.col("customer_id").n_unique().alias("customers")
        )

    return {
        "customers": int(customers),
        "conforming": int(customers - deviating.height),
        "loop_backs": by_pair(loops),
        "skips": by_pair(skips),
    }
