"""Turn one raw record into an AcceptedEvent or a list of precise field problems. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from cxhub.events.schemas import AcceptedEvent, EventIn
from cxhub.identity.normalize import (
    IdentifierError,
    identifier_key,
    identifier_type,
    normalize_identifier,
    priority,
)

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(slots=True, frozen=True)
class Problem:
    field: str
    problem: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "problem": self.problem}


@dataclass(slots=True)
class Rules:
    """What validation needs to know about its surroundings."""

    region: str
    now: datetime
    future_tolerance: timedelta


def _loc(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(event)"


def _message(error: Any) -> str:
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def pydantic_problems(exc: ValidationError) -> list[Problem]:
    return [Problem(_loc(err["loc"]), _message(err)) for err in exc.errors(include_url=False)]


def validate_event(payload: Any, rules: Rules) -> AcceptedEvent | list[Problem]:
    """Validate ``payload`` (a decoded JSON object) against the event model.

    Returns an AcceptedEvent whose ``identifiers`` are normalized and whose ``keys`` are sorted
    strongest first, or every problem found (not just the first).
    """
    if not isinstance(payload, dict):
        return [Problem("(event)", f"must be a JSON object, got {type(payload).__name__}")]
    try:
        event = EventIn.model_validate(payload)
    except ValidationError as exc:
        found = pydantic_problems(exc)
        # Identifier problems are worth reporting even when other fields fail.
        if isinstance(payload.get("identifiers"), dict):
            reported = {p.field for p in found}
            found.extend(p for p in _identifier_problems(payload["identifiers"], rules) if p.field not in reported)
        return found

    problems: list[Problem] = []
    occurred_at = event.occurred_at.astimezone(UTC)
    if occurred_at > rules.now + rules.future_tolerance:
        problems.append(
            Problem(
                "occurred_at",
                f"is in the future ({occurred_at.isoformat()}); at most "
                f"{int(rules.future_tolerance.total_seconds())} s ahead of the server clock is tolerated",
            )
        )
    elif occurred_at < EARLIEST:
        problems.append(Problem("occurred_at", "is before 1970-01-01"))

    identifiers: dict[str, str] = {}
    for raw_type, raw_value in event.identifiers.items():
        try:
            kind = identifier_type(raw_type)
        except IdentifierError as exc:
            problems.append(Problem(f"identifiers.{raw_type}", str(exc)))
            continue
        try:
            value = normalize_identifier(kind, raw_value, region=rules.region)
        except IdentifierError as exc:
            problems.append(Problem(f"identifiers.{kind}", str(exc)))
            continue
        if kind in identifiers and identifiers[kind] != value:
            problems.append(Problem(f"identifiers.{raw_type}", "given twice with different values"))
        identifiers[kind] = value
    if problems:
        return problems

    amount = event.amount
    products = [line.model_dump(exclude_none=True) for line in event.products] if event.products else None
    keys = [identifier_key(kind, value) for kind, value in sorted(identifiers.items(), key=_strength)]
    return AcceptedEvent(
        event_id=event.event_id,
        occurred_at=occurred_at,
        type=event.type,
        channel=event.channel,
        touchpoint=event.touchpoint,
        identifiers=identifiers,
        keys=keys,
        attributes=event.attributes,
        text=event.text,
        score=event.score,
        amount_cents=amount.cents if amount else None,
        currency=amount.currency if amount else None,
        products=products,
    )


def _strength(item: tuple[str, str]) -> tuple[int, str]:
    return priority(item[0]), item[0]


def _identifier_problems(raw: dict[Any, Any], rules: Rules) -> list[Problem]:
    problems = []
    for raw_type, raw_value in raw.items():
        if not isinstance(raw_type, str) or not isinstance(raw_value, str):
            continue
        try:
            normalize_identifier(identifier_type(raw_type), raw_value, region=rules.region)
        except IdentifierError as exc:
            problems.append(Problem(f"identifiers.{raw_type}", str(exc)))
    return problems
