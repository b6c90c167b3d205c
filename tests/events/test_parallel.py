"""The parallel import (worker processes check and analyse, the parent writes) gives the serial path's results."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.config import Settings, get_settings
from cxhub.db import make_engine, transaction
from cxhub.events.importers import open_pieces, open_records
from cxhub.events.models import DeadLetter, Event
from cxhub.events.parallel import Piece, WorkerSetup, prepare_chunk, prepared_records
from cxhub.events.records import RawRecord
from cxhub.events.service import StreamReport, ingest_stream
from cxhub.events.validation import Rules
from cxhub.governance.models import Workspace
from cxhub.identity.models import Identifier
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub
from cxhub.text import service as text_service
from cxhub.text.models import TextAnalysis
from tests.builders import at, event
from tests.conftest import make_tenant

runner = CliRunner()
CRASH_ID = "crash-me"


def mixed_lines() -> list[str]:
    """Good, bad, duplicate and text-bearing rows, with identity fragments that stitch across batches."""
    lines = []
    for i in range(40):
        identifiers = {"email": f"cliente{i % 9}@example.it"}
        if i % 4 == 0:
            identifiers["phone"] = f"347 000 {i % 7:04d}"
        if i % 5 == 0:
            identifiers["loyalty_id"] = f" LY-{i % 6} "
        payload = event(event_id=f"p{i}", occurred_at=at(30 - i / 2), identifiers=identifiers)
        if i % 3 == 0:
            payload["text"] = (
                "Il servizio clienti non risponde mai, pessimo. Scrivetemi a mario.rossi@example.it"
                if i % 2
                else "The delivery was late and the staff were rude, but the refund came quickly."
            )
        lines.append(json.dumps(payload))
    lines.insert(5, "{not json")
    lines.insert(9, json.dumps(event(event_id="bad-ts", occurred_at="2026-01-01T10:00:00")))
    lines.insert(14, json.dumps(event(event_id="bad-email", identifiers={"email": "not an address"})))
    lines.insert(20, lines[2])  # a duplicate of an earlier row (an earlier batch)
    lines.insert(22, lines[21])  # a duplicate within the same batch
    lines.insert(30, json.dumps(event(event_id="p-huge", text="x" * 70_000)))
    lines.insert(33, "")
    lines.insert(35, json.dumps([1, 2, 3]))
    return lines


def snapshot(hub: Hub, workspace_id: uuid.UUID) -> dict[str, Any]:
    """What an import leaves in a workspace, with customer ids replaced by who they group together."""
    with transaction(hub.sessions) as session:
        events = session.execute(
            select(
                Event.event_id,
                Event.customer_id,
                Event.origin_customer_id,
                Event.type,
                Event.text,
                Event.identifiers,
                Event.occurred_at,
            )
            .where(Event.workspace_id == workspace_id)
            .order_by(Event.event_id)
        ).all()
        customer_events: dict[uuid.UUID, list[str]] = {}
        origin_events: dict[uuid.UUID, list[str]] = {}
        for row in events:
            customer_events.setdefault(row.customer_id, []).append(row.event_id)
            origin_events.setdefault(row.origin_customer_id, []).append(row.event_id)
        identifiers = session.execute(
            select(Identifier.key, Identifier.customer_id).where(Identifier.workspace_id == workspace_id)
        ).all()
        letters = session.execute(
            select(DeadLetter.location, DeadLetter.reason_code, DeadLetter.errors, DeadLetter.raw)
            .where(DeadLetter.workspace_id == workspace_id)
            .order_by(DeadLetter.id)
        ).all()
        analyses = session.execute(
            select(
                TextAnalysis.event_id,
                TextAnalysis.customer_id,
                TextAnalysis.language,
                TextAnalysis.sentiment_label,
                TextAnalysis.sentiment_score,
                TextAnalysis.topics,
                TextAnalysis.pii,
                TextAnalysis.redacted_text,
                TextAnalysis.emotions,
            )
            .where(TextAnalysis.workspace_id == workspace_id)
            .order_by(TextAnalysis.event_id)
        ).all()
    # A customer id stands for the first event of its group: the customer today, or as first seen
    # (an analysis keeps the customer of its event when it was analysed, even if merged since).
    group = {customer: min(ids) for customer, ids in customer_events.items()}
    origin = {customer: "origin " + min(ids) for customer, ids in origin_events.items()}
    return {
        "events": [(r.event_id, group[r.customer_id], r.type, r.text, r.identifiers, r.occurred_at) for r in events],
        "customers": sorted(sorted(ids) for ids in customer_events.values()),
        "identifiers": sorted((key, group[customer]) for key, customer in identifiers),
        "dead_letters": [tuple(r) for r in letters],
        "analyses": [(r[0], group.get(r[1]) or origin[r[1]], *r[2:]) for r in analyses],
    }


def setup_for(hub: Hub, workspace_id: uuid.UUID) -> WorkerSetup:
    with transaction(hub.sessions) as session:
        taxonomy, version = text_service.taxonomy_for_analysis(session, workspace_id=workspace_id)
    return WorkerSetup(hub.settings.max_event_bytes, taxonomy.to_dict(), version)


def import_file(hub: Hub, workspace_id: uuid.UUID, path: Path, jobs: int | None, **options: Any) -> StreamReport:
    """Import ``path`` in batches of 7: serially when ``jobs`` is None, else with that many workers."""
    if jobs is None:
        source, records = open_records(path)
    else:
        source, pieces = open_pieces(path)
        records = prepared_records(
            pieces, jobs=jobs, settings=hub.settings, setup=setup_for(hub, workspace_id), **options
        )
    try:
        return ingest_stream(
            hub.sessions,
            workspace_id=workspace_id,
            records=records,
            source="import",
            settings=hub.settings,
            queue=hub.queue,
            batch_size=7,
        )
    finally:
        source.close()


def test_parallel_import_matches_the_serial_one(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(mixed_lines()) + "\n", encoding="utf-8")
    serial, parallel = make_tenant(hub), make_tenant(hub)

    serial_report = import_file(hub, serial.workspace_id, path, jobs=None)
    # Chunks of 3 against batches of 7: chunk and batch boundaries fall in different places.
    parallel_report = import_file(hub, parallel.workspace_id, path, jobs=2, chunk_size=3)

    counts = (serial_report.accepted, serial_report.duplicates, serial_report.rejected)
    assert counts == (parallel_report.accepted, parallel_report.duplicates, parallel_report.rejected)
    assert counts == (40, 2, 5)
    assert serial_report.samples == parallel_report.samples
    expected, got = snapshot(hub, serial.workspace_id), snapshot(hub, parallel.workspace_id)
    assert len(expected["analyses"]) == 14 and len(expected["dead_letters"]) == 5
    assert len(expected["customers"]) < 40  # identity fragments were stitched
    for part in ("events", "customers", "identifiers", "dead_letters", "analyses"):
        assert got[part] == expected[part], part

    again = import_file(hub, parallel.workspace_id, path, jobs=2, chunk_size=3)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 42, 5)
    assert snapshot(hub, parallel.workspace_id)["analyses"] == expected["analyses"]


def test_upstream_analysis_is_redone_when_the_taxonomy_changed(hub: Hub, tmp_path: Path) -> None:
    """A worker analysed with a taxonomy version the workspace no longer has: the text step analyses again."""
    tenant = make_tenant(hub)
    path = tmp_path / "text.jsonl"
    path.write_text(json.dumps(event(event_id="t1", text="Consegna in ritardo, pessimo servizio")) + "\n")
    setup = setup_for(hub, tenant.workspace_id)
    stale = WorkerSetup(setup.max_event_bytes, {"topics": []}, setup.taxonomy_version + 7)
    source, pieces = open_pieces(path)
    records = prepared_records(pieces, jobs=2, settings=hub.settings, setup=stale)
    ingest_stream(
        hub.sessions,
        workspace_id=tenant.workspace_id,
        records=records,
        source="import",
        settings=hub.settings,
        queue=hub.queue,
        batch_size=10,
    )
    source.close()
    with transaction(hub.sessions) as session:
        stored = session.execute(
            select(TextAnalysis.topics, TextAnalysis.taxonomy_version).where(
                TextAnalysis.workspace_id == tenant.workspace_id
            )
        ).one()
    assert stored.taxonomy_version == setup.taxonomy_version
    assert stored.topics  # the workspace's taxonomy found topics the stale, empty one could not


def crash_on_marked_record(pieces: list[Piece], rules: Rules) -> list[RawRecord]:
    """A worker that dies (the process exits) on the chunk holding the marked record."""
    if any(isinstance(piece, tuple) and CRASH_ID.encode() in piece[1] for piece in pieces):
        os._exit(3)
    return prepare_chunk(pieces, rules)


def test_a_worker_crash_stops_the_import_before_its_batch_is_written(hub: Hub, tmp_path: Path) -> None:
    tenant = make_tenant(hub)
    path = tmp_path / "crash.jsonl"
    lines = [json.dumps(event(event_id=f"c{i}")) for i in range(30)]
    lines[17] = json.dumps(event(event_id=CRASH_ID))
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(CxhubError) as failure:
        # One worker takes chunks in order, so the chunks before the lost one are all back.
        import_file(hub, tenant.workspace_id, path, jobs=1, chunk_size=3, worker=crash_on_marked_record)

    assert failure.value.code == "import_worker_failed"
    assert "crash.jsonl:16" in failure.value.message  # the first record of the chunk that was lost
    with transaction(hub.sessions) as session:
        stored = session.scalar(
            select(func.count()).select_from(Event).where(Event.workspace_id == tenant.workspace_id)
        )
    assert stored == 14  # the two whole batches before it; nothing of the batch that held the chunk
    done = import_file(hub, tenant.workspace_id, path, jobs=2, chunk_size=3)
    assert (done.accepted, done.duplicates) == (16, 14)


def test_cli_jobs_option_and_setting_agree_with_the_serial_import(
    cli_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(mixed_lines()) + "\n", encoding="utf-8")
    serial = runner.invoke(app, ["import", "events", str(path), "--workspace", "serial", "--jobs", "1"])
    parallel = runner.invoke(app, ["import", "events", str(path), "--workspace", "parallel", "--jobs", "2"])
    assert serial.exit_code == parallel.exit_code == 1, parallel.output
    assert "serial: accepted 40, duplicates 2, rejected 5" in serial.output
    assert "parallel: accepted 40, duplicates 2, rejected 5" in parallel.output

    monkeypatch.setenv("CXHUB_IMPORT_JOBS", "2")
    get_settings.cache_clear()
    again = runner.invoke(app, ["import", "events", str(path), "--workspace", "parallel"])
    assert "parallel: accepted 0, duplicates 42, rejected 5" in again.output
    engine = make_engine(cli_env)
    with engine.connect() as connection:
        slugs = dict(connection.execute(select(Workspace.slug, Workspace.id)).all())
        letters = {
            slug: connection.execute(
                select(DeadLetter.location, DeadLetter.errors)
                .where(DeadLetter.workspace_id == slugs[slug])
                .order_by(DeadLetter.id)
            ).all()
            for slug in ("serial", "parallel")
        }
    engine.dispose()
    assert letters["parallel"][:5] == letters["serial"]


def test_workers_check_a_batch_ahead_and_no_more(hub: Hub, tmp_path: Path) -> None:
    """While the parent writes a batch the workers have the next one (``lookahead``) in hand, never the file."""
    tenant = make_tenant(hub)
    path = tmp_path / "many.jsonl"
    path.write_text("".join(json.dumps(event(event_id=f"w{i}")) + "\n" for i in range(100)))
    pulled = 0

    def counted(pieces: Any) -> Any:
        nonlocal pulled
        for piece in pieces:
            pulled += 1
            yield piece

    for lookahead, expected in ((0, 10), (12, 25)):  # chunks of 5: 2 × jobs, then 3 more for 12 records
        source, pieces = open_pieces(path)
        pulled = 0
        records = prepared_records(
            counted(pieces),
            jobs=1,
            settings=hub.settings,
            setup=setup_for(hub, tenant.workspace_id),
            chunk_size=5,
            lookahead=lookahead,
        )
        first = next(records)
        assert first.accepted is not None and first.accepted.event_id == "w0"
        assert pulled == expected
        assert len(list(records)) == 99
        source.close()
