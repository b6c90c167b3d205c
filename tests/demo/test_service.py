"""``cxhub demo --no-serve`` loads the brand through the ingest path, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select
from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.config import Settings
from cxhub.db import make_engine
from cxhub.events.models import DeadLetter, Event
from cxhub.governance.models import Workspace
from cxhub.identity.models import Merge

runner = CliRunner()


def test_demo_loads_once_and_prints_a_key(cli_env: Settings) -> None:
    first = runner.invoke(app, ["demo", "--customers", "40", "--seed", "3", "--as-of", "2026-10-31", "--no-serve"])
    assert first.exit_code == 0, first.output
    key = first.output.strip().splitlines()[-1]
    assert key.startswith("cxh_")
    engine = make_engine(cli_env)
    with engine.connect() as connection:
        ws = connection.scalar(select(Workspace.id).where(Workspace.slug == "demo"))
        ingested = (Event.workspace_id == ws, Event.channel != "cxhub")  # cases write their own timeline events
        events = connection.scalar(select(func.count()).select_from(Event).where(*ingested))
        planted = connection.scalar(select(func.count()).select_from(DeadLetter).where(DeadLetter.workspace_id == ws))
        merges = connection.scalar(select(func.count()).select_from(Merge).where(Merge.workspace_id == ws))
    assert events and events > 200
    assert planted == 5
    assert merges and merges > 0  # identity fragments were stitched
    again = runner.invoke(app, ["demo", "--customers", "40", "--seed", "3", "--as-of", "2026-10-31", "--no-serve"])
    assert "0 events accepted" in again.output and f"{events:,} already there" in again.output
    engine.dispose()
