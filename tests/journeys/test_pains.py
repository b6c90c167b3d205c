"""Pain points on hand-built timelines: who hit which, and the impact on NPS and churn."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from cxhub.journeys.discovery import Level, assign_steps, transition_rows, visits
from cxhub.journeys.pains import PainRules, affected, customer_outcomes, impact_sums, rank_pain_points
from tests.journeys.timelines import T0, ev, frame, shop_journey

AS_OF = T0 + timedelta(days=100)
RULES = PainRules(as_of=AS_OF, churn_days=30)


def hits(log: pl.DataFrame, level: Level = Level.stage) -> set[tuple[str, str, str]]:
    journey = shop_journey()
    steps = assign_steps(log, level, journey)
    visit_frame = visits(steps)
    found = affected(steps, visit_frame, transition_rows(visit_frame), RULES, journey if level is Level.stage else None)
    return set(found.rows())


def test_repeat_contacts_and_channel_hops() -> None:
    log = frame(
        ev("a", 0, "call", channel="contact_center", reason="rete"),
        ev("a", 0.2, "complaint", channel="contact_center", reason="rete"),  # the ticket of that call
        ev("a", 30, "chat", channel="chat", reason="rete"),
        ev("b", 0, "call", channel="contact_center", reason="rete"),
        ev("b", 24 * 9, "call", channel="contact_center", reason="rete"),  # too late to be a repeat
    )
    found = hits(log, Level.type)
    assert ("repeat_contact", "rete", "a") in found
    assert ("channel_hop", "contact_center → chat", "a") in found
    assert not {h for h in found if h[2] == "b"}


def test_long_waits_at_a_touchpoint() -> None:
    log = frame(
        ev("a", 0, "call", touchpoint="call_center", wait_seconds=900.0),
        ev("b", 0, "call", touchpoint="call_center", wait_seconds=60.0),
    )
    assert hits(log, Level.touchpoint) == {("long_wait", "call_center", "a")}


def test_drop_off_slow_step_and_detractors_at_stage_level() -> None:
    log = frame(
        ev("a", 0, "web_visit"),  # a never buys: drops off at scoperta
        ev("b", 0, "web_visit"),
        ev("b", 48, "purchase"),  # 48 h > the 24 h target
        ev("b", 60, "offer"),
        ev("c", 0, "purchase"),
        ev("c", 5, "call"),  # went on from acquisto (to a later stage), then stayed in assistenza
        ev("c", 6, "survey_response", metric="nps", score=2.0),  # a detractor there
    )
    assert hits(log) == {
        ("drop_off", "scoperta → acquisto", "a"),
        ("slow_step", "scoperta → acquisto", "b"),
        ("drop_off", "assistenza → rinnovo", "c"),
        ("detractors", "assistenza", "c"),
    }


def test_impact_compares_customers_who_hit_the_pain_with_the_others() -> None:
    recent = 99 * 24  # within churn_days of AS_OF
    log = frame(
        # a and b wait long and are detractors; a churned. c and d are promoters, still active.
        ev("a", 0, "call", touchpoint="call_center", wait_seconds=1200.0),
        ev("a", 1, "survey_response", metric="nps", score=3.0),
        ev("b", 0, "call", touchpoint="call_center", wait_seconds=1200.0),
        ev("b", recent, "survey_response", metric="nps", score=8.0),
        ev("b", recent + 1, "survey_response", metric="nps", score=1.0),  # the latest answer counts
        ev("c", recent, "survey_response", metric="nps", score=10.0),
        ev("d", recent, "call", touchpoint="call_center", wait_seconds=10.0),
        ev("d", recent + 1, "survey_response", metric="nps", score=9.0),
    )
    steps = assign_steps(log, Level.touchpoint)
    visit_frame = visits(steps)
    found = affected(steps, visit_frame, transition_rows(visit_frame), RULES)
    sums, totals = impact_sums(found, customer_outcomes(steps, RULES))
    assert totals == {"customers": 4, "promoters": 2, "passives": 0, "detractors": 2, "churned": 1}
    [point] = [p for p in rank_pain_points(sums, totals) if p["kind"] == "long_wait"]
    assert (point["kind"], point["where"], point["customers"]) == ("long_wait", "call_center", 2)
    impact = point["impact"]
    assert (impact["nps"], impact["nps_others"], impact["nps_delta"]) == (-100.0, 100.0, -200.0)
    assert (impact["churn_rate"], impact["churn_rate_others"], impact["churn_delta"]) == (50.0, 0.0, 50.0)


def test_detractor_steps_are_kept_only_where_detractors_concentrate() -> None:
    sums = pl.DataFrame(
        {
            "kind": ["detractors", "detractors"],
            "where": ["assistenza", "uso"],
            "customers": [3, 1],
            "promoters": [0, 1],
            "passives": [0, 0],
            "detractors": [3, 1],
            "churned": [0, 0],
        }
    )
    totals = {"customers": 10, "promoters": 5, "passives": 1, "detractors": 4, "churned": 0}
    step_nps = {"assistenza": (0, 0, 3), "uso": (5, 1, 1)}
    assert [p["where"] for p in rank_pain_points(sums, totals, step_nps)] == ["assistenza"]


def test_ranks_by_customers_and_by_impact_differ_when_a_small_pain_hurts_more() -> None:
    sums = pl.DataFrame(
        {
            "kind": ["long_wait", "repeat_contact"],
            "where": ["negozio", "rete"],
            "customers": [50, 5],
            "promoters": [20, 0],
            "passives": [10, 0],
            "detractors": [20, 5],
            "churned": [10, 4],
        }
    )
    totals = {"customers": 200, "promoters": 80, "passives": 40, "detractors": 60, "churned": 30}
    points = rank_pain_points(sums, totals)
    assert [(p["where"], p["rank_by_customers"], p["rank_by_impact"]) for p in points] == [
        ("negozio", 1, 2),
        ("rete", 2, 1),
    ]
