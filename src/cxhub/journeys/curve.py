"""The emotional curve: per step, how many customers passed, their NPS and CSAT, and the sentiment
of what they said there, each with a confidence interval.

:func:`step_counts` reduces a chunk to sums that add up across chunks (a customer never spans two);
:func:`emotional_curve` turns the sums into estimates with ``cxhub.metrics.stats``. Pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from cxhub.metrics import stats

SUMS = (
    "customers",
    "promoters",
    "passives",
    "detractors",
    "csat_n",
    "csat_total",
    "csat_total_sq",
    "sentiment_n",
    "sentiment_total",
    "sentiment_total_sq",
)


def step_counts(steps: pl.DataFrame) -> pl.DataFrame:
    """Counts per ``at_step`` (see ``discovery.assign_steps``): customers, NPS categories, CSAT answers and
    sentiments. The CSAT and sentiment totals come from :func:`step_values` and :func:`value_sums`."""
    nps = (pl.col("metric") == "nps") & pl.col("score").is_not_null()
    csat = (pl.col("metric") == "csat") & pl.col("score").is_not_null()
    felt = pl.col("sentiment").is_not_null()
    # Lazy, so the filter copies only the columns counted, not the whole timeline.
    return (
        steps.lazy()
        .filter(pl.col("at_step").is_not_null())
        .group_by(pl.col("at_step").alias("step"))
        .agg(
            pl.col("customer_id").n_unique().cast(pl.Int64).alias("customers"),
            (nps & (pl.col("score") >= stats.NPS_PROMOTER_MIN)).sum().cast(pl.Int64).alias("promoters"),
            (nps & (pl.col("score") > stats.NPS_DETRACTOR_MAX) & (pl.col("score") < stats.NPS_PROMOTER_MIN))
            .sum()
            .cast(pl.Int64)
            .alias("passives"),
            (nps & (pl.col("score") <= stats.NPS_DETRACTOR_MAX)).sum().cast(pl.Int64).alias("detractors"),
            csat.sum().cast(pl.Int64).alias("csat_n"),
            felt.sum().cast(pl.Int64).alias("sentiment_n"),
        )
        .collect()
    )


def step_values(steps: pl.DataFrame) -> pl.DataFrame:
    """``step, csat, sentiment``: every CSAT score and sentiment at its step (null where a row has only
    the other). Kept whole, so that their totals do not depend on how customers were chunked."""
    csat = pl.when(pl.col("metric") == "csat").then(pl.col("score"))
    return (
        steps.lazy()
        .filter(pl.col("at_step").is_not_null())
        .select(pl.col("at_step").alias("step"), csat.cast(pl.Float64).alias("csat"), pl.col("sentiment"))
        .filter(pl.col("csat").is_not_null() | pl.col("sentiment").is_not_null())
        .collect()
    )


def value_sums(values: pl.DataFrame) -> pl.DataFrame:
    """Per step, the totals and totals of squares of :func:`step_values`, each added up in sorted order:
    float addition is not associative, and sorted, the same values give the same bits."""
    totals = []
    for name in ("csat", "sentiment"):
        value = pl.col(name).drop_nulls().sort()
        totals += [value.sum().alias(f"{name}_total"), (value**2).sort().sum().alias(f"{name}_total_sq")]
    return values.group_by("step").agg(totals)


def add_sums(frames: Sequence[pl.DataFrame], keys: Sequence[str]) -> pl.DataFrame:
    """Per-chunk sums added up by ``keys``."""
    present = [frame for frame in frames if frame.height]
    if not present:
        return frames[0] if frames else pl.DataFrame()
    joined = pl.concat(present, how="vertical_relaxed")
    values = [name for name in joined.columns if name not in keys]
    return joined.group_by(list(keys)).agg(pl.col(values).sum())


def emotional_curve(sums: pl.DataFrame, order: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """One entry per step: ``stage, customers, nps, csat, sentiment`` (estimates as dicts, or ``None``
    where no answer exists). Steps follow ``order`` when given (designed stages, all of them, even
    unvisited ones), else the busiest first."""
    rows = {row["step"]: row for row in sums.iter_rows(named=True)} if sums.height else {}
    keys = list(order) if order is not None else sorted(rows, key=lambda k: (-rows[k]["customers"], k))
    curve = []
    for key in keys:
        row = rows.get(key) or dict.fromkeys(SUMS, 0)
        nps = stats.nps(row["promoters"], row["passives"], row["detractors"])
        csat = stats.mean(row["csat_n"], row["csat_total"], row["csat_total_sq"], scale=stats.CSAT_SCALE)
        sentiment = stats.mean(row["sentiment_n"], row["sentiment_total"], row["sentiment_total_sq"])
        curve.append(
            {
                "stage": key,
                "customers": int(row["customers"]),
                "nps": nps.to_dict() if nps.n else None,
                "csat": csat.to_dict() if csat.n else None,
                "sentiment": sentiment.to_dict() if sentiment.n else None,
            }
        )
    return curve
