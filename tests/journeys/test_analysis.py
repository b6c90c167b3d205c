"""The streaming analysis: chunks give the same answer as one frame; filters; empty input."""

from __future__ import annotations

import random
from datetime import timedelta

import polars as pl

from cxhub.journeys.analysis import JourneyAnalysis, Spec
from cxhub.journeys.discovery import Level
from tests.journeys.timelines import T0, ev, frame, shop_journey


def random_log(customers: int = 120, seed: int = 3) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for c in range(customers):
        hours = 0.0
        segment = "business" if c % 4 == 0 else "consumer"
        for i in range(rng.randrange(1, 12)):
            hours += rng.choice([0.5, 2, 30, 200])
            kind = rng.choice(["web_visit", "purchase", "call", "chat", "complaint", "offer", "survey_response"])
            channel = rng.choice(["web", "contact_center", "chat", "email"])
            rows.append(
                ev(
                    f"c{c:03d}",
                    hours,
                    kind,
                    channel=channel,
                    reason=rng.choice(["rete", "app"]) if kind in ("call", "chat", "complaint") else None,
                    metric="nps" if kind == "survey_response" else None,
                    score=float(rng.randrange(11)) if kind == "survey_response" else None,
                    segment=segment if i == 0 else None,
                    sku="PHONE" if kind == "offer" else None,
                    products=[{"sku": "PHONE", "quantity": 1}] if kind == "purchase" else None,
                )
            )
    return frame(*rows)


def run(chunks: list[pl.DataFrame], **changes: object) -> dict:
    spec = Spec(level=Level.stage, as_of=T0 + timedelta(days=60), journey=shop_journey(), **changes)  # type: ignore[arg-type]
    analysis = JourneyAnalysis(spec)
    for chunk in chunks:
        analysis.add(chunk)
    return analysis.result()


def test_chunks_split_at_customers_give_the_same_result_as_one_frame() -> None:
    log = random_log()
    ids = log["customer_id"].unique(maintain_order=True).to_list()
    chunks = [log.filter(pl.col("customer_id").is_in(ids[i : i + 17])) for i in range(0, len(ids), 17)]
    whole, parts = run([log]), run(chunks)
    for key in ("customers", "events", "transitions", "paths", "stages", "pain_points", "conformance", "sankey"):
        assert parts[key] == whole[key], key
    assert parts["disconnect_counts"] == whole["disconnect_counts"]
    assert parts["disconnects"] == whole["disconnects"]  # newest first over all chunks, not per chunk
    assert whole["disconnect_counts"]["total"] > 0
    assert whole["transitions"] and whole["paths"] and whole["pain_points"]


def test_path_shares_add_up_over_all_paths() -> None:
    result = run([random_log()], top_paths=100, path_steps=1)
    assert sum(p["customers"] for p in result["paths"]) == result["customers"]
    assert abs(sum(p["share"] for p in result["paths"]) - 1.0) < 1e-3


def test_segment_and_entry_channel_keep_only_matching_customers() -> None:
    log = random_log()
    business = run([log], segment="business")
    assert business["customers"] == 30
    by_web = run([log], entry_channel="web")
    first = log.group_by("customer_id").agg(pl.col("channel").first())
    assert by_web["customers"] == first.filter(pl.col("channel") == "web").height


def test_stage_curve_lists_every_designed_stage_even_unvisited() -> None:
    result = run([frame(ev("a", 0, "web_visit"), ev("a", 1, "survey_response", metric="nps", score=10.0))])
    assert [s["stage"] for s in result["stages"]] == ["scoperta", "acquisto", "attivazione", "assistenza", "rinnovo"]
    assert result["stages"][0]["nps"]["value"] == 100.0
    assert result["stages"][1] == {"stage": "acquisto", "customers": 0, "nps": None, "csat": None, "sentiment": None}


def test_sentiment_is_averaged_per_stage_when_present() -> None:
    log = frame(ev("a", 0, "call", sentiment=-0.5), ev("b", 0, "call", sentiment=-0.1), ev("c", 0, "call"))
    [assistenza] = [s for s in run([log])["stages"] if s["stage"] == "assistenza"]
    assert assistenza["customers"] == 3
    assert assistenza["sentiment"]["n"] == 2
    assert abs(assistenza["sentiment"]["value"] - (-0.3)) < 1e-9


def test_no_events_gives_empty_results_not_errors() -> None:
    result = run([])
    assert (result["customers"], result["events"], result["transitions"], result["paths"]) == (0, 0, [], [])
    assert result["pain_points"] == [] and result["disconnects"] == []
    assert result["conformance"] == {"customers": 0, "conforming": 0, "share": None, "loop_backs": [], "skips": []}
    assert run([frame()])["events"] == 0


def test_analyses_of_other_customers_merge_into_exactly_the_whole() -> None:
    """What ``parallel`` does with ranges read side by side; sentiments are arbitrary floats, whose
    totals must not depend on the order in which the parts were added."""
    rng = random.Random(5)
    log = random_log(seed=9)
    log = log.with_columns(
        pl.Series("sentiment", [rng.uniform(-1, 1) if rng.random() < 0.4 else None for _ in log["type"]])
    )
    ids = log["customer_id"].unique(maintain_order=True).to_list()
    spec = Spec(level=Level.stage, as_of=T0 + timedelta(days=60), journey=shop_journey(), disconnect_limit=7)
    parts = []
    for start, stop in ((0, 50), (50, 90), (90, len(ids))):
        part = JourneyAnalysis(spec)
        for i in range(start, stop, 13):
            part.add(log.filter(pl.col("customer_id").is_in(ids[i : min(i + 13, stop)])))
        parts.append(part)
    merged = parts[2]
    merged.merge(parts[0])
    merged.merge(parts[1])
    whole = JourneyAnalysis(spec)
    whole.add(log)
    assert merged.result() == whole.result()
    assert any(stage["sentiment"] for stage in whole.result()["stages"])
