"""The cockpit's pages through the real app and database: what each role sees, and the numbers on them."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.events.models import Event
from cxhub.identity.models import Identifier
from cxhub.metrics.service import metric_groups
from cxhub.web.i18n import number
from tests.web.conftest import Brand, client_as, csrf_of


def test_overview_shows_each_score_with_its_interval(brand: Brand, admin: TestClient) -> None:
    page = admin.get("/app")
    assert page.status_code == 200
    end = datetime.now(UTC)
    with brand.hub.sessions() as session:
        (nps,) = metric_groups(
            session, workspace_id=brand.workspace_id, metric="nps", start=end - timedelta(days=90), end=end
        )
    card = re.search(r'data-metric="nps">(.*?)</a>', page.text, re.S)
    assert card, "no NPS card"
    assert number(nps["value"], "en", 1) in card.group(1)
    assert f"{number(nps['ci_low'], 'en', 1)} – {number(nps['ci_high'], 'en', 1)}" in card.group(1)
    assert 'data-metric="enps"' not in page.text  # no employee answers: no card rather than a zero
    gaps = page.text.split('id="gaps-title"')[1]
    assert "Pagina Facebook" in gaps and "social_instagram" in gaps  # no accountable owner; missing from the map
    assert 'class="chart-data"' in page.text and "/static/plotly.min.js" in page.text


def test_overview_in_italian_formats_numbers_the_italian_way(admin: TestClient) -> None:
    page = admin.get("/app?metric=csat", headers={"Accept-Language": "it"})
    assert "Panoramica della customer experience" in page.text
    assert re.search(r'data-metric="csat">.*?\d+,\d</div>', page.text, re.S)


def test_a_touchpoint_drills_down_to_its_feedback_only(brand: Brand, admin: TestClient) -> None:
    overview = admin.get("/app")
    assert 'href="/app/feedback?touchpoint=relazione_cliente"' in overview.text
    page = admin.get("/app/feedback?touchpoint=relazione_cliente")
    assert page.status_code == 200
    items = page.text.count('data-testid="feedback-item"')
    assert items > 0
    assert page.text.count("Survey relazionale NPS</strong>") == items


def test_feedback_masks_personal_data(brand: Brand, admin: TestClient) -> None:
    with brand.hub.sessions.begin() as session:
        sample = session.scalars(select(Event).where(Event.workspace_id == brand.workspace_id).limit(1)).one()
        session.add(
            Event(
                workspace_id=brand.workspace_id,
                event_id="web-pii-1",
                customer_id=sample.customer_id,
                origin_customer_id=sample.customer_id,
                occurred_at=datetime.now(UTC),
                type="complaint",
                channel="email",
                touchpoint="email_assistenza",
                identifiers={},
                attributes={},
                text="Scrivetemi a mario.rossi@example.it, il modem non funziona",
            )
        )
    page = admin.get("/app/feedback?q=modem+non+funziona")
    assert "il modem non funziona" in page.text and "mario.rossi@example.it" not in page.text


def test_htmx_filtering_answers_with_the_list_alone(admin: TestClient) -> None:
    fragment = admin.get("/app/feedback?metric=nps", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="feedback-list"' in fragment.text


def test_customer_search_by_any_identifier_opens_the_profile(brand: Brand, admin: TestClient) -> None:
    with brand.hub.sessions() as session:
        email = session.scalars(
            select(Identifier).where(Identifier.workspace_id == brand.workspace_id, Identifier.type == "email").limit(1)
        ).one()
    found = admin.get(f"/app/customers?q={email.value.upper()}", follow_redirects=False)
    assert found.status_code == 303 and found.headers["location"] == f"/app/customers/{email.customer_id}"
    profile = admin.get(found.headers["location"])
    assert profile.status_code == 200
    assert email.value in profile.text and 'data-testid="timeline-event"' in profile.text
    assert "Merge history" in profile.text
    missing = admin.get("/app/customers?q=nobody@nowhere.example")
    assert missing.status_code == 404 and "No customer has this identifier." in missing.text


def test_a_department_lead_sees_only_their_department(brand: Brand) -> None:
    lead = client_as(brand, "department_lead", "customer_care")
    assert lead.get("/app", follow_redirects=False).headers["location"] == "/app/departments/customer_care"
    own = lead.get("/app/departments/customer_care")
    assert own.status_code == 200 and "KPIs and targets" in own.text
    other = lead.get("/app/departments/marketing")
    assert other.status_code == 403 and "another department" in other.text
    assert lead.get("/app/feedback?touchpoint=relazione_cliente").status_code == 403
    assert lead.get("/app/settings").status_code == 403
    listing = lead.get("/app/feedback").text
    assert "Survey relazionale NPS</strong>" not in listing


def test_everyone_else_with_the_permission_sees_every_department(brand: Brand) -> None:
    analyst = client_as(brand, "analyst")
    assert analyst.get("/app/departments/marketing").status_code == 200
    listing = analyst.get("/app/departments").text
    assert "/app/departments/customer_care" in listing and "/app/departments/negozi" in listing


def test_roles_without_a_page_get_403(brand: Brand) -> None:
    viewer = client_as(brand, "viewer")
    assert viewer.get("/app").status_code == 200
    assert viewer.get("/app/customers").status_code == 403
    assert 'href="/app/customers"' not in viewer.get("/app").text
    agent = client_as(brand, "agent")
    assert agent.get("/app").status_code == 403


def test_admin_creates_a_user_who_can_then_sign_in(brand: Brand, admin: TestClient) -> None:
    page = admin.get("/app/settings")
    token = csrf_of(page.text)
    assert admin.post("/app/settings/users", data={"email": "x@aurora.example", "role": "viewer"}).status_code == 403
    created = admin.post(
        "/app/settings/users",
        data={
            "email": "New.Lead@aurora.example",
            "role": "department_lead",
            "department": "negozi",
            "csrf_token": token,
        },
    )
    assert created.status_code == 200
    password = re.search(r'data-testid="new-password">([^<]+)<', created.text)
    assert password
    newcomer = TestClient(admin.app)
    from tests.web.conftest import sign_in

    sign_in(newcomer, "new.lead@aurora.example", password.group(1))
    assert newcomer.get("/app/departments/negozi").status_code == 200


def test_admin_creates_and_revokes_an_api_key(brand: Brand, admin: TestClient) -> None:
    token = csrf_of(admin.get("/app/settings").text)
    created = admin.post("/app/settings/keys", data={"name": "kiosk", "scopes": ["read"], "csrf_token": token})
    key = re.search(r'data-testid="new-key">([^<]+)<', created.text)
    assert key
    api = TestClient(admin.app, headers={"Authorization": f"Bearer {key.group(1)}"})
    assert api.get("/api/v1/metrics").status_code == 200
    prefix = key.group(1).split("_")[1]
    revoked = admin.post(f"/app/settings/keys/{prefix}/revoke", data={"csrf_token": token}, follow_redirects=False)
    assert revoked.status_code == 303
    brand.hub.principals._entries.clear()  # the cache would keep a revoked key for a few seconds
    assert api.get("/api/v1/metrics").status_code == 401


def test_a_cx_manager_reads_settings_but_changes_nothing(brand: Brand) -> None:
    manager = client_as(brand, "cx_manager")
    page = manager.get("/app/settings")
    assert page.status_code == 200 and "Governance map" in page.text and "Add user" not in page.text
    refused = manager.post("/app/settings/keys", data={"scopes": ["read"], "csrf_token": csrf_of(page.text)})
    assert refused.status_code == 403


def test_static_assets_come_from_the_package_not_a_cdn(web: TestClient) -> None:
    plotly = web.get("/static/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert web.get("/static/htmx.min.js").status_code == 200
    assert web.get("/static/../config.py").status_code == 404


def test_verbatims_carry_sentiment_and_topic_chips_and_filter_by_them(brand: Brand, admin: TestClient) -> None:
    from cxhub.text.models import TextMention

    with brand.hub.sessions() as session:
        mention = session.scalars(
            select(TextMention).where(
                TextMention.workspace_id == brand.workspace_id, TextMention.sentiment_label == "negative"
            )
        ).first()
    assert mention is not None, "the brand's texts were analysed"
    page = admin.get("/app/feedback?text=1")
    assert 'data-testid="sentiment"' in page.text
    filtered = admin.get("/app/feedback", params={"topic": mention.path, "sentiment": "negative"})
    assert filtered.status_code == 200
    items = filtered.text.count('data-testid="feedback-item"')
    assert items > 0 and filtered.text.count('data-testid="sentiment">negative<') == items


def test_the_journey_page_shows_the_emotional_curve_and_the_flow(brand: Brand, admin: TestClient) -> None:
    from cxhub.journeys.design import journey_from_yaml
    from cxhub.journeys.service import ensure_journey

    with brand.hub.sessions.begin() as session:
        yaml_text = (Path(__file__).parents[2] / "src/cxhub/demo/journey.yaml").read_text(encoding="utf-8")
        ensure_journey(session, workspace_id=brand.workspace_id, definition=journey_from_yaml(yaml_text))
    page = admin.get("/app/journeys?days=90")
    assert page.status_code == 200
    assert 'data-target="curve-chart"' in page.text and 'data-target="flow-chart"' in page.text
    assert 'href="/app/journeys"' in page.text  # in the menu
    viewer_menu = client_as(brand, "agent").get("/app/customers").text
    assert 'href="/app/journeys"' not in viewer_menu
