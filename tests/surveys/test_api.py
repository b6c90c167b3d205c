"""The surveys API through the real app: definitions, versions, import/export, scopes, invitations."""

from __future__ import annotations

import json

import yaml
from fastapi.testclient import TestClient

from cxhub.kit.http import Hub
from tests.builders import event
from tests.surveys.helpers import EXAMPLES, admin_client, create_survey, customer_of, example, invite, send


def test_create_list_get_and_version_bump(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        created = create_survey(client, example("nps_relazionale"))
        assert (created["version"], created["status"]) == (1, "active")
        assert [s["slug"] for s in client.get("/api/v1/surveys").json()] == ["nps_relazionale"]
        changed = example("nps_relazionale", name="NPS 2026")
        updated = client.put("/api/v1/surveys/nps_relazionale", json=changed).json()
        assert (updated["version"], updated["name"]) == (2, "NPS 2026")
        same = client.put("/api/v1/surveys/nps_relazionale", json=changed).json()
        assert same["version"] == 2  # nothing changed, no new version
        assert client.get("/api/v1/surveys/nps_relazionale").json()["definition"]["name"] == "NPS 2026"
        archived = client.post("/api/v1/surveys/nps_relazionale/archive").json()
        assert archived["status"] == "archived"
        assert client.get("/api/v1/surveys?status=active").json() == []


def test_duplicate_slug_is_a_conflict(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        create_survey(client, example("nps_relazionale"))
        again = client.post("/api/v1/surveys", json=example("nps_relazionale"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "survey_exists"


def test_yaml_import_creates_then_updates_and_export_round_trips(hub: Hub) -> None:
    text = (EXAMPLES / "csat_contact_center.yaml").read_text()
    with admin_client(hub) as (client, _):
        headers = {"content-type": "application/yaml"}
        first = client.post("/api/v1/surveys/import", content=text, headers=headers).json()
        assert first["created"] is True
        exported = client.get("/api/v1/surveys/csat_contact_center/export").text
        as_json = client.get("/api/v1/surveys/csat_contact_center/export?format=json").json()
        assert yaml.safe_load(exported) == as_json
        assert as_json["questions"][3]["show_if"] == {"question": "csat", "in": [1, 2, 3]}
        again = client.post("/api/v1/surveys/import", content=exported, headers=headers).json()
        assert (again["created"], again["survey"]["version"]) == (False, 1)
        edited = exported.replace("Quanto sei soddisfatto", "Sei soddisfatto")
        assert client.post("/api/v1/surveys/import", content=edited, headers=headers).json()["survey"]["version"] == 2


def test_malformed_definitions_name_the_field(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        document = example("nps_relazionale")
        document["questions"][0]["type"] = "stars"
        bad_type = client.post("/api/v1/surveys", json=document)
        bad_yaml = client.post("/api/v1/surveys", content="slug: [x", headers={"content-type": "application/yaml"})
        bad_json = client.post("/api/v1/surveys", content='{"slug":', headers={"content-type": "application/json"})
    assert bad_type.status_code == 422
    assert bad_type.json()["error"]["field"] == "questions.0.type"
    assert bad_yaml.status_code == 422 and bad_yaml.json()["error"]["field"] == "(document)"
    assert bad_json.status_code == 422 and "JSON" in bad_json.json()["error"]["message"]


def test_definitions_need_the_admin_scope(client: TestClient) -> None:
    refused = client.post("/api/v1/surveys", json=example("nps_relazionale"))
    assert refused.status_code == 403
    assert client.get("/api/v1/surveys").status_code == 200


def test_manual_invitation_by_email_returns_the_link_and_decisions_are_listed(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        create_survey(client, example("nps_relazionale"))
        send(client, event(identifiers={"email": "anna@example.it"}))
        first = invite(client, "nps_relazionale", email="Anna@Example.it", context={"journey_stage": "uso"})
        assert first["status"] == "sent" and first["link"].startswith("http://127.0.0.1:8000/s/")
        second = invite(client, "nps_relazionale", email="anna@example.it")
        assert (second["status"], second["reason"], second["link"]) == ("suppressed", "recently_invited", None)
        suppressed = client.get("/api/v1/surveys/nps_relazionale/invitations?reason=recently_invited").json()
        assert [i["id"] for i in suppressed] == [second["id"]]
        unknown = client.post("/api/v1/surveys/nps_relazionale/invitations", json={"email": "nobody@example.it"})
        assert unknown.status_code == 404
        both = client.post(
            "/api/v1/surveys/nps_relazionale/invitations", json={"email": "a@example.it", "customer_id": first["id"]}
        )
        assert both.status_code == 422


def test_employee_surveys_are_not_sent_to_customers(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        create_survey(client, example("enps_pulse"))
        customer = customer_of(send(client, event()))
        refused = client.post("/api/v1/surveys/enps_pulse/invitations", json={"customer_id": customer})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "employee_survey"


def test_policy_defaults_and_validation(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        defaults = client.get("/api/v1/survey-policy").json()
        assert defaults["min_days_between_invitations"] == 30
        assert defaults["suppress_while_complaint_open"] is True
        assert defaults["link_ttl_days"] == 14
        changed = client.put("/api/v1/survey-policy", json={"min_days_between_invitations": 60}).json()
        assert changed["min_days_between_invitations"] == 60
        assert client.put("/api/v1/survey-policy", json={"link_ttl_days": 0}).status_code == 422
        assert client.put("/api/v1/survey-policy", json={"timezone": "Mars/Olympus"}).status_code == 422


def test_open_link_minting_needs_the_survey(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        missing = client.post("/api/v1/surveys/nope/links", json={"unit": "x"})
        create_survey(client, example("enps_pulse"))
        minted = client.post("/api/v1/surveys/enps_pulse/links", json={"unit": "x", "expires_days": 30}).json()
    assert missing.status_code == 404
    assert "/s/open/" in minted["url"] and minted["expires_at"] is not None


def test_json_definition_file_loads_too(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        content = json.dumps(example("enps_pulse"))
        response = client.post("/api/v1/surveys/import", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 200 and response.json()["created"] is True
