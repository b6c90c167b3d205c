"""The public form through the real app: real HTML out, real form posts in, events stored."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from cxhub.db import transaction
from cxhub.kit.http import Hub
from cxhub.surveys import links
from cxhub.surveys.models import SurveyInvitation
from tests.builders import event
from tests.conftest import Tenant
from tests.surveys.helpers import (
    admin_client,
    create_survey,
    customer_of,
    example,
    hidden_fields,
    invite,
    path_of,
    send,
    survey_events,
)


def invited(client: TestClient, slug: str = "nps_relazionale", email: str = "anna@example.it", **extra: object) -> dict:
    customer = customer_of(send(client, event(identifiers={"email": email}, type="web_visit")))
    return {**invite(client, slug, customer_id=customer, **extra), "customer": customer}


def status_of(hub: Hub, invitation_id: str) -> str:
    with transaction(hub.sessions) as session:
        found = session.get(SurveyInvitation, uuid.UUID(invitation_id))
        assert found is not None
        return found.status


def test_form_is_accessible_html_in_the_invitation_language(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        page = client.get(path_of(invitation["link"]), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.text
    assert '<html lang="it">' in html  # the invitation's language wins over the browser's
    assert 'name="viewport"' in html
    assert "<script" not in html
    assert "<fieldset" in html and "<legend>" in html
    assert len(re.findall(r'type="radio" id="q-nps-\d+" name="q.nps"', html)) == 11
    assert 'for="q-nps-0"' in html
    assert "Quanto è probabile" in html
    assert '?lang=en"' in html  # the language switch
    assert page.headers["referrer-policy"] == "no-referrer"
    english = client.get(path_of(invitation["link"]) + "?lang=en")
    assert '<html lang="en">' in english.text and "How likely" in english.text


def test_promoter_answers_once_and_lands_on_the_timeline(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        path = path_of(invitation["link"])
        answer = client.post(
            path, data={"step": "0", "q.nps": "9", "q.topics": ["price", "network"]}, follow_redirects=False
        )
        assert answer.status_code == 303
        thanks = client.get(answer.headers["location"])
        assert thanks.status_code == 200 and "Grazie! Leggiamo ogni risposta." in thanks.text
        again = client.post(path, data={"step": "0", "q.nps": "3"})
        assert again.status_code == 409
        assert "già risposto" in again.text
        timeline = client.get(f"/api/v1/customers/{invitation['customer']}/timeline").json()
    stored = survey_events(hub, tenant)
    assert len(stored) == 1
    nps = stored[0]
    assert nps.event_id == f"svy-{uuid.UUID(invitation['id']).hex}-nps"
    assert nps.score == 9.0
    assert str(nps.customer_id) == invitation["customer"]
    assert nps.attributes["metric"] == "nps"
    assert nps.attributes["answers"] == {"nps": 9, "topics": ["price", "network"]}
    assert nps.touchpoint == "relazione_cliente"
    assert status_of(hub, invitation["id"]) == "responded"
    assert any(e["type"] == "survey_response" for e in timeline.get("events", timeline.get("items", [])))


def test_detractor_gets_the_why_page_and_the_text_is_stored(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        path = path_of(invitation["link"])
        first = client.post(path, data={"step": "0", "q.nps": "4"})
        assert first.status_code == 200
        assert 'name="q.why"' in first.text
        assert ("q.nps", "4") in hidden_fields(first.text)
        assert survey_events(hub, tenant) == []  # nothing stored before the last page
        fields = dict(hidden_fields(first.text))
        done = client.post(path, data={**fields, "q.why": "Troppe interruzioni"}, follow_redirects=False)
        assert done.status_code == 303
    (stored,) = survey_events(hub, tenant)
    assert (stored.score, stored.text) == (4.0, "Troppe interruzioni")


def test_out_of_range_score_is_shown_next_to_the_field_and_nothing_is_stored(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        page = client.post(path_of(invitation["link"]), data={"step": "0", "q.nps": "11"})
    assert page.status_code == 422
    assert 'data-error="nps"' in page.text and "da 0 a 10" in page.text
    assert 'aria-describedby="err-nps"' in page.text
    assert survey_events(hub, tenant) == []
    assert status_of(hub, invitation["id"]) == "sent"


def test_answer_to_an_unknown_question_is_refused(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        page = client.post(path_of(invitation["link"]), data={"q.nps": "8", "q.ghost": "1"})
    assert page.status_code == 422 and 'data-error="form"' in page.text
    assert survey_events(hub, tenant) == []


def test_enormous_text_is_refused_whole(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        path = path_of(invitation["link"])
        too_long = client.post(path, data={"step": "1", "q.nps": "2", "q.why": "parola " * 400})
        enormous = client.post(path, data={"step": "1", "q.nps": "2", "q.why": "x" * 200_000})
    assert too_long.status_code == 422 and 'data-error="why"' in too_long.text
    assert enormous.status_code == 413
    assert survey_events(hub, tenant) == []


def test_forged_and_garbled_tokens_reveal_nothing(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        token = path_of(invitation["link"]).rsplit("/", 1)[1]
        forged = links.invitation_token("another-secret-entirely", uuid.UUID(invitation["id"]), 2_000_000_000)
        for bad in (forged, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "nonsense"):
            shown = client.get(f"/s/{bad}")
            posted = client.post(f"/s/{bad}", data={"q.nps": "9"})
            assert shown.status_code == posted.status_code == 404
            assert "nps_relazionale" not in shown.text and invitation["id"] not in shown.text
    assert survey_events(hub, tenant) == []


def test_expired_link_is_gone(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        past = datetime.now(UTC) - timedelta(days=1)
        with transaction(hub.sessions) as session:
            session.execute(
                update(SurveyInvitation)
                .where(SurveyInvitation.id == uuid.UUID(invitation["id"]))
                .values(expires_at=past)
            )
        secret = hub.settings.resolved_secret_key()
        token = links.invitation_token(secret, uuid.UUID(invitation["id"]), int(past.timestamp()))
        assert client.get(f"/s/{token}").status_code == 410
        # A token still within its time but an invitation expired in the database: gone as well.
        assert client.post(path_of(invitation["link"]), data={"q.nps": "9"}).status_code == 410
    assert survey_events(hub, tenant) == []


def test_customer_who_opted_out_is_refused_politely(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        consent = client.put(f"/api/v1/customers/{invitation['customer']}/consents/surveys", json={"granted": False})
        assert consent.status_code == 200, consent.text
        page = client.post(path_of(invitation["link"]), data={"q.nps": "9"})
    assert page.status_code == 403 and "rispettiamo" in page.text
    assert survey_events(hub, tenant) == []


def test_cross_origin_post_is_refused(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        page = client.post(path_of(invitation["link"]), data={"q.nps": "9"}, headers={"Origin": "https://evil.example"})
    assert page.status_code == 403
    assert survey_events(hub, tenant) == []


def test_archived_survey_closes_its_links(hub: Hub) -> None:
    with admin_client(hub) as (client, _):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        assert client.post("/api/v1/surveys/nps_relazionale/archive").status_code == 200
        assert client.get(path_of(invitation["link"])).status_code == 410


def test_optout_link_asks_first_then_records_the_refusal(hub: Hub) -> None:
    from cxhub.surveys.invitations import optout_url

    with admin_client(hub) as (client, _):
        create_survey(client, example("nps_relazionale"))
        invitation = invited(client)
        with transaction(hub.sessions) as session:
            row = session.get(SurveyInvitation, uuid.UUID(invitation["id"]))
            assert row is not None
            url = optout_url(hub.settings, row)
        asked = client.get(path_of(url))
        assert asked.status_code == 200 and '<form method="post"' in asked.text
        assert client.get(f"/api/v1/customers/{invitation['customer']}/consents").json() == []
        done = client.post(path_of(url))
        assert done.status_code == 200
        consents = client.get(f"/api/v1/customers/{invitation['customer']}/consents").json()
        assert [(c["purpose"], c["granted"]) for c in consents] == [("surveys", False)]
        assert client.get(path_of(invitation["link"])).status_code == 403


def test_kiosk_link_stores_each_submission_as_a_new_anonymous_response(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("csat_contact_center"))
        minted = client.post(
            "/api/v1/surveys/csat_contact_center/links",
            json={"touchpoint": "negozio_milano", "unit": "milano_duomo", "channel": "kiosk"},
        )
        assert minted.status_code == 201, minted.text
        path = path_of(minted.json()["url"])
        page = client.get(path)
        assert page.status_code == 200
        rid = dict(hidden_fields(page.text))["rid"]
        answer = {"step": "0", "rid": rid, "q.csat": "5", "q.resolved": "yes"}
        assert client.post(path, data=answer, follow_redirects=False).status_code == 303
        assert client.post(path, data=answer, follow_redirects=False).status_code == 303  # a double click
        other = dict(hidden_fields(client.get(path).text))["rid"]
        assert client.post(path, data={**answer, "rid": other}, follow_redirects=False).status_code == 303
    stored = survey_events(hub, tenant)
    assert len(stored) == 2
    for row in stored:
        assert list(row.identifiers) == ["anonymous"]
        assert row.touchpoint == "negozio_milano"
        assert row.attributes["response_channel"] == "kiosk"
        assert row.attributes["unit"] == "milano_duomo"
    assert stored[0].customer_id != stored[1].customer_id


def test_employee_pulse_is_anonymous_and_carries_unit_and_department(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("enps_pulse"))
        minted = client.post(
            "/api/v1/surveys/enps_pulse/links", json={"unit": "negozio_roma", "department": "retail", "channel": "qr"}
        ).json()
        path = path_of(minted["url"])
        rid = dict(hidden_fields(client.get(path).text))["rid"]
        data = {"rid": rid, "q.enps": "6", "q.workload": "2", "q.recognition": "4", "q.improve": "turni"}
        assert client.post(path, data=data, follow_redirects=False).status_code == 303
    (stored,) = survey_events(hub, tenant)
    assert stored.score == 6.0
    assert stored.identifiers == {"anonymous": rid}
    attributes = stored.attributes
    assert (attributes["metric"], attributes["audience"]) == ("enps", "employee")
    assert (attributes["unit"], attributes["department"]) == ("negozio_roma", "retail")
    assert attributes["answers"]["workload"] == 2
    assert stored.channel == "employee"


def test_expired_open_link_is_gone(hub: Hub, tenant: Tenant) -> None:
    with admin_client(hub) as (client, admin):
        create_survey(client, example("enps_pulse"))
        link = links.OpenLink(workspace_id=admin.workspace_id, survey="enps_pulse", expires_at=1)
        token = links.open_token(hub.settings.resolved_secret_key(), link)
        assert client.get(f"/s/open/{token}").status_code == 410
