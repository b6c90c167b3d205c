"""The rule language: parse rules files, compile rules once, test events against them. Pure, no I/O.

A compiled rule is a list of small checks on one event (and its text analysis, when there is one).
Checks that need the database (lifetime value, repeated contacts) are left ``deferred`` for the
service to settle in one batched query per batch. A :class:`RuleSet` indexes rules by event type, so
an event only meets the rules that could match it: with 50 rules, most events test two or three.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from pydantic import ValidationError

from cxhub.cases.schemas import (
    RuleDefinition,
    RulesDocument,
    ScoreCondition,
    When,
)
from cxhub.events.schemas import HUB_CHANNEL
from cxhub.governance.mapfile import load_yaml
from cxhub.kit.errors import CxhubError
from cxhub.metrics.stats import METRICS

TOPIC_SEPARATOR = " › "
# Events cxhub writes itself (the case timeline): rules never see them, so a case cannot feed a case.
OWN_CHANNEL = HUB_CHANNEL
OWN_TYPE_PREFIX = "case_"


class EventLike(Protocol):
    """What a rule reads of an event: an ``AcceptedEvent`` of the pipeline or a stored row."""

    type: str
    channel: str
    touchpoint: str
    score: float | None
    metric: str | None
    attributes: dict[str, Any]


Analysis = Mapping[str, Any] | None
Check = Callable[[EventLike, Analysis], bool]


def is_own_event(event: EventLike) -> bool:
    return event.channel == OWN_CHANNEL or event.type.startswith(OWN_TYPE_PREFIX)


# --- parsing ---------------------------------------------------------------------------------------


def _problem(error: Mapping[str, Any]) -> dict[str, str]:
    loc = ".".join(f"[{part}]" if isinstance(part, int) else str(part) for part in error.get("loc", ()))
    return {"field": loc.replace(".[", "[") or "(document)", "problem": str(error.get("msg", "invalid"))}


def invalid_rules(problems: list[dict[str, str]]) -> CxhubError:
    first = problems[0]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return CxhubError(
        "invalid_rules",
        f"{first['field']}: {first['problem']}{more}; nothing was imported",
        status=422,
        field=first["field"],
        details={"errors": problems},
    )


def parse_rules(data: Any) -> list[RuleDefinition]:
    """Checked rules from decoded YAML/JSON: ``{"rules": [...]}`` or one rule; ``invalid_rules`` lists
    every problem with its place (``rules[2].when.score.max``)."""
    if isinstance(data, dict) and "rules" not in data:
        data = {"rules": [data]}
    if not isinstance(data, dict):
        raise invalid_rules([{"field": "(document)", "problem": "a rules file is a mapping with a `rules` list"}])
    try:
        document = RulesDocument.model_validate(data)
    except ValidationError as exc:
        raise invalid_rules([_problem(error) for error in exc.errors()]) from None
    problems: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, rule in enumerate(document.rules):
        where = f"rules[{index}]"
        if rule.key in seen:
            problems.append({"field": f"{where}.key", "problem": f"rule {rule.key!r} is defined twice"})
        seen.add(rule.key)
        problems += [{"field": f"{where}.when.{f}", "problem": p} for f, p in when_problems(rule.when)]
    if problems:
        raise invalid_rules(problems)
    return document.rules


def parse_rules_yaml(text: str | bytes) -> list[RuleDefinition]:
    return parse_rules(load_yaml(text))


def dump_rules_yaml(rules: Iterable[tuple[RuleDefinition, bool]], *, header: str | None = None) -> str:
    """Rules (with whether each is active) as the YAML ``parse_rules_yaml`` reads back."""
    items = []
    for rule, active in rules:
        body = rule.body()
        items.append({"key": body.pop("key"), "name": body.pop("name"), "active": active, **body})
    text = yaml.safe_dump({"rules": items}, allow_unicode=True, sort_keys=False, width=110)
    return (f"# {header}\n" if header else "") + text


def when_problems(when: When) -> list[tuple[str, str]]:
    """What is wrong with conditions that parse but cannot work (a threshold off the metric's scale…)."""
    problems: list[tuple[str, str]] = []
    if when.score is not None:
        problems += [(f"score.{f}", p) for f, p in _score_problems(when.score)]
    if when.silence is not None and (when.repeat is not None or when.customer is not None):
        problems.append(("silence", "a silence rule cannot also have repeat or customer conditions"))
    if when.silence is not None and (when.sentiment or when.topics or when.emotion):
        problems.append(("silence", "a silence rule is checked on stored events, which carry no text analysis"))
    if when.repeat is not None and not (when.repeat.types or when.types):
        problems.append(("repeat.types", "say which event types count as contacts (here or in `types`)"))
    return problems


def _score_problems(score: ScoreCondition) -> list[tuple[str, str]]:
    if score.metric is None:
        return []
    spec = METRICS.get(score.metric)
    if spec is None:
        return [("metric", f"unknown metric {score.metric!r}; one of {', '.join(sorted(METRICS))}")]
    problems = []
    for name in ("min", "max"):
        value = getattr(score, name)
        if value is not None and not spec.scale_min <= value <= spec.scale_max:
            problems.append((name, f"{value:g} is off the {spec.name} scale {spec.scale_min}..{spec.scale_max}"))
    if score.band in ("detractor", "passive", "promoter") and spec.kind != "nps":
        problems.append(("band", f"{score.band} is a band of nps and enps, not {spec.name}"))
    if score.band == "high_effort" and spec.name != "ces":
        problems.append(("band", "high_effort is a band of ces"))
    return problems


def score_range(score: ScoreCondition) -> tuple[float, float]:
    """The inclusive score range a condition accepts, bands resolved on the metric's scale.

    ``low`` is the bad half of the scale: NPS/eNPS detractors (0–6), CSAT 1–2, CES 1–3 (cxhub's CES
    runs 1–7 with 7 "very easy", so high effort is the *low* end; ``high_effort`` says it plainly).
    """
    low, high = float("-inf"), float("inf")
    if score.band is not None and score.metric is not None:
        spec = METRICS[score.metric]
        detractor_max = spec.detractor_max if spec.detractor_max is not None else spec.positive_min - 1
        if score.band in ("detractor",) or (score.band == "low" and spec.kind == "nps"):
            high = detractor_max
        elif score.band == "passive":
            low, high = detractor_max + 1, spec.positive_min - 1
        elif score.band == "promoter":
            low = spec.positive_min
        else:  # low, high_effort: below the middle of the scale
            high = math.ceil((spec.scale_min + spec.scale_max) / 2) - 1
    if score.min is not None:
        low = max(low, score.min)
    if score.max is not None:
        high = min(high, score.max)
    return low, high


# --- compiling -------------------------------------------------------------------------------------


def _topic_matches(paths: Iterable[str], wanted: Sequence[str]) -> bool:
    for path in paths:
        lowered = path.lower()
        for prefix in wanted:
            if lowered == prefix or lowered.startswith(prefix + TOPIC_SEPARATOR.lower()):
                return True
    return False


def topic_paths(analysis: Analysis) -> list[str]:
    if not analysis:
        return []
    return [str(t.get("path", "")) for t in analysis.get("topics") or () if isinstance(t, Mapping)]


def _attribute_check(name: str, values: list[Any]) -> Check:
    wanted = {str(v).lower() for v in values}

    def check(event: EventLike, _: Analysis) -> bool:
        value = (event.attributes or {}).get(name)
        return value is not None and str(value).lower() in wanted

    return check


def _checks(when: When) -> list[Check]:
    checks: list[Check] = []
    if when.channels:
        channels = frozenset(when.channels)
        checks.append(lambda e, _: e.channel in channels)
    if when.touchpoints:
        touchpoints = frozenset(when.touchpoints)
        checks.append(lambda e, _: e.touchpoint in touchpoints)
    if when.stages:
        checks.append(_attribute_check("journey_stage", list(when.stages)))
    for name, values in when.attributes.items():
        checks.append(_attribute_check(name, values))
    if when.score is not None:
        low, high = score_range(when.score)
        metric = when.score.metric

        def score_check(e: EventLike, _: Analysis) -> bool:
            if e.score is None:
                return False
            if metric is not None and (e.metric or (e.attributes or {}).get("metric")) != metric:
                return False
            return low <= e.score <= high

        checks.append(score_check)
    if when.sentiment is not None:
        cond = when.sentiment
        labels = frozenset(cond.labels)

        def sentiment_check(_: EventLike, analysis: Analysis) -> bool:
            found = (analysis or {}).get("sentiment")
            if not isinstance(found, Mapping):
                return False
            if labels and found.get("label") not in labels:
                return False
            value = float(found.get("score", 0.0))
            if cond.max_score is not None and value > cond.max_score:
                return False
            return not (cond.min_score is not None and value < cond.min_score)

        checks.append(sentiment_check)
    if when.topics:
        wanted = [t.strip().lower() for t in when.topics]
        checks.append(lambda _, a: _topic_matches(topic_paths(a), wanted))
    if when.emotion is not None:
        name, threshold = when.emotion.name, when.emotion.min
        checks.append(lambda _, a: float(((a or {}).get("emotions") or {}).get(name, 0.0)) >= threshold)
    if when.customer is not None and not when.customer.min_lifetime_value_cents:
        vip_attributes = [_attribute_check(n, v) for n, v in when.customer.attributes.items()]
        checks.append(lambda e, a: any(c(e, a) for c in vip_attributes))
    return checks


@dataclass(slots=True)
class CompiledRule:
    """A rule ready to test events; ``deferred`` names the checks only the database can settle."""

    key: str
    version: int
    definition: RuleDefinition
    types: frozenset[str]
    checks: list[Check]
    needs_value: bool
    needs_repeat: bool
    is_silence: bool

    @property
    def when(self) -> When:
        return self.definition.when

    def test(self, event: EventLike, analysis: Analysis = None) -> bool:
        """Whether the event passes every check that needs no database (deferred ones still to settle)."""
        if self.types and event.type not in self.types:
            return False
        return all(check(event, analysis) for check in self.checks)

    def vip_by_attribute(self, event: EventLike) -> bool:
        customer = self.when.customer
        if customer is None:
            return False
        return any(_attribute_check(n, v)(event, None) for n, v in customer.attributes.items())


def compile_rule(definition: RuleDefinition, *, version: int = 1) -> CompiledRule:
    when = definition.when
    return CompiledRule(
        key=definition.key,
        version=version,
        definition=definition,
        types=frozenset(when.types),
        checks=_checks(when),
        needs_value=bool(when.customer and when.customer.min_lifetime_value_cents),
        needs_repeat=when.repeat is not None,
        is_silence=when.silence is not None,
    )


@dataclass
class RuleSet:
    """Active event rules indexed by event type; silence rules kept apart for the scheduled check."""

    rules: list[CompiledRule]
    by_type: dict[str, tuple[CompiledRule, ...]] = field(init=False)
    any_type: tuple[CompiledRule, ...] = field(init=False)
    silence: tuple[CompiledRule, ...] = field(init=False)

    def __post_init__(self) -> None:
        event_rules = [r for r in self.rules if not r.is_silence]
        self.silence = tuple(r for r in self.rules if r.is_silence)
        self.any_type = tuple(r for r in event_rules if not r.types)
        index: dict[str, list[CompiledRule]] = {}
        for rule in event_rules:
            for kind in rule.types:
                index.setdefault(kind, []).append(rule)
        self.by_type = {kind: (*rules, *self.any_type) for kind, rules in index.items()}

    def __bool__(self) -> bool:
        return bool(self.rules)

    def candidates(self, event: EventLike) -> tuple[CompiledRule, ...]:
        if is_own_event(event):
            return ()
        return self.by_type.get(event.type, self.any_type)

    def matches(self, event: EventLike, analysis: Analysis = None) -> list[CompiledRule]:
        """Rules whose database-free checks the event passes, in the set's order."""
        return [rule for rule in self.candidates(event) if rule.test(event, analysis)]


# --- what a match opens ----------------------------------------------------------------------------


def case_topic(rule: CompiledRule, event: EventLike, analysis: Analysis = None) -> str:
    """What the case is about, the key that keeps one open case per customer and topic.

    The rule's ``topic_from`` attribute when set; else the event's ``reason`` or ``topic`` attribute;
    else the top-level text topic the rule asked for (or the first one found); else the rule's key.
    """
    attributes = event.attributes or {}
    chosen = rule.definition.case.topic_from
    if chosen == "touchpoint":
        return event.touchpoint
    for name in (chosen, "reason", "topic") if chosen else ("reason", "topic"):
        value = attributes.get(name) if name else None
        if value not in (None, ""):
            return str(value)[:200]
    paths = topic_paths(analysis)
    if paths:
        wanted = [t.strip().lower() for t in rule.when.topics]
        chosen_path = next((p for p in paths if _topic_matches([p], wanted)), paths[0]) if wanted else paths[0]
        return chosen_path.split(TOPIC_SEPARATOR)[0][:200]
    return rule.key


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def case_title(rule: CompiledRule, event: EventLike, topic: str) -> str:
    template = rule.definition.case.title or rule.definition.name
    values = _Blank(
        rule=rule.definition.name,
        topic=topic,
        touchpoint=event.touchpoint,
        channel=event.channel,
        type=event.type,
        metric=event.metric or "",
        score="" if event.score is None else f"{event.score:g}",
    )
    try:
        return template.format_map(values)[:300]
    except (ValueError, IndexError):
        return template[:300]


def repeat_key(rule: CompiledRule, event: EventLike) -> str | None:
    """The value repeats are counted by (the ``by`` attribute, or the touchpoint); None: not countable."""
    repeat = rule.when.repeat
    if repeat is None:
        return None
    if repeat.by == "touchpoint":
        return event.touchpoint
    value = (event.attributes or {}).get(repeat.by)
    return None if value in (None, "") else str(value)


def repeat_types(rule: CompiledRule) -> list[str]:
    repeat = rule.when.repeat
    if repeat is None:
        return []
    return list(repeat.types or rule.when.types)


def recovered(metric: str | None, score: float) -> bool:
    """Whether an answer after the case shows a recovered customer: out of the bad half of the scale
    (no longer an NPS detractor, CSAT 3+, CES 4+)."""
    spec = METRICS.get(metric or "")
    if spec is None:
        return False
    low, high = score_range(ScoreCondition(metric=spec.name, band="low"))
    return not low <= score <= high
