"""``/api/v1/rules`` and ``/api/v1/cases`` through the real app and database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cxhub.app import create_app
from cxhub.kit.http import Hub
from tests.cases.helpers import DETRACTOR, nps, workspace
from tests.conftest import Tenant, make_tenant


@pytest.fixture
def admin(hub: Hub) -> Iterator[tuple[TestClient, Tenant]]:
    tenant = workspace(hub)
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {tenant.token}"}) as client:
        yield client, tenant


def opened_case(client: TestClient) -> dict[str, object]:
    imported = client.post("/api/v1/rules/import", content=DETRACTOR, headers={"content-type": "application/yaml"})
    assert imported.status_code == 200, imported.text
    sent = client.post("/api/v1/events", json={"events": [nps(2)]})
    assert sent.status_code == 200 and sent.json()["accepted"] == 1
    page = client.get("/api/v1/cases", params={"status": "new"}).json()
    assert page["total"] == 1
    return dict(page["cases"][0])


def test_case_list_get_patch_note_assign_and_transitions(admin: tuple[TestClient, Tenant]) -> None:
    client, _ = admin
    case = opened_case(client)
    path = f"/api/v1/cases/{case['id']}"
    patched = client.patch(path, json={"version": case["version"], "tags": ["vip"], "priority": "critical"})
    assert patched.status_code == 200, patched.text
    version = patched.json()["version"]
    assert version == case["version"] + 1 and patched.json()["first_action_at"]
    noted = client.post(f"{path}/notes", json={"text": "called the customer"}, headers={"X-Cxhub-Actor": "giulia"})
    assigned = client.post(f"{path}/assign", json={"version": noted.json()["version"], "assignee": "g@aurora.example"})
    assert assigned.status_code == 200, assigned.text
    moved = client.post(f"{path}/transitions", json={"version": assigned.json()["version"], "to": "in_progress"})
    assert moved.status_code == 200 and moved.json()["status"] == "in_progress"
    detail = client.get(path).json()
    assert [h["action"] for h in detail["history"]] == ["opened", "updated", "note", "assigned", "status"]
    assert detail["history"][2]["actor"] == "giulia" and detail["history"][2]["note"] == "called the customer"
    assert detail["allowed_transitions"] == ["waiting_customer", "resolved"]
    assert len(detail["links"]) == 1
    assert client.get("/api/v1/cases", params={"department": "care", "priority": "critical"}).json()["total"] == 1
    assert client.get("/api/v1/cases", params={"department": "billing"}).json()["total"] == 0


def test_invalid_transition_and_stale_version_are_409(admin: tuple[TestClient, Tenant]) -> None:
    client, _ = admin
    case = opened_case(client)
    path = f"/api/v1/cases/{case['id']}"
    closing = client.post(f"{path}/transitions", json={"version": case["version"], "to": "closed"})
    assert closing.status_code == 409
    assert closing.json()["error"]["code"] == "invalid_transition"
    assert (closing.json()["error"]["from"], closing.json()["error"]["to"]) == ("new", "closed")
    first = client.patch(path, json={"version": case["version"], "title": "agent A"})
    second = client.patch(path, json={"version": case["version"], "title": "agent B"})
    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["error"]["code"] == "case_conflict"
    assert client.get(path).json()["title"] == "agent A"
    assert client.get("/api/v1/cases/00000000-0000-0000-0000-000000000000").status_code == 404


def test_rules_versions_dry_run_and_guard(admin: tuple[TestClient, Tenant]) -> None:
    client, _ = admin
    for score in (1, 9, 10, 8):
        client.post("/api/v1/events", json={"events": [nps(score, email=f"u{score}@example.it")]})
    everything = {"key": "all", "name": "Everything", "when": {}}
    created = client.post("/api/v1/rules", json=everything)
    assert created.status_code == 201 and created.json()["status"] == "draft"
    dry = client.post("/api/v1/rules/all/dry-run").json()
    assert (dry["scanned"], dry["matched"], dry["needs_force"]) == (4, 4, True)
    refused = client.post("/api/v1/rules/all/activate")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "rule_too_broad"
    assert client.post("/api/v1/rules/all/activate", params={"force": True}).status_code == 200
    edited = client.post("/api/v1/rules", json={**everything, "when": {"types": ["complaint"]}})
    assert edited.json()["version"] == 2 and edited.json()["status"] == "draft"
    versions = client.get("/api/v1/rules/all").json()["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(1, "active"), (2, "draft")]
    assert "key: all" in client.get("/api/v1/rules/export.yaml").text


def test_stats_settings_and_scopes(admin: tuple[TestClient, Tenant], hub: Hub) -> None:
    client, _ = admin
    opened_case(client)
    (care,) = client.get("/api/v1/cases/stats", params={"by": "department"}).json()
    assert (care["key"], care["opened"], care["resolved"]) == ("care", 1, 0)
    settings = client.get("/api/v1/cases/settings").json()
    settings["sla_hours"]["high"] = 2
    assert client.put("/api/v1/cases/settings", json=settings).status_code == 200
    bad = client.put("/api/v1/cases/settings", json={"business_hours": {"timezone": "Nowhere/Void"}})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_business_hours"
    reader = make_tenant(hub, ("read",))
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {reader.token}"}) as other:
        assert other.get("/api/v1/cases").json()["total"] == 0  # another workspace sees nothing
        assert other.post("/api/v1/rules", json={"key": "x", "name": "X", "when": {}}).status_code == 403


def test_assignment_is_notified_after_the_request_commits(admin: tuple[TestClient, Tenant]) -> None:
    import time

    from tests.kit.receivers import Hook, http_receiver

    client, _ = admin
    hook = Hook()
    with http_receiver(hook) as url:
        settings = client.get("/api/v1/cases/settings").json()
        settings.update(webhooks=[{"url": url, "events": ["assigned"]}], email_events=[])
        assert client.put("/api/v1/cases/settings", json=settings).status_code == 200
        case = opened_case(client)
        assigned = client.post(f"/api/v1/cases/{case['id']}/assign", json={"version": case["version"], "assignee": "g"})
        assert assigned.status_code == 200
        deadline = time.monotonic() + 10
        while not hook.requests and time.monotonic() < deadline:
            time.sleep(0.05)
    ((headers, _),) = hook.requests
    assert headers["X-Cxhub-Event"] == "case.assigned"
