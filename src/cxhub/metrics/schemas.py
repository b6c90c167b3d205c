"""Metrics I/O: the query a caller sends and the groups that come back."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MetricDefinition(BaseModel):
    name: str
    kind: str
    scale_min: int
    scale_max: int
    positive_min: int
    detractor_max: int | None
    higher_is_better: bool
    labels: dict[str, str]


class MetricQuery(BaseModel):
    """What was asked, echoed back so a saved answer explains itself."""

    metric: str
    by: list[str] = Field(default_factory=list)
    period: str | None = None
    from_: date | None = Field(default=None, alias="from")
    to: date | None = None
    where: dict[str, str] = Field(default_factory=dict)
    min_group: int

    model_config = ConfigDict(populate_by_name=True)


class MetricGroups(BaseModel):
    """One object per group: the grouping fields (and ``period``), ``n``, ``value``, ``ci_low``,
    ``ci_high``, ``margin``, ``small_sample``, ``suppressed`` (employee groups smaller than k), the
    metric's details (NPS: promoters/passives/detractors %; CSAT: mean; CES: % easy) and, per period,
    ``change`` since the group's previous period with its significance."""

    query: MetricQuery
    groups: list[dict[str, Any]]


class Comparison(BaseModel):
    metric: str
    by: list[str]
    groups: list[dict[str, Any]]
