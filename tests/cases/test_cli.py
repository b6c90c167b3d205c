"""The contract commands: rules import / dry-run, cases list / stats, on both databases."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.config import Settings
from cxhub.kit.http import Hub
from tests.builders import event
from tests.cases.helpers import DETRACTOR, nps, send, workspace

runner = CliRunner()


def test_rules_import_dry_run_cases_list_and_stats(cli_env: Settings, hub: Hub, tmp_path: Path) -> None:
    tenant = workspace(hub)
    send(hub, tenant, nps(2), nps(10, email="p@example.it"), nps(9, email="q@example.it"), nps(8, email="r@e.it"))
    send(hub, tenant, *(event(type="web_visit") for _ in range(4)))  # the detractor is 1 event in 8
    rules = tmp_path / "rules.yaml"
    rules.write_text(DETRACTOR, encoding="utf-8")
    imported = runner.invoke(app, ["rules", "import", str(rules), "--workspace", tenant.slug, "--format", "json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output) == [
        {"key": "detractor", "version": 1, "changed": True, "status": "active", "refused": None}
    ]
    dry = runner.invoke(app, ["rules", "dry-run", "detractor", "--format", "json", "--workspace", tenant.slug])
    assert dry.exit_code == 0, dry.output
    result = json.loads(dry.output)
    assert (result["scanned"], result["matched"], result["would_open"]) == (8, 1, 1)
    assert result["samples"][0]["score"] == 2
    send(hub, tenant, nps(1, email="new@example.it"))  # the active rule opens a case
    listed = runner.invoke(app, ["cases", "list", "--format", "json", "--workspace", tenant.slug])
    assert listed.exit_code == 0, listed.output
    (case,) = json.loads(listed.output)
    assert (case["status"], case["department"], case["score_before"]) == ("new", "care", 1)
    stats = runner.invoke(app, ["cases", "stats", "--by", "department", "--format", "json", "--workspace", tenant.slug])
    assert stats.exit_code == 0, stats.output
    (care,) = json.loads(stats.output)
    assert care["department"] == "care" and care["opened"] == 1 and care["resolved"] == 0
    for name in ("median_hours_to_first_action", "median_hours_to_resolution", "sla_compliance"):
        assert name in care


def test_import_refuses_a_rule_matching_everything_without_force(cli_env: Settings, hub: Hub, tmp_path: Path) -> None:
    tenant = workspace(hub)
    send(hub, tenant, nps(2), nps(10, email="p@example.it"))
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{key: all, name: All, active: true, when: {}}]", encoding="utf-8")
    refused = runner.invoke(app, ["rules", "import", str(rules), "--workspace", tenant.slug])
    assert refused.exit_code == 1 and "not activated" in refused.output and "--force" in refused.output
    forced = runner.invoke(app, ["rules", "import", str(rules), "--workspace", tenant.slug, "--force"])
    assert forced.exit_code == 0 and "active" in forced.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{key: x, name: X, when: {score: {metric: nps, max: 11}}}]", encoding="utf-8")
    invalid = runner.invoke(app, ["rules", "import", str(bad), "--workspace", tenant.slug])
    assert invalid.exit_code == 2 and "rules[0].when.score.max" in invalid.output
