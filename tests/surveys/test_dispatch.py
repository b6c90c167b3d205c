"""Delivery: a real SMTP server and a real HTTP receiver; outcomes recorded, nothing sent twice."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select, update

from cxhub.config import Settings
from cxhub.db import transaction
from cxhub.kit.http import Hub
from cxhub.kit.webhooks import verify
from cxhub.surveys import links
from cxhub.surveys.dispatch import dispatch_due
from cxhub.surveys.models import SurveyInvitation
from tests.builders import event
from tests.conftest import Tenant
from tests.kit.receivers import Hook, free_port, http_receiver, smtp_server
from tests.surveys.helpers import admin_client, create_survey, customer_of, example, path_of, send

ANNA = {"email": "anna@example.it"}


def now_survey(**trigger: Any) -> dict[str, Any]:
    document = example("nps_relazionale")
    document["triggers"] = [{"event_type": "purchase", "delay": "0", **trigger}]
    return document


def with_smtp(settings: Settings, port: int) -> Settings:
    return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False})


def invitations(hub: Hub, tenant: Tenant) -> list[SurveyInvitation]:
    with transaction(hub.sessions) as session:
        return list(
            session.scalars(select(SurveyInvitation).where(SurveyInvitation.workspace_id == tenant.workspace_id))
        )


def purchase(**overrides: Any) -> dict[str, Any]:
    return event(type="purchase", channel="store", touchpoint="negozio_milano", **{"identifiers": ANNA, **overrides})


def test_email_is_sent_once_in_the_customer_language_with_a_working_link(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant), smtp_server() as (inbox, port):
        create_survey(client, now_survey())
        send(client, purchase(attributes={"language": "en"}))
        settings = with_smtp(hub.settings, port)
        first = dispatch_due(hub.sessions, settings=settings, workspace_id=tenant.workspace_id)
        second = dispatch_due(hub.sessions, settings=settings, workspace_id=tenant.workspace_id)
        assert (first.sent, second.sent) == (1, 0)
        (message,) = inbox.messages
        assert message["To"] == "anna@example.it"
        assert message["Subject"].endswith("how did it go?")
        assert message["List-Unsubscribe"].startswith("<http")
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        link = re.search(r"(http\S+/s/(?!optout)\S+)", text)
        assert link is not None and link.group(1) in html
        form = client.get(path_of(link.group(1)))
        assert form.status_code == 200 and '<html lang="en">' in form.text
    (invitation,) = invitations(hub, tenant)
    assert (invitation.status, invitation.attempts) == ("sent", 1)
    assert invitation.sent_at is not None


def test_smtp_failure_is_recorded_and_retried_later_with_back_off(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, now_survey())
        send(client, purchase())
        down = with_smtp(hub.settings, free_port()).model_copy(update={"smtp_timeout_seconds": 2})
        report = dispatch_due(hub.sessions, settings=down, workspace_id=tenant.workspace_id)
        assert report.failed == 1
        (failed,) = invitations(hub, tenant)
        assert failed.status == "failed" and failed.reason and failed.reason.startswith("smtp:")
        assert failed.attempts == 1
        with smtp_server() as (inbox, port):
            up = with_smtp(hub.settings, port)
            assert dispatch_due(hub.sessions, settings=up, workspace_id=tenant.workspace_id).sent == 0  # not yet due
            later = datetime.now(UTC) + timedelta(minutes=6)
            assert dispatch_due(hub.sessions, settings=up, workspace_id=tenant.workspace_id, now=later).sent == 1
        assert len(inbox.messages) == 1
    (sent,) = invitations(hub, tenant)
    assert (sent.status, sent.attempts, sent.reason) == ("sent", 2, None)


def test_webhook_carries_a_signed_payload_with_the_link(hub: Hub) -> None:
    hook = Hook()
    with admin_client(hub) as (client, tenant), http_receiver(hook) as url:
        create_survey(client, now_survey(delivery="webhook", webhook_url=url))
        body = send(client, purchase())
        report = dispatch_due(hub.sessions, settings=hub.settings, workspace_id=tenant.workspace_id)
    assert report.sent == 1
    ((headers, raw),) = hook.requests
    secret = links.webhook_secret(hub.settings.resolved_secret_key())
    assert verify(secret, headers["X-Cxhub-Timestamp"], raw, headers["X-Cxhub-Signature"])
    payload = orjson.loads(raw)
    assert payload["survey"] == "nps_relazionale"
    assert payload["customer_id"] == customer_of(body)
    assert payload["language"] == "it"
    assert "/s/" in payload["link"]
    assert "webhook_url" not in payload["context"]


def test_failing_webhook_is_recorded_as_failed(hub: Hub) -> None:
    hook = Hook(statuses=[500])
    with admin_client(hub) as (client, tenant), http_receiver(hook) as url:
        create_survey(client, now_survey(delivery="webhook", webhook_url=url))
        send(client, purchase())
        report = dispatch_due(hub.sessions, settings=hub.settings, workspace_id=tenant.workspace_id)
    assert report.failed == 1
    (invitation,) = invitations(hub, tenant)
    assert invitation.status == "failed" and "webhook" in (invitation.reason or "")
    assert len(hook.requests) == 3  # the webhook's own retries


def test_link_only_invitation_is_marked_sent_and_readable_through_the_api(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, now_survey(delivery="link"))
        send(client, purchase())
        assert dispatch_due(hub.sessions, settings=hub.settings, workspace_id=tenant.workspace_id).sent == 1
        (listed,) = client.get("/api/v1/surveys/nps_relazionale/invitations?status=sent").json()
        one = client.get(f"/api/v1/surveys/nps_relazionale/invitations/{listed['id']}").json()
        assert client.get(path_of(one["link"])).status_code == 200


def test_customer_who_opts_out_before_the_send_is_suppressed_then(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant), smtp_server() as (inbox, port):
        create_survey(client, now_survey())
        customer = customer_of(send(client, purchase()))
        client.put(f"/api/v1/customers/{customer}/consents/surveys", json={"granted": False})
        report = dispatch_due(hub.sessions, settings=with_smtp(hub.settings, port), workspace_id=tenant.workspace_id)
    assert (report.sent, report.suppressed) == (0, 1)
    assert inbox.messages == []
    (invitation,) = invitations(hub, tenant)
    assert (invitation.status, invitation.reason) == ("suppressed", "opted_out")


def test_archived_survey_is_not_sent(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, now_survey(delivery="link"))
        send(client, purchase())
        client.post("/api/v1/surveys/nps_relazionale/archive")
        report = dispatch_due(hub.sessions, settings=hub.settings, workspace_id=tenant.workspace_id)
    assert report.suppressed == 1
    assert invitations(hub, tenant)[0].reason == "survey_inactive"


def test_quiet_hours_postpone_and_expired_invitations_are_closed(hub: Hub) -> None:
    with admin_client(hub) as (client, tenant):
        create_survey(client, now_survey(delivery="link"))
        client.put("/api/v1/survey-policy", json={"quiet_hours_start": 0, "quiet_hours_end": 23, "timezone": "UTC"})
        send(client, purchase())
        noon = datetime.now(UTC).replace(hour=12)
        assert (
            dispatch_due(hub.sessions, settings=hub.settings, workspace_id=tenant.workspace_id, now=noon).postponed == 1
        )
        with transaction(hub.sessions) as session:
            session.execute(
                update(SurveyInvitation)
                .where(SurveyInvitation.workspace_id == tenant.workspace_id)
                .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
            )
        assert dispatch_due(hub.sessions, settings=hub.settings, workspace_id=tenant.workspace_id).expired == 1
    assert invitations(hub, tenant)[0].status == "expired"
