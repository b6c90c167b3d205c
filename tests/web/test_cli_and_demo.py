"""``cxhub users create-admin`` and the demo's users: the printed credentials open the web app."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxhub import migrate
from cxhub.app import create_app, make_hub
from cxhub.cli import app
from cxhub.config import Settings
from cxhub.demo.service import load_demo
from tests.web.conftest import sign_in

runner = CliRunner()


def test_create_admin_prints_a_password_that_signs_in(cli_env: Settings) -> None:
    result = runner.invoke(app, ["users", "create-admin", "--email", "Boss@Example.it", "--workspace", "cli-web"])
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1]
    client = TestClient(create_app(make_hub(cli_env)))
    sign_in(client, "boss@example.it", password)
    assert client.get("/app/settings").status_code == 200
    again = runner.invoke(app, ["users", "create-admin", "--email", "boss@example.it", "--workspace", "cli-web"])
    assert again.exit_code == 2 and "user_exists" in again.output


def test_create_admin_refuses_a_short_password(cli_env: Settings) -> None:
    result = runner.invoke(app, ["users", "create-admin", "--email", "x@example.it", "--password", "short"])
    assert result.exit_code == 2 and "weak_password" in result.output


def test_the_demo_creates_an_admin_and_a_department_lead(tmp_path) -> None:  # type: ignore[no-untyped-def]
    hub = make_hub(Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", secret_key="demo-web-test-secret-0123"))
    migrate.upgrade(hub.engine)
    first = load_demo(hub, customers=20, seed=5, as_of=date(2026, 10, 31))
    roles = {role: (email, password) for email, role, password in first.users}
    assert set(roles) == {"admin", "department_lead"}
    second = load_demo(hub, customers=20, seed=5, as_of=date(2026, 10, 31))
    lead_email, lead_password = {role: (e, p) for e, role, p in second.users}["department_lead"]
    assert lead_password != roles["department_lead"][1]  # renewed on every run; the printed one works
    client = sign_in(TestClient(create_app(hub)), lead_email, lead_password)
    assert client.get("/app", follow_redirects=False).headers["location"] == "/app/departments/customer_care"
    hub.engine.dispose()
