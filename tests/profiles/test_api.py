"""Profiles, the timeline and the context API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import at, event

ANNA = {"email": "anna@example.it", "phone": "3471234567", "loyalty_id": "LY-1"}


def send(client: TestClient, *events: dict) -> list[dict]:
    response = client.post("/api/v1/events", json={"events": list(events)})
    assert response.status_code == 200, response.text
    assert all(r["status"] == "accepted" for r in response.json()["results"]), response.text
    return response.json()["results"]


def anna_story(client: TestClient) -> str:
    results = send(
        client,
        event(identifiers=ANNA, occurred_at=at(30), type="web_visit", channel="web"),
        event(
            identifiers={"loyalty_id": "ly-1"},
            occurred_at=at(20),
            type="purchase",
            channel="store",
            touchpoint="negozio_milano",
            amount={"cents": 59900, "currency": "EUR"},
            products=[{"sku": "PHONE-1", "name": "Smartphone", "quantity": 1}, "COVER-1"],
        ),
        event(
            identifiers={"email": "ANNA@example.it"},
            occurred_at=at(15),
            type="purchase",
            channel="web",
            amount={"cents": 2990},
            products=["FIBRA-1G"],
        ),
        event(
            identifiers={"phone": "+39 347 123 4567"},
            occurred_at=at(10),
            type="return",
            channel="store",
            amount={"cents": 1500},
            products=["COVER-1"],
        ),
        event(
            identifiers={"phone": "347-123-4567"},
            occurred_at=at(5),
            type="call",
            channel="contact_center",
            text="Attesa di 40 minuti",
            attributes={"wait_seconds": 2400},
        ),
        event(
            identifiers={"email": "anna@example.it"},
            occurred_at=at(4),
            type="survey_response",
            channel="email",
            score=3,
            attributes={"metric": "nps"},
            text="Servizio lento",
        ),
    )
    return str(results[0]["customer_id"])


def test_traits_add_up_the_customer(client: TestClient) -> None:
    customer_id = anna_story(client)
    traits = client.get(f"/api/v1/customers/{customer_id}").json()["traits"]
    assert traits["events"] == 6
    assert {c["channel"]: c["events"] for c in traits["channels"]} == {
        "web": 2,
        "store": 2,
        "contact_center": 1,
        "email": 1,
    }
    assert traits["lifetime_value"] == [{"cents": 59900 + 2990 - 1500, "currency": "EUR"}]
    assert sorted(p["sku"] for p in traits["owned_products"]) == ["FIBRA-1G", "PHONE-1"]
    assert traits["first_seen"] < traits["last_seen"]
    assert traits["first_seen"].endswith(("Z", "+00:00"))


def test_timeline_pages_newest_first_across_channels(client: TestClient) -> None:
    customer_id = anna_story(client)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/api/v1/customers/{customer_id}/timeline", params=params).json()
        seen.extend(e["occurred_at"] for e in page["events"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 6
    assert seen == sorted(seen, reverse=True)
    only_calls = client.get(f"/api/v1/customers/{customer_id}/timeline", params={"type": "call"}).json()
    assert [e["type"] for e in only_calls["events"]] == ["call"]
    bad = client.get(f"/api/v1/customers/{customer_id}/timeline", params={"cursor": "garbage!"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "cursor"


def test_context_answers_by_any_identifier(client: TestClient) -> None:
    customer_id = anna_story(client)
    for params in (
        {"email": "Anna@Example.it"},
        {"phone": "+39 347 1234567"},
        {"loyalty_id": "LY-1"},
        {"customer_id": customer_id},
    ):
        response = client.get("/api/v1/context", params=params | {"recent": 3})
        assert response.status_code == 200, (params, response.text)
        body = response.json()
        assert body["customer_id"] == customer_id
        assert body["identifiers"]["phone"] == ["+393471234567"]
        assert [e["type"] for e in body["recent_events"]] == ["survey_response", "call", "return"]
        assert {p["sku"] for p in body["owned_products"]} == {"PHONE-1", "FIBRA-1G"}
        assert body["last_scores"][0] == {**body["last_scores"][0], "metric": "nps", "score": 3.0}
        assert body["open_cases"] == [] and body["churn_risk"] is None


def test_context_errors_are_precise(client: TestClient) -> None:
    anna_story(client)
    unknown = client.get("/api/v1/context", params={"email": "nobody@example.it"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "customer_not_found"
    two = client.get("/api/v1/context", params={"email": "anna@example.it", "phone": "3471234567"})
    assert two.status_code == 400 and two.json()["error"]["code"] == "invalid_lookup"
    bad_phone = client.get("/api/v1/context", params={"phone": "12"})
    assert bad_phone.status_code == 400 and bad_phone.json()["error"]["field"] == "phone"
    bad_id = client.get("/api/v1/context", params={"customer_id": "not-a-uuid"})
    assert bad_id.status_code == 400 and bad_id.json()["error"]["field"] == "customer_id"
    too_many = client.get("/api/v1/context", params={"email": "anna@example.it", "recent": 1000})
    assert too_many.status_code == 422 and too_many.json()["error"]["field"] == "recent"
