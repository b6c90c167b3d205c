"""Helpers for survey tests: example definitions, an admin client, events in, links out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.app import create_app
from cxhub.db import transaction
from cxhub.events.models import Event
from cxhub.kit.http import Hub
from tests.conftest import Tenant, make_tenant

EXAMPLES = Path(__file__).parents[2] / "src" / "cxhub" / "surveys" / "examples"


def example(file: str, /, **changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{file}.yaml").read_text())
    document.update(changes)
    return document


@contextmanager
def admin_client(hub: Hub) -> Iterator[tuple[TestClient, Tenant]]:
    tenant = make_tenant(hub, ("admin",))
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {tenant.token}"}) as client:
        yield client, tenant


def create_survey(client: TestClient, document: dict[str, Any], status: str = "active") -> dict[str, Any]:
    response = client.post(f"/api/v1/surveys?status={status}", json=document)
    assert response.status_code == 201, response.text
    return dict(response.json())


def send(client: TestClient, *events: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/events", json={"events": list(events)})
    assert response.status_code == 200, response.text
    body = dict(response.json())
    assert body["rejected"] == 0, body
    return body


def customer_of(body: dict[str, Any], index: int = 0) -> str:
    return str(body["results"][index]["customer_id"])


def invite(client: TestClient, slug: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/surveys/{slug}/invitations", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def survey_events(hub: Hub, tenant: Tenant) -> list[Event]:
    with transaction(hub.sessions) as session:
        rows = session.scalars(
            select(Event)
            .where(Event.workspace_id == tenant.workspace_id, Event.type == "survey_response")
            .order_by(Event.event_id)
        )
        return list(rows)


def hidden_fields(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html)
