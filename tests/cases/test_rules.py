"""The rule language on literals: parsing, score bands from the metric scales, text conditions, the index."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from cxhub.cases import rules as lang
from cxhub.cases.schemas import ScoreCondition
from cxhub.kit.errors import CxhubError


@dataclass
class Ev:
    type: str = "survey_response"
    channel: str = "email"
    touchpoint: str = "call_center"
    score: float | None = None
    metric: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


def ruleset(text: str) -> lang.RuleSet:
    return lang.RuleSet([lang.compile_rule(d) for d in lang.parse_rules_yaml(text)])


def one(when: str) -> lang.CompiledRule:
    (definition,) = lang.parse_rules_yaml(f"rules: [{{key: r, name: R, when: {when}}}]")
    return lang.compile_rule(definition)


def test_bands_follow_the_metric_scales() -> None:
    assert lang.score_range(ScoreCondition(metric="nps", band="detractor"))[1] == 6
    assert lang.score_range(ScoreCondition(metric="csat", band="low"))[1] == 2
    # cxhub's CES is 1-7 with 7 "very easy": high effort is the low end
    assert lang.score_range(ScoreCondition(metric="ces", band="high_effort"))[1] == 3
    assert lang.score_range(ScoreCondition(metric="nps", band="promoter"))[0] == 9


def test_detractor_rule_matches_only_detractors_of_its_metric() -> None:
    rule = one("{types: [survey_response], score: {metric: nps, band: detractor}}")
    assert rule.test(Ev(score=6, metric="nps"))
    assert not rule.test(Ev(score=7, metric="nps"))
    assert not rule.test(Ev(score=3, metric="csat"))
    assert not rule.test(Ev(type="call", score=2, metric="nps"))


def test_thresholds_off_the_scale_are_refused_with_their_place() -> None:
    with pytest.raises(CxhubError) as caught:
        lang.parse_rules_yaml("rules: [{key: r, name: R, when: {score: {metric: csat, max: 9}}}]")
    assert caught.value.code == "invalid_rules"
    assert caught.value.details["errors"][0]["field"] == "rules[0].when.score.max"
    with pytest.raises(CxhubError, match="detractor is a band of nps"):
        lang.parse_rules_yaml("rules: [{key: r, name: R, when: {score: {metric: ces, band: detractor}}}]")


def test_a_key_defined_twice_is_refused() -> None:
    with pytest.raises(CxhubError, match="defined twice"):
        lang.parse_rules_yaml("rules: [{key: r, name: A, when: {}}, {key: r, name: B, when: {}}]")


def test_text_conditions_read_the_analysis_and_topics_match_by_prefix() -> None:
    rule = one("{sentiment: {labels: negative, max_score: -0.3}, topics: [consegna]}")
    analysis = {
        "sentiment": {"label": "negative", "score": -0.7},
        "topics": [{"path": "Consegna › Ritardo", "sentiment": {"label": "negative", "score": -0.7}}],
    }
    assert rule.test(Ev(), analysis)
    assert not rule.test(Ev(), None)  # no text analytics: no match
    assert not rule.test(Ev(), {**analysis, "sentiment": {"label": "negative", "score": -0.1}})
    assert not rule.test(Ev(), {**analysis, "topics": [{"path": "Consegnatari"}]})
    assert lang.case_topic(rule, Ev(), analysis) == "Consegna"


def test_emotion_and_vip_attribute() -> None:
    angry = one("{emotion: {name: anger, min: 0.6}}")
    assert angry.test(Ev(), {"emotions": {"anger": 0.8}})
    assert not angry.test(Ev(), {"emotions": {"anger": 0.2}})
    vip = one("{customer: {attributes: {segment: vip}}}")
    assert vip.test(Ev(attributes={"segment": "VIP"}))
    assert not vip.test(Ev(attributes={"segment": "base"}))
    by_value = one("{customer: {min_lifetime_value_cents: 1000}}")
    assert by_value.needs_value and by_value.test(Ev())  # settled in the database


def test_events_meet_only_the_rules_of_their_type_and_never_case_events() -> None:
    rules = ruleset(
        """
rules:
  - {key: a, name: A, when: {types: [complaint]}}
  - {key: b, name: B, when: {types: [call, chat]}}
  - {key: c, name: C, when: {channels: [cxhub, email]}}
  - {key: s, name: S, when: {types: [complaint], silence: {hours: 48}}}
"""
    )
    assert [r.key for r in rules.candidates(Ev(type="complaint"))] == ["a", "c"]
    assert [r.key for r in rules.candidates(Ev(type="web_visit"))] == ["c"]
    assert [r.key for r in rules.silence] == ["s"]
    assert rules.candidates(Ev(type="case_opened", channel="cxhub")) == ()
    assert rules.matches(Ev(type="case_updated", channel="cxhub")) == []


def test_case_topic_prefers_the_reason_then_the_rule() -> None:
    rule = one("{types: [complaint]}")
    assert lang.case_topic(rule, Ev(attributes={"reason": "fatturazione"})) == "fatturazione"
    assert lang.case_topic(rule, Ev()) == "r"


def test_case_title_fills_its_template() -> None:
    (definition,) = lang.parse_rules_yaml(
        "rules: [{key: r, name: R, when: {}, case: {title: 'NPS {score} on {touchpoint} {unknown}'}}]"
    )
    assert lang.case_title(lang.compile_rule(definition), Ev(score=3), "x") == "NPS 3 on call_center "


def test_rules_file_round_trips() -> None:
    text = """
rules:
  - key: rep
    name: Third contact
    active: true
    when: {types: [call], repeat: {count: 3, days: 7}}
    case: {priority: high, sla_hours: 4, tags: [repeat]}
"""
    (rule,) = lang.parse_rules_yaml(text)
    (again,) = lang.parse_rules_yaml(lang.dump_rules_yaml([(rule, True)]))
    assert again == rule


def test_recovered_means_out_of_the_bad_half_of_the_scale() -> None:
    assert lang.recovered("nps", 7) and not lang.recovered("nps", 6)
    assert lang.recovered("csat", 3) and not lang.recovered("csat", 2)
    assert not lang.recovered(None, 10)
