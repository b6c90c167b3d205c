"""Feedback events: the metric of a survey_response is checked against its scale and stored on its own."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.events.models import Event
from cxhub.kit.http import Hub
from tests.builders import event
from tests.conftest import Tenant


def feedback(metric: object, score: float | None, **overrides: object) -> dict:
    return event(type="survey_response", attributes={"metric": metric}, score=score, **overrides)


def test_out_of_range_scores_are_rejected_with_the_scale(client: TestClient) -> None:
    body = client.post(
        "/api/v1/events",
        json={"events": [feedback("csat", 7), feedback("nps", 7.5), feedback("CES", 0), feedback("enps", 11)]},
    ).json()
    problems = [r["errors"] for r in body["results"]]
    assert problems[0] == [{"field": "score", "problem": "csat scores are a number from 1 to 5, got 7"}]
    assert problems[1] == [{"field": "score", "problem": "nps scores are a whole number from 0 to 10, got 7.5"}]
    assert problems[2][0]["field"] == "score"
    assert problems[3][0]["field"] == "score"
    assert body["rejected"] == 4


def test_a_malformed_metric_names_the_attribute(client: TestClient) -> None:
    body = client.post("/api/v1/events", json={"events": [feedback(["nps"], 9), feedback("n p s", 9)]}).json()
    assert [r["errors"][0]["field"] for r in body["results"]] == ["attributes.metric", "attributes.metric"]


def test_the_metric_is_lifted_out_of_the_attributes(client: TestClient, hub: Hub, tenant: Tenant) -> None:
    body = client.post(
        "/api/v1/events",
        json={"events": [feedback(" NPS ", 9), feedback("rating", 42), event(attributes={"metric": "nps"})]},
    ).json()
    assert body["accepted"] == 3, body
    with hub.sessions() as session:
        rows = session.execute(
            select(Event.type, Event.metric).where(Event.workspace_id == tenant.workspace_id).order_by(Event.id)
        ).all()
    # Only survey responses carry a metric; other metric names are kept as they come.
    assert [tuple(r) for r in rows] == [("survey_response", "nps"), ("survey_response", "rating"), ("web_visit", None)]
