"""A survey definition: its schema, the checks pydantic cannot express, and its logic. No I/O.

A definition arrives as YAML or JSON. Every problem is reported with the path of the field at fault
(``questions.2.text.en``), so whoever wrote the file can find it.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from cxhub.kit.errors import CxhubError

LANGUAGES = ("it", "en")
# Fixed scales of the metric questions: (lowest, highest).
METRIC_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "enps": (0, 10)}
METRICS = tuple(METRIC_SCALES)
CHOICES = ("single_choice", "multiple_choice")
DEFAULT_CONTEXT = ["journey_stage", "unit", "department", "product"]
DEFAULT_TEXT_LENGTH = 2000
MAX_TEXT_LENGTH = 5000

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Label = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.:\-]*$", max_length=64)]
Language = Literal["it", "en"]
LocalText = dict[
    Annotated[str, StringConstraints(pattern=r"^(it|en)$")],
    Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)],
]
QuestionType = Literal["nps", "csat", "ces", "enps", "rating", "single_choice", "multiple_choice", "text"]
Delivery = Literal["email", "webhook", "link"]
_DELAY = re.compile(r"^\s*(\d{1,6})\s*([smhdw]?)\s*$")
_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Option(_Strict):
    id: Ident
    label: LocalText


class Scale(_Strict):
    min: int = Field(ge=-100, le=100)
    max: int = Field(ge=-100, le=100)
    min_label: LocalText | None = None
    max_label: LocalText | None = None


class ShowIf(_Strict):
    """Show a question only when an earlier answer is among ``in`` (scores, a ``"0..6"`` range, option
    ids), or only when it was (``answered: true``) or was not (``answered: false``) answered."""

    question: Ident
    in_: list[int | str] | str | None = Field(default=None, alias="in")
    answered: bool | None = None


class Question(_Strict):
    id: Ident
    type: QuestionType
    text: LocalText
    required: bool = False
    options: list[Option] | None = Field(default=None, max_length=50)
    scale: Scale | None = None
    show_if: ShowIf | None = None
    max_length: int | None = Field(default=None, ge=1, le=MAX_TEXT_LENGTH)


class Trigger(_Strict):
    """Invite when an event matches: its ``type``, and (when given) touchpoint, channel and attributes."""

    event_type: Label
    touchpoint: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    channel: Label | None = None
    attributes: dict[str, str | int | float | bool] | None = None
    delay: str = "0"
    delivery: Delivery = "email"
    webhook_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2000)] | None = None


def _both_languages() -> list[Language]:
    return ["it", "en"]


class SurveyDefinition(_Strict):
    slug: Slug
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    audience: Literal["customer", "employee"] = "customer"
    languages: list[Language] = Field(default_factory=_both_languages, min_length=1, max_length=2)
    default_language: Language = "it"
    intro: LocalText | None = None
    questions: list[Question] = Field(min_length=1, max_length=100)
    triggers: list[Trigger] = Field(default_factory=list, max_length=20)
    context_attributes: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=lambda: list(DEFAULT_CONTEXT), max_length=20
    )
    touchpoint: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    channel: Label | None = None
    thank_you: LocalText | None = None

    def question(self, question_id: str) -> Question | None:
        for question in self.questions:
            if question.id == question_id:
                return question
        return None

    def dump(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class DefinitionError(CxhubError):
    """A definition that cannot be used; ``details["errors"]`` lists every problem by field."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        field, problem = problems[0]
        super().__init__(
            "invalid_survey",
            f"{field}: {problem}",
            status=422,
            field=field,
            details={"errors": [{"field": f, "problem": p} for f, p in problems]},
        )


def parse_document(text: str, fmt: str | None = None) -> Any:
    """Decode a YAML or JSON document (``fmt`` None: JSON when it starts with ``{``, YAML otherwise)."""
    fmt = fmt or ("json" if text.lstrip().startswith("{") else "yaml")
    if fmt == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise DefinitionError([("(document)", f"is not valid JSON: {exc}")]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError([("(document)", f"is not valid YAML: {where}{problem}")]) from None


def load_definition(text: str, fmt: str | None = None) -> SurveyDefinition:
    return validate_definition(parse_document(text, fmt))


def validate_definition(data: Any) -> SurveyDefinition:
    """A checked definition, or DefinitionError naming every field at fault."""
    if not isinstance(data, dict):
        raise DefinitionError([("(document)", f"must be a mapping of fields, got {type(data).__name__}")])
    try:
        definition = SurveyDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [
            (".".join(str(p) for p in err["loc"]) or "(document)", str(err["msg"]).removeprefix("Value error, "))
            for err in exc.errors(include_url=False)
        ]
        raise DefinitionError(problems) from None
    problems = definition_problems(definition)
    if problems:
        raise DefinitionError(problems)
    return definition


def definition_problems(d: SurveyDefinition) -> list[tuple[str, str]]:
    """What pydantic cannot check: languages covered, references, scales, options, triggers."""
    problems: list[tuple[str, str]] = []
    if len(set(d.languages)) != len(d.languages):
        problems.append(("languages", "lists a language twice"))
    if d.default_language not in d.languages:
        problems.append(("default_language", f"must be one of languages ({', '.join(d.languages)})"))

    def covers(path: str, text: dict[str, str] | None) -> None:
        if text is None:
            return
        for language in d.languages:
            if language not in text:
                problems.append((f"{path}.{language}", "is missing: every survey language needs a text"))

    covers("intro", d.intro)
    covers("thank_you", d.thank_you)
    seen: dict[str, Question] = {}
    for index, q in enumerate(d.questions):
        at = f"questions.{index}"
        if q.id in seen:
            problems.append((f"{at}.id", f"{q.id!r} is used by an earlier question"))
        covers(f"{at}.text", q.text)
        if q.type in CHOICES:
            if not q.options or len(q.options) < 2:
                problems.append((f"{at}.options", f"a {q.type} question needs at least two options"))
            else:
                ids = [o.id for o in q.options]
                for number, option in enumerate(q.options):
                    covers(f"{at}.options.{number}.label", option.label)
                    if ids.index(option.id) != number:
                        problems.append((f"{at}.options.{number}.id", f"{option.id!r} is used twice"))
        elif q.options is not None:
            problems.append((f"{at}.options", f"only choice questions have options, not {q.type}"))
        if q.type == "rating":
            if q.scale is None:
                problems.append((f"{at}.scale", "a rating question needs a scale, e.g. {min: 1, max: 5}"))
            elif not 1 <= q.scale.max - q.scale.min <= 10:
                problems.append((f"{at}.scale", "must span 2 to 11 points (max greater than min)"))
        elif q.scale is not None and q.type not in METRIC_SCALES:
            problems.append((f"{at}.scale", f"a {q.type} question has no scale"))
        elif q.scale is not None and (q.scale.min, q.scale.max) != METRIC_SCALES[q.type]:
            low, high = METRIC_SCALES[q.type]
            problems.append((f"{at}.scale", f"{q.type} is always {low}..{high}; only its labels can be set"))
        if q.scale is not None:
            covers(f"{at}.scale.min_label", q.scale.min_label)
            covers(f"{at}.scale.max_label", q.scale.max_label)
        if q.max_length is not None and q.type != "text":
            problems.append((f"{at}.max_length", "only text questions have a max_length"))
        if q.show_if is not None:
            problems.extend(_show_if_problems(f"{at}.show_if", q.show_if, seen))
        seen.setdefault(q.id, q)
    for index, trigger in enumerate(d.triggers):
        at = f"triggers.{index}"
        if d.audience == "employee":
            problems.append((at, "employee surveys are answered through open links per unit, not invitations"))
        try:
            parse_delay(trigger.delay)
        except ValueError as exc:
            problems.append((f"{at}.delay", str(exc)))
        if trigger.delivery == "webhook" and not trigger.webhook_url:
            problems.append((f"{at}.webhook_url", "is required when delivery is webhook"))
        if trigger.delivery != "webhook" and trigger.webhook_url:
            problems.append((f"{at}.webhook_url", "is only used when delivery is webhook"))
    return problems


def _show_if_problems(at: str, rule: ShowIf, earlier: dict[str, Question]) -> list[tuple[str, str]]:
    target = earlier.get(rule.question)
    if target is None:
        return [(f"{at}.question", f"{rule.question!r} is not an earlier question")]
    if (rule.in_ is None) == (rule.answered is None):
        return [(at, "needs exactly one of 'in' or 'answered'")]
    if rule.in_ is None:
        return []
    try:
        values = expand_values(rule.in_)
    except ValueError as exc:
        return [(f"{at}.in", str(exc))]
    if target.type in CHOICES:
        known = {o.id for o in target.options or []}
        wrong = [v for v in values if v not in known]
        if wrong:
            return [(f"{at}.in", f"{wrong[0]!r} is not an option of {target.id!r}")]
        return []
    bounds = scale_of(target)
    if bounds is None:
        return [(f"{at}.in", f"{target.id!r} is a {target.type} question: use 'answered'")]
    outside = [v for v in values if not isinstance(v, int) or not bounds[0] <= v <= bounds[1]]
    if outside:
        return [(f"{at}.in", f"{outside[0]!r} is outside {target.id!r}'s scale {bounds[0]}..{bounds[1]}")]
    return []


def expand_values(raw: list[int | str] | str) -> list[int | str]:
    """``"0..6"`` or ``["0..6", 9]`` → ``[0, 1, …, 6, 9]``; option ids are kept as they are."""
    items = [raw] if isinstance(raw, str) else raw
    values: list[int | str] = []
    for item in items:
        match = _RANGE.match(item) if isinstance(item, str) else None
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if high < low or high - low > 200:
                raise ValueError(f"range {item!r} must go upwards and span at most 200 values")
            values.extend(range(low, high + 1))
        else:
            values.append(item)
    return values


def parse_delay(raw: str) -> timedelta:
    """``"0"``, ``"90s"``, ``"30m"``, ``"2h"``, ``"7d"``, ``"2w"`` → a timedelta (at most a year)."""
    match = _DELAY.match(str(raw))
    if not match:
        raise ValueError(f"{raw!r} is not a delay: write a number and a unit s, m, h, d or w, e.g. '7d'")
    seconds = int(match.group(1)) * _UNITS[match.group(2)]
    if seconds > 366 * 86400:
        raise ValueError(f"{raw!r} is longer than a year")
    return timedelta(seconds=seconds)


def local(text: dict[str, str] | None, language: str) -> str:
    """The text in ``language``, else in any language it has (a definition covers its languages)."""
    if not text:
        return ""
    return text.get(language) or next(iter(text.values()))


def scale_of(question: Question) -> tuple[int, int] | None:
    if question.type in METRIC_SCALES:
        return METRIC_SCALES[question.type]
    if question.type == "rating" and question.scale is not None:
        return question.scale.min, question.scale.max
    return None


def is_shown(question: Question, answers: dict[str, Any]) -> bool:
    """Whether ``question`` is asked, given the answers so far (a hidden question's answer counts as none)."""
    rule = question.show_if
    if rule is None:
        return True
    given = answers.get(rule.question)
    if rule.answered is not None:
        return (given not in (None, "", [])) == rule.answered
    allowed = expand_values(rule.in_ or [])
    if isinstance(given, list):
        return any(item in allowed for item in given)
    return given is not None and given in allowed


def steps_of(definition: SurveyDefinition) -> dict[str, int]:
    """The page each question is on: 0 without ``show_if``, one after the question it depends on.

    Without JavaScript a page cannot react to an answer, so a question that depends on another is
    asked on the next page, once that answer is known.
    """
    step: dict[str, int] = {}
    for question in definition.questions:
        rule = question.show_if
        step[question.id] = 0 if rule is None else step.get(rule.question, 0) + 1
    return step
