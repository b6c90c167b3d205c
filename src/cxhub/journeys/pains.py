"""Pain points and bottlenecks, each with the customers it touched and its impact on NPS and churn.

Per chunk, :func:`affected` lists who hit which pain point and :func:`impact_sums` reduces that, with
each customer's latest NPS answer and whether they churned, to counts that add up across chunks;
:func:`rank_pain_points` turns the counts into the ranked list. Pure.

Kinds: ``drop_off`` (reached a stage, never went further), ``repeat_contact`` (the same reason again
within days), ``channel_hop`` (the same reason on another channel), ``long_wait`` (waited longer than
the threshold at a touchpoint), ``slow_step`` (slower than the stage's target time) and
``detractors`` (a step where detractors concentrate). A customer *churned* when their last event is
more than ``churn_days`` before the end of the period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from cxhub.journeys.design import JourneyDef
from cxhub.journeys.discovery import ARROW
from cxhub.journeys.timeline import CONTACT_TYPES
from cxhub.metrics import stats

KEYS = ("kind", "where")
_COUNTS = ("customers", "promoters", "passives", "detractors", "churned")


@dataclass(frozen=True, slots=True)
class PainRules:
    as_of: datetime
    churn_days: int = 60
    repeat_days: float = 7.0
    repeat_min_gap_hours: float = 1.0  # a call and the ticket it opens minutes later are one contact
    wait_seconds: float = 600.0
    ignore_reasons: tuple[str, ...] = ()


def customer_outcomes(steps: pl.DataFrame, rules: PainRules) -> pl.DataFrame:
    """Per customer: ``nps_class`` of their latest NPS answer (promoter/passive/detractor or null) and
    ``churned``."""
    nps = (pl.col("metric") == "nps") & pl.col("score").is_not_null()
    cutoff = rules.as_of.timestamp() - rules.churn_days * 86400
    latest = steps.group_by("customer_id").agg(
        pl.col("score").filter(nps).last().alias("score"), pl.col("occurred_at").max().alias("last_at")
    )
    score = pl.col("score")
    return latest.select(
        "customer_id",
        pl.when(score >= stats.NPS_PROMOTER_MIN)
        .then(pl.lit("promoters"))
        .when(score > stats.NPS_DETRACTOR_MAX)
        .then(pl.lit("passives"))
        .when(score.is_not_null())
        .then(pl.lit("detractors"))
        .alias("nps_class"),
        (pl.col("last_at").dt.epoch("s") < cutoff).alias("churned"),
    )


def affected(
    steps: pl.DataFrame,
    visit_frame: pl.DataFrame,
    transition_frame: pl.DataFrame,
    rules: PainRules,
    journey: JourneyDef | None = None,
) -> pl.DataFrame:
    """``kind, where, customer_id``: who hit which pain point (once per customer and pain point)."""
    parts = [_contacts(steps, rules), _waits(steps, rules), _detractors(steps)]
    if journey is not None:
        parts += [_drop_offs(visit_frame, journey), _slow_steps(transition_frame, journey)]
    # The customer ids as the caller gave them (strings, or the chunk's customer numbers).
    schema: dict[str, pl.DataType] = {
        "kind": pl.String(),
        "where": pl.String(),
        "customer_id": steps.schema["customer_id"],
    }
    frames = [part.select(list(schema)).cast(schema) for part in parts if part.height]  # type: ignore[arg-type]
    return pl.concat(frames).unique() if frames else pl.DataFrame(schema=schema)


def _contacts(steps: pl.DataFrame, rules: PainRules) -> pl.DataFrame:
    contacts = (
        steps.select("customer_id", "occurred_at", "type", "channel", "reason")
        .filter(
            pl.col("type").is_in(CONTACT_TYPES)
            & pl.col("reason").is_not_null()
            & pl.col("reason").is_in(rules.ignore_reasons).not_()
        )
        .sort(["customer_id", "reason", "occurred_at"], maintain_order=True)
    )
    same = (pl.col("customer_id") == pl.col("customer_id").shift(1)) & (pl.col("reason") == pl.col("reason").shift(1))
    gap = (pl.col("occurred_at") - pl.col("occurred_at").shift(1)).dt.total_seconds() / 3600
    pairs = contacts.with_columns(
        same.fill_null(False).alias("same"), gap.alias("gap"), pl.col("channel").shift(1).alias("before")
    ).filter(pl.col("same") & (pl.col("gap") <= rules.repeat_days * 24))
    # One chunk per column: Polars 1.44 can panic joining strings of a shifted column left in pieces.
    pairs = pairs.rechunk()
    repeats = pairs.filter(pl.col("gap") >= rules.repeat_min_gap_hours).select(
        pl.lit("repeat_contact").alias("kind"), pl.col("reason").alias("where"), "customer_id"
    )
    hops = pairs.filter(pl.col("before") != pl.col("channel")).select(
        pl.lit("channel_hop").alias("kind"),
        (pl.col("before") + ARROW + pl.col("channel")).alias("where"),
        "customer_id",
    )
    return pl.concat([repeats, hops])


def _waits(steps: pl.DataFrame, rules: PainRules) -> pl.DataFrame:
    long = steps.select("customer_id", "touchpoint", "wait_seconds").filter(pl.col("wait_seconds") > rules.wait_seconds)
    return long.select(pl.lit("long_wait").alias("kind"), pl.col("touchpoint").alias("where"), "customer_id")


def _detractors(steps: pl.DataFrame) -> pl.DataFrame:
    bad = (pl.col("metric") == "nps") & (pl.col("score") <= stats.NPS_DETRACTOR_MAX) & pl.col("at_step").is_not_null()
    answers = steps.select("customer_id", "metric", "score", "at_step").filter(bad)
    return answers.select(pl.lit("detractors").alias("kind"), pl.col("at_step").alias("where"), "customer_id")


def _stage_index(journey: JourneyDef) -> pl.Expr:
    order = {key: i for i, key in enumerate(journey.stage_keys)}
    return pl.col("step").replace_strict(order, default=None, return_dtype=pl.Int32)


def _drop_offs(visit_frame: pl.DataFrame, journey: JourneyDef) -> pl.DataFrame:
    """Customers who reached stage *A* and, after first reaching it, never reached a later stage; *where*
    names A and the next stage that is not optional."""
    keys = journey.stage_keys
    checked = {
        i: f"{key}{ARROW}{following[0]}"
        for i, key in enumerate(keys[:-1])
        if (following := [s.key for s in journey.stages[i + 1 :] if not s.optional])
    }
    if not checked:
        return pl.DataFrame()
    # One pass over the visits: per customer, when each checked stage was first reached and the
    # latest first arrival at any stage after it.
    per_customer = (
        visit_frame.with_columns(_stage_index(journey).alias("i"))
        .group_by("customer_id")
        .agg(
            aggregate
            for i in checked
            for aggregate in (
                pl.col("first_at").filter(pl.col("i") == i).min().alias(f"reached_{i}"),
                pl.col("first_at").filter(pl.col("i") > i).max().alias(f"later_{i}"),
            )
        )
    )
    parts = []
    for i, where in checked.items():
        reached, later = pl.col(f"reached_{i}"), pl.col(f"later_{i}")
        stuck = per_customer.filter(reached.is_not_null() & (later.is_null() | (later < reached)))
        parts.append(stuck.select(pl.lit("drop_off").alias("kind"), pl.lit(where).alias("where"), "customer_id"))
    return pl.concat(parts)


def _slow_steps(transition_frame: pl.DataFrame, journey: JourneyDef) -> pl.DataFrame:
    order = {key: i for i, key in enumerate(journey.stage_keys)}
    targets = {stage.key: stage.target_hours for stage in journey.stages if stage.target_hours}
    if not targets:
        return pl.DataFrame()
    index = {name: pl.col(name).replace_strict(order, default=None, return_dtype=pl.Int32) for name in ("from", "to")}
    target = pl.col("to").replace_strict(targets, default=None, return_dtype=pl.Float64)
    slow = transition_frame.filter((index["from"] < index["to"]) & (pl.col("hours") > target)).rechunk()
    return slow.select(
        pl.lit("slow_step").alias("kind"), (pl.col("from") + ARROW + pl.col("to")).alias("where"), "customer_id"
    )


def impact_sums(hits: pl.DataFrame, outcomes: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Counts per pain point (``kind, where, customers, promoters, passives, detractors, churned``) and
    the same counts over every customer of the chunk."""
    joined = hits.join(outcomes, on="customer_id", how="left")
    counts = [pl.len().cast(pl.Int64).alias("customers")] + [
        (pl.col("nps_class") == name).sum().cast(pl.Int64).alias(name)
        for name in ("promoters", "passives", "detractors")
    ]
    sums = joined.group_by(*KEYS).agg(*counts, pl.col("churned").sum().cast(pl.Int64).alias("churned"))
    totals = outcomes.select(*counts, pl.col("churned").sum().cast(pl.Int64).alias("churned")).row(0, named=True)
    return sums, {name: int(totals[name] or 0) for name in _COUNTS}


def rank_pain_points(
    sums: pl.DataFrame, totals: dict[str, int], step_nps: dict[str, tuple[int, int, int]] | None = None
) -> list[dict[str, Any]]:
    """Pain points, most customers first, each with ``impact`` and ``rank_by_impact``.

    ``impact`` compares the customers who hit the pain point with all the others: NPS (of each
    customer's latest answer) and churn rate, the differences and whether they are significant.
    ``detractors`` entries are kept only where the step's detractor share of NPS answers is above the
    share over all steps (``step_nps``: promoters, passives, detractors per step).
    """
    rows = list(sums.iter_rows(named=True)) if sums.height else []
    if step_nps:
        answers = [sum(counts) for counts in step_nps.values()]
        overall = sum(c[2] for c in step_nps.values()) / max(1, sum(answers))

        def concentrated(where: str) -> bool:
            p, n, d = step_nps.get(where, (0, 0, 0))
            return p + n + d > 0 and d / (p + n + d) > overall

        rows = [row for row in rows if row["kind"] != "detractors" or concentrated(row["where"])]
    points = [_with_impact(row, totals) for row in rows]
    points.sort(key=lambda p: (-p["customers"], p["kind"], p["where"]))
    by_impact = sorted(range(len(points)), key=lambda i: _impact_key(points[i]))
    for rank, i in enumerate(by_impact, start=1):
        points[i]["rank_by_impact"] = rank
    for rank, point in enumerate(points, start=1):
        point["rank_by_customers"] = rank
    return points


def _with_impact(row: dict[str, Any], totals: dict[str, int]) -> dict[str, Any]:
    hit = (row["promoters"], row["passives"], row["detractors"])
    rest = tuple(totals[name] - row[name] for name in ("promoters", "passives", "detractors"))
    others = totals["customers"] - row["customers"]
    impact: dict[str, Any] = {
        "nps": _nps_value(hit),
        "nps_others": _nps_value(rest),
        "nps_delta": None,
        "nps_significant": None,
        "churn_rate": round(100.0 * row["churned"] / row["customers"], 2) if row["customers"] else None,
        "churn_rate_others": round(100.0 * (totals["churned"] - row["churned"]) / others, 2) if others else None,
        "churn_delta": None,
    }
    if sum(hit) and sum(rest):
        comparison = stats.compare_nps((rest[0], rest[1], rest[2]), hit)
        impact["nps_delta"] = round(comparison.difference, 2)
        impact["nps_significant"] = comparison.significant
    if impact["churn_rate"] is not None and impact["churn_rate_others"] is not None:
        impact["churn_delta"] = round(impact["churn_rate"] - impact["churn_rate_others"], 2)
    return {"kind": row["kind"], "where": row["where"], "customers": int(row["customers"]), "impact": impact}


def _nps_value(counts: tuple[int, ...]) -> float | None:
    n = sum(counts)
    return round(100.0 * (counts[0] - counts[2]) / n, 2) if n else None


def _impact_key(point: dict[str, Any]) -> tuple[float, float, int]:
    """Worst first: the largest NPS drop, then the largest churn rise, then the most customers."""
    impact = point["impact"]
    nps_delta = impact["nps_delta"] if impact["nps_delta"] is not None else 0.0
    churn_delta = impact["churn_delta"] if impact["churn_delta"] is not None else 0.0
    return (nps_delta - churn_delta, -churn_delta, -point["customers"])
