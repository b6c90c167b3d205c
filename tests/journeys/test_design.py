"""Designed journeys: validation, the YAML round trip, reference warnings and the stage mapping."""

from __future__ import annotations

import polars as pl
import pytest

from cxhub.journeys.design import (
    journey_from_yaml,
    journey_to_yaml,
    parse_journey,
    reference_warnings,
    stage_expression,
)
from cxhub.kit.errors import CxhubError
from tests.journeys.timelines import ev, frame, shop_journey

YAML = """
journey: acquisto
name: Acquisto
segment: consumer
stages:
  - key: scoperta
    match:
      - {types: [web_visit], touchpoints: [sito_web]}
  - key: acquisto
    name: Acquisto
    match: [{types: [purchase]}]
    target_hours: 336
  - key: assistenza
    optional: true
    match: [{types: [call]}, {touchpoints: [chat_assistenza]}]
"""


def test_yaml_round_trip_gives_the_same_journey() -> None:
    journey = journey_from_yaml(YAML)
    assert journey.stage_keys == ["scoperta", "acquisto", "assistenza"]
    assert journey.stages[0].name == "Scoperta"
    assert journey_from_yaml(journey_to_yaml(journey)) == journey


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"journey": "Bad Key", "stages": [{"key": "a"}]}, "journey"),
        ({"journey": "j", "stages": []}, "stages"),
        ({"journey": "j", "stages": [{"key": "a"}, {"key": "a"}]}, "journey"),
        ({"journey": "j", "stages": [{"key": "a", "match": [{}]}]}, "stages.0.match.0"),
        ({"journey": "j", "stages": [{"key": "a", "target_hours": -1}]}, "stages.0.target_hours"),
        ({"journey": "j", "stages": [{"key": "a", "colour": "red"}]}, "stages.0.colour"),
    ],
)
def test_invalid_journeys_name_the_bad_field(document: dict, field: str) -> None:
    with pytest.raises(CxhubError) as caught:
        parse_journey(document)
    assert caught.value.code == "invalid_journey"
    assert caught.value.field == field


def test_broken_yaml_is_a_clear_error() -> None:
    with pytest.raises(CxhubError) as caught:
        journey_from_yaml("journey: [unclosed")
    assert caught.value.code == "invalid_yaml"
    with pytest.raises(CxhubError) as caught:
        journey_from_yaml("- just\n- a list\n")
    assert caught.value.code == "invalid_journey"


def test_names_no_event_carries_are_warned_about() -> None:
    journey = journey_from_yaml(YAML)
    warnings = reference_warnings(
        journey, types={"web_visit", "purchase", "call"}, touchpoints={"sito_web"}, channels={"web"}
    )
    assert warnings == ["stage 'assistenza': no event has touchpoint 'chat_assistenza'"]
    assert "no events yet" in reference_warnings(journey, types=[], touchpoints=[], channels=[])[0]


def test_tagged_stage_wins_and_otherwise_the_first_matching_stage_claims_the_event() -> None:
    events = frame(
        ev("a", 0, "web_visit"),
        ev("a", 1, "purchase", journey_stage="rinnovo"),
        ev("a", 2, "call", touchpoint="attivazione_fibra"),
        ev("a", 3, "call", touchpoint="call_center"),
        ev("a", 4, "app_session", touchpoint="app"),
        ev("a", 5, "web_visit", journey_stage="not-a-stage"),
    )
    stages = events.select(stage_expression(shop_journey()).alias("s"))["s"].to_list()
    assert stages == ["scoperta", "rinnovo", "attivazione", "assistenza", None, "scoperta"]


def test_stage_expression_is_null_safe_on_an_empty_frame() -> None:
    assert frame().select(stage_expression(shop_journey())).height == 0
    assert isinstance(stage_expression(shop_journey()), pl.Expr)
