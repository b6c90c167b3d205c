"""What the metrics mean for the business: key drivers, the employee–customer link, targets, response rate.

The bridge between the database and the pure maths of ``drivers`` and ``stats``: it extracts the
rows (SQL, then Polars for the per-customer reshaping), hands arrays to the maths and shapes answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from cxhub.events.models import Event
from cxhub.kit.errors import CxhubError
from cxhub.metrics import drivers, stats
from cxhub.metrics.service import check_metric, metric_groups

DRIVER_WINDOW_DAYS = 180
MIN_DRIVER_ANSWERS = 20  # a touchpoint rated by fewer respondents is left out of the model
TARGETABLE = frozenset(stats.METRICS)


def _normalised(metric: str, score: float) -> float:
    spec = stats.METRICS[metric]
    return (score - spec.scale_min) / (spec.scale_max - spec.scale_min)


def touchpoint_drivers(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    target: str = "nps",
    start: datetime | None = None,
    end: datetime | None = None,
    window_days: int = DRIVER_WINDOW_DAYS,
    method: str = "relative_weights",
    n_boot: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Which touchpoints explain the ``target`` score most.

    One row per customer who gave the target score (their latest answer in the period): the outcome is
    that score; each driver is the customer's mean satisfaction at one touchpoint (CSAT and CES answers,
    rescaled to 0–1) in the ``window_days`` before it. Unrated touchpoints are imputed by the driver
    mean (see ``drivers.key_drivers``). Performance is the mean rescaled satisfaction, in %.
    """
    target = check_metric(target)
    if target not in ("nps", "csat", "ces"):
        raise CxhubError("invalid_target", "drivers explain nps, csat or ces", status=400, field="target")
    _check_method(method)
    rated = [m for m in ("csat", "ces") if m != target]
    when = [Event.workspace_id == workspace_id]
    if end is not None:
        when.append(Event.occurred_at < end)
    outcome_when = [*when, Event.metric == target, Event.score.is_not(None)]
    if start is not None:
        outcome_when.append(Event.occurred_at >= start)
    outcomes = pl.DataFrame(
        [
            (str(c), at, y)
            for c, at, y in session.execute(
                select(Event.customer_id, Event.occurred_at, Event.score).where(and_(*outcome_when))
            )
        ],
        schema={"customer": pl.Utf8, "at": pl.Datetime("us", "UTC"), "y": pl.Float64},
        orient="row",
    )
    ratings_sql = select(Event.customer_id, Event.occurred_at, Event.touchpoint, Event.metric, Event.score).where(
        and_(*when, Event.metric.in_(rated), Event.score.is_not(None))
    )
    if start is not None:
        ratings_sql = ratings_sql.where(Event.occurred_at >= start - timedelta(days=window_days))
    ratings = [
        (c, at, tp, _normalised(m, s)) for c, at, tp, m, s in session.execute(ratings_sql) if m and s is not None
    ]
    empty = {"target": target, "respondents": 0, "r2": None, "method": method, "drivers": []}
    if outcomes.is_empty() or not ratings:
        return empty
    outcomes = outcomes.sort("at").group_by("customer").last()
    frame = pl.DataFrame(
        [(str(c), at, tp, v) for c, at, tp, v in ratings],
        schema={"customer": pl.Utf8, "rated_at": pl.Datetime("us", "UTC"), "touchpoint": pl.Utf8, "x": pl.Float64},
        orient="row",
    )
    window = timedelta(days=window_days)
    joined = (
        outcomes.join(frame, on="customer")
        .filter((pl.col("rated_at") <= pl.col("at")) & (pl.col("rated_at") >= pl.col("at") - window))
        .group_by("customer", "touchpoint")
        .agg(pl.col("x").mean())
    )
    counts = joined.group_by("touchpoint").len().filter(pl.col("len") >= MIN_DRIVER_ANSWERS)
    names = sorted(counts["touchpoint"].to_list())
    if len(names) < 2:
        return {**empty, "respondents": outcomes.height}
    wide = (
        joined.filter(pl.col("touchpoint").is_in(names))
        .pivot(on="touchpoint", index="customer", values="x")
        .join(outcomes.select("customer", "y"), on="customer")
    )
    X = wide.select(names).to_numpy().astype(np.float64)
    y = wide["y"].to_numpy().astype(np.float64)
    performance = [float(np.nanmean(X[:, j]) * 100) for j in range(len(names))]
    found = _fit(X, y, names, method, n_boot, seed, performance)
    return {
        "target": target,
        "respondents": len(y),
        "r2": round(sum(d.importance for d in found), 4),
        "method": method,
        "by": "touchpoint",
        "window_days": window_days,
        "drivers": [_rounded(d.to_dict()) for d in found],
    }


def topic_drivers(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    target: str = "nps",
    start: datetime | None = None,
    end: datetime | None = None,
    level: int = 1,
    method: str = "relative_weights",
    n_boot: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Which topics explain the ``target`` score most, from what respondents wrote with their score.

    One row per scored answer that came with text: the outcome is the score; each driver is the mean
    sentiment (−1…1) of the answer's mentions of one topic, 0 when the topic is not mentioned. Topics are
    taxonomy parents (``level=1``) or full paths (``level=2``). Performance is the share of the topic's
    mentions that are not negative, in %.
    """
    from cxhub.text.models import TextAnalysis, TextMention
    from cxhub.text.taxonomy import SEPARATOR

    target = check_metric(target)
    _check_method(method)
    if level not in (1, 2):
        raise CxhubError("invalid_level", "level is 1 (topics) or 2 (sub-topics)", status=400, field="level")
    answers = select(TextAnalysis.event_id, TextAnalysis.score).where(
        TextAnalysis.workspace_id == workspace_id, TextAnalysis.metric == target, TextAnalysis.score.is_not(None)
    )
    if start is not None:
        answers = answers.where(TextAnalysis.occurred_at >= start)
    if end is not None:
        answers = answers.where(TextAnalysis.occurred_at < end)
    scored = {event_id: float(score) for event_id, score in session.execute(answers) if score is not None}
    empty = {"target": target, "respondents": len(scored), "r2": None, "method": method, "drivers": []}
    if len(scored) < MIN_DRIVER_ANSWERS:
        return empty
    mentions = session.execute(
        select(TextMention.event_id, TextMention.path, TextMention.sentiment_score).where(
            TextMention.workspace_id == workspace_id,
            TextMention.event_id.in_(answers.with_only_columns(TextAnalysis.event_id)),
        )
    ).all()
    frame = pl.DataFrame(
        [(e, p.split(SEPARATOR)[0].strip() if level == 1 else p, float(v)) for e, p, v in mentions],
        schema={"event": pl.Utf8, "topic": pl.Utf8, "x": pl.Float64},
        orient="row",
    )
    per_answer = frame.group_by("event", "topic").agg(pl.col("x").mean())
    counts = per_answer.group_by("topic").len().filter(pl.col("len") >= MIN_DRIVER_ANSWERS)
    names = sorted(counts["topic"].to_list())
    if len(names) < 2:
        return empty
    outcomes = pl.DataFrame({"event": list(scored), "y": list(scored.values())})
    wide = outcomes.join(
        per_answer.filter(pl.col("topic").is_in(names)).pivot(on="topic", index="event", values="x"),
        on="event",
        how="left",
    ).fill_null(0.0)
    X = wide.select(names).to_numpy().astype(np.float64)
    y = wide["y"].to_numpy().astype(np.float64)
    mentioned = per_answer.filter(pl.col("topic").is_in(names))
    performance = {
        row["topic"]: 100.0 * row["positive"]
        for row in mentioned.group_by("topic").agg((pl.col("x") >= 0).mean().alias("positive")).to_dicts()
    }
    found = _fit(X, y, names, method, n_boot, seed, [performance[name] for name in names])
    counted = dict(zip(counts["topic"].to_list(), counts["len"].to_list(), strict=True))
    return {
        "target": target,
        "respondents": len(y),
        "r2": round(sum(d.importance for d in found), 4),
        "method": method,
        "by": "topic",
        "drivers": [_rounded({**d.to_dict(), "n": counted[d.name]}) for d in found],
    }


def item_drivers(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    target: str = "nps",
    start: datetime | None = None,
    end: datetime | None = None,
    method: str = "relative_weights",
    n_boot: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Which questions of the same survey explain the ``target`` answer most.

    One row per response (events sharing ``attributes.response_id``, as cxhub's forms write them):
    the outcome is the target answer; each driver is another numeric answer of that response (a CSAT,
    CES or rating question). Performance is the item's mean on its observed range, in %.
    """
    target = check_metric(target)
    _check_method(method)
    response = Event.attributes["response_id"].as_string()
    statement = select(response, Event.metric, Event.score, Event.attributes).where(
        Event.workspace_id == workspace_id, Event.type == "survey_response", response.is_not(None)
    )
    if start is not None:
        statement = statement.where(Event.occurred_at >= start)
    if end is not None:
        statement = statement.where(Event.occurred_at < end)
    outcomes: dict[str, float] = {}
    answers: dict[str, dict[str, float]] = {}
    skip: dict[str, str] = {}
    for response_id, metric, score, attributes in session.execute(statement):
        if metric == target and score is not None:
            outcomes[response_id] = float(score)
            skip[response_id] = str(attributes.get("question", metric))
        given = attributes.get("answers")
        if isinstance(given, dict):
            numeric = {
                str(k): float(v) for k, v in given.items() if isinstance(v, int | float) and not isinstance(v, bool)
            }
            answers.setdefault(response_id, {}).update(numeric)
    rows = [(y, {k: v for k, v in answers.get(rid, {}).items() if k != skip[rid]}) for rid, y in outcomes.items()]
    counted: dict[str, int] = {}
    for _, items in rows:
        for name in items:
            counted[name] = counted.get(name, 0) + 1
    names = sorted(name for name, n in counted.items() if n >= MIN_DRIVER_ANSWERS)
    empty = {"target": target, "respondents": len(rows), "r2": None, "method": method, "by": "item", "drivers": []}
    if len(names) < 2:
        return empty
    X = np.array([[items.get(name, np.nan) for name in names] for _, items in rows], dtype=np.float64)
    y = np.array([y for y, _ in rows], dtype=np.float64)
    low, high = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
    spread = np.where(high > low, high - low, 1.0)
    performance = [float(v) for v in (np.nanmean(X, axis=0) - low) / spread * 100]
    found = _fit(X, y, names, method, n_boot, seed, performance)
    return {
        **empty,
        "respondents": len(y),
        "r2": round(sum(d.importance for d in found), 4),
        "drivers": [_rounded(d.to_dict()) for d in found],
    }


def _check_method(method: str) -> None:
    if method not in ("relative_weights", "shapley"):
        raise CxhubError("invalid_method", "method is relative_weights or shapley", status=400, field="method")


def _fit(
    X: np.ndarray[Any, Any],
    y: np.ndarray[Any, Any],
    names: list[str],
    method: str,
    n_boot: int,
    seed: int,
    performance: list[float],
) -> list[drivers.Driver]:
    return drivers.key_drivers(
        X,
        y,
        names,
        method=method,  # type: ignore[arg-type]  # checked by _check_method
        n_boot=n_boot,
        seed=seed,
        performance=performance,
    )


def _rounded(data: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in data.items()}


def employee_customer_link(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    customer_metric: str = "nps",
    start: datetime | None = None,
    end: datetime | None = None,
    min_group: int = 5,
) -> dict[str, Any]:
    """Per unit, eNPS next to the customers' score there, and their correlation across units.

    A unit is ``attributes.unit`` of the employee answers; customer answers belong to it by their own
    ``attributes.unit`` or, failing that, by touchpoint (a store's touchpoint is its unit). Units whose
    employee group is smaller than k show no eNPS and stay out of the correlation.
    """
    customer_metric = check_metric(customer_metric)

    def groups(metric: str, by: str) -> list[dict[str, Any]]:
        return metric_groups(
            session, workspace_id=workspace_id, metric=metric, by=[by], start=start, end=end, min_group=min_group
        )

    employees = groups("enps", "unit")
    by_unit = groups(customer_metric, "unit")
    by_touchpoint = groups(customer_metric, "touchpoint")
    customers = {g["touchpoint"]: g for g in by_touchpoint}
    customers.update({g["unit"]: g for g in by_unit if g["unit"] is not None})
    units = []
    for group in employees:
        unit = group["unit"]
        if unit is None:
            continue
        theirs = customers.get(unit)
        units.append(
            {
                "unit": unit,
                "enps": group["value"],
                "enps_n": group["n"],
                "enps_ci": [group["ci_low"], group["ci_high"]],
                "suppressed": group["suppressed"],
                customer_metric: theirs["value"] if theirs else None,
                f"{customer_metric}_n": theirs["n"] if theirs else 0,
            }
        )
    paired = [u for u in units if u["enps"] is not None and u[customer_metric] is not None]
    xs = [float(u["enps"]) for u in paired]
    ys = [float(u[customer_metric]) for u in paired]
    return {
        "customer_metric": customer_metric,
        "min_group": min_group,
        "units": units,
        "correlation": {
            "pearson": _rounded(drivers.correlation(xs, ys, method="pearson")),
            "spearman": _rounded(drivers.correlation(xs, ys, method="spearman")),
        },
    }


def target_status(value: float | None, ci_low: float | None, ci_high: float | None, target: float) -> str:
    """met (at or above target), at_risk (below, but the interval still reaches it), missed, no_data."""
    if value is None:
        return "no_data"
    if value >= target:
        return "met"
    if ci_high is not None and ci_high >= target:
        return "at_risk"
    return "missed"


def department_targets(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    start: datetime | None = None,
    end: datetime | None = None,
    departments: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Each department's metric targets (KPIs of the governance map) against the feedback on the
    touchpoints it is accountable or responsible for.

    A CSAT target within the 1–5 scale is read as a mean score, a larger one as a top-2-box %.
    """
    from cxhub.governance.ownership import load_map

    document = load_map(session, workspace_id=workspace_id)
    owned: dict[str, list[str]] = {}
    for touchpoint in document.touchpoints:
        for key in [*touchpoint.raci.accountable, *touchpoint.raci.responsible]:
            owned.setdefault(key, []).append(touchpoint.key)
    out = []
    for department in document.departments:
        if departments is not None and department.key not in departments:
            continue
        touchpoints = sorted(set(owned.get(department.key, [])))
        for kpi in department.kpis:
            metric, target = _kpi(kpi)
            if metric not in TARGETABLE or target is None:
                continue
            groups = (
                metric_groups(
                    session,
                    workspace_id=workspace_id,
                    metric=metric,
                    start=start,
                    end=end,
                    where={"touchpoint": touchpoints},
                )
                if touchpoints
                else []
            )
            group = groups[0] if groups else None
            value, low, high, measure = _measure(metric, target, group)
            out.append(
                {
                    "department": department.key,
                    "metric": metric,
                    "target": target,
                    "measure": measure,
                    "value": value,
                    "ci_low": low,
                    "ci_high": high,
                    "n": group["n"] if group else 0,
                    "touchpoints": touchpoints,
                    "status": target_status(value, low, high, target),
                }
            )
    return out


def _kpi(kpi: Any) -> tuple[str, float | None]:
    return str(kpi.metric), kpi.target


def _measure(
    metric: str, target: float, group: dict[str, Any] | None
) -> tuple[float | None, float | None, float | None, str]:
    if metric == "csat" and target <= stats.METRICS["csat"].scale_max:
        if group is None:
            return None, None, None, "mean"
        return group["mean"], group["mean_ci_low"], group["mean_ci_high"], "mean"
    if group is None:
        return None, None, None, stats.METRICS[metric].kind
    return group["value"], group["ci_low"], group["ci_high"], stats.METRICS[metric].kind


def response_rate(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    by: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    """Responded ÷ sent invitations (Wilson interval), overall or by ``survey`` or ``channel``."""
    from cxhub.surveys.models import Survey, SurveyInvitation

    if by not in (None, "survey", "channel"):
        raise CxhubError("invalid_field", "response rate groups by survey or channel", status=400, field="by")
    delivered = ("sent", "responded", "expired")
    key = {"survey": Survey.slug, "channel": SurveyInvitation.channel}.get(by or "")
    columns = [
        func.count().label("sent"),
        func.sum(case((SurveyInvitation.status == "responded", 1), else_=0)).label("responded"),
    ]
    statement = (
        select(*([key.label(by)] if key is not None and by else []), *columns)
        .select_from(SurveyInvitation)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .where(SurveyInvitation.workspace_id == workspace_id, SurveyInvitation.status.in_(delivered))
    )
    if start is not None:
        statement = statement.where(SurveyInvitation.sent_at >= start)
    if end is not None:
        statement = statement.where(SurveyInvitation.sent_at < end)
    if key is not None:
        statement = statement.group_by(key)
    out = []
    for row in session.execute(statement):
        data = dict(row._mapping)
        if not data["sent"]:
            continue
        estimate = stats.proportion(int(data["responded"] or 0), int(data["sent"]))
        out.append({**data, **_rounded(estimate.to_dict())})
    return out
