"""Survey definitions: the examples load, and every mistake names its field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from cxhub.surveys.definition import (
    DefinitionError,
    is_shown,
    load_definition,
    parse_delay,
    steps_of,
    validate_definition,
)
from tests.surveys.helpers import EXAMPLES, example


def problems(document: Any) -> dict[str, str]:
    with pytest.raises(DefinitionError) as caught:
        validate_definition(document)
    return {e["field"]: e["problem"] for e in caught.value.details["errors"]}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_examples_are_valid(path: Any) -> None:
    definition = load_definition(path.read_text())
    assert definition.languages == ["it", "en"]


def test_missing_translation_names_the_question_and_language() -> None:
    document = example("nps_relazionale")
    del document["questions"][1]["text"]["en"]
    assert "questions.1.text.en" in problems(document)


def test_unknown_field_is_refused_with_its_path() -> None:
    document = example("nps_relazionale")
    document["questions"][0]["colour"] = "red"
    assert problems(document) == {"questions.0.colour": "Extra inputs are not permitted"}


def test_unknown_question_type_is_named() -> None:
    document = example("nps_relazionale")
    document["questions"][0]["type"] = "stars"
    assert "questions.0.type" in problems(document)


def test_show_if_must_point_at_an_earlier_question() -> None:
    document = example("nps_relazionale")
    document["questions"][1]["show_if"] = {"question": "topics", "answered": True}
    assert "questions.1.show_if.question" in problems(document)


def test_show_if_values_must_be_on_the_scale() -> None:
    document = example("nps_relazionale")
    document["questions"][1]["show_if"] = {"question": "nps", "in": [0, 11]}
    assert "outside" in problems(document)["questions.1.show_if.in"]


def test_choice_question_needs_options_and_unique_ids() -> None:
    document = example("csat_contact_center")
    document["questions"][2]["options"][1]["id"] = "yes"
    assert "questions.2.options.1.id" in problems(document)
    document["questions"][2]["options"] = None
    assert "questions.2.options" in problems(document)


def test_metric_scale_cannot_be_changed() -> None:
    document = example("nps_relazionale")
    document["questions"][0]["scale"] = {"min": 1, "max": 10}
    assert "questions.0.scale" in problems(document)


def test_rating_needs_a_scale() -> None:
    document = example("enps_pulse")
    del document["questions"][1]["scale"]
    assert "questions.1.scale" in problems(document)


def test_bad_delay_and_missing_webhook_url_are_named() -> None:
    document = example("nps_relazionale")
    document["triggers"] = [
        {"event_type": "purchase", "delay": "a week"},
        {"event_type": "call", "delivery": "webhook"},
    ]
    found = problems(document)
    assert "triggers.0.delay" in found
    assert "triggers.1.webhook_url" in found


def test_employee_survey_cannot_have_triggers() -> None:
    document = example("enps_pulse", triggers=[{"event_type": "shift_end"}])
    assert "triggers.0" in problems(document)


def test_default_language_must_be_offered() -> None:
    document = example("nps_relazionale", languages=["en"], default_language="it")
    assert "default_language" in problems(document)


def test_malformed_yaml_names_the_line() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition("slug: x\nname: [unclosed\n")
    assert caught.value.field == "(document)"
    assert "line" in caught.value.message


def test_malformed_json_is_reported() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition('{"slug": "x",', "json")
    assert "not valid JSON" in caught.value.message


def test_a_document_that_is_not_a_mapping_is_refused() -> None:
    assert "(document)" in problems(["slug", "x"])


def test_delays() -> None:
    assert parse_delay("0") == timedelta(0)
    assert parse_delay("2h") == timedelta(hours=2)
    assert parse_delay("7d") == timedelta(days=7)
    assert parse_delay("90s") == timedelta(seconds=90)
    with pytest.raises(ValueError):
        parse_delay("400d")


def test_why_is_shown_only_to_detractors_and_on_the_next_page() -> None:
    definition = load_definition((EXAMPLES / "nps_relazionale.yaml").read_text())
    why = definition.questions[1]
    assert is_shown(why, {"nps": 3})
    assert not is_shown(why, {"nps": 7})
    assert not is_shown(why, {})
    assert steps_of(definition) == {"nps": 0, "why": 1, "topics": 0}
