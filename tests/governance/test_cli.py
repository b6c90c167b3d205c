"""``cxhub governance`` commands, and the demo brand's map, on both databases."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.config import Settings
from cxhub.db import make_sessionmaker, transaction
from cxhub.governance import ownership
from cxhub.governance.mapfile import parse_map_yaml
from cxhub.governance.service import ensure_workspace
from tests.governance.maps import SMALL_MAP

runner = CliRunner()


def flat(output: str) -> str:
    """The output with rich's line wrapping undone."""
    return " ".join(output.split())


def new_workspace(engine: Engine) -> str:
    slug = f"cli-{uuid.uuid4().hex[:10]}"
    with transaction(make_sessionmaker(engine)) as session:
        ensure_workspace(session, slug=slug)
    return slug


def test_import_export_round_trip(cli_env: Settings, engine: Engine, tmp_path: Path) -> None:
    slug = new_workspace(engine)
    source = tmp_path / "map.yaml"
    source.write_text(SMALL_MAP, encoding="utf-8")
    imported = runner.invoke(app, ["governance", "import", str(source), "--workspace", slug])
    assert imported.exit_code == 0, imported.output
    assert f"workspace {slug}: map version 1" in flat(imported.output) and "+ department care" in imported.output
    out = tmp_path / "exported.yaml"
    exported = runner.invoke(app, ["governance", "export", "--out", str(out), "--workspace", slug])
    assert exported.exit_code == 0, exported.output
    assert parse_map_yaml(out.read_text(encoding="utf-8")) == parse_map_yaml(SMALL_MAP)
    again = runner.invoke(app, ["governance", "import", str(out), "--workspace", slug])
    assert "nothing written" in flat(again.output)
    to_stdout = runner.invoke(app, ["governance", "export", "--workspace", slug])
    assert to_stdout.output == out.read_text(encoding="utf-8")


def test_dry_run_prints_the_diff_and_keeps_the_map(cli_env: Settings, engine: Engine, tmp_path: Path) -> None:
    slug = new_workspace(engine)
    source = tmp_path / "map.yaml"
    source.write_text(SMALL_MAP, encoding="utf-8")
    assert runner.invoke(app, ["governance", "import", str(source), "--workspace", slug]).exit_code == 0
    source.write_text(
        SMALL_MAP.replace("name: Web site", "name: Website")
        .replace("  - {key: hr, name: Human resources}\n", "")
        .replace("C: [hr], ", "")
        .replace(", I: [hr]", ""),
        encoding="utf-8",
    )
    dry = runner.invoke(app, ["governance", "import", str(source), "--workspace", slug, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output and "- department hr" in dry.output and "~ touchpoint web: name" in dry.output
    as_json = runner.invoke(
        app, ["governance", "import", str(source), "--workspace", slug, "--dry-run", "--format", "json"]
    )
    result = json.loads(as_json.output)
    assert result["dry_run"] and result["version"] == 1 and result["diff"]["departments"]["removed"] == ["hr"]
    exported = runner.invoke(app, ["governance", "export", "--workspace", slug])
    assert "Human resources" in exported.output


def test_a_bad_file_exits_2_names_each_problem_and_leaves_the_map(
    cli_env: Settings, engine: Engine, tmp_path: Path
) -> None:
    slug = new_workspace(engine)
    good = tmp_path / "good.yaml"
    good.write_text(SMALL_MAP, encoding="utf-8")
    assert runner.invoke(app, ["governance", "import", str(good), "--workspace", slug]).exit_code == 0
    before = runner.invoke(app, ["governance", "export", "--workspace", slug]).output
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL_MAP.replace("{R: [care]}", "{A: sales, R: [care], Q: [care]}"), encoding="utf-8")
    result = runner.invoke(app, ["governance", "import", str(bad), "--workspace", slug])
    assert result.exit_code == 2
    assert "touchpoints[3].raci.Q: 'Q' is not a role" in flat(result.output)
    assert "invalid_map" in result.output
    assert runner.invoke(app, ["governance", "export", "--workspace", slug]).output == before


def test_json_files_import_too(cli_env: Settings, engine: Engine, tmp_path: Path) -> None:
    slug = new_workspace(engine)
    source = tmp_path / "map.json"
    source.write_text(json.dumps({"departments": [{"key": "care", "name": "Care"}]}), encoding="utf-8")
    result = runner.invoke(app, ["governance", "import", str(source), "--workspace", slug, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["departments"] == 1
    source.write_text("{not json", encoding="utf-8")
    assert runner.invoke(app, ["governance", "import", str(source), "--workspace", slug]).exit_code == 2


def test_report_as_table_and_json(cli_env: Settings, engine: Engine, tmp_path: Path) -> None:
    slug = new_workspace(engine)
    source = tmp_path / "map.yaml"
    source.write_text(SMALL_MAP, encoding="utf-8")
    assert runner.invoke(app, ["governance", "import", str(source), "--workspace", slug]).exit_code == 0
    table = runner.invoke(app, ["governance", "report", "--workspace", slug])
    assert table.exit_code == 0, table.output
    assert (
        "social" in table.output and "bills" in table.output and "departments owning nothing: hr" in flat(table.output)
    )
    as_json = runner.invoke(
        app, ["governance", "report", "--workspace", slug, "--format", "json", "--from", "2026-01-01"]
    )
    report = json.loads(as_json.output)
    assert report["period_from"].startswith("2026-01-01T00:00:00")
    assert [g["key"] for g in report["touchpoints_without_accountable"]] == ["social"]
    owners = runner.invoke(
        app, ["governance", "owners", "social", "--stage", "support", "--workspace", slug, "--format", "json"]
    )
    assert json.loads(owners.output)["owners"]["A"] == ["care"]
    wrong = runner.invoke(app, ["governance", "report", "--workspace", slug, "--to", "soon"])
    assert wrong.exit_code == 2 and "invalid_period" in wrong.output


def test_a_failure_after_the_import_rolls_the_whole_map_back(cli_env: Settings, engine: Engine) -> None:
    slug = new_workspace(engine)
    sessions = make_sessionmaker(engine)
    with transaction(sessions) as session:
        workspace_id = ensure_workspace(session, slug=slug).id
        ownership.import_map(session, workspace_id=workspace_id, document=parse_map_yaml(SMALL_MAP))
    try:
        with transaction(sessions) as session:
            ownership.import_map(
                session, workspace_id=workspace_id, document=parse_map_yaml("departments: [{key: x, name: X}]")
            )
            raise RuntimeError("the caller fails after the import wrote")
    except RuntimeError:
        pass
    with transaction(sessions) as session:
        document = ownership.load_map(session, workspace_id=workspace_id)
    assert document.version == 1 and [d.key for d in document.departments] == ["care", "billing", "digital", "hr"]


@pytest.fixture
def own_database(
    cli_env: Settings, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A database of the test's own, on the same backend: the demo workspace is shared, and others count in it."""
    from cxhub.config import get_settings
    from tests.conftest import _postgres_database

    urls = iter([f"sqlite:///{tmp_path / 'own.db'}"]) if database_url.startswith("sqlite") else _postgres_database()
    url = next(urls)
    monkeypatch.setenv("CXHUB_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    next(urls, None)  # drops the PostgreSQL database


def test_demo_ships_a_map_with_deliberate_gaps(own_database: str) -> None:
    loaded = runner.invoke(app, ["demo", "--customers", "150", "--seed", "5", "--as-of", "2026-10-31", "--no-serve"])
    assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(app, ["governance", "report", "--workspace", "demo", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["map_version"] == 1 and report["department_count"] >= 8
    assert [g["key"] for g in report["touchpoints_without_accountable"]] == ["social_facebook"]
    assert [g["key"] for g in report["touchpoints_with_several_accountable"]] == ["attivazione_fibra"]
    assert {g["key"] for g in report["unknown_touchpoints"]} <= {"social_instagram"}
    assert [s["key"] for s in report["stages_without_accountable"]] == ["rinnovo"]
    assert [d["key"] for d in report["departments_owning_nothing"]] == ["legale"]
    assert report["events"]["total"] > 1000 and 0 < report["events"]["unowned"] < report["events"]["total"]


def test_demo_map_covers_what_the_generator_emits_but_the_planted_gap() -> None:
    from datetime import date
    from importlib.resources import files

    from cxhub.demo.catalogue import JOURNEY_STAGES
    from cxhub.demo.generator import generate_events

    document = parse_map_yaml(files("cxhub.demo").joinpath("governance.yaml").read_bytes())
    emitted = {e["touchpoint"] for e in generate_events(400, 11, date(2026, 10, 31))}
    assert emitted - {t.key for t in document.touchpoints} == {"social_instagram"}
    assert [s.key for s in document.stages] == list(JOURNEY_STAGES)
