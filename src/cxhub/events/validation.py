"""Turn one raw record into an AcceptedEvent or a list of precise field problems. No I/O."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from cxhub.events.schemas import AcceptedEvent, EventIn, ProductLine
from cxhub.identity.normalize import (
    IdentifierError,
    identifier_key,
    identifier_type,
    normalize_identifier,
    priority,
)

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
MAX_DEPTH = 8
MAX_KEYS = 200
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# In JSON text, a forbidden character can only hide behind an escape (or be a raw DEL); NaN and
# Infinity are what a lenient encoder writes for non-finite numbers.
_SUSPICIOUS = re.compile(r"\\[ubf]|\x7f|NaN|Infinity")


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


def check_clean(value: str) -> str:
    """Refuse control characters and lone surrogates: they break storage, exports and terminals."""
    bad = _FORBIDDEN.search(value)
    if bad:
        raise ValueError(f"contains a forbidden character U+{ord(bad.group()):04X} at position {bad.start()}")
    return value


def needs_deep_check(raw: str) -> bool:
    """Whether the JSON text of an event could hold a forbidden character, a non-finite number,
    or attributes nested or wide beyond the limits. Cheap: a regex and three counts."""
    return (
        _SUSPICIOUS.search(raw) is not None or raw.count("{") + raw.count("[") > MAX_DEPTH or raw.count(":") > MAX_KEYS
    )


def deep_problems(value: Any, path: str = "", depth: int = 0) -> list[Problem]:
    """Forbidden characters, non-finite numbers and over-deep or over-wide attributes, by field."""
    here = path or "(event)"
    if isinstance(value, str):
        try:
            check_clean(value)
        except ValueError as exc:
            return [Problem(here, str(exc))]
        return []
    if isinstance(value, float) and not math.isfinite(value):
        return [Problem(here, "is not a finite number")]
    if depth > MAX_DEPTH + 1:  # the event object itself is one level above its attributes
        return [Problem(here, f"nests deeper than {MAX_DEPTH} levels")]
    problems: list[Problem] = []
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            return [Problem(here, f"has more than {MAX_KEYS} keys")]
        for key, item in value.items():
            name = str(key)
            try:
                check_clean(name)
            except ValueError as exc:
                problems.append(Problem(f"{path}.{name!r}" if path else repr(name), f"key {exc}"))
                continue
            problems.extend(deep_problems(item, f"{path}.{name}" if path else name, depth + 1))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(deep_problems(item, f"{path}.{index}", depth + 1))
    return problems


# The scales of the metrics cxhub computes; other metric names are stored and sliced as they come.
METRIC_SCALES: dict[str, tuple[float, float]] = {"nps": (0, 10), "enps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
INTEGER_METRICS = frozenset({"nps", "enps"})
METRIC_NAME = re.compile(r"[a-z0-9_]{1,32}")


def validate_event(payload: Any, rules: Rules, raw: str | None = None) -> AcceptedEvent | list[Problem]:
    """Validate ``payload`` (a decoded JSON object) against the event model.

    ``raw`` is the JSON text the payload was decoded from, when there is one: it lets clean events
    skip the character-by-character check. Returns an AcceptedEvent whose ``identifiers`` are
    normalized and whose ``keys`` are sorted strongest first, or every problem found.
    """
    if not isinstance(payload, dict):
        return [Problem("(event)", f"must be a JSON object, got {type(payload).__name__}")]
    deep = deep_problems(payload) if raw is None or needs_deep_check(raw) else []
    try:
        event = EventIn.model_validate(payload)
    except ValidationError as exc:
        found = _merge(deep, pydantic_problems(exc))
        # Identifier problems are worth reporting even when other fields fail.
        if isinstance(payload.get("identifiers"), dict):
            reported = {p.field for p in found}
            found.extend(p for p in _identifier_problems(payload["identifiers"], rules) if p.field not in reported)
        return found

    if deep:
        return deep
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
    metric = feedback_metric(event.type, event.attributes)
    if event.type == "survey_response":
        problems.extend(_metric_problems(metric, event.attributes.get("metric"), event.score))

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
    products = [_product(line) for line in event.products] if event.products else None
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
        metric=metric,
        amount_cents=amount.cents if amount else None,
        currency=amount.currency if amount else None,
        products=products,
    )


def feedback_metric(event_type: str, attributes: dict[str, Any]) -> str | None:
    """The CX metric a feedback event is about (``attributes.metric`` of a ``survey_response``)."""
    if event_type != "survey_response":
        return None
    metric = attributes.get("metric")
    return metric.strip().lower() if isinstance(metric, str) else None


def _metric_problems(metric: str | None, given: Any, score: float | None) -> list[Problem]:
    if metric is None:
        if given is not None:
            return [Problem("attributes.metric", "must be a string such as nps, csat, ces or enps")]
        return []
    if not METRIC_NAME.fullmatch(metric):
        return [Problem("attributes.metric", "must be 1-32 letters, digits or '_' (nps, csat, ces, enps…)")]
    scale = METRIC_SCALES.get(metric)
    if scale is None or score is None:
        return []
    low, high = scale
    if not low <= score <= high or (metric in INTEGER_METRICS and score != int(score)):
        kind = "a whole number" if metric in INTEGER_METRICS else "a number"
        return [Problem("score", f"{metric} scores are {kind} from {low:g} to {high:g}, got {score:g}")]
    return []


def _product(line: ProductLine) -> dict[str, Any]:
    out: dict[str, Any] = {"sku": line.sku, "quantity": line.quantity}
    if line.name is not None:
        out["name"] = line.name
    if line.unit_amount_cents is not None:
        out["unit_amount_cents"] = line.unit_amount_cents
    return out


def _merge(first: list[Problem], second: list[Problem]) -> list[Problem]:
    """Both lists, without a second problem for a field the first already names."""
    named = {p.field for p in first}
    return first + [p for p in second if p.field not in named]


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
