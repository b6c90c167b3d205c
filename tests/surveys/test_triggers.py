"""Triggers and the contact policy in the pipeline: every decision is an invitation row."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event as sa_event
from sqlalchemy import select

from cxhub.db import transaction
from cxhub.events.service import rules_from
from cxhub.events.validation import validate_event
from cxhub.kit.http import Hub
from cxhub.pipeline import PipelineBatch
from cxhub.surveys.models import SurveyInvitation
from cxhub.surveys.tasks import schedule_invitations
from tests.builders import at, event
from tests.conftest import Tenant, make_tenant
from tests.surveys.helpers import admin_client, create_survey, customer_of, example, send

ANNA = {"email": "anna@example.it"}


def decisions(hub: Hub, tenant: Tenant) -> list[SurveyInvitation]:
    with transaction(hub.sessions) as session:
        rows = session.scalars(
            select(SurveyInvitation)
            .where(SurveyInvitation.workspace_id == tenant.workspace_id)
            .order_by(SurveyInvitation.created_at, SurveyInvitation.due_at)
        )
        return list(rows)


def purchase(days_ago: float = 0.1, **overrides: Any) -> dict[str, Any]:
    return event(
        type="purchase",
        channel="store",
        touchpoint="negozio_milano",
        identifiers=overrides.pop("identifiers", ANNA),
        occurred_at=at(days_ago),
        attributes=overrides.pop("attributes", {"journey_stage": "acquisto", "language": "en"}),
        **overrides,
    )


def test_matching_event_schedules_an_invitation_after_the_delay(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        body = send(client, purchase(), event(identifiers=ANNA))  # the web visit matches no trigger
    (invitation,) = decisions(hub, tenant)
    assert invitation.status == "scheduled" and invitation.reason is None
    assert invitation.channel == "email"
    assert invitation.language == "en"
    assert str(invitation.customer_id) == customer_of(body)
    occurred = datetime.fromisoformat(body_event(body, client)["occurred_at"])
    assert invitation.due_at == occurred + timedelta(days=7)
    assert invitation.expires_at == invitation.due_at + timedelta(days=14)
    assert invitation.context["touchpoint"] == "negozio_milano"
    assert invitation.context["channel"] == "store"
    assert invitation.context["journey_stage"] == "acquisto"


def body_event(body: dict[str, Any], client: TestClient) -> dict[str, Any]:
    customer = customer_of(body)
    timeline = client.get(f"/api/v1/customers/{customer}/timeline").json()
    items = timeline.get("events", timeline.get("items", []))
    return next(e for e in items if e["type"] == "purchase")


def test_running_the_step_again_on_the_same_events_decides_nothing_new(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        payload = purchase()
        body = send(client, payload)
    accepted = validate_event(payload, rules_from(hub.settings))
    assert not isinstance(accepted, list)
    batch = PipelineBatch(tenant.workspace_id, [accepted], "api", [uuid.UUID(customer_of(body))], [])
    with transaction(hub.sessions) as session:
        schedule_invitations(session, batch)
    assert len(decisions(hub, tenant)) == 1


def test_second_trigger_within_the_gap_is_suppressed_as_recently_invited(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        create_survey(client, example("csat_contact_center"))
        send(client, purchase(1))
        send(
            client,
            event(type="call", channel="phone", touchpoint="contact_center", identifiers=ANNA, occurred_at=at(0.5)),
        )
    first, second = decisions(hub, tenant)
    assert first.status == "scheduled"
    assert (second.status, second.reason) == ("suppressed", "recently_invited")


def test_open_complaint_suppresses_and_a_resolution_lifts_it(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        send(client, event(type="complaint", identifiers=ANNA, occurred_at=at(2)))
        send(client, purchase(1))
        send(client, event(type="complaint_resolved", identifiers=ANNA, occurred_at=at(0.8)))
        send(client, purchase(0.5, identifiers={"email": "anna@example.it"}))
    first, second = decisions(hub, tenant)
    assert (first.status, first.reason) == ("suppressed", "complaint_open")
    assert second.status == "scheduled"


def test_complaint_rule_can_be_switched_off(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        policy = client.put("/api/v1/survey-policy", json={"suppress_while_complaint_open": False})
        assert policy.status_code == 200, policy.text
        send(client, event(type="complaint", identifiers=ANNA, occurred_at=at(2)))
        send(client, purchase(1))
    assert [d.status for d in decisions(hub, tenant)] == ["scheduled"]


def test_customer_who_opted_out_is_not_invited(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        customer = customer_of(send(client, event(identifiers=ANNA)))
        client.put(f"/api/v1/customers/{customer}/consents/surveys", json={"granted": False, "source": "store"})
        send(client, purchase())
    ((status, reason),) = [(d.status, d.reason) for d in decisions(hub, tenant)]
    assert (status, reason) == ("suppressed", "opted_out")


def test_email_survey_for_a_customer_without_email_is_suppressed(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        send(client, purchase(identifiers={"phone": "+39 347 123 4567"}))
    ((status, reason),) = [(d.status, d.reason) for d in decisions(hub, tenant)]
    assert (status, reason) == ("suppressed", "no_contact_address")


def test_old_events_and_inactive_surveys_invite_nobody(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, example("nps_relazionale"))
        create_survey(client, example("csat_contact_center"), status="draft")
        send(client, purchase(30))  # history, e.g. an import
        send(client, event(type="call", channel="phone", touchpoint="contact_center", identifiers=ANNA))
    assert decisions(hub, tenant) == []


def test_trigger_filters_on_touchpoint_and_attributes(hub: Hub) -> None:
    document = example("csat_contact_center")
    document["triggers"] = [
        {"event_type": "call", "touchpoint": "contact_center", "attributes": {"outcome": "risolto"}, "delay": "0"}
    ]
    with admin_client(hub) as (client, tenant):
        create_survey(client, document)
        client.put("/api/v1/survey-policy", json={"min_days_between_invitations": 0})
        call = {"type": "call", "channel": "phone", "identifiers": ANNA}
        send(
            client,
            event(**call, touchpoint="negozio", attributes={"outcome": "risolto"}),
            event(**call, touchpoint="contact_center", attributes={"outcome": "non_risolto"}),
            event(**call, touchpoint="contact_center", attributes={"outcome": "risolto"}),
        )
    assert [d.status for d in decisions(hub, tenant)] == ["scheduled"]


def test_without_active_surveys_the_step_costs_at_most_one_cached_query(hub: Hub) -> None:
    tenant = make_tenant(hub)
    accepted = validate_event(event(type="purchase"), rules_from(hub.settings))
    assert not isinstance(accepted, list)
    batch = PipelineBatch(tenant.workspace_id, [accepted], "api", [uuid.uuid4()], [uuid.uuid4()])
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    sa_event.listen(hub.engine, "before_cursor_execute", count)
    try:
        with transaction(hub.sessions) as session:
            schedule_invitations(session, batch)
            schedule_invitations(session, batch)
            schedule_invitations(session, batch)
    finally:
        sa_event.remove(hub.engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "surveys" in statements[0]
