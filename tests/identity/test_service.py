"""Stitching, merging and un-merging through the API, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.builders import at, event


def send(client: TestClient, *events: dict) -> list[dict]:
    response = client.post("/api/v1/events", json={"events": list(events)})
    assert response.status_code == 200, response.text
    return response.json()["results"]


def test_fragments_are_stitched_into_one_customer(client: TestClient) -> None:
    web = send(client, event(identifiers={"email": "Mario.Bianchi@Example.it", "device_id": "d-1"}, occurred_at=at(10)))
    call = send(
        client, event(type="call", channel="contact_center", identifiers={"phone": "339 111 2222"}, occurred_at=at(9))
    )
    assert web[0]["customer_id"] != call[0]["customer_id"]
    bridge = send(
        client,
        event(
            type="app_session",
            channel="app",
            identifiers={"email": "mario.bianchi@example.it", "phone": "+39 339 1112222"},
            occurred_at=at(8),
        ),
    )
    survivor = web[0]["customer_id"]  # created first
    assert bridge[0]["customer_id"] == survivor
    profile = client.get("/api/v1/customers", params={"phone": "3391112222"}).json()
    assert profile["customer_id"] == survivor
    assert profile["identifiers"] == {
        "device_id": ["d-1"],
        "email": ["mario.bianchi@example.it"],
        "phone": ["+393391112222"],
    }
    assert profile["traits"]["events"] == 3
    assert len(profile["merges"]) == 1
    # The merged-away id still answers, with the survivor.
    old = client.get(f"/api/v1/customers/{call[0]['customer_id']}").json()
    assert old["customer_id"] == survivor and old["requested_id"] == call[0]["customer_id"]


def test_unmerge_restores_both_profiles_and_keeps_them_apart(client: TestClient) -> None:
    a = send(client, event(identifiers={"email": "x@example.it"}, occurred_at=at(5)))[0]["customer_id"]
    b = send(
        client,
        event(identifiers={"phone": "3401234567"}, occurred_at=at(4)),
        event(identifiers={"phone": "3401234567"}, occurred_at=at(3)),
    )[0]["customer_id"]
    send(client, event(identifiers={"email": "x@example.it", "phone": "3401234567"}, occurred_at=at(2)))
    merged = client.get(f"/api/v1/customers/{a}").json()
    assert merged["traits"]["events"] == 4
    merge_id = merged["merges"][0]["id"]

    undone = client.post(f"/api/v1/merges/{merge_id}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"] is not None
    first, second = client.get(f"/api/v1/customers/{a}").json(), client.get(f"/api/v1/customers/{b}").json()
    assert first["identifiers"] == {"email": ["x@example.it"]}
    assert second["identifiers"] == {"phone": ["+393401234567"]}
    assert second["traits"]["events"] == 2  # its own two events came back with it
    assert first["traits"]["events"] == 2  # its event and the bridging one

    again = send(client, event(identifiers={"email": "x@example.it", "phone": "3401234567"}, occurred_at=at(1)))
    assert again[0]["customer_id"] == a
    assert client.get(f"/api/v1/customers/{b}").json()["requested_id"] is None
    assert client.post(f"/api/v1/merges/{merge_id}/undo").status_code == 409


def test_unknown_merge_is_404(client: TestClient) -> None:
    response = client.post("/api/v1/merges/999999/undo")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "merge_not_found"
