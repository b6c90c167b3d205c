"""The CX manager's overview: headline scores with intervals, trend, touchpoints and stages, what
changed this week, and where responsibility is missing."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.governance.models import JourneyStage, Touchpoint
from cxhub.governance.ownership import get_responsibility_report
from cxhub.kit.http import HubDep, SessionDep
from cxhub.metrics.query import Slice, grouped_statistics
from cxhub.metrics.service import estimate, is_anonymous, metric_groups
from cxhub.metrics.stats import METRICS
from cxhub.text.service import topic_summary
from cxhub.web import charts
from cxhub.web.cache import Snapshot
from cxhub.web.i18n import N_
from cxhub.web.render import render, web_router
from cxhub.web.security import ViewerDep

router = web_router()
HEADLINE = ("nps", "csat", "ces", "enps")
PERIODS = (30, 90, 365)
UNITS = {"nps": N_("NPS points"), "csat": N_("% satisfied"), "ces": N_("mean, 1–7"), "enps": N_("eNPS points")}


def last_week_start(end: datetime) -> datetime:
    """Midnight UTC of the Monday of the week before ``end``'s week."""
    monday = (end - timedelta(days=end.weekday() + 7)).date()
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def window(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    end = now or utcnow()
    return end - timedelta(days=days), end


def names_of(session: Session, workspace_id: uuid.UUID) -> tuple[dict[str, str], dict[str, str]]:
    """Touchpoint and stage keys → their names in the governance map."""
    touchpoints = session.execute(
        select(Touchpoint.key, Touchpoint.name).where(Touchpoint.workspace_id == workspace_id)
    )
    stages = session.execute(
        select(JourneyStage.key, JourneyStage.name).where(JourneyStage.workspace_id == workspace_id)
    )
    return {key: name for key, name in touchpoints}, {key: name for key, name in stages}


SUMMED = ("n", "promoters", "detractors", "total", "total_sq", "top")


def pooled(
    session: Session,
    workspace_id: uuid.UUID,
    metric: str,
    start: datetime,
    end: datetime,
    touchpoints: Sequence[str] | None = None,
) -> dict[str, Any] | None:
    """One estimate over all (or some) touchpoints: the per-touchpoint sufficient statistics, added.

    Exact, because every statistic is a sum; and on SQLite about ten times faster than an ungrouped
    query, since the GROUP BY is answered from the covering feedback index.
    """
    rows = grouped_statistics(
        session, workspace_id=workspace_id, part=Slice(metric=metric, start=start, end=end), by=["touchpoint"]
    )
    total: dict[str, Any] = {}
    for row in rows:
        if touchpoints is not None and row["touchpoint"] not in touchpoints:
            continue
        for name in SUMMED:
            if row.get(name) is not None:
                total[name] = total.get(name, 0) + row[name]
    if not total.get("n"):
        return None
    return estimate(metric, total)


def anonymous(result: dict[str, Any], metric: str, min_group: int) -> dict[str, Any]:
    """Employee scores of fewer than ``min_group`` answers show their count only (k-anonymity)."""
    if is_anonymous(metric, None) and result["n"] < min_group:
        return {
            "n": result["n"],
            "value": None,
            "ci_low": None,
            "ci_high": None,
            "small_sample": True,
            "suppressed": True,
        }
    return result


def headline(
    session: Session, workspace_id: uuid.UUID, start: datetime, end: datetime, min_group: int, metrics: Sequence[str]
) -> list[dict[str, Any]]:
    """One card per metric with answers in the window: its estimate and 95% interval."""
    cards = []
    for metric in metrics:
        result = pooled(session, workspace_id, metric, start, end)
        if result is None:
            continue
        cards.append(
            {"metric": metric, "spec": METRICS[metric], "unit": UNITS[metric], **anonymous(result, metric, min_group)}
        )
    return cards


def changes_this_week(
    session: Session,
    workspace_id: uuid.UUID,
    end: datetime,
    min_group: int,
    names: dict[str, str],
    metrics: Sequence[str] = ("nps", "csat", "ces"),
    where: dict[str, str] | None = None,
    touchpoints: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """The significant moves of this week against the last, per touchpoint, biggest first.

    Only those two weeks are read, so ``metric_groups`` corrects (Holm) for the number of touchpoints
    tested, as the page says.
    """
    out = []
    for metric in metrics:
        rows = metric_groups(
            session,
            workspace_id=workspace_id,
            metric=metric,
            by=["touchpoint"],
            period="week",
            start=last_week_start(end),
            end=end,
            where=where,
            min_group=min_group,
        )
        if not rows:
            continue
        latest = max(row["period"] for row in rows)
        for row in rows:
            change = row.get("change")
            if row["period"] != latest or not change or not change.get("significant"):
                continue
            if touchpoints is not None and row["touchpoint"] not in touchpoints:
                continue
            spec = METRICS[metric]
            better = (change["difference"] > 0) == spec.higher_is_better
            out.append(
                {
                    "metric": metric,
                    "spec": spec,
                    "touchpoint": row["touchpoint"],
                    "name": names.get(row["touchpoint"], row["touchpoint"]),
                    "period": latest,
                    "since": change["since"],
                    "value": row["value"],
                    "difference": change["difference"],
                    "better": better,
                    "n": row["n"],
                }
            )
    out.sort(key=lambda item: -abs(item["difference"]))
    return out


def rising_negative_topics(
    session: Session, workspace_id: uuid.UUID, end: datetime, top: int = 5, touchpoints: Sequence[str] | None = None
) -> list[Any]:
    """Topics whose share of negative mentions rose in the latest week against the week before, significant
    ones first.

    Three weeks are read, so early on a Monday (this week still empty) last week is compared with the one
    before instead of showing nothing. Only rises are kept, each with its two-proportion test
    (``text.service.topic_summary``); a department reads the mentions at its own ``touchpoints``.
    """
    start = last_week_start(end) - timedelta(days=7)
    summary = topic_summary(
        session, workspace_id=workspace_id, period="week", start=start, end=end, touchpoints=touchpoints
    )
    return summary.rising_negative[:top]


def by_field(
    session: Session,
    workspace_id: uuid.UUID,
    metric: str,
    field: str,
    start: datetime,
    end: datetime,
    min_group: int,
    where: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    rows = metric_groups(
        session,
        workspace_id=workspace_id,
        metric=metric,
        by=[field],
        start=start,
        end=end,
        where=where,
        min_group=min_group,
    )
    return [row for row in rows if row[field] is not None]


def pick_metric(metric: str | None) -> str:
    return metric if metric in HEADLINE else "nps"


def pick_days(days: int | None) -> int:
    return days if days in PERIODS else 90


def analysis(
    snapshot: Snapshot,
    session: Session,
    workspace_id: uuid.UUID,
    metric: str,
    days: int,
    min_group: int,
    names: dict[str, str],
) -> dict[str, Any]:
    """Everything the overview computes from the events, each part cached on its own key, so switching
    the metric recomputes only what depends on it (the headline cards, gaps, changes and topics do not)."""
    start, end = window(days)
    week = last_week_start(end)

    def by_metric() -> dict[str, Any]:
        return {
            "weekly": metric_groups(
                session,
                workspace_id=workspace_id,
                metric=metric,
                period="week",
                start=start,
                end=end,
                min_group=min_group,
            ),
            "touchpoints": by_field(session, workspace_id, metric, "touchpoint", start, end, min_group),
            "stages": by_field(session, workspace_id, metric, "journey_stage", start, end, min_group),
        }

    # Gaps are structural; their weight is read over at most the last 90 days, which keeps a year's view fast.
    since = max(start, end - timedelta(days=90))
    return {
        **snapshot.get("overview-metric", (metric, days, min_group), by_metric),
        "cards": snapshot.get(
            "headline", (days, min_group), lambda: headline(session, workspace_id, start, end, min_group, HEADLINE)
        ),
        "report": snapshot.get(
            "gaps",
            min(days, 90),
            lambda: get_responsibility_report(session, workspace_id=workspace_id, since=since, until=end),
        ),
        # The week is part of the key: "this week" moves on Monday even when no event arrives.
        "changes": all_changes(snapshot, session, workspace_id, end, min_group, names),
        "rising": snapshot.get("rising", week, lambda: rising_negative_topics(session, workspace_id, end)),
    }


def all_changes(
    snapshot: Snapshot, session: Session, workspace_id: uuid.UUID, end: datetime, min_group: int, names: dict[str, str]
) -> list[dict[str, Any]]:
    """This week's significant moves at every touchpoint, cached: a department filters them to its own."""
    params = (last_week_start(end), min_group, tuple(sorted(names.items())))
    return snapshot.get("changes", params, lambda: changes_this_week(session, workspace_id, end, min_group, names))


@router.get("/app")
def overview(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    hub: HubDep,
    metric: str | None = None,
    days: int | None = None,
) -> Response:
    if not viewer.can("overview") and viewer.user.role == "department_lead":
        return RedirectResponse(f"/app/departments/{viewer.user.department_key}", status_code=303)
    viewer.require("overview")
    metric, days = pick_metric(metric), pick_days(days)
    ws, k = viewer.workspace_id, hub.settings.voe_min_group_size
    touchpoint_names, stage_names = names_of(session, ws)
    found = analysis(Snapshot(session, workspace_id=ws), session, ws, metric, days, k, touchpoint_names)
    label = METRICS[metric].label(viewer.language)
    return render(
        request,
        "overview.html",
        {
            "title": N_("Overview"),
            "metric": metric,
            "metric_label": label,
            "unit": UNITS[metric],
            "days": days,
            "periods": PERIODS,
            "headline_metrics": HEADLINE,
            "cards": found["cards"],
            "trend": charts.trend(found["weekly"], label=label, y_title=label),
            "has_trend": any(row["value"] is not None for row in found["weekly"]),
            "touchpoints": found["touchpoints"],
            "touchpoint_chart": charts.bars_with_ci(
                found["touchpoints"], names=touchpoint_names, key="touchpoint", y_title=label
            ),
            "touchpoint_names": touchpoint_names,
            "stages": found["stages"],
            "stage_names": stage_names,
            "changes": found["changes"],
            "report": found["report"],
            "rising": found["rising"],
            "can_drill": viewer.can("feedback"),
            "cases": case_backlog(session, ws),
        },
        viewer=viewer,
        active="overview",
    )


def case_backlog(session: Session, workspace_id: uuid.UUID, department: str | None = None) -> dict[str, Any]:
    """Open cases and SLA breaches (imported late: the case pages import this module)."""
    from cxhub.web.cases import backlog

    return backlog(session, workspace_id=workspace_id, department=department)
