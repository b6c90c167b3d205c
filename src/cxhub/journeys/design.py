"""Designed journeys (service design): validation, YAML round trip, and the event → stage mapping.

A journey is a named, ordered list of stages. An event belongs to the first stage, in designed order,
one of whose ``match`` clauses it satisfies (a clause names event types, touchpoints and/or channels,
all of which must hold); an event whose ``attributes.journey_stage`` names a stage of the journey
belongs to that stage whatever the clauses say, because the touchpoint that sent it knew best.
Pure: no database, no HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cxhub.kit.errors import CxhubError

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_STAGES = 30


class MatchClause(BaseModel):
    """Events of these types, at these touchpoints, on these channels (each list, when given, must hold)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    types: list[str] = Field(default_factory=list)
    touchpoints: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> MatchClause:
        if not (self.types or self.touchpoints or self.channels):
            raise ValueError("a match clause names at least one of types, touchpoints, channels")
        for name in ("types", "touchpoints", "channels"):
            if any(not value for value in getattr(self, name)):
                raise ValueError(f"{name} holds an empty name")
        return self


class StageDef(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    key: str
    name: str = ""
    description: str | None = None
    match: list[MatchClause] = Field(default_factory=list)
    target_hours: float | None = Field(
        default=None, gt=0, description="Expected longest time from the previous stage to this one."
    )
    optional: bool = Field(default=False, description="Customers may skip it without deviating.")

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY.match(value):
            raise ValueError("stage key must be 1-64 lower-case letters, digits, '-' or '_'")
        return value

    @model_validator(mode="after")
    def _name(self) -> StageDef:
        self.name = self.name or self.key.replace("_", " ").capitalize()
        return self


class JourneyDef(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    journey: str = Field(description="The journey's key, used by `--journey` and in URLs.")
    name: str = ""
    description: str | None = None
    segment: str | None = Field(default=None, description="Only customers of this segment follow it.")
    stages: list[StageDef] = Field(min_length=1, max_length=MAX_STAGES)

    @field_validator("journey")
    @classmethod
    def _key(cls, value: str) -> str:
        if not KEY.match(value):
            raise ValueError("journey key must be 1-64 lower-case letters, digits, '-' or '_'")
        return value

    @model_validator(mode="after")
    def _unique_stages(self) -> JourneyDef:
        seen: set[str] = set()
        for stage in self.stages:
            if stage.key in seen:
                raise ValueError(f"stage {stage.key!r} appears twice")
            seen.add(stage.key)
        self.name = self.name or self.journey
        return self

    @property
    def stage_keys(self) -> list[str]:
        return [stage.key for stage in self.stages]


def parse_journey(data: Any) -> JourneyDef:
    """A validated journey from a decoded document; ``invalid_journey`` names the first bad field."""
    if not isinstance(data, Mapping):
        raise CxhubError("invalid_journey", "a journey is a mapping with 'journey' and 'stages'", field="journey")
    try:
        return JourneyDef.model_validate(dict(data))
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or "journey"
        raise CxhubError("invalid_journey", f"{where}: {error['msg']}", field=where) from None


def journey_from_yaml(text: str) -> JourneyDef:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CxhubError("invalid_yaml", f"not valid YAML: {exc}", field="file") from None
    return parse_journey(data)


def journey_to_yaml(journey: JourneyDef) -> str:
    """YAML that :func:`journey_from_yaml` reads back to an equal journey (defaults left out)."""
    data = journey.model_dump(mode="json", exclude_defaults=True)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def reference_warnings(
    journey: JourneyDef, *, types: Iterable[str], touchpoints: Iterable[str], channels: Iterable[str]
) -> list[str]:
    """Names the stages use that no event of the workspace carries: likely typos, or data still to come."""
    known = {"types": set(types), "touchpoints": set(touchpoints), "channels": set(channels)}
    if not any(known.values()):
        return ["the workspace has no events yet: stage types, touchpoints and channels could not be checked"]
    warnings = []
    for stage in journey.stages:
        if not stage.match:
            warnings.append(f"stage {stage.key!r} has no match clause: only events tagged journey_stage reach it")
        for clause in stage.match:
            for kind, values in (
                ("types", clause.types),
                ("touchpoints", clause.touchpoints),
                ("channels", clause.channels),
            ):
                kind_label = kind[:-1]
                for value in values:
                    if value not in known[kind]:
                        warnings.append(f"stage {stage.key!r}: no event has {kind_label} {value!r}")
    return warnings


def stage_expression(journey: JourneyDef) -> pl.Expr:
    """The stage key of each row of a timeline frame, or null when no stage claims the event."""
    tagged = pl.col("journey_stage").is_in(journey.stage_keys)
    rules: list[tuple[pl.Expr, str]] = []
    for stage in journey.stages:
        for clause in stage.match:
            condition = pl.lit(True)
            for column, values in (
                ("type", clause.types),
                ("touchpoint", clause.touchpoints),
                ("channel", clause.channels),
            ):
                if values:
                    condition = condition & pl.col(column).is_in(values)
            rules.append((condition, stage.key))
    chained = pl.when(tagged).then(pl.col("journey_stage"))
    for condition, key in rules:
        chained = chained.when(condition).then(pl.lit(key))  # type: ignore[assignment]
    return chained.otherwise(pl.lit(None, dtype=pl.String))
