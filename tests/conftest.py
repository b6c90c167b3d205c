"""Fixtures: a migrated database per backend (SQLite and PostgreSQL), a hub, a workspace with a key.

Every database test runs on both backends. Tests isolate themselves by workspace (each gets a fresh
one), the way tenants are isolated in production; pure service tests use a rolled-back transaction.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from cxhub import migrate
from cxhub.app import create_app, make_hub
from cxhub.config import Settings
from cxhub.db import make_engine, transaction
from cxhub.governance.service import create_api_key, ensure_workspace
from cxhub.kit.http import Hub

POSTGRES_ADMIN_URL = os.environ.get("CXHUB_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
BACKENDS = ["sqlite", "postgresql"]


def _postgres_database() -> Iterator[str]:
    name = f"cxhub_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'cxhub.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def hub(settings: Settings, engine: Engine) -> Hub:
    return make_hub(settings, engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@dataclass
class Tenant:
    workspace_id: uuid.UUID
    slug: str
    token: str


def make_tenant(hub: Hub, scopes: tuple[str, ...] = ("ingest", "read")) -> Tenant:
    slug = f"t-{uuid.uuid4().hex[:12]}"
    with transaction(hub.sessions) as session:
        workspace = ensure_workspace(session, slug=slug)
        _, token = create_api_key(session, workspace_id=workspace.id, scopes=list(scopes))
        return Tenant(workspace.id, slug, token)


@pytest.fixture
def tenant(hub: Hub) -> Tenant:
    return make_tenant(hub)


@pytest.fixture
def client(hub: Hub, tenant: Tenant) -> Iterator[TestClient]:
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {tenant.token}"}) as test_client:
        yield test_client


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, tmp_path: Path) -> Settings:
    """Point the CLI (which reads CXHUB_* from the environment) at the test database."""
    from cxhub.config import get_settings

    monkeypatch.setenv("CXHUB_DATABASE_URL", settings.database_url)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield settings  # type: ignore[misc]
    get_settings.cache_clear()
