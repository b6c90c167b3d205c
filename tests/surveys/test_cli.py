"""``cxhub surveys``: the real commands against the test database."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxhub.app import create_app
from cxhub.cli import app
from cxhub.config import Settings
from cxhub.kit.http import Hub
from tests.builders import event
from tests.conftest import make_tenant
from tests.surveys.helpers import EXAMPLES, path_of, send

runner = CliRunner()


def test_import_list_export_round_trip(cli_env: Settings, tmp_path: Path, hub: Hub) -> None:
    tenant = make_tenant(hub)
    ws = ["--workspace", tenant.slug]
    imported = runner.invoke(app, ["surveys", "import", str(EXAMPLES / "nps_relazionale.yaml"), *ws])
    assert imported.exit_code == 0, imported.output
    assert "created survey nps_relazionale (version 1, active)" in imported.output
    listed = runner.invoke(app, ["surveys", "list", *ws, "--format", "json"])
    assert [s["slug"] for s in json.loads(listed.output)] == ["nps_relazionale"]
    exported = runner.invoke(app, ["surveys", "export", "nps_relazionale", *ws, "--format", "json"])
    copy = tmp_path / "copy.json"
    copy.write_text(exported.output)
    again = runner.invoke(app, ["surveys", "import", str(copy), *ws])
    assert "updated survey nps_relazionale (version 1" in again.output


def test_malformed_file_names_the_field(cli_env: Settings, tmp_path: Path, hub: Hub) -> None:
    tenant = make_tenant(hub)
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "nps_relazionale.yaml").read_text().replace("type: nps", "type: stars"))
    result = runner.invoke(app, ["surveys", "import", str(bad), "--workspace", tenant.slug])
    assert result.exit_code == 2
    assert "questions.0.type" in result.output


def test_open_link_and_invitation_work_in_the_form(cli_env: Settings, hub: Hub) -> None:
    tenant = make_tenant(hub)
    ws = ["--workspace", tenant.slug]
    runner.invoke(app, ["surveys", "import", str(EXAMPLES / "enps_pulse.yaml"), *ws])
    runner.invoke(app, ["surveys", "import", str(EXAMPLES / "nps_relazionale.yaml"), *ws])
    minted = runner.invoke(app, ["surveys", "link", "enps_pulse", "--unit", "negozio_roma", "--channel", "kiosk", *ws])
    assert minted.exit_code == 0, minted.output
    open_url = minted.output.strip().splitlines()[-1]
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {tenant.token}"}) as client:
        send(client, event(identifiers={"email": "anna@example.it"}))
        invited = runner.invoke(app, ["surveys", "invite", "nps_relazionale", "--email", "anna@example.it", *ws])
        assert invited.exit_code == 0, invited.output
        assert "invitation scheduled" in invited.output  # e-mail: the next dispatch sends it
        link_url = invited.output.strip().splitlines()[-1]
        assert client.get(path_of(open_url)).status_code == 200
        assert client.get(path_of(link_url)).status_code == 200
    listed = runner.invoke(app, ["surveys", "invitations", "--status", "scheduled", "--format", "json", *ws])
    (row,) = json.loads(listed.output)
    assert (row["survey"], row["channel"]) == ("nps_relazionale", "email")
    dispatched = runner.invoke(app, ["surveys", "dispatch", *ws])
    assert dispatched.exit_code == 0
    assert "failed 1" in dispatched.output  # no SMTP server configured: recorded, retried later
    failed = json.loads(
        runner.invoke(app, ["surveys", "invitations", "--status", "failed", "--format", "json", *ws]).output
    )
    assert failed[0]["reason"].startswith("smtp_not_configured")
