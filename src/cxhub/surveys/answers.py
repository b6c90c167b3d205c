"""From a submitted form to checked answers, and from answers to ``survey_response`` events. No I/O.

The metrics engine counts these events exactly like imported historical feedback: one event per
metric question, ``score`` the answer and ``attributes.metric`` its kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cxhub.surveys.definition import (
    DEFAULT_TEXT_LENGTH,
    METRIC_SCALES,
    Question,
    SurveyDefinition,
    is_shown,
    scale_of,
    steps_of,
)

PREFIX = "q."
# All open text of one response together; it is stored twice (``text`` and ``attributes.answers``)
# and must stay well inside the 64 KiB an event may take.
MAX_TOTAL_TEXT = 6000
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


@dataclass
class FormResult:
    """Checked answers of the pages seen so far; ``errors`` by question id (``""`` for the whole form).

    ``next_step`` is the page still to ask, or None when the response is complete.
    """

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    next_step: int | None = None


def read_form(
    definition: SurveyDefinition, pairs: Iterable[tuple[str, str]], *, step: int = 0, language: str = "en"
) -> FormResult:
    """Check the answers in ``pairs`` (form fields ``q.<question id>``) for pages ``0..step``.

    Out-of-range scores, unknown options or questions, missing required answers and oversize text are
    errors. Answers to questions that the answers given hide are dropped, never stored.
    """
    raw: dict[str, list[str]] = {}
    result = FormResult()
    for name, value in pairs:
        if not name.startswith(PREFIX):
            continue
        question_id = name[len(PREFIX) :]
        if definition.question(question_id) is None:
            result.errors[""] = _t(language, "unknown_question").format(question=question_id[:40])
            continue
        raw.setdefault(question_id, []).append(value)
    steps = steps_of(definition)
    total_text = 0
    for question in definition.questions:
        if steps[question.id] > step or not is_shown(question, result.answers):
            continue
        try:
            value = _clean(question, raw.get(question.id, []), language)
        except ValueError as exc:
            result.errors[question.id] = str(exc)
            continue
        if value is None:
            if question.required:
                result.errors[question.id] = _t(language, "required")
            continue
        if isinstance(value, str):
            total_text += len(value)
        result.answers[question.id] = value
    if total_text > MAX_TOTAL_TEXT and "" not in result.errors:
        result.errors[""] = _t(language, "too_much_text").format(limit=MAX_TOTAL_TEXT)
    if result.errors:
        return result
    later = [
        steps[q.id]
        for q in definition.questions
        if steps[q.id] > step and _may_show(definition, q, result.answers, steps, step)
    ]
    result.next_step = min(later) if later else None
    return result


def _may_show(
    definition: SurveyDefinition, question: Question, answers: dict[str, Any], steps: dict[str, int], step: int
) -> bool:
    """Whether a later-page question would be asked, on what is known after page ``step``.

    A condition on a question of a page not asked yet is decided when that page is answered.
    """
    rule = question.show_if
    if rule is None:
        return True
    if steps[rule.question] <= step:
        return is_shown(question, answers)
    parent = definition.question(rule.question)
    return parent is not None and _may_show(definition, parent, answers, steps, step)


def _clean(question: Question, values: list[str], language: str) -> Any:
    values = [v.strip() for v in values if v.strip()]
    if not values:
        return None
    if question.type == "multiple_choice":
        known = {o.id for o in question.options or []}
        chosen = list(dict.fromkeys(values))
        for value in chosen:
            if value not in known:
                raise ValueError(_t(language, "unknown_option"))
        return chosen
    if len(values) > 1:
        raise ValueError(_t(language, "one_answer"))
    value = values[0]
    if question.type == "single_choice":
        if value not in {o.id for o in question.options or []}:
            raise ValueError(_t(language, "unknown_option"))
        return value
    if question.type == "text":
        limit = question.max_length or DEFAULT_TEXT_LENGTH
        value = value.replace("\r\n", "\n")
        if len(value) > limit:
            raise ValueError(_t(language, "too_long").format(limit=limit, length=len(value)))
        if _FORBIDDEN.search(value):
            raise ValueError(_t(language, "bad_character"))
        return value
    low, high = scale_of(question) or (0, 10)
    try:
        number = int(value)
    except ValueError:
        raise ValueError(_t(language, "out_of_range").format(low=low, high=high)) from None
    if not low <= number <= high:
        raise ValueError(_t(language, "out_of_range").format(low=low, high=high))
    return number


def build_events(
    definition: SurveyDefinition,
    *,
    response_id: str,
    answers: dict[str, Any],
    language: str,
    occurred_at: datetime,
    identifiers: dict[str, str],
    touchpoint: str,
    channel: str,
    response_channel: str,
    version: int,
    context: dict[str, Any],
    always: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The ``survey_response`` events of one response, ready for ingest.

    One event per answered metric question (``score`` = the answer); the first also carries the open
    text in ``text`` and every answer in ``attributes.answers``. A response without metric answers is
    one event without a score. Of ``context``, the keys the survey's ``context_attributes`` name are
    kept; ``always`` (an open link's unit and department) is kept whole. Event ids are
    ``svy-<response_id>-<question_id>``, so the same response sent twice is a duplicate, never a
    second count.
    """
    carried = {key: context[key] for key in definition.context_attributes if context.get(key) not in (None, "")}
    carried.update(always or {})
    base: dict[str, Any] = {
        **carried,
        "survey": definition.slug,
        "survey_version": version,
        "response_id": response_id,
        "language": language,
        "response_channel": response_channel,
        "audience": definition.audience,
    }
    text = "\n\n".join(
        answers[q.id] for q in definition.questions if q.type == "text" and isinstance(answers.get(q.id), str)
    )
    scored: list[Question | None] = [
        q for q in definition.questions if q.type in METRIC_SCALES and answers.get(q.id) is not None
    ]
    events: list[dict[str, Any]] = []
    for question in scored or [None]:
        attributes = dict(base)
        event: dict[str, Any] = {
            "event_id": f"svy-{response_id}-{question.id if question else 'response'}",
            "occurred_at": occurred_at.isoformat(),
            "type": "survey_response",
            "channel": channel,
            "touchpoint": touchpoint,
            "identifiers": identifiers,
        }
        if question is not None:
            low, high = METRIC_SCALES[question.type]
            attributes.update(metric=question.type, question=question.id, scale=f"{low}-{high}")
            event["score"] = float(answers[question.id])
        if not events:
            attributes["answers"] = answers
            if text:
                event["text"] = text
        event["attributes"] = attributes
        events.append(event)
    return events


_MESSAGES = {
    "it": {
        "required": "Questa risposta è obbligatoria.",
        "out_of_range": "Scegli un valore da {low} a {high}.",
        "unknown_option": "Scegli una delle opzioni proposte.",
        "one_answer": "Scegli una sola risposta.",
        "too_long": "Il testo è troppo lungo: al massimo {limit} caratteri (ne hai scritti {length}).",
        "too_much_text": "Le risposte aperte insieme superano {limit} caratteri: accorciale.",
        "bad_character": "Il testo contiene caratteri non ammessi.",
        "unknown_question": "Il modulo contiene una risposta a una domanda che non esiste ({question}).",
    },
    "en": {
        "required": "This answer is required.",
        "out_of_range": "Choose a value from {low} to {high}.",
        "unknown_option": "Choose one of the options offered.",
        "one_answer": "Choose one answer only.",
        "too_long": "The text is too long: at most {limit} characters (you wrote {length}).",
        "too_much_text": "Your open answers together exceed {limit} characters: please shorten them.",
        "bad_character": "The text contains characters that are not allowed.",
        "unknown_question": "The form holds an answer to a question that does not exist ({question}).",
    },
}


def _t(language: str, key: str) -> str:
    return _MESSAGES.get(language, _MESSAGES["en"])[key]
