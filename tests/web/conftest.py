"""Web fixtures: a small Aurora brand in a workspace of its own, users of every role, a signed-in client.

The brand lives in a fresh workspace (not ``demo``), so these tests never disturb the demo's own tests
that share the database.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib.resources import files

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cxhub.app import create_app, make_hub
from cxhub.cases.demo import load_demo_cases
from cxhub.config import Settings
from cxhub.db import transaction
from cxhub.demo.generator import generate_events
from cxhub.events.service import ingest_stream, record_from_payload
from cxhub.governance import users
from cxhub.governance.mapfile import parse_map_yaml
from cxhub.governance.ownership import import_map
from cxhub.governance.service import ensure_workspace
from cxhub.kit.http import Hub
from tests.conftest import Tenant

CUSTOMERS = 150


@dataclass
class Brand:
    hub: Hub
    workspace_id: uuid.UUID


def load_brand(hub: Hub, *, customers: int = CUSTOMERS, seed: int = 11) -> uuid.UUID:
    """The demo brand's map and events, ingested into a new workspace."""
    with transaction(hub.sessions) as session:
        workspace = ensure_workspace(session, slug=f"web-{uuid.uuid4().hex[:10]}", name="Aurora (web tests)")
        document = parse_map_yaml(files("cxhub.demo").joinpath("governance.yaml").read_bytes())
        import_map(session, workspace_id=workspace.id, document=document, source="tests")
        workspace_id = workspace.id
    as_of = (datetime.now(UTC) - timedelta(days=1)).date()
    records = (record_from_payload(p, "tests") for p in generate_events(customers, seed, as_of, months=4))
    ingest_stream(
        hub.sessions,
        workspace_id=workspace_id,
        records=records,
        source="tests",
        settings=hub.settings,
        queue=hub.queue,
        batch_size=2000,
    )
    with transaction(hub.sessions) as session:  # rules, and cases in every state
        load_demo_cases(session, workspace_id=workspace_id, until=datetime.now(UTC) - timedelta(hours=6), seed=seed)
    return workspace_id


@pytest.fixture(scope="module")
def brand(settings: Settings, engine: Engine) -> Brand:
    hub = make_hub(settings.model_copy(update={"secret_key": "web-tests-secret-key-0123456789"}), engine)
    return Brand(hub, load_brand(hub))


def make_user(brand: Brand, role: str, department: str | None = None) -> tuple[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@aurora.example"
    password = users.generate_password()
    with transaction(brand.hub.sessions) as session:
        users.create_user(
            session,
            workspace_id=brand.workspace_id,
            email=email,
            password=password,
            role=role,
            department_key=department,
        )
    return email, password


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str) -> TestClient:
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text[:500]
    return client


def signed_in_member(hub: Hub, tenant: Tenant, *, prefix: str, role: str) -> TestClient:
    """A new user of ``role`` in the API tenant's workspace, signed in to a fresh client of the app."""
    email = f"{prefix}-{tenant.slug}@example.it"
    with transaction(hub.sessions) as session:
        users.create_user(session, workspace_id=tenant.workspace_id, email=email, password="x" * 12, role=role)
    return sign_in(TestClient(create_app(hub)), email, "x" * 12)


@pytest.fixture
def web(brand: Brand) -> Iterator[TestClient]:
    """An anonymous browser."""
    with TestClient(create_app(brand.hub), headers={"Accept-Language": "en"}) as client:
        yield client


def client_as(brand: Brand, role: str, department: str | None = None) -> TestClient:
    client = TestClient(create_app(brand.hub), headers={"Accept-Language": "en"})
    return sign_in(client, *make_user(brand, role, department))


@pytest.fixture
def admin(brand: Brand) -> Iterator[TestClient]:
    with client_as(brand, "admin") as client:
        yield client
