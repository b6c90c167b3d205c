"""Pydantic I/O for rules, cases, settings and loop measures.

The rule language is here too (``RuleDefinition``): it is what a rules file, the API and the database
hold, so one model checks all three.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

KEY_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
Priority = Literal["critical", "high", "medium", "low"]
PRIORITIES: tuple[Priority, ...] = ("critical", "high", "medium", "low")
Status = Literal["new", "in_progress", "waiting_customer", "resolved", "closed"]
STATUSES: tuple[Status, ...] = ("new", "in_progress", "waiting_customer", "resolved", "closed")
DEFAULT_SLA_HOURS: dict[Priority, float] = {"critical": 4.0, "high": 8.0, "medium": 24.0, "low": 72.0}
Band = Literal["detractor", "passive", "promoter", "low", "high_effort"]
Scalar = str | int | float | bool
Key = Annotated[str, Field(pattern=KEY_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str | int | float | bool) else value


class ScoreCondition(_Strict):
    """A score threshold on one metric: a named band (``detractor``…) or ``min``/``max`` (inclusive)."""

    metric: str | None = None
    band: Band | None = None
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _something(self) -> ScoreCondition:
        if self.band is None and self.min is None and self.max is None:
            raise ValueError("give a band (detractor, passive, promoter, low, high_effort) or min/max")
        if self.band is not None and self.metric is None:
            raise ValueError("a band needs its metric (nps, csat, ces, enps)")
        return self


class SentimentCondition(_Strict):
    """Text sentiment (when text analytics ran): one of ``labels``, and/or a score at most ``max_score``."""

    labels: list[Literal["negative", "neutral", "positive"]] = Field(default_factory=list)
    max_score: float | None = Field(default=None, ge=-1, le=1)
    min_score: float | None = Field(default=None, ge=-1, le=1)

    _coerce = field_validator("labels", mode="before")(_listify)


class EmotionCondition(_Strict):
    name: Literal["anger", "frustration", "joy", "trust", "sadness", "fear"]
    min: float = Field(default=0.5, ge=0, le=1)


class CustomerCondition(_Strict):
    """A valuable customer: lifetime value (purchases minus returns) of at least ``min_lifetime_value_cents``,
    or an event attribute (``segment: [vip]``). Either is enough when both are given."""

    min_lifetime_value_cents: int | None = Field(default=None, ge=0)
    attributes: dict[str, list[Scalar]] = Field(default_factory=dict)

    @field_validator("attributes", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return {k: _listify(v) for k, v in value.items()} if isinstance(value, dict) else value

    @model_validator(mode="after")
    def _something(self) -> CustomerCondition:
        if self.min_lifetime_value_cents is None and not self.attributes:
            raise ValueError("give min_lifetime_value_cents or attributes")
        return self


class RepeatCondition(_Strict):
    """The Nth contact in ``days`` about the same thing (``by``: an attribute name, or ``touchpoint``),
    counting this one. Contacts are events of ``types`` (default: the rule's types)."""

    count: int = Field(ge=2, le=100)
    days: float = Field(gt=0, le=365)
    by: str = Field(default="reason", pattern=r"^[A-Za-z0-9_]{1,64}$")
    types: list[str] = Field(default_factory=list)

    _coerce = field_validator("types", mode="before")(_listify)


class SilenceCondition(_Strict):
    """No answer to the event within ``hours``: no later event of the customer whose type is one of
    ``answered_by`` or whose ``attributes.direction`` is ``outbound``, and no action on a case about it.
    Checked by ``cxhub cases tick``, not as events arrive."""

    hours: float = Field(default=48, gt=0, le=24 * 60)
    answered_by: list[str] = Field(
        default_factory=lambda: ["outbound_call", "outbound_email", "callback", "reply", "complaint_resolved"]
    )
    lookback_days: float = Field(default=14, gt=0, le=365)

    _coerce = field_validator("answered_by", mode="before")(_listify)


class When(_Strict):
    """Every condition given must hold (AND); a list means any of its values (OR)."""

    types: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    touchpoints: list[str] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list)
    attributes: dict[str, list[Scalar]] = Field(default_factory=dict)
    score: ScoreCondition | None = None
    sentiment: SentimentCondition | None = None
    topics: list[str] = Field(default_factory=list, description="Topic paths; a parent matches its children.")
    emotion: EmotionCondition | None = None
    customer: CustomerCondition | None = None
    repeat: RepeatCondition | None = None
    silence: SilenceCondition | None = None

    _coerce = field_validator("types", "channels", "touchpoints", "stages", "topics", mode="before")(_listify)

    @field_validator("attributes", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return {k: _listify(v) for k, v in value.items()} if isinstance(value, dict) else value


class CaseSpec(_Strict):
    """What a match opens: priority, SLA (business hours; default from the priority), title, tags."""

    priority: Priority = "medium"
    sla_hours: float | None = Field(default=None, gt=0, le=24 * 365)
    title: str | None = Field(default=None, max_length=300)
    tags: list[str] = Field(default_factory=list)
    topic_from: str | None = Field(
        default=None, description="Attribute naming the case topic; default reason, topic, text topic, rule key."
    )
    department: str | None = Field(default=None, description="Route here instead of the governance map.")

    _coerce = field_validator("tags", mode="before")(_listify)


class RuleDefinition(_Strict):
    """One alert rule as a rules file writes it."""

    key: Key
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    active: bool = False
    when: When
    case: CaseSpec = Field(default_factory=CaseSpec)

    @field_validator("key", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    def body(self) -> dict[str, Any]:
        """What a version stores and compares: everything but ``active``, which is the rule's state."""
        return self.model_dump(mode="json", exclude={"active"}, exclude_none=True, exclude_defaults=True)


class RulesDocument(_Strict):
    rules: list[RuleDefinition]


class RuleOut(BaseModel):
    key: str
    version: int
    name: str
    status: str
    definition: dict[str, Any]
    created_at: datetime
    activated_at: datetime | None
    last_dry_run: dict[str, Any] | None = None


class RuleImportItem(BaseModel):
    key: str
    version: int
    changed: bool
    status: str
    refused: str | None = None


class DryRunSample(BaseModel):
    event_id: str
    occurred_at: datetime
    customer_id: str
    type: str
    touchpoint: str
    score: float | None
    topic: str


class DryRunOut(BaseModel):
    rule: str
    version: int
    since: datetime
    until: datetime
    scanned: int
    matched: int
    share: float = Field(description="matched / scanned, 0..1")
    customers: int
    would_open: int = Field(description="Cases it would open: distinct customer and topic.")
    guard_share: float
    needs_force: bool
    samples: list[DryRunSample]


class BusinessHours(_Strict):
    """Opening hours per weekday (mon…sun, ``"09:00-18:00"``; several ranges allowed), in ``timezone``."""

    timezone: str = "Europe/Rome"
    holidays_country: str | None = "IT"
    holidays_subdivision: str | None = None
    closed_dates: list[str] = Field(default_factory=list, description="Extra closed days, YYYY-MM-DD.")
    week: dict[str, list[str]] = Field(
        default_factory=lambda: {d: ["09:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    )


class WebhookTarget(_Strict):
    url: str = Field(pattern=r"^https?://")
    format: Literal["cxhub", "slack", "teams"] = "cxhub"
    events: list[str] = Field(default_factory=lambda: ["opened", "assigned", "breached", "resolved"])


class SettingsDoc(_Strict):
    business_hours: BusinessHours = Field(default_factory=BusinessHours)
    sla_hours: dict[Priority, float] = Field(default_factory=lambda: dict(DEFAULT_SLA_HOURS))
    webhooks: list[WebhookTarget] = Field(default_factory=list)
    email_events: list[str] = Field(default_factory=lambda: ["opened", "assigned", "breached", "resolved"])
    extra_emails: list[str] = Field(default_factory=list, description="Copied on every e-mail notification.")
    guard_share: float = Field(default=0.2, gt=0, le=1, description="Dry-run share above which --force is needed.")
    dry_run_days: int = Field(default=90, ge=1, le=3650)
    followup_survey: str | None = Field(default=None, description="Survey slug sent on closing, when asked.")


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    changes: dict[str, Any]
    note: str | None


class LinkOut(BaseModel):
    event_id: str
    occurred_at: datetime
    rule_key: str | None


class CaseOut(BaseModel):
    id: uuid.UUID
    customer_id: uuid.UUID
    title: str
    topic: str
    status: str
    priority: str
    department: str | None
    assignee: str | None
    touchpoint: str
    stage: str | None
    rule_key: str | None
    rule_version: int | None
    tags: list[str]
    root_cause: str | None
    resolution: str | None
    signal_at: datetime
    opened_at: datetime
    first_action_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    due_at: datetime
    sla_hours: float
    sla_paused: bool
    breached: bool
    breached_at: datetime | None
    escalated_at: datetime | None
    metric: str | None
    score_before: float | None
    score_after: float | None
    recovered: bool | None
    followup_survey: str | None
    events_count: int
    version: int
    updated_at: datetime


class CaseDetail(CaseOut):
    links: list[LinkOut]
    history: list[HistoryOut]
    allowed_transitions: list[str]


class CasePage(BaseModel):
    total: int
    cases: list[CaseOut]


class CasePatch(_Strict):
    """Fields to change; ``version`` is the one you read (a stale one gets 409 ``case_conflict``)."""

    version: int
    title: str | None = Field(default=None, min_length=1, max_length=300)
    priority: Priority | None = None
    tags: list[str] | None = None
    root_cause: str | None = None
    resolution: str | None = None
    assignee: str | None = Field(default=None, max_length=320)
    status: Status | None = None


class NoteIn(_Strict):
    version: int | None = Field(default=None, description="When given, checked like a PATCH.")
    text: str = Field(min_length=1, max_length=20_000)


class AssignIn(_Strict):
    version: int
    assignee: str | None = Field(max_length=320)


class TransitionIn(_Strict):
    version: int
    to: Status
    note: str | None = Field(default=None, max_length=20_000)
    resolution: str | None = None
    root_cause: str | None = None
    followup: bool = Field(default=False, description="On closing: send the follow-up survey.")
    followup_survey: str | None = None


class OpenCaseOut(BaseModel):
    """A case as the context API shows it to a touchpoint."""

    id: str
    title: str
    status: str
    priority: str
    department: str | None
    due_at: datetime
    breached: bool


class GroupStats(BaseModel):
    key: str | None
    opened: int
    resolved: int
    closed: int
    open: int
    median_hours_to_case: float | None
    p90_hours_to_case: float | None
    median_hours_to_first_action: float | None
    p90_hours_to_first_action: float | None
    median_hours_to_resolution: float | None
    p90_hours_to_resolution: float | None
    sla_compliance: float | None
    closure_rate: float | None
    recovery_rate: float | None
    backlog_median_age_hours: float | None
    backlog_max_age_hours: float | None


class NotificationOut(BaseModel):
    id: int
    case_id: uuid.UUID
    kind: str
    channel: str
    target: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class TickOut(BaseModel):
    silence_cases: int
    breached: int
    notifications_sent: int
    notifications_failed: int
