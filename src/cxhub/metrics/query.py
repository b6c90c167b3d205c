"""The SQL side of the metrics: feedback rows reduced to sufficient statistics per group and period.

One ``GROUP BY`` over the ``events`` table returns, per group, the counts and sums the statistics need
(promoters and detractors, top-2-box answers, sum and sum of squares); ``stats`` turns them into
estimates with intervals. Grouping by ``touchpoint`` or ``channel`` and a period is answered from the
covering index ``ix_events_feedback``; any other field is a key of ``attributes``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal_column, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from cxhub.events.models import Event
from cxhub.kit import periods
from cxhub.kit.errors import CxhubError
from cxhub.kit.periods import period_label, week_label
from cxhub.metrics.stats import METRICS

COLUMN_FIELDS: dict[str, Any] = {"touchpoint": Event.touchpoint, "channel": Event.channel}
FIELD_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")
RESERVED_FIELDS = frozenset({"period", "n", "value", "ci_low", "ci_high", "margin"})


@dataclass(frozen=True, slots=True)
class Slice:
    """Which feedback to read: the metric, an optional time window and equality filters."""

    metric: str
    start: datetime | None = None
    end: datetime | None = None  # exclusive
    where: Mapping[str, str | Sequence[str]] | None = None  # a sequence means "any of"


def check_field(name: str, *, field: str = "by") -> str:
    if not FIELD_NAME.fullmatch(name) or name in RESERVED_FIELDS:
        raise CxhubError(
            "invalid_field",
            f"{name!r} is not a field to group or filter by: use touchpoint, channel or an attribute key "
            "(letters, digits, '_')",
            status=400,
            field=field,
        )
    return name


def field_expression(name: str) -> ColumnElement[Any]:
    column: ColumnElement[Any] | None = COLUMN_FIELDS.get(name)
    if column is not None:
        return column
    attribute: ColumnElement[Any] = Event.attributes[name].as_string()
    return attribute


def period_expression(period: str, dialect: str) -> ColumnElement[str]:
    """The period of an event's time (see ``kit.periods``)."""
    return periods.period_expression(Event.occurred_at, period, dialect)


def metric_kind(metric: str) -> str:
    """nps, top2box or mean; a metric cxhub does not define (a custom rating) is read as a mean."""
    spec = METRICS.get(metric)
    return spec.kind if spec else "mean"


def statistics_columns(metric: str) -> list[ColumnElement[Any]]:
    """The sufficient statistics of ``metric``, labelled: n, and what its estimate needs."""
    score = Event.score
    n = func.count(score).label("n")

    def at_least(threshold: float, label: str) -> ColumnElement[Any]:
        return func.sum(case((score >= threshold, 1), else_=0)).label(label)

    spec = METRICS.get(metric)
    if spec is not None and spec.kind == "nps":
        detractors = func.sum(case((score <= (spec.detractor_max or 0), 1), else_=0)).label("detractors")
        return [n, at_least(spec.positive_min, "promoters"), detractors]
    columns: list[ColumnElement[Any]] = [n, func.sum(score).label("total"), func.sum(score * score).label("total_sq")]
    if spec is not None:
        columns.append(at_least(spec.positive_min, "top"))
    return columns


def feedback_time(dialect: str) -> ColumnElement[datetime]:
    """The event time as feedback queries filter it: on SQLite, ``+occurred_at``.

    Without ``ANALYZE`` statistics SQLite's planner guesses that a time range is more selective than
    the metric, and reads a year of the window through ``ix_events_workspace_time`` plus a table
    look-up per event (every event, not only feedback): 15x slower than the feedback indexes. The
    unary plus is SQLite's documented way to keep a term from choosing an index; the range is still
    applied, on the feedback index's rows. PostgreSQL keeps its statistics-driven choice.
    """
    column = Event.occurred_at.expression
    if dialect != "sqlite":
        return column
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def filters(workspace_id: uuid.UUID, part: Slice, *, dialect: str) -> list[ColumnElement[bool]]:
    time = feedback_time(dialect)
    out: list[ColumnElement[bool]] = [
        Event.workspace_id == workspace_id,
        Event.metric == part.metric,
        Event.score.is_not(None),
    ]
    if part.start is not None:
        out.append(time >= part.start)
    if part.end is not None:
        out.append(time < part.end)
    for name, value in (part.where or {}).items():
        column = field_expression(check_field(name, field=f"where.{name}"))
        out.append(column == value if isinstance(value, str) else column.in_(list(value)))
    return out


def grouped_statistics(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    part: Slice,
    by: Sequence[str] = (),
    period: str | None = None,
) -> list[dict[str, Any]]:
    """One dict per group: the grouping fields (``period`` too, when asked), then the statistics."""
    dialect = session.get_bind().dialect.name
    for name in by:
        check_field(name)
    if dialect == "sqlite" and period is not None and set(by) <= {"touchpoint"}:
        return _rolled_up_days(session, workspace_id=workspace_id, part=part, by=by, period=period)
    keys: list[ColumnElement[Any]] = [field_expression(name).label(name) for name in by]
    if period is not None:
        keys.append(period_expression(period, dialect).label("period"))
    statement: Select[Any] = select(*keys, *statistics_columns(part.metric)).where(
        and_(*filters(workspace_id, part, dialect=dialect))
    )
    if keys:
        statement = statement.group_by(*keys)
    rows = [dict(row._mapping) for row in session.execute(statement)]
    if period == "week":
        for row in rows:
            row["period"] = week_label(row["period"])
    return [row for row in rows if row["n"]]


def _rolled_up_days(
    session: Session, *, workspace_id: uuid.UUID, part: Slice, by: Sequence[str], period: str
) -> list[dict[str, Any]]:
    """SQLite: statistics per touchpoint and day, read in the order of ``ix_events_feedback_day`` (no
    sort), then summed into periods here: a few thousand rows instead of sorting every response. The
    index holds the exact time too (migration 0009), so a window is applied without the table."""
    periods.check_period(period)
    # Literal arguments, so the expression is the indexed one.
    day = func.substr(Event.occurred_at, literal_column("1"), literal_column("10"))
    keys = [Event.touchpoint.label("touchpoint"), day.label("day")]
    # "touchpoint IS NOT NULL" is the day index's own condition: only this query names it, so SQLite
    # never picks that index, which does not cover channel or attributes, for another query.
    where = and_(*filters(workspace_id, part, dialect="sqlite"), Event.touchpoint.is_not(None))
    statement = select(*keys, *statistics_columns(part.metric)).where(where).group_by(*keys)
    totals: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in session.execute(statement):
        values = dict(row._mapping)
        label = period_label(values.pop("day"), period)
        touchpoint = values.pop("touchpoint")
        key = (touchpoint, label) if by else (label,)
        into = totals.get(key)
        if into is None:
            totals[key] = {**({"touchpoint": touchpoint} if by else {}), "period": label, **values}
            continue
        for name, value in values.items():
            into[name] = (into[name] or 0) + (value or 0)
    return [row for row in totals.values() if row["n"]]


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Inclusive calendar dates → a half-open UTC window."""
    low = datetime(start.year, start.month, start.day, tzinfo=UTC) if start else None
    high = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else None
    if low and high and low >= high:
        raise CxhubError("invalid_period", "'from' must be on or before 'to'", status=400, field="from")
    return low, high
