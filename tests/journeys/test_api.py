"""Journeys through the real app and database (SQLite and PostgreSQL): CRUD, YAML, discovery, disconnects."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cxhub.app import create_app
from cxhub.kit.http import Hub
from tests.conftest import Tenant, make_tenant

JOURNEY_YAML = """
journey: shop
name: Negozio
stages:
  - {key: scoperta, match: [{types: [web_visit]}]}
  - {key: acquisto, match: [{types: [purchase]}], target_hours: 24}
  - {key: assistenza, optional: true, match: [{types: [call, chat, complaint]}, {touchpoints: [chat_bot]}]}
  - {key: rinnovo, match: [{types: [offer, plan_change]}]}
"""
BASE = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)


def at(hours: float) -> str:
    return (BASE + timedelta(hours=hours)).isoformat()


def story() -> list[dict[str, Any]]:
    """Anna browses, buys a phone, complains, gets a survey, then an offer for the phone she owns.
    Bruno calls twice, on two channels, about billing. Carla only browses."""
    anna, bruno, carla = {"email": "anna@example.it"}, {"email": "bruno@example.it"}, {"email": "carla@example.it"}
    rows: list[tuple[dict[str, str], float, str, str, str, dict[str, Any]]] = [
        (anna, 0, "web_visit", "web", "sito_web", {}),
        (anna, 5, "purchase", "web", "sito_web", {"products": [{"sku": "PHONE", "quantity": 1}]}),
        (anna, 30, "complaint", "web", "consegna", {"attributes": {"reason": "consegna", "ticket_id": "T1"}}),
        (anna, 31, "survey_response", "email", "consegna", {"score": 2, "attributes": {"metric": "nps"}}),
        (anna, 50, "offer", "email", "email_marketing", {"attributes": {"sku": "PHONE", "campaign": "retarget"}}),
        (bruno, 0, "purchase", "store", "negozio", {}),
        (
            bruno,
            10,
            "call",
            "contact_center",
            "call_center",
            {"attributes": {"reason": "fatturazione", "wait_seconds": 1500}},
        ),
        (bruno, 40, "chat", "chat", "chat_assistenza", {"attributes": {"reason": "fatturazione"}}),
        (carla, 0, "web_visit", "web", "sito_web", {}),
        (carla, 2, "web_visit", "web", "sito_web", {}),
    ]
    return [
        {
            "event_id": f"j-{i}",
            "occurred_at": at(hours),
            "type": kind,
            "channel": channel,
            "touchpoint": touchpoint,
            "identifiers": who,
            **extra,
        }
        for i, (who, hours, kind, channel, touchpoint, extra) in enumerate(rows)
    ]


@pytest.fixture
def admin(hub: Hub) -> Tenant:
    return make_tenant(hub, ("admin",))


@pytest.fixture
def api(hub: Hub, admin: Tenant) -> TestClient:
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {admin.token}"}) as client:
        response = client.post("/api/v1/events", json={"events": story()})
        assert response.status_code == 200 and response.json()["accepted"] == 10, response.text
        yield client  # type: ignore[misc]


def imported(api: TestClient) -> dict[str, Any]:
    response = api.post("/api/v1/journeys/import", content=JOURNEY_YAML, headers={"Content-Type": "application/yaml"})
    assert response.status_code == 200, response.text
    return response.json()


def test_import_warns_about_names_no_event_carries_and_export_round_trips(api: TestClient) -> None:
    body = imported(api)
    assert body["key"] == "shop"
    assert body["warnings"] == [
        "stage 'assistenza': no event has touchpoint 'chat_bot'",
        "stage 'rinnovo': no event has type 'plan_change'",
    ]
    exported = api.get("/api/v1/journeys/shop/export")
    assert exported.headers["content-type"].startswith("application/yaml")
    again = api.post("/api/v1/journeys/import", content=exported.text, headers={"Content-Type": "application/yaml"})
    assert again.json()["definition"] == body["definition"]
    assert [j["key"] for j in api.get("/api/v1/journeys").json()] == ["shop"]


def test_crud_of_designed_journeys(api: TestClient) -> None:
    definition = {"journey": "mini", "stages": [{"key": "uso", "match": [{"types": ["web_visit"]}]}]}
    assert api.post("/api/v1/journeys", json=definition).status_code == 201
    assert api.post("/api/v1/journeys", json=definition).json()["error"]["code"] == "journey_exists"
    definition["stages"].append({"key": "fine", "match": [{"types": ["offer"]}]})
    assert len(api.put("/api/v1/journeys/mini", json=definition).json()["definition"]["stages"]) == 2
    assert api.put("/api/v1/journeys/other", json=definition).json()["error"]["code"] == "journey_mismatch"
    assert api.delete("/api/v1/journeys/mini").status_code == 204
    missing = api.get("/api/v1/journeys/mini")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "journey_not_found")
    bad = api.post(
        "/api/v1/journeys/import", content="journey: x\nstages: []\n", headers={"Content-Type": "application/yaml"}
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_journey")


def test_writing_journeys_needs_the_admin_scope(api: TestClient, hub: Hub) -> None:
    reader = make_tenant(hub, ("read",))
    response = api.post(
        "/api/v1/journeys/import",
        content=JOURNEY_YAML,
        headers={"Content-Type": "application/yaml", "Authorization": f"Bearer {reader.token}"},
    )
    assert response.status_code == 403


def test_discover_answers_the_contract(api: TestClient) -> None:
    imported(api)
    body = api.get("/api/v1/journeys/discover", params={"journey": "shop"}).json()
    assert body["level"] == "stage" and body["customers"] == 3 and body["events"] == 10
    transitions = {(t["from"], t["to"]): (t["count"], t["median_hours"]) for t in body["transitions"]}
    assert transitions == {
        ("scoperta", "acquisto"): (1, 5.0),
        ("acquisto", "assistenza"): (2, 17.5),  # anna 25 h, bruno 10 h
        ("assistenza", "rinnovo"): (1, 20.0),  # the survey at 31 h is no step
    }
    assert {tuple(p["steps"]): (p["customers"], p["share"]) for p in body["paths"]} == {
        ("scoperta", "acquisto", "assistenza", "rinnovo"): (1, 0.3333),
        ("acquisto", "assistenza"): (1, 0.3333),
        ("scoperta",): (1, 0.3333),
    }
    stages = {s["stage"]: s for s in body["stages"]}
    assert stages["assistenza"]["nps"]["value"] == -100.0 and stages["assistenza"]["sentiment"] is None
    pains = {(p["kind"], p["where"]): p["customers"] for p in body["pain_points"]}
    assert pains[("long_wait", "call_center")] == 1
    assert pains[("channel_hop", "contact_center → chat")] == 1
    assert pains[("drop_off", "scoperta → acquisto")] == 1  # carla
    found = {(d["kind"], tuple(d["event_ids"])) for d in body["disconnects"]}
    assert found == {
        ("offer_for_owned_product", ("j-1", "j-4")),
        ("sales_during_open_complaint", ("j-2", "j-4")),
        ("survey_after_complaint", ("j-2", "j-3")),
        ("repeated_request", ("j-6", "j-7")),
    }
    anna = next(d for d in body["disconnects"] if d["kind"] == "offer_for_owned_product")
    timeline = api.get(anna["timeline"]).json()
    assert {e["event_id"] for e in timeline["events"]} >= {"j-1", "j-4"}


def test_discover_by_touchpoint_for_a_period_and_an_empty_period(api: TestClient) -> None:
    body = api.get("/api/v1/journeys/discover", params={"level": "touchpoint", "period": "2026-Q3"}).json()
    assert body["events"] == 10 and body["conformance"] is None
    assert ("sito_web", "consegna") in {(t["from"], t["to"]) for t in body["transitions"]}
    empty = api.get("/api/v1/journeys/discover", params={"period": "2025-Q1"})
    assert empty.status_code == 200
    assert (empty.json()["events"], empty.json()["paths"], empty.json()["disconnects"]) == (0, [], [])


def test_discover_refuses_unknown_journeys_and_stage_level_without_one(api: TestClient) -> None:
    unknown = api.get("/api/v1/journeys/discover", params={"journey": "nope"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "journey_not_found")
    bare = api.get("/api/v1/journeys/discover", params={"level": "stage"})
    assert (bare.status_code, bare.json()["error"]["code"]) == (400, "journey_required")
    period = api.get("/api/v1/journeys/discover", params={"period": "2026-Q5"})
    assert period.json()["error"]["code"] == "invalid_period"


def test_disconnects_page_by_page(api: TestClient) -> None:
    first = api.get("/api/v1/journeys/disconnects", params={"limit": 3}).json()
    assert len(first["disconnects"]) == 3 and first["counts"]["total"] == 4
    rest = api.get("/api/v1/journeys/disconnects", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert len(rest["disconnects"]) == 1 and rest["next_cursor"] is None
    times = [d["occurred_at"] for d in first["disconnects"] + rest["disconnects"]]
    assert times == sorted(times, reverse=True)
    one = api.get("/api/v1/journeys/disconnects", params={"kind": "repeated_request"}).json()
    customer = one["disconnects"][0]["customer_id"]
    assert api.get("/api/v1/journeys/disconnects", params={"customer_id": customer}).json()["counts"]["total"] == 1
    assert api.get("/api/v1/journeys/disconnects", params={"kind": "nope"}).json()["error"]["code"] == "invalid_kind"
    assert api.get("/api/v1/journeys/disconnects", params={"cursor": "zzz"}).json()["error"]["code"] == "invalid_cursor"


def test_sankey_of_the_first_steps(api: TestClient) -> None:
    imported(api)
    body = api.get("/api/v1/journeys/sankey", params={"journey": "shop", "steps": 2}).json()
    assert {n["id"]: (n["customers"], n["ends"]) for n in body["nodes"]} == {
        "1:scoperta": (2, 1),
        "1:acquisto": (1, 0),
        "2:acquisto": (1, 0),
        "2:assistenza": (1, 1),  # bruno's call and chat are one visit, and his journey ends there
    }
    assert {(link["source"], link["target"]): link["customers"] for link in body["links"]} == {
        ("1:scoperta", "2:acquisto"): 1,
        ("1:acquisto", "2:assistenza"): 1,
    }
