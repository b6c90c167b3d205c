"""Discovery on hand-built timelines: visits, the directly-follows graph, paths, Sankey, conformance."""

from __future__ import annotations

import random

import polars as pl
import pytest

from cxhub.journeys.discovery import (
    Level,
    assign_steps,
    conformance_counts,
    path_counts,
    sankey_counts,
    transition_rows,
    transitions,
    visits,
)
from tests.journeys.timelines import T0, ev, frame, shop_journey

# a: web, web, purchase (+5 h after the last web visit), survey, call (+24 h), offer (+48 h)
# b: purchase, call (+2 h), survey
# c: web, purchase (+10 h), web (+1 h): a loop back to discovery
LOG = frame(
    ev("a", 0, "web_visit"),
    ev("a", 1, "web_visit"),
    ev("a", 6, "purchase"),
    ev("a", 7, "survey_response", metric="nps", score=9.0, journey_stage="acquisto"),
    ev("a", 30, "call", touchpoint="call_center", channel="contact_center"),
    ev("a", 78, "offer", touchpoint="email_marketing", channel="email"),
    ev("b", 0, "purchase", touchpoint="negozio", channel="store"),
    ev("b", 2, "call", touchpoint="call_center", channel="contact_center"),
    ev("b", 3, "survey_response", touchpoint="call_center", metric="nps", score=3.0),
    ev("c", 0, "web_visit"),
    ev("c", 10, "purchase"),
    ev("c", 11, "web_visit"),
)


def dfg(level: Level = Level.type) -> dict[tuple[str, str], tuple[int, float]]:
    table = transitions(transition_rows(visits(assign_steps(LOG, level, shop_journey()))))
    return {(r["from"], r["to"]): (r["count"], r["median_hours"]) for r in table.iter_rows(named=True)}


def test_repeated_steps_are_one_visit_and_surveys_are_not_steps() -> None:
    found = visits(assign_steps(LOG, Level.type))
    a = found.filter(found["customer_id"] == "a")
    assert a["step"].to_list() == ["web_visit", "purchase", "call", "offer"]
    assert a["events"].to_list() == [2, 1, 1, 1]
    assert a["position"].to_list() == [1, 2, 3, 4]


def test_feedback_counts_for_its_own_stage_or_else_the_step_before_it() -> None:
    steps = assign_steps(LOG, Level.type)
    surveys = steps.filter(steps["type"] == "survey_response")
    assert surveys["step"].to_list() == [None, None]
    assert surveys["at_step"].to_list() == ["purchase", "call"]
    staged = assign_steps(LOG, Level.stage, shop_journey())
    assert staged.filter(staged["type"] == "survey_response")["at_step"].to_list() == ["acquisto", "assistenza"]


def test_directly_follows_graph_counts_and_median_waits() -> None:
    assert dfg() == {
        ("web_visit", "purchase"): (2, 7.5),  # a waited 5 h after its last web visit, c 10 h
        ("purchase", "call"): (2, 13.0),  # a 24 h, b 2 h
        ("call", "offer"): (1, 48.0),
        ("purchase", "web_visit"): (1, 1.0),
    }


def test_first_event_of_a_customer_never_follows_the_previous_customer() -> None:
    rows = transition_rows(visits(assign_steps(LOG, Level.touchpoint)))
    assert ("email_marketing", "negozio") not in set(zip(rows["from"], rows["to"], strict=True))


def test_paths_are_the_first_steps_of_each_customer() -> None:
    counts = path_counts(visits(assign_steps(LOG, Level.stage, shop_journey())), steps=3)
    assert dict(zip(counts["path"], counts["customers"], strict=True)) == {
        "scoperta → acquisto → assistenza": 1,
        "acquisto → assistenza": 1,
        "scoperta → acquisto → scoperta": 1,
    }


def test_sankey_ends_only_where_a_journey_really_stops() -> None:
    nodes, links = sankey_counts(visits(assign_steps(LOG, Level.type)), steps=2)
    by_node = {(r["position"], r["step"]): (r["customers"], r["ends"]) for r in nodes.iter_rows(named=True)}
    assert by_node == {(1, "web_visit"): (2, 0), (1, "purchase"): (1, 0), (2, "purchase"): (2, 0), (2, "call"): (1, 1)}
    assert sorted(links.select("position", "from", "to", "customers").rows()) == [
        (1, "purchase", "call", 1),
        (1, "web_visit", "purchase", 2),
    ]


def test_conformance_finds_loop_backs_and_skipped_required_stages() -> None:
    journey = shop_journey()
    result = conformance_counts(visits(assign_steps(LOG, Level.stage, journey)), journey)
    # a: scoperta → acquisto → assistenza → rinnovo (optional stages may be skipped): conforms.
    # b: acquisto → assistenza: conforms (entering late is not a deviation).
    # c: scoperta → acquisto → scoperta: loops back.
    assert (result["customers"], result["conforming"]) == (3, 2)
    assert result["loop_backs"].rows() == [("acquisto", "scoperta", 1)]
    assert result["skips"].height == 0
    strict = shop_journey(
        stages=[s.model_dump() | {"optional": False} for s in journey.stages],
    )
    skipped = conformance_counts(visits(assign_steps(LOG, Level.stage, strict)), strict)
    assert sorted(skipped["skips"].rows()) == [("acquisto", "assistenza", 2)]


def test_times_are_measured_in_hours_from_utc_instants() -> None:
    rows = transition_rows(visits(assign_steps(LOG, Level.type)))
    assert rows.filter(rows["customer_id"] == "b")["hours"].to_list() == [2.0]
    assert LOG["occurred_at"][0] == T0


def _pm4py_graph(log_frame: pl.DataFrame) -> dict[tuple[str, str], tuple[int, float]]:
    """pm4py's directly-follows graph of the same steps, self-loops left out as ours leaves them out."""
    pm4py = pytest.importorskip("pm4py")
    pandas = pytest.importorskip("pandas")
    steps = assign_steps(log_frame, Level.type).filter(pl.col("step").is_not_null())
    log = pandas.DataFrame(
        {
            "case:concept:name": steps["customer_id"].to_list(),
            "concept:name": steps["step"].to_list(),
            "time:timestamp": pandas.to_datetime(steps["occurred_at"].to_list(), utc=True),
        }
    )
    graph, _, _ = pm4py.discover_dfg(log)
    performance, _, _ = pm4py.discover_performance_dfg(log)
    return {
        pair: (int(count), float(performance[pair]["median"]) / 3600)
        for pair, count in graph.items()
        if pair[0] != pair[1]
    }


def _ours(log_frame: pl.DataFrame) -> dict[tuple[str, str], tuple[int, float]]:
    table = transitions(transition_rows(visits(assign_steps(log_frame, Level.type))))
    return {(r["from"], r["to"]): (r["count"], r["median_hours"]) for r in table.iter_rows(named=True)}


def _same_graph(ours: dict, theirs: dict) -> None:
    assert ours.keys() == theirs.keys()
    assert {pair: count for pair, (count, _) in ours.items()} == {pair: count for pair, (count, _) in theirs.items()}
    assert {pair: hours for pair, (_, hours) in ours.items()} == pytest.approx(
        {pair: hours for pair, (_, hours) in theirs.items()}
    )


def test_the_graph_matches_pm4py_on_the_same_log() -> None:
    _same_graph(_ours(LOG), _pm4py_graph(LOG))


def test_the_graph_matches_pm4py_on_a_random_log_with_repeats() -> None:
    rng = random.Random(7)
    kinds = ["web_visit", "purchase", "call", "chat", "offer", "survey_response"]
    rows = []
    for customer in range(300):
        hours = 0.0
        for _ in range(rng.randrange(1, 15)):
            hours += rng.choice([0.25, 1, 3, 24, 100]) + rng.random()  # distinct times: no ties to order
            rows.append(ev(f"c{customer:03d}", hours, rng.choice(kinds)))
    log = frame(*rows)
    ours, theirs = _ours(log), _pm4py_graph(log)
    assert len(ours) > 15
    _same_graph(ours, theirs)
