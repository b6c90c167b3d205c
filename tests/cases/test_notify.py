"""Notifications against a real HTTP receiver and a real SMTP server: retries, time-outs, nothing lost twice."""

from __future__ import annotations

import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from cxhub.cases import notify, routing
from cxhub.cases.models import DeliveryAttempt, Notification
from cxhub.cases.schemas import SettingsDoc, WebhookTarget
from cxhub.config import Settings
from cxhub.db import transaction, utcnow
from cxhub.kit.http import Hub
from cxhub.kit.webhooks import verify
from tests.cases.helpers import DETRACTOR, add_rules, nps, one_case, send, workspace
from tests.conftest import Tenant
from tests.kit.receivers import Hook, http_receiver, smtp_server


def configure(hub: Hub, tenant: Tenant, url: str, *, style: str = "cxhub") -> None:
    document = SettingsDoc(webhooks=[WebhookTarget(url=url, format=style)], email_events=[])  # type: ignore[arg-type]
    with transaction(hub.sessions) as session:
        routing.save_settings(session, workspace_id=tenant.workspace_id, document=document)


def outbox(hub: Hub, tenant: Tenant) -> list[Notification]:
    with transaction(hub.sessions) as session:
        return list(session.scalars(select(Notification).where(Notification.workspace_id == tenant.workspace_id)))


def attempts(hub: Hub, tenant: Tenant) -> int:
    with transaction(hub.sessions) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(DeliveryAttempt)
                .where(DeliveryAttempt.workspace_id == tenant.workspace_id)
            )
            or 0
        )


def drain(hub: Hub, tenant: Tenant, **kw: Any) -> notify.DrainReport:
    kw.setdefault("backoff", 0.01)
    return notify.drain_outbox(hub.sessions, settings=hub.settings, workspace_id=tenant.workspace_id, **kw)


def test_webhook_answering_500_is_retried_and_counted_once(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    hook = Hook(statuses=[500, 500, 200])
    with http_receiver(hook) as url:
        configure(hub, tenant, url)
        send(hub, tenant, nps(1))
        report = drain(hub, tenant)
        assert drain(hub, tenant).sent == 0  # nothing left to send
    assert report.sent == 1
    assert len(hook.requests) == 3
    ids = {orjson.loads(body)["delivery_id"] for _, body in hook.requests}
    assert len(ids) == 1  # every retry carries the same id: the receiver can drop repeats
    headers, body = hook.requests[-1]
    assert verify(notify.webhook_secret(hub.settings), headers["X-Cxhub-Timestamp"], body, headers["X-Cxhub-Signature"])
    payload = orjson.loads(body)
    assert payload["event"] == "case.opened" and payload["case"]["id"] == str(one_case(hub, tenant).id)
    (row,) = outbox(hub, tenant)
    assert (row.status, row.attempts) == ("sent", 1)
    assert attempts(hub, tenant) == 1


def test_failed_webhook_waits_in_the_outbox_and_is_delivered_later(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    hook = Hook(statuses=[503, 503, 503, 200])
    with http_receiver(hook) as url:
        configure(hub, tenant, url, style="slack")
        send(hub, tenant, nps(1))
        first = drain(hub, tenant, retries=3)
        (row,) = outbox(hub, tenant)
        assert (first.retrying, row.status, row.attempts) == (1, "pending", 1)
        assert drain(hub, tenant).sent == 0  # not due yet
        second = drain(hub, tenant, now=utcnow() + timedelta(hours=1))
    assert second.sent == 1 and len(hook.requests) == 4
    assert "text" in orjson.loads(hook.requests[-1][1])  # Slack-compatible
    (row,) = outbox(hub, tenant)
    assert (row.status, row.attempts) == ("sent", 2)
    assert attempts(hub, tenant) == 2


def test_webhook_that_times_out_is_not_lost(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    calls: list[bytes] = []

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            calls.append(self.rfile.read(int(self.headers.get("content-length", "0"))))
            if len(calls) == 1:
                time.sleep(1.5)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    Thread(target=server.serve_forever, daemon=True).start()
    try:
        configure(hub, tenant, f"http://127.0.0.1:{server.server_address[1]}/hook", style="teams")
        send(hub, tenant, nps(1))
        report = drain(hub, tenant, timeout=0.5, retries=2)
    finally:
        server.shutdown()
        server.server_close()
    assert report.sent == 1 and len(calls) == 2
    assert orjson.loads(calls[-1])["@type"] == "MessageCard"


def test_two_drainers_never_send_the_same_message(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    hook = Hook()
    with http_receiver(hook) as url:
        configure(hub, tenant, url)
        send(hub, tenant, nps(1), nps(2, email="b@example.it"), nps(0, email="c@example.it"))
        reports: list[notify.DrainReport] = []
        threads = [Thread(target=lambda: reports.append(drain(hub, tenant))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(r.sent for r in reports) == 3 and len(hook.requests) == 3


def test_rolled_back_change_queues_nothing(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    with pytest.raises(RuntimeError), transaction(hub.sessions) as session:
        from cxhub.events.service import ingest, record_from_payload

        ingest(
            session,
            workspace_id=tenant.workspace_id,
            records=[record_from_payload(nps(1))],
            source="t",
            settings=hub.settings,
            queue=hub.queue,
        )
        assert session.scalar(select(func.count()).select_from(Notification))
        raise RuntimeError("the request failed after the case opened")
    assert outbox(hub, tenant) == []


def test_e_mails_reach_a_real_smtp_server(hub: Hub, settings: Settings) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    send(hub, tenant, nps(1))
    with smtp_server() as (inbox, port):
        mail_settings = settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False}
        )
        report = notify.drain_outbox(hub.sessions, settings=mail_settings, workspace_id=tenant.workspace_id)
    assert report.sent == 1
    (message,) = inbox.messages
    assert message["To"] == "care@example.it" and "New case" in message["Subject"]


def test_e_mail_without_smtp_is_skipped_not_retried_forever(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    send(hub, tenant, nps(1))
    report = drain(hub, tenant)
    (row,) = outbox(hub, tenant)
    assert report.skipped == 1 and row.status == "skipped" and "SMTP" in (row.last_error or "")
