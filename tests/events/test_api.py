"""POST /api/v1/events and the dead-letter API, through the real app and database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from cxhub.app import create_app, make_hub
from cxhub.events.models import DeadLetter, Event
from cxhub.identity.models import Customer, Identifier
from cxhub.kit.http import Hub
from cxhub.pipeline import InProcessQueue, Pipeline, PipelineBatch, default_pipeline
from tests.builders import event
from tests.conftest import Tenant


def post(client: TestClient, *events: dict) -> dict:
    response = client.post("/api/v1/events", json={"events": list(events)})
    assert response.status_code == 200, response.text
    return response.json()


def count(hub: Hub, model: type, tenant: Tenant) -> int:
    with hub.sessions() as session:
        return int(
            session.scalar(select(func.count()).select_from(model).where(model.workspace_id == tenant.workspace_id))
        )


def test_each_event_gets_its_own_answer(client: TestClient) -> None:
    good = event()
    body = post(client, good, event(drop=["identifiers"]), good)
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected", "duplicate"]
    assert (body["accepted"], body["rejected"], body["duplicates"]) == (1, 1, 1)
    assert body["results"][1]["errors"] == [{"field": "identifiers", "problem": "Field required"}]
    assert body["results"][1]["deadletter_id"] is not None


def test_same_event_id_twice_is_stored_once(client: TestClient, hub: Hub, tenant: Tenant) -> None:
    payload = event()
    assert post(client, payload)["accepted"] == 1
    assert post(client, payload)["results"][0]["status"] == "duplicate"
    assert count(hub, Event, tenant) == 1


def test_unknown_field_is_named(client: TestClient) -> None:
    result = post(client, event(colour="blue"))["results"][0]
    assert result["status"] == "rejected"
    assert {"field": "colour", "problem": "Extra inputs are not permitted"} in result["errors"]


def test_naive_timestamp_is_rejected(client: TestClient) -> None:
    result = post(client, event(occurred_at="2026-03-01T10:00:00"))["results"][0]
    assert result["errors"][0]["field"] == "occurred_at"
    assert "timezone" in result["errors"][0]["problem"]


def test_future_beyond_tolerance_is_rejected_but_near_future_is_not(client: TestClient) -> None:
    far = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    near = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    body = post(client, event(occurred_at=far), event(occurred_at=near))
    assert body["results"][0]["status"] == "rejected"
    assert "future" in body["results"][0]["errors"][0]["problem"]
    assert body["results"][1]["status"] == "accepted"


def test_wrong_types_name_every_field(client: TestClient) -> None:
    result = post(client, event(score="ten", amount={"cents": "lots"}, identifiers={"phone": "12"}))["results"][0]
    fields = {e["field"] for e in result["errors"]}
    assert {"score", "amount.cents", "identifiers.phone"} <= fields


def test_good_events_around_a_bad_one_are_kept(client: TestClient, hub: Hub, tenant: Tenant) -> None:
    body = post(client, event(), event(occurred_at="yesterday"), event())
    assert [r["status"] for r in body["results"]] == ["accepted", "rejected", "accepted"]
    assert count(hub, Event, tenant) == 2
    assert count(hub, DeadLetter, tenant) == 1


def test_malformed_json_is_kept_in_the_dead_letter(client: TestClient, hub: Hub, tenant: Tenant) -> None:
    response = client.post(
        "/api/v1/events", content=b'{"events": [ {"event_id": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "malformed_json"
    letter = client.get(f"/api/v1/deadletters/{error['deadletter_id']}").json()
    assert letter["raw"] == '{"events": [ {"event_id": '
    assert letter["reason_code"] == "malformed_json"


def test_body_without_events_array_is_refused(client: TestClient) -> None:
    for body in ([], {"events": "x"}, {"events": []}, {"events": [event()], "extra": 1}):
        response = client.post("/api/v1/events", json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "invalid_body"


def test_oversized_batch_is_refused_whole_and_kept(hub: Hub, tenant: Tenant) -> None:
    small = make_hub(hub.settings.model_copy(update={"max_batch_events": 3}), hub.engine)
    with TestClient(create_app(small), headers={"Authorization": f"Bearer {tenant.token}"}) as client:
        response = client.post("/api/v1/events", json={"events": [event() for _ in range(4)]})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "batch_too_large"
    assert count(hub, Event, tenant) == 0
    assert count(hub, DeadLetter, tenant) == 4
    assert len(response.json()["error"]["deadletter_ids"]) == 4


def test_oversized_body_is_refused(hub: Hub, tenant: Tenant) -> None:
    small = make_hub(hub.settings.model_copy(update={"max_body_bytes": 2048}), hub.engine)
    with TestClient(create_app(small), headers={"Authorization": f"Bearer {tenant.token}"}) as client:
        response = client.post("/api/v1/events", json={"events": [event(text="x" * 5000)]})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"
    assert count(hub, Event, tenant) == 0
    assert count(hub, DeadLetter, tenant) == 1


def test_oversized_event_is_rejected_alone(client: TestClient) -> None:
    body = post(client, event(attributes={"blob": "x" * 70_000}), event())
    assert body["results"][0]["status"] == "rejected"
    assert "bytes" in body["results"][0]["errors"][0]["problem"]
    assert body["results"][1]["status"] == "accepted"


def test_hostile_strings_are_stored_as_data(client: TestClient) -> None:
    hostile = "Robert'); DROP TABLE events;-- <script>alert(1)</script> ‮evil‬ 👩‍👩‍👧 ﷽"
    payload = event(
        text=hostile,
        attributes={"note": hostile, "nested": {"x": [hostile]}},
        identifiers={"crm_id": "CRM-1'--"},
    )
    result = post(client, payload)["results"][0]
    assert result["status"] == "accepted"
    page = client.get(f"/api/v1/customers/{result['customer_id']}/timeline").json()
    assert page["events"][0]["text"] == hostile
    assert page["events"][0]["attributes"]["nested"]["x"] == [hostile]


def test_nul_and_lone_surrogates_are_rejected(client: TestClient) -> None:
    with_nul = json.dumps(event(text="a\u0000b"))
    with_surrogate = json.dumps(event()).replace('"web_visit"', '"web_visit", "text": "\\ud800"')
    raw = f'{{"events": [{with_nul}, {with_surrogate}]}}'
    response = client.post("/api/v1/events", content=raw.encode(), headers={"content-type": "application/json"})
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert results[0]["errors"] == [{"field": "text", "problem": "contains a forbidden character U+0000 at position 1"}]
    assert results[1]["errors"] == [{"field": "text", "problem": "contains a forbidden character U+D800 at position 0"}]


def test_hostile_structures_are_rejected_by_field(client: TestClient) -> None:
    deep: dict = {"x": 1}
    for _ in range(12):
        deep = {"d": deep}
    body = post(
        client,
        event(attributes=deep),
        event(attributes={f"k{i}": i for i in range(300)}),
        event(attributes={"bad\u0007key": 1}),
        event(products=[{"sku": "A\u0001"}]),
    )
    problems = [r["errors"][0] for r in body["results"]]
    assert all(r["status"] == "rejected" for r in body["results"])
    assert "nests deeper" in problems[0]["problem"] and problems[0]["field"].startswith("attributes.d.d")
    assert problems[1] == {"field": "attributes", "problem": "has more than 200 keys"}
    assert problems[2]["field"] == r"attributes.'bad\x07key'"
    assert problems[3] == {"field": "products.0.sku", "problem": "contains a forbidden character U+0001 at position 1"}


def test_dead_letter_replay_with_a_correction(client: TestClient) -> None:
    bad = event(occurred_at="2026-03-01T10:00:00")
    letter_id = post(client, bad)["results"][0]["deadletter_id"]
    listed = client.get("/api/v1/deadletters").json()
    assert [d["id"] for d in listed] == [letter_id]
    still_bad = client.post(f"/api/v1/deadletters/{letter_id}/replay")
    assert still_bad.json()["status"] == "pending"
    fixed = {**bad, "occurred_at": "2026-03-01T10:00:00+01:00"}
    replayed = client.post(f"/api/v1/deadletters/{letter_id}/replay", json=fixed).json()
    assert replayed == {"id": letter_id, "status": "replayed", "event_id": bad["event_id"], "errors": []}
    assert client.get("/api/v1/deadletters").json() == []
    again = client.post(f"/api/v1/deadletters/{letter_id}/replay")
    assert again.status_code == 409


def test_a_failing_pipeline_writes_nothing(hub: Hub, tenant: Tenant) -> None:
    def explode(session: object, batch: PipelineBatch) -> None:
        raise RuntimeError("disk full")

    steps = default_pipeline().steps
    broken = make_hub(hub.settings, hub.engine, InProcessQueue(Pipeline([steps[0], explode, *steps[1:]])))
    app = create_app(broken)
    with TestClient(app, headers={"Authorization": f"Bearer {tenant.token}"}, raise_server_exceptions=False) as client:
        response = client.post("/api/v1/events", json={"events": [event(), event(identifiers={"phone": "3471234567"})]})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    for model in (Event, Customer, Identifier, DeadLetter):
        assert count(hub, model, tenant) == 0


def test_keys_are_required_and_scoped(hub: Hub, client: TestClient) -> None:
    app = client.app
    with TestClient(app) as anonymous:
        response = anonymous.post("/api/v1/events", json={"events": [event()]})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        wrong = anonymous.get("/api/v1/deadletters", headers={"Authorization": "Bearer cxh_nope_nope"})
        assert wrong.status_code == 401
    from tests.conftest import make_tenant

    reader = make_tenant(hub, scopes=("read",))
    with TestClient(app, headers={"Authorization": f"Bearer {reader.token}"}) as read_only:
        response = read_only.post("/api/v1/events", json={"events": [event()]})
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


def test_workspaces_do_not_see_each_other(hub: Hub, client: TestClient) -> None:
    from tests.conftest import make_tenant

    customer_id = post(client, event())["results"][0]["customer_id"]
    other = make_tenant(hub)
    with TestClient(client.app, headers={"Authorization": f"Bearer {other.token}"}) as stranger:
        assert stranger.get(f"/api/v1/customers/{customer_id}").status_code == 404
        assert stranger.get("/api/v1/context", params={"email": "anna.rossi@example.it"}).status_code == 404
        # The same event id in another workspace is another event.
        assert post(stranger, event(event_id="shared-id"))["accepted"] == 1
    assert post(client, event(event_id="shared-id"))["accepted"] == 1
