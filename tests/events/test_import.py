"""``cxhub import events`` on real files, against both databases."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.config import Settings
from cxhub.db import make_engine
from cxhub.events.models import DeadLetter, Event
from cxhub.governance.models import Workspace
from tests.builders import at, event

runner = CliRunner()


def counts(settings: Settings, slug: str) -> tuple[int, int]:
    engine = make_engine(settings)
    with engine.connect() as connection:
        ws = connection.scalar(select(Workspace.id).where(Workspace.slug == slug))
        events = connection.scalar(select(func.count()).select_from(Event).where(Event.workspace_id == ws))
        dead = connection.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.workspace_id == ws))
    engine.dispose()
    return int(events or 0), int(dead or 0)


def test_csv_with_a_broken_row_in_the_middle(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "event_id,occurred_at,type,channel,touchpoint,email,phone,attributes.store,amount_cents,currency,products,text\n"
        f'c1,{at(3)},purchase,store,negozio_roma,anna@example.it,,Roma,12990,EUR,MODEM-X7;COVER-1,"Tutto ok, grazie"\n'
        f"c2,{at(2)},call,contact_center,call_center,,347 123 4567,,,,,\n"
        "c3,2026-01-01T10:00:00,call,contact_center,call_center,,347 123 4567,,,,,\n"
        "c4,too,few,fields\n"
        f"c5,{at(1)},purchase,store,negozio_roma,anna@example.it,,Roma,abc,EUR,,\n"
        f'c6,{at(1)},web_visit,web,sito_web,anna@example.it,,,,,,"multi\nline text"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["import", "events", str(path), "--workspace", "csvtest"])
    assert result.exit_code == 1, result.output
    assert "accepted 3, duplicates 0, rejected 3" in result.output
    assert counts(cli_env, "csvtest") == (3, 3)
    listed = runner.invoke(app, ["deadletter", "list", "--workspace", "csvtest", "--format", "json"])
    letters = json.loads(listed.output)
    assert [(d["location"], d["errors"][0]["field"]) for d in letters] == [
        ("events.csv:4", "occurred_at"),
        ("events.csv:5", "(row)"),
        ("events.csv:6", "amount_cents"),
    ]
    # Importing again changes nothing but the duplicate count.
    again = runner.invoke(app, ["import", "events", str(path), "--workspace", "csvtest"])
    assert "accepted 0, duplicates 3, rejected 3" in again.output
    assert counts(cli_env, "csvtest")[0] == 3


def test_gzipped_jsonl_with_bad_lines(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl.gz"
    lines = [json.dumps(event(event_id=f"j{i}", identifiers={"device_id": f"d{i % 3}"})) for i in range(50)]
    lines.insert(10, "{not json")
    lines.insert(20, json.dumps(event(event_id="j-bad", identifiers={})))
    lines.insert(30, "")
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    result = runner.invoke(app, ["import", "events", str(path), "--workspace", "jsonl", "--batch-size", "7"])
    assert result.exit_code == 1, result.output
    assert "accepted 50, duplicates 0, rejected 2" in result.output
    assert counts(cli_env, "jsonl") == (50, 2)


def test_clean_import_exits_zero(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "ok.ndjson"
    path.write_text("\n".join(json.dumps(event(event_id=f"ok{i}")) for i in range(5)) + "\n")
    result = runner.invoke(app, ["import", "events", str(path), "--workspace", "clean"])
    assert result.exit_code == 0, result.output
    assert "accepted 5" in result.output


def test_unknown_columns_and_missing_files_fail_clearly(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("event_id,occurred_at,type,channel,touchpoint,colour\n")
    result = runner.invoke(app, ["import", "events", str(path), "--workspace", "odd"])
    assert result.exit_code == 2
    assert "unknown_columns" in result.output and "colour" in result.output
    missing = runner.invoke(app, ["import", "events", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "file_not_found" in missing.output


def test_dead_letters_replay_from_the_cli(cli_env: Settings, tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    bad = event(event_id="fixme", occurred_at="2026-02-01T09:00:00")
    path.write_text(json.dumps(bad) + "\n")
    runner.invoke(app, ["import", "events", str(path), "--workspace", "replay"])
    letter_id = json.loads(
        runner.invoke(app, ["deadletter", "list", "--workspace", "replay", "--format", "json"]).output
    )[0]["id"]
    shown = json.loads(runner.invoke(app, ["deadletter", "show", str(letter_id), "--workspace", "replay"]).output)
    assert json.loads(shown["raw"]) == bad
    still = runner.invoke(app, ["deadletter", "replay", str(letter_id), "--workspace", "replay"])
    assert still.exit_code == 1
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps({**bad, "occurred_at": "2026-02-01T09:00:00+01:00"}))
    done = runner.invoke(
        app, ["deadletter", "replay", str(letter_id), "--workspace", "replay", "--corrected", str(fixed)]
    )
    assert done.exit_code == 0, done.output
    assert counts(cli_env, "replay") == (1, 1)
    assert (
        json.loads(runner.invoke(app, ["deadletter", "list", "--workspace", "replay", "--format", "json"]).output) == []
    )


def test_keys_create_prints_the_key_alone_on_the_last_line(cli_env: Settings) -> None:
    result = runner.invoke(app, ["keys", "create", "--workspace", "keyed", "--scopes", "ingest,read"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert key.startswith("cxh_") and " " not in key
    bad = runner.invoke(app, ["keys", "create", "--workspace", "keyed", "--scopes", "ingest,root"])
    assert bad.exit_code == 2 and "invalid_scopes" in bad.output
