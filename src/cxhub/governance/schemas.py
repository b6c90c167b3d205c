"""Pydantic I/O for the governance map: the document kept in git, and what the API answers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, EmailStr, Field, StringConstraints

Role = Literal["R", "A", "C", "I"]
# The order the map file and the API list roles in: who answers for it first.
ROLES: tuple[Role, ...] = ("A", "R", "C", "I")

# Lower-cased after the check, so ``Care`` and ``care`` name the same department.
SLUG_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$"
Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64, pattern=SLUG_PATTERN),
]
# Exactly what events carry in ``touchpoint`` (compared as is, case included): no control characters.
TouchpointKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$")
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Language = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z]{2}$")]


def _one_or_many(value: Any) -> Any:
    """``A: billing`` and ``A: [billing]`` mean the same; a single name is the common case."""
    return [value] if isinstance(value, str) else value


def _kpi_from_name(value: Any) -> Any:
    return {"metric": value} if isinstance(value, str) else value


Departments = Annotated[list[Slug], BeforeValidator(_one_or_many), Field(max_length=100)]


class Kpi(BaseModel):
    """A metric a department is measured on (``nps``, ``csat``, ``first_contact_resolution``…)."""

    model_config = ConfigDict(extra="forbid")

    metric: Slug
    target: float | None = Field(default=None, allow_inf_nan=False)


class Raci(BaseModel):
    """Who is Accountable, Responsible, Consulted and Informed; each a department key or a list of them."""

    model_config = ConfigDict(extra="forbid")

    accountable: Departments = Field(default_factory=list, alias="A")
    responsible: Departments = Field(default_factory=list, alias="R")
    consulted: Departments = Field(default_factory=list, alias="C")
    informed: Departments = Field(default_factory=list, alias="I")

    def by_role(self) -> dict[Role, list[str]]:
        return {"A": self.accountable, "R": self.responsible, "C": self.consulted, "I": self.informed}

    @classmethod
    def of(cls, roles: dict[str, list[str]]) -> Raci:
        return cls(A=roles.get("A", []), R=roles.get("R", []), C=roles.get("C", []), I=roles.get("I", []))


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Slug
    name: Name
    labels: dict[Language, Name] = Field(default_factory=dict, description="Display names by language: it, en…")
    lead_email: EmailStr | None = None
    kpis: list[Annotated[Kpi, BeforeValidator(_kpi_from_name)]] = Field(default_factory=list, max_length=50)


class TouchpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: TouchpointKey = Field(description="The `touchpoint` value events carry, e.g. `call_center`.")
    name: Name
    channel: Slug | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    raci: Raci = Field(default_factory=Raci)


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: Slug
    name: Name
    order: int | None = Field(
        default=None, ge=0, le=10_000, description="Position in the journey; list order if unset."
    )
    raci: Raci = Field(default_factory=Raci)


class MapDocument(BaseModel):
    """The whole map, as kept in git: importing it replaces what the workspace had."""

    model_config = ConfigDict(extra="forbid")

    version: int | None = Field(default=None, description="Read-only: shown on export, ignored on import.")
    updated_at: datetime | None = Field(default=None, description="Read-only: shown on export, ignored on import.")
    departments: list[DepartmentIn] = Field(default_factory=list, max_length=1000)
    touchpoints: list[TouchpointIn] = Field(default_factory=list, max_length=10_000)
    stages: list[StageIn] = Field(default_factory=list, max_length=200)


class Problem(BaseModel):
    field: str = Field(description="Where in the document, e.g. `touchpoints[3].raci.A`.")
    problem: str


class Change(BaseModel):
    key: str
    fields: list[str] = Field(description="What changed, e.g. `name`, `raci.A`, `kpis`.")


class SectionDiff(BaseModel):
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[Change] = Field(default_factory=list)
    reordered: bool = Field(default=False, description="The same entries, listed in another order.")

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.reordered)


class MapDiff(BaseModel):
    departments: SectionDiff = Field(default_factory=SectionDiff)
    touchpoints: SectionDiff = Field(default_factory=SectionDiff)
    stages: SectionDiff = Field(default_factory=SectionDiff)

    @property
    def empty(self) -> bool:
        return self.departments.empty and self.touchpoints.empty and self.stages.empty


class ImportResult(BaseModel):
    """What an import did (or, with ``dry_run``, would do)."""

    dry_run: bool
    changed: bool = Field(description="False when the document equals the stored map: nothing was written.")
    version: int = Field(description="The map's version after the import (unchanged on a dry run).")
    updated_at: datetime | None
    diff: MapDiff
    departments: int
    touchpoints: int
    stages: int
    ownerships: int


class DepartmentRef(BaseModel):
    key: str
    name: str
    lead_email: str | None = None


class DepartmentOut(BaseModel):
    key: str
    name: str
    labels: dict[str, str]
    lead_email: str | None
    kpis: list[Kpi]
    touchpoints: dict[Role, list[str]] = Field(description="Touchpoint keys by the department's role on them.")
    stages: dict[Role, list[str]] = Field(description="Stage keys by the department's role on them.")


class TouchpointOut(BaseModel):
    key: str
    name: str
    channel: str | None
    description: str | None
    raci: dict[Role, list[str]]


class StageOut(BaseModel):
    key: str
    name: str
    order: int
    raci: dict[Role, list[str]]


class OwnersOut(BaseModel):
    """Who answers for a touchpoint (and, as a fallback, its journey stage): what routing uses."""

    touchpoint: str | None
    stage: str | None
    accountable: DepartmentRef | None
    owners: dict[Role, list[DepartmentRef]]
