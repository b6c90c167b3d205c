"""``cxhub text``: the real commands, on files and against the test database."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxhub.app import create_app
from cxhub.cli import app
from cxhub.config import Settings
from cxhub.kit.http import Hub
from tests.builders import event
from tests.conftest import make_tenant

runner = CliRunner()
SMALL_YAML = "topics:\n  - name: Rimborso\n    rule: rimborso OR refund\n"
CONTRACT = {"id", "language", "sentiment", "sentences", "topics", "emotions", "redacted_text"}


def lines(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_analyze_jsonl_gz_writes_one_line_per_row_and_flags_bad_rows(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl.gz"
    rows = [
        b'{"id": "a", "text": "Il rimborso non arriva, scrivete a anna@example.it"}',
        b'{"id": 2, "text": "Great service!"}',
        b'{"id": "no-text"}',
        b"{not json",
        b'{"text": "senza id"}',
        b'{"id": "e", "text": ""}',
    ]
    source.write_bytes(gzip.compress(b"\n".join(rows) + b"\n"))
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["text", "analyze", str(source), "--out", str(out)])
    assert result.exit_code == 1, result.output
    written = lines(out)
    assert len(written) == 6
    good = written[0]
    assert set(good) >= CONTRACT and good["id"] == "a"
    assert good["redacted_text"] == "Il rimborso non arriva, scrivete a [EMAIL]"
    assert good["topics"][0]["path"] == "Fatturazione › Rimborso" and set(good["sentiment"]) == {"label", "score"}
    assert written[1]["id"] == 2 and written[1]["language"] == "en"
    assert (written[2]["id"], written[2]["error"]["field"]) == ("no-text", "text")
    assert written[3]["error"]["field"] == "(line)" and written[3]["line"] == 4
    assert written[4]["error"]["field"] == "id"
    assert written[5]["flags"] == ["empty"]
    assert "analysed 3 texts, 3 bad rows" in result.output


def test_analyze_csv_ignores_other_columns_and_uses_a_taxonomy_file(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text('store,id,text\nroma,1,"Rimborso lento, ma gentili"\nmilano,2,"Tutto ok"\n', encoding="utf-8")
    taxonomy = tmp_path / "t.yaml"
    taxonomy.write_text(SMALL_YAML, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["text", "analyze", str(source), "-o", str(out), "--taxonomy", str(taxonomy)])
    assert result.exit_code == 0, result.output
    first, second = lines(out)
    assert (first["id"], [t["path"] for t in first["topics"]]) == ("1", ["Rimborso"])
    assert "store" not in first and second["topics"] == []
    short = runner.invoke(app, ["text", "analyze", str(source), "-o", str(out), "--max-chars", "8"])
    assert short.exit_code == 0 and "truncated" in lines(out)[0]["flags"]


def test_analyze_refuses_a_malformed_taxonomy_and_a_csv_without_text(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,body\n1,ciao\n", encoding="utf-8")
    bad_columns = runner.invoke(app, ["text", "analyze", str(source), "-o", str(tmp_path / "o.jsonl")])
    assert bad_columns.exit_code == 2 and "'text' column" in bad_columns.output
    taxonomy = tmp_path / "t.yaml"
    taxonomy.write_text("topics:\n  - name: Solo\n", encoding="utf-8")
    bad_taxonomy = runner.invoke(app, ["text", "analyze", str(source), "--taxonomy", str(taxonomy)])
    assert bad_taxonomy.exit_code == 2 and "Solo.rule" in bad_taxonomy.output


def test_taxonomy_import_export_reprocess_themes_and_promote(cli_env: Settings, tmp_path: Path, hub: Hub) -> None:
    tenant = make_tenant(hub)
    ws = ["--workspace", tenant.slug]
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {tenant.token}"}) as client:
        music = [event(text=f"La musica in sottofondo del locale era altissima, tavolo {i}") for i in range(6)]
        sent = client.post("/api/v1/events", json={"events": [*music, event(text="Il rimborso è lento")]})
        assert sent.json()["accepted"] == 7
    exported = runner.invoke(app, ["text", "taxonomy", "export", *ws])
    assert exported.exit_code == 0 and "version 0 (cxhub default)" in exported.output
    taxonomy = tmp_path / "t.yaml"
    taxonomy.write_text(SMALL_YAML, encoding="utf-8")
    imported = runner.invoke(app, ["text", "taxonomy", "import", str(taxonomy), *ws, "--reprocess"])
    assert imported.exit_code == 0, imported.output
    assert "version 1, 1 topics" in imported.output and "re-analysed 7 texts, 1 topic mentions" in imported.output
    again = runner.invoke(app, ["text", "reprocess", *ws, "--batch-size", "3"])
    assert again.exit_code == 0 and "7 texts of 7 events re-analysed" in again.output
    themes = runner.invoke(app, ["text", "themes", *ws, "--min-size", "3", "--format", "json"])
    assert themes.exit_code == 0, themes.output
    found = json.loads(themes.stdout)
    assert found["uncovered"] == 6 and found["themes"][0]["size"] == 6
    rule = found["themes"][0]["suggested_rule"]
    promoted = runner.invoke(
        app, ["text", "promote", "Musica", "--rule", rule, "--label", "en=Music", *ws, "--reprocess"]
    )
    assert promoted.exit_code == 0, promoted.output
    assert "re-analysed 7 texts, 7 topic mentions" in promoted.output
    unknown = runner.invoke(app, ["text", "promote", "X", "--rule", "x", "--parent", "Nessuno", *ws])
    assert unknown.exit_code == 2 and "unknown_parent" in unknown.output
    out = tmp_path / "now.yaml"
    assert runner.invoke(app, ["text", "taxonomy", "export", *ws, "--out", str(out)]).exit_code == 0
    assert "version 2" in out.read_text() and "name: Musica" in out.read_text()
    table = runner.invoke(app, ["text", "themes", *ws])
    assert table.exit_code == 0 and "0 of 0 uncovered texts" in table.output
