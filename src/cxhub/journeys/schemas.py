from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cxhub.journeys.design import JourneyDef


class JourneyOut(BaseModel):
    key: str
    name: str
    segment: str | None
    description: str | None
    definition: JourneyDef
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = Field(default_factory=list, description="Names no event carries (on create/import).")


class Estimate(BaseModel):
    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    margin: float | None
    small_sample: bool


class TransitionOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    count: int
    customers: int
    median_hours: float | None


class PathOut(BaseModel):
    steps: list[str]
    customers: int
    share: float


class StageOut(BaseModel):
    stage: str
    customers: int
    nps: Estimate | None
    csat: Estimate | None
    sentiment: Estimate | None = Field(description="Mean sentiment of what customers said there, when analysed.")


class ImpactOut(BaseModel):
    nps: float | None = Field(description="NPS of the customers who hit the pain point (latest answer each).")
    nps_others: float | None
    nps_delta: float | None = Field(description="nps − nps_others, in NPS points.")
    nps_significant: bool | None
    churn_rate: float | None = Field(description="Percent of them with no event in the last churn_days.")
    churn_rate_others: float | None
    churn_delta: float | None


class PainPointOut(BaseModel):
    kind: str
    where: str
    customers: int
    impact: ImpactOut
    rank_by_customers: int
    rank_by_impact: int


class DisconnectOut(BaseModel):
    kind: str
    customer_id: str
    occurred_at: datetime
    touchpoint: str
    event_ids: list[str]
    explanation: str
    timeline: str = Field(description="The customer's timeline in the API.")


class DisconnectCount(BaseModel):
    touchpoint: str
    kind: str
    count: int


class DisconnectCounts(BaseModel):
    total: int
    by_kind: dict[str, int]
    by_touchpoint: list[DisconnectCount]


class PairOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    customers: int


class ConformanceOut(BaseModel):
    customers: int
    conforming: int
    share: float | None
    loop_backs: list[PairOut]
    skips: list[PairOut]


class SankeyNode(BaseModel):
    id: str
    position: int
    step: str
    customers: int
    ends: int = Field(description="Customers whose journey stops here.")


class SankeyLink(BaseModel):
    source: str
    target: str
    customers: int


class SankeyOut(BaseModel):
    steps: int
    nodes: list[SankeyNode]
    links: list[SankeyLink]


class Period(BaseModel):
    start: datetime | None = Field(alias="from")
    end: datetime | None = Field(alias="to")
    as_of: datetime | None = Field(description="The end of the data: churn is measured back from it.")

    model_config = ConfigDict(populate_by_name=True)


class DiscoveryOut(BaseModel):
    level: str
    journey: str | None
    period: Period
    customers: int
    events: int
    transitions: list[TransitionOut]
    paths: list[PathOut]
    stages: list[StageOut]
    pain_points: list[PainPointOut]
    disconnects: list[DisconnectOut]
    disconnect_counts: DisconnectCounts
    conformance: ConformanceOut | None
    sankey: SankeyOut

    def to_json(self) -> dict[str, Any]:
        """The contract's JSON: ``from``/``to`` spelled as such."""
        return self.model_dump(mode="json", by_alias=True)


class DisconnectPage(BaseModel):
    disconnects: list[DisconnectOut]
    counts: DisconnectCounts
    next_cursor: str | None
