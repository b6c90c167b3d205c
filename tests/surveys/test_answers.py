"""Form answers and the events a response becomes: pure, on literals."""

from __future__ import annotations

from datetime import UTC, datetime

from cxhub.surveys.answers import MAX_TOTAL_TEXT, build_events, read_form
from cxhub.surveys.definition import SurveyDefinition, validate_definition
from tests.surveys.helpers import example

NPS = validate_definition(example("nps_relazionale"))
CSAT = validate_definition(example("csat_contact_center"))
WHEN = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def events_of(definition: SurveyDefinition, answers: dict, **overrides: object) -> list[dict]:
    arguments: dict = {
        "response_id": "r1",
        "answers": answers,
        "language": "it",
        "occurred_at": WHEN,
        "identifiers": {"email": "anna@example.it"},
        "touchpoint": "contact_center",
        "channel": "phone",
        "response_channel": "email",
        "version": 3,
        "context": {"journey_stage": "assistenza", "department": "care", "unrelated": "x"},
    }
    arguments.update(overrides)
    return build_events(definition, **arguments)


def test_out_of_range_score_is_an_error_on_its_question() -> None:
    result = read_form(NPS, [("q.nps", "11")], language="en")
    assert result.errors == {"nps": "Choose a value from 0 to 10."}
    assert read_form(NPS, [("q.nps", "-1")]).errors.keys() == {"nps"}
    assert read_form(NPS, [("q.nps", "7.5")]).errors.keys() == {"nps"}


def test_answer_to_a_question_that_does_not_exist_is_an_error() -> None:
    result = read_form(NPS, [("q.nps", "9"), ("q.ghost", "1")])
    assert "" in result.errors


def test_unknown_option_and_two_answers_to_a_single_choice_are_errors() -> None:
    assert read_form(CSAT, [("q.csat", "4"), ("q.resolved", "maybe")]).errors.keys() == {"resolved"}
    assert read_form(CSAT, [("q.csat", "4"), ("q.resolved", "yes"), ("q.resolved", "no")]).errors.keys() == {"resolved"}


def test_missing_required_answer_is_an_error() -> None:
    assert read_form(CSAT, [("q.csat", "4")]).errors.keys() == {"resolved"}


def test_oversize_text_is_an_error() -> None:
    result = read_form(NPS, [("q.nps", "2"), ("q.why", "x" * 2001)], step=1, language="it")
    assert "2000" in result.errors["why"]


def test_all_open_text_together_is_capped() -> None:
    document = example("nps_relazionale")
    document["questions"].append({"id": "more", "type": "text", "max_length": 5000, "text": {"it": "a", "en": "a"}})
    document["questions"].append({"id": "most", "type": "text", "max_length": 5000, "text": {"it": "b", "en": "b"}})
    definition = validate_definition(document)
    result = read_form(definition, [("q.nps", "9"), ("q.more", "x" * 4000), ("q.most", "y" * 4000)])
    assert str(MAX_TOTAL_TEXT) in result.errors[""]


def test_detractor_is_asked_why_on_a_second_page() -> None:
    first = read_form(NPS, [("q.nps", "3")], step=0)
    assert first.errors == {}
    assert first.next_step == 1
    second = read_form(NPS, [("q.nps", "3"), ("q.why", "  troppo caro ")], step=1)
    assert second.next_step is None
    assert second.answers == {"nps": 3, "why": "troppo caro"}


def test_promoter_is_not_asked_why_and_a_smuggled_answer_is_dropped() -> None:
    first = read_form(NPS, [("q.nps", "10"), ("q.why", "hidden")], step=0)
    assert first.next_step is None
    assert first.answers == {"nps": 10}
    final = read_form(NPS, [("q.nps", "10"), ("q.why", "hidden")], step=1)
    assert "why" not in final.answers


def test_one_event_per_metric_question_with_text_and_answers_on_the_first() -> None:
    answers = {"csat": 2, "ces": 3, "resolved": "no", "why": "attesa lunga"}
    events = events_of(CSAT, answers)
    assert [e["event_id"] for e in events] == ["svy-r1-csat", "svy-r1-ces"]
    first, second = events
    assert (first["score"], second["score"]) == (2.0, 3.0)
    assert first["attributes"]["metric"] == "csat" and second["attributes"]["metric"] == "ces"
    assert first["text"] == "attesa lunga" and "text" not in second
    assert first["attributes"]["answers"] == answers and "answers" not in second["attributes"]
    for event in events:
        assert event["type"] == "survey_response"
        assert (event["touchpoint"], event["channel"]) == ("contact_center", "phone")
        attributes = event["attributes"]
        assert attributes["survey"] == "csat_contact_center"
        assert attributes["response_id"] == "r1"
        assert attributes["response_channel"] == "email"
        assert attributes["journey_stage"] == "assistenza"
        assert attributes["department"] == "care"
        assert "unrelated" not in attributes


def test_a_survey_without_metric_answers_is_one_event_without_score() -> None:
    document = example("nps_relazionale")
    document["questions"] = [document["questions"][2]]
    definition = validate_definition(document)
    events = events_of(definition, {"topics": ["price"]})
    assert len(events) == 1
    assert events[0]["event_id"] == "svy-r1-response"
    assert "score" not in events[0]
    assert events[0]["attributes"]["answers"] == {"topics": ["price"]}


def test_scale_attribute_matches_the_demo_generator() -> None:
    events = events_of(NPS, {"nps": 9})
    assert events[0]["attributes"]["scale"] == "0-10"
