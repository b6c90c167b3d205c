"""``/api/v1/metrics``: NPS, CSAT, CES, eNPS… for any slice, with confidence intervals."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cxhub.kit.errors import CxhubError
from cxhub.kit.http import HubDep, Reader, SessionDep
from cxhub.metrics import insights, service
from cxhub.metrics.query import Slice, day_bounds
from cxhub.metrics.schemas import Comparison, MetricDefinition, MetricGroups, MetricQuery
from cxhub.metrics.stats import METRICS

router = APIRouter(prefix="/api/v1/metrics", tags=["metrics"])

By = Annotated[
    list[str] | None,
    Query(description="Fields to group by, comma-separated or repeated: touchpoint, channel or any attribute key."),
]
Where = Annotated[
    list[str] | None,
    Query(description="Filters `field:value` (repeatable), e.g. `channel:web`, `journey_stage:acquisto`."),
]


def split_fields(values: list[str] | None) -> list[str]:
    return [name.strip() for value in values or [] for name in value.split(",") if name.strip()]


def parse_where(values: list[str] | None, field: str = "where") -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values or []:
        name, sep, wanted = value.replace("=", ":", 1).partition(":")
        if not sep or not name.strip():
            raise CxhubError("invalid_filter", f"{value!r} is not field:value", status=400, field=field)
        out[name.strip()] = wanted.strip()
    return out


@router.get("", response_model=list[MetricDefinition], summary="The metrics cxhub defines, with their scales")
def definitions(_: Reader) -> list[MetricDefinition]:
    return [MetricDefinition(**{**asdict(spec), "labels": dict(spec.labels)}) for spec in METRICS.values()]


@router.get(
    "/employee-link",
    summary="Per unit, eNPS next to the customers' score, and their correlation across units",
)
def employee_link(
    session: SessionDep,
    hub: HubDep,
    principal: Reader,
    customer_metric: str = "nps",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> dict[str, Any]:
    start, end = day_bounds(from_, to)
    return insights.employee_customer_link(
        session,
        workspace_id=principal.workspace_id,
        customer_metric=customer_metric,
        start=start,
        end=end,
        min_group=hub.settings.voe_min_group_size,
    )


@router.get("/targets", summary="Each department's metric targets (governance KPIs) and their status")
def targets(
    session: SessionDep,
    principal: Reader,
    department: Annotated[list[str] | None, Query(description="Only these department keys.")] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> list[dict[str, Any]]:
    start, end = day_bounds(from_, to)
    return insights.department_targets(
        session, workspace_id=principal.workspace_id, start=start, end=end, departments=department
    )


@router.get("/response-rate", summary="Responded ÷ sent survey invitations, with Wilson intervals")
def response_rate(
    session: SessionDep,
    principal: Reader,
    by: Annotated[str | None, Query(description="survey or channel")] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
) -> list[dict[str, Any]]:
    start, end = day_bounds(from_, to)
    return insights.response_rate(session, workspace_id=principal.workspace_id, by=by, start=start, end=end)


@router.get(
    "/{metric}/drivers",
    summary="Key drivers: which touchpoints (or topics) explain the metric most, with bootstrap intervals",
)
def key_drivers(
    metric: str,
    session: SessionDep,
    principal: Reader,
    by: Annotated[
        str, Query(description="touchpoint (satisfaction there), topic (what they wrote) or item (other questions)")
    ] = "touchpoint",
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    method: str = "relative_weights",
    window_days: Annotated[int, Query(ge=1, le=730)] = insights.DRIVER_WINDOW_DAYS,
) -> dict[str, Any]:
    start, end = day_bounds(from_, to)
    if by in ("topic", "item"):
        compute = insights.topic_drivers if by == "topic" else insights.item_drivers
        return compute(session, workspace_id=principal.workspace_id, target=metric, start=start, end=end, method=method)
    if by != "touchpoint":
        raise CxhubError("invalid_field", "drivers are by touchpoint, topic or item", status=400, field="by")
    return insights.touchpoint_drivers(
        session,
        workspace_id=principal.workspace_id,
        target=metric,
        start=start,
        end=end,
        method=method,
        window_days=window_days,
    )


@router.get(
    "/{metric}",
    response_model=MetricGroups,
    summary="A metric per group and period, with 95% confidence intervals",
    description=(
        "NPS (−100…100), eNPS, CSAT (top-2-box %), CES (mean) or any other `attributes.metric` (mean) over "
        "`survey_response` events. Employee metrics hide groups smaller than the workspace's k."
    ),
)
def metric_groups(
    metric: str,
    session: SessionDep,
    hub: HubDep,
    principal: Reader,
    by: By = None,
    period: Annotated[str | None, Query(description="day, week, month or quarter")] = None,
    from_: Annotated[date | None, Query(alias="from")] = None,
    to: date | None = None,
    where: Where = None,
) -> MetricGroups:
    fields, filters = split_fields(by), parse_where(where)
    start, end = day_bounds(from_, to)
    min_group = hub.settings.voe_min_group_size
    groups = service.metric_groups(
        session,
        workspace_id=principal.workspace_id,
        metric=metric,
        by=fields,
        period=period,
        start=start,
        end=end,
        where=filters,
        min_group=min_group,
    )
    query = MetricQuery(
        metric=service.check_metric(metric),
        by=fields,
        period=period,
        from_=from_,
        to=to,
        where=filters,
        min_group=min_group,
    )
    return MetricGroups(query=query, groups=groups)


@router.get(
    "/{metric}/compare",
    response_model=Comparison,
    summary="Is b different from a? Two periods or two slices, per group, with significance",
)
def compare(
    metric: str,
    session: SessionDep,
    hub: HubDep,
    principal: Reader,
    by: By = None,
    a_from: date | None = None,
    a_to: date | None = None,
    b_from: date | None = None,
    b_to: date | None = None,
    a_where: Where = None,
    b_where: Where = None,
) -> Comparison:
    fields = split_fields(by)
    a = Slice(metric, *day_bounds(a_from, a_to), where=parse_where(a_where, "a_where"))
    b = Slice(metric, *day_bounds(b_from, b_to), where=parse_where(b_where, "b_where"))
    groups = service.compare_slices(
        session,
        workspace_id=principal.workspace_id,
        metric=metric,
        a=a,
        b=b,
        by=fields,
        min_group=hub.settings.voe_min_group_size,
    )
    return Comparison(metric=service.check_metric(metric), by=fields, groups=groups)
