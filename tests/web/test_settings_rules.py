"""Settings → alert rules (versions, dry run, activate and pause) and surveys (an invitation's link)."""

from __future__ import annotations

import re
from importlib.resources import files

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.cases import rulebook
from cxhub.cases.schemas import RuleDefinition
from cxhub.db import transaction
from cxhub.identity.models import Customer
from cxhub.surveys import invitations
from cxhub.surveys.definition import load_definition
from cxhub.surveys.service import import_survey
from tests.web.conftest import Brand, client_as, csrf_of


def _status(page: str) -> str:
    found = re.search(r'data-testid="rule-status">([^<]+)<', page)
    assert found, page[:300]
    return found.group(1)


def _draft(brand: Brand, key: str, when: dict) -> None:  # type: ignore[type-arg]
    definition = RuleDefinition.model_validate(
        {"key": key, "name": f"Test {key}", "when": when, "case": {"priority": "high", "title": "Test"}}
    )
    with transaction(brand.hub.sessions) as session:
        rulebook.save_rule(session, workspace_id=brand.workspace_id, definition=definition, source="tests")


def test_settings_list_the_rules_with_version_and_status(brand: Brand, admin: TestClient) -> None:
    with brand.hub.sessions() as session:
        rules = rulebook.list_rules(session, workspace_id=brand.workspace_id)
    assert rules, "the brand imports the demo rules"
    section = admin.get("/app/settings").text.split('id="rules"')[1].split("</section>")[0]
    for rule in rules:
        assert f'data-rule="{rule.key}"' in section and f"/app/settings/rules/{rule.key}" in section


def test_a_dry_run_counts_past_matches_and_writes_nothing(brand: Brand) -> None:
    _draft(brand, "web_detractors", {"types": ["survey_response"], "score": {"metric": "nps", "band": "detractor"}})
    manager = client_as(brand, "cx_manager")
    page = manager.get("/app/settings/rules/web_detractors")
    assert page.status_code == 200 and _status(page.text) == "draft"
    assert "/activate" not in page.text, "only admins activate"
    answer = manager.post("/app/settings/rules/web_detractors/dry-run", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 200
    counted = re.search(r"would have matched ([\d,]+) of ([\d,]+) events", answer.text)
    assert counted and int(counted.group(1).replace(",", "")) > 0
    assert _status(answer.text) == "draft"
    refused = manager.post("/app/settings/rules/web_detractors/activate", data={"csrf_token": csrf_of(page.text)})
    assert refused.status_code == 403


def test_an_admin_activates_and_pauses_a_rule(brand: Brand, admin: TestClient) -> None:
    _draft(brand, "web_angry_complaints", {"types": ["complaint"]})
    page = admin.get("/app/settings/rules/web_angry_complaints").text
    token = csrf_of(page)
    activated = admin.post(
        "/app/settings/rules/web_angry_complaints/activate", data={"csrf_token": token, "force": "1"}
    )
    assert activated.status_code == 200 and _status(activated.text) == "active"
    paused = admin.post("/app/settings/rules/web_angry_complaints/pause", data={"csrf_token": token})
    assert _status(paused.text) == "paused"
    assert (
        admin.post("/app/settings/rules/web_angry_complaints/pause", data={"csrf_token": "forged"}).status_code == 403
    )


def test_the_guard_refuses_a_rule_matching_too_much_until_forced(brand: Brand, admin: TestClient) -> None:
    _draft(brand, "web_everything", {"types": ["web_visit"]})
    token = csrf_of(admin.get("/app/settings/rules/web_everything").text)
    refused = admin.post("/app/settings/rules/web_everything/activate", data={"csrf_token": token})
    assert refused.status_code == 409 and "force" in refused.text and _status(refused.text) == "draft"
    forced = admin.post("/app/settings/rules/web_everything/activate", data={"csrf_token": token, "force": "1"})
    assert _status(forced.text) == "active"


def test_an_invitations_public_link_is_shown_to_admins_only(brand: Brand, admin: TestClient) -> None:
    text = files("cxhub.surveys").joinpath("examples/nps_relazionale.yaml").read_text(encoding="utf-8")
    with transaction(brand.hub.sessions) as session:
        survey, _ = import_survey(session, workspace_id=brand.workspace_id, definition=load_definition(text))
        customer = session.scalar(select(Customer.id).where(Customer.workspace_id == brand.workspace_id).limit(1))
        assert customer is not None
        invitation = invitations.invite(session, survey=survey, customer_id=customer, channel="link")
        link = invitations.form_url(brand.hub.settings, invitation)
        slug = survey.slug
    assert link
    assert f"/app/settings/surveys/{slug}" in admin.get("/app/settings").text
    page = admin.get(f"/app/settings/surveys/{slug}").text
    assert 'data-testid="survey-status">active<' in page and link in page
    manager_view = client_as(brand, "cx_manager").get(f"/app/settings/surveys/{slug}")
    assert manager_view.status_code == 200 and link not in manager_view.text and "/s/" not in manager_view.text
    assert client_as(brand, "analyst").get(f"/app/settings/surveys/{slug}").status_code == 403
