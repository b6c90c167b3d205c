"""``/api/v1/governance`` through the real app, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from cxhub.app import create_app
from cxhub.governance.mapfile import parse_map_yaml
from cxhub.kit.http import Hub
from tests.builders import at, event
from tests.conftest import Tenant, make_tenant
from tests.governance.maps import SMALL_MAP

YAML = {"Content-Type": "application/yaml"}


@pytest.fixture
def admin(hub: Hub) -> Tenant:
    return make_tenant(hub, scopes=("admin", "ingest", "read"))


@pytest.fixture
def api(hub: Hub, admin: Tenant) -> Iterator[TestClient]:
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {admin.token}"}) as test_client:
        yield test_client


def put_yaml(api: TestClient, text: str, **params: Any) -> Any:
    return api.put("/api/v1/governance/map", content=text.encode(), headers=YAML, params=params)


def test_yaml_import_then_json_and_yaml_export_round_trip(api: TestClient) -> None:
    response = put_yaml(api, SMALL_MAP)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["version"], body["changed"], body["departments"], body["touchpoints"]) == (1, True, 4, 4)
    assert body["diff"]["departments"]["added"] == ["care", "billing", "digital", "hr"]
    exported = api.get("/api/v1/governance/map.yaml")
    assert exported.headers["content-type"].startswith("application/yaml")
    assert exported.headers["etag"] == '"map-1"'
    assert exported.text.startswith("# cxhub governance map of workspace ")
    assert parse_map_yaml(exported.text) == parse_map_yaml(SMALL_MAP)
    assert yaml.safe_load(exported.text)["touchpoints"][0]["raci"]["A"] == "care"
    again = put_yaml(api, exported.text)
    assert (again.json()["changed"], again.json()["version"]) == (False, 1)
    as_json = api.get("/api/v1/governance/map").json()
    assert as_json["version"] == 1
    assert as_json["touchpoints"][2]["raci"]["A"] == ["billing", "care"]
    assert api.put("/api/v1/governance/map", json=as_json).json()["changed"] is False
    assert api.get("/api/v1/governance/map.yaml").text == exported.text


def test_json_import_replaces_the_map(api: TestClient) -> None:
    assert put_yaml(api, SMALL_MAP).status_code == 200
    smaller = {
        "departments": [{"key": "care", "name": "Care"}],
        "touchpoints": [{"key": "call_center", "name": "Calls", "raci": {"A": "care"}}],
    }
    response = api.put("/api/v1/governance/map", json=smaller)
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2
    assert [d["key"] for d in api.get("/api/v1/governance/departments").json()] == ["care"]
    assert api.get("/api/v1/governance/stages").json() == []


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        (SMALL_MAP.replace("{R: [care]}", "{A: sales, R: [care]}"), "touchpoints[3].raci.A"),
        (SMALL_MAP.replace("{key: web,", "{key: call_center,"), "touchpoints[1].key"),
        (SMALL_MAP.replace("{A: digital}}", "{X: digital}}"), "stages[0].raci.X"),
        (SMALL_MAP + "owners: []\n", "owners"),
        ("departments: [\n", "(document)"),
    ],
)
def test_a_bad_map_is_refused_whole_and_the_old_one_stays(api: TestClient, broken: str, field: str) -> None:
    assert put_yaml(api, SMALL_MAP).status_code == 200
    before = api.get("/api/v1/governance/map.yaml").text
    response = put_yaml(api, broken)
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["field"] == field
    assert api.get("/api/v1/governance/map.yaml").text == before


def test_invalid_map_lists_every_problem(api: TestClient) -> None:
    broken = SMALL_MAP.replace("{R: [care]}", "{A: sales, R: [care]}").replace("{key: web,", "{key: call_center,")
    error = put_yaml(api, broken).json()["error"]
    assert error["code"] == "invalid_map"
    assert [e["field"] for e in error["errors"]] == ["touchpoints[1].key", "touchpoints[3].raci.A"]


def test_dry_run_answers_the_diff_and_writes_nothing(api: TestClient) -> None:
    assert put_yaml(api, SMALL_MAP).status_code == 200
    changed = SMALL_MAP.replace("{key: hr, name: Human resources}", "{key: legal, name: Legal}").replace(
        "C: [hr], ", ""
    )
    changed = changed.replace("I: [hr]", "I: [legal]")
    response = put_yaml(api, changed, dry_run="true")
    body = response.json()
    assert body["dry_run"] and body["changed"] and body["version"] == 1
    assert (body["diff"]["departments"]["added"], body["diff"]["departments"]["removed"]) == (["legal"], ["hr"])
    assert "hr" in [d["key"] for d in api.get("/api/v1/governance/departments").json()]


def test_import_needs_the_admin_scope(client: TestClient) -> None:
    response = client.put("/api/v1/governance/map", content=SMALL_MAP.encode(), headers=YAML)
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert client.get("/api/v1/governance/map").status_code == 200  # read is enough to look


def test_other_media_types_and_stale_if_match_are_refused(api: TestClient) -> None:
    text = api.put("/api/v1/governance/map", content=b"x", headers={"Content-Type": "text/csv"})
    assert text.status_code == 415
    assert put_yaml(api, SMALL_MAP).status_code == 200
    stale = api.put("/api/v1/governance/map", content=SMALL_MAP.encode(), headers={**YAML, "If-Match": '"map-0"'})
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "map_changed"
    current = api.put("/api/v1/governance/map", json={"departments": []}, headers={"If-Match": '"map-1"'})
    assert current.status_code == 200 and current.json()["version"] == 2
    malformed = api.put("/api/v1/governance/map", content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "malformed_json"


def test_lists_for_the_ui(api: TestClient) -> None:
    assert put_yaml(api, SMALL_MAP).status_code == 200
    departments = {d["key"]: d for d in api.get("/api/v1/governance/departments").json()}
    assert departments["care"]["labels"] == {"it": "Assistenza clienti", "en": "Customer Care"}
    assert departments["care"]["kpis"] == [{"metric": "csat", "target": 4.2}, {"metric": "ces", "target": None}]
    assert departments["care"]["touchpoints"] == {
        "A": ["call_center", "bills"],
        "R": ["call_center", "social"],
        "C": [],
        "I": [],
    }
    assert departments["hr"]["stages"]["I"] == ["support"]
    touchpoints = api.get("/api/v1/governance/touchpoints").json()
    assert [t["key"] for t in touchpoints] == ["call_center", "web", "bills", "social"]
    assert touchpoints[0] == {
        "key": "call_center",
        "name": "Call center",
        "channel": "contact_center",
        "description": "Inbound calls",
        "raci": {"A": ["care"], "R": ["care"], "C": ["hr"], "I": ["billing"]},
    }
    assert [(s["key"], s["order"]) for s in api.get("/api/v1/governance/stages").json()] == [
        ("purchase", 1),
        ("support", 2),
        ("renewal", 3),
    ]


def test_owners_endpoint_routes_like_the_service(api: TestClient) -> None:
    assert put_yaml(api, SMALL_MAP).status_code == 200
    body = api.get("/api/v1/governance/owners", params={"touchpoint": "social", "stage": "support"}).json()
    assert body["accountable"] == {"key": "care", "name": "Customer Care", "lead_email": "care@example.it"}
    assert [d["key"] for d in body["owners"]["I"]] == ["hr"]
    nobody = api.get("/api/v1/governance/owners", params={"touchpoint": "social"}).json()
    assert nobody["accountable"] is None
    assert api.get("/api/v1/governance/owners").json()["error"]["code"] == "target_required"


def test_report_on_events_sent_through_the_api(api: TestClient) -> None:
    assert put_yaml(api, SMALL_MAP).status_code == 200
    events = []
    for touchpoint, count, feedback in (("call_center", 4, 2), ("web", 3, 0), ("bills", 2, 0), ("social", 2, 1)):
        for index in range(count):
            extra = {"text": "Nessuno mi ha risposto"} if index < feedback else {}
            events.append(event(touchpoint=touchpoint, occurred_at=at(2), **extra))
    events.append(
        event(touchpoint="web", type="survey_response", score=8, attributes={"metric": "nps"}, occurred_at=at(2))
    )
    events.append(
        event(touchpoint="instagram", type="survey_response", score=2, attributes={"metric": "nps"}, occurred_at=at(2))
    )
    events.append(event(touchpoint="instagram", occurred_at=at(40)))
    sent = api.post("/api/v1/events", json={"events": events})
    assert sent.status_code == 200 and sent.json()["accepted"] == 14, sent.text
    report = api.get("/api/v1/governance/report", params={"from": at(10)[:10]}).json()
    assert report["events"] == {"total": 13, "unowned": 3, "share": 3 / 13}
    assert report["feedback"] == {"total": 5, "unowned": 2, "share": 0.4}
    assert [(g["key"], g["events"]) for g in report["unknown_touchpoints"]] == [("instagram", 1)]
    assert [g["key"] for g in report["touchpoints_without_accountable"]] == ["social"]
    assert [g["key"] for g in report["touchpoints_with_several_accountable"]] == ["bills"]
    assert [s["key"] for s in report["stages_without_accountable"]] == ["renewal"]
    assert [d["key"] for d in report["departments_owning_nothing"]] == ["hr"]
    assert report["map_version"] == 1 and report["period_to"] is None
    whole = api.get("/api/v1/governance/report").json()
    assert (whole["events"]["total"], whole["unknown_touchpoints"][0]["events"]) == (14, 2)
    bad = api.get("/api/v1/governance/report", params={"to": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "to"


def test_an_empty_workspace_has_an_empty_map_and_report(api: TestClient) -> None:
    document = api.get("/api/v1/governance/map").json()
    assert (document["version"], document["departments"], document["touchpoints"]) == (0, [], [])
    report = api.get("/api/v1/governance/report").json()
    assert report["events"] == {"total": 0, "unowned": 0, "share": None}
