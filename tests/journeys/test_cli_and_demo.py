"""The ``cxhub journeys`` commands, and the demo brand's planted findings."""

from __future__ import annotations

import json
from datetime import date
from importlib.resources import files
from pathlib import Path

from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.config import Settings
from cxhub.demo.generator import generate_events
from cxhub.events.service import ingest_stream, record_from_payload
from cxhub.journeys import service
from cxhub.journeys.design import journey_from_yaml
from cxhub.kit.http import Hub
from tests.conftest import make_tenant
from tests.journeys.test_api import JOURNEY_YAML

runner = CliRunner()


def test_import_then_discover_as_json(cli_env: Settings, hub: Hub, tmp_path: Path) -> None:
    tenant = make_tenant(hub)
    path = tmp_path / "shop.yaml"
    path.write_text(JOURNEY_YAML, encoding="utf-8")
    done = runner.invoke(app, ["journeys", "import", str(path), "--workspace", tenant.slug])
    assert done.exit_code == 0, done.output
    assert "journey shop imported" in done.output and "no events yet" in done.output
    found = runner.invoke(
        app, ["journeys", "discover", "--journey", "shop", "--workspace", tenant.slug, "--format", "json"]
    )
    assert found.exit_code == 0, found.output
    body = json.loads(found.stdout)
    assert set(body) >= {"transitions", "paths", "stages", "pain_points", "disconnects"}
    assert [s["stage"] for s in body["stages"]] == ["scoperta", "acquisto", "assistenza", "rinnovo"]
    assert body["events"] == 0
    table = runner.invoke(
        app, ["journeys", "discover", "--workspace", tenant.slug, "--from", "2026-01-01", "--to", "2026-03-31"]
    )
    assert table.exit_code == 0 and "no events in this period" in table.output


def test_errors_are_clear_and_exit_2(cli_env: Settings, hub: Hub, tmp_path: Path) -> None:
    tenant = make_tenant(hub)
    unknown = runner.invoke(app, ["journeys", "discover", "--journey", "nope", "--workspace", tenant.slug])
    assert unknown.exit_code == 2 and "journey_not_found" in unknown.output
    missing = runner.invoke(app, ["journeys", "import", str(tmp_path / "none.yaml"), "--workspace", tenant.slug])
    assert missing.exit_code == 2 and "file_unreadable" in missing.output
    backwards = runner.invoke(
        app, ["journeys", "discover", "--workspace", tenant.slug, "--from", "2026-05-01", "--to", "2026-04-01"]
    )
    assert backwards.exit_code == 2 and "invalid_period" in backwards.output


def test_the_demo_journey_fits_the_demo_and_its_planted_disconnects_are_found(hub: Hub) -> None:
    tenant = make_tenant(hub)
    as_of = date(2026, 11, 20)
    records = (record_from_payload(p, "demo") for p in generate_events(150, 5, as_of))
    ingest_stream(
        hub.sessions,
        workspace_id=tenant.workspace_id,
        records=records,
        source="demo",
        settings=hub.settings,
        queue=hub.queue,
        batch_size=1000,
    )
    definition = journey_from_yaml(files("cxhub.demo").joinpath("journey.yaml").read_text(encoding="utf-8"))
    with hub.sessions.begin() as session:
        _, warnings = service.save_journey(session, workspace_id=tenant.workspace_id, definition=definition)
        found = service.discover(session, workspace_id=tenant.workspace_id, journey="acquisto")
    assert warnings == []
    assert {s.stage for s in found.stages if s.customers} == set(definition.stage_keys)
    assert all(count > 0 for count in found.disconnect_counts.by_kind.values()), found.disconnect_counts
    kinds = {p.kind for p in found.pain_points}
    assert {"drop_off", "repeat_contact", "channel_hop", "long_wait", "slow_step"} <= kinds
    assert found.conformance is not None and 0 < found.conformance.conforming < found.conformance.customers
