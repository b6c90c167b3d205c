"""``cxhub import events`` and ``cxhub deadletter``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from cxhub.cli._common import (
    Format,
    WorkspaceOption,
    console,
    err_console,
    fail,
    open_hub,
    pick_workspace,
    print_json,
    unit_of_work,
)
from cxhub.events import service
from cxhub.events.importers import open_pieces, open_records
from cxhub.events.parallel import WorkerSetup, prepared_records
from cxhub.events.service import IngestReport, RawRecord
from cxhub.governance.service import ensure_workspace
from cxhub.kit.errors import CxhubError
from cxhub.text import service as text_service

import_app = typer.Typer(help="Bring data in from files.", no_args_is_help=True)
deadletter_app = typer.Typer(help="Records the hub refused: inspect, fix, replay.", no_args_is_help=True)


@import_app.command("events")
def import_events(
    file: Annotated[Path, typer.Argument(help="A .csv, .tsv, .jsonl or .ndjson file, optionally .gz")],
    workspace: Annotated[str | None, typer.Option(help="Workspace slug (created if missing).")] = None,
    format: Annotated[str | None, typer.Option(help="csv or jsonl; guessed from the file name.")] = None,
    batch_size: Annotated[int | None, typer.Option(min=1, max=100_000, help="Events per transaction.")] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes for decoding, validation and text analysis (default: CXHUB_IMPORT_JOBS, "
            "else 1: everything in this process). Each worker adds ~200 MB; on 2 cores, 2 jobs import ~20% faster.",
        ),
    ] = None,
) -> None:
    """Import events, streaming; exits 1 when any record was rejected (see `cxhub deadletter list`)."""
    hub = open_hub()
    # One process by default: workers trade memory (~200 MB each, the analyser's language data) for speed.
    workers = jobs or hub.settings.import_jobs or 1
    try:
        with unit_of_work(hub) as session:
            ws = ensure_workspace(session, slug=workspace or hub.settings.default_workspace)
            workspace_id, slug = ws.id, ws.slug
            if workers > 1:
                taxonomy, version = text_service.taxonomy_for_analysis(session, workspace_id=workspace_id)
                setup = WorkerSetup(hub.settings.max_event_bytes, taxonomy.to_dict(), version)
        records: Iterator[RawRecord]
        if workers > 1:
            source, pieces = open_pieces(file, format)
            records = prepared_records(
                pieces,
                jobs=workers,
                settings=hub.settings,
                setup=setup,
                lookahead=batch_size or hub.settings.import_batch_size,
            )
        else:
            source, records = open_records(file, format)
    except CxhubError as exc:
        fail(exc)
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[counts]}"),
    )
    tally = IngestReport()
    try:
        with Progress(*columns, console=err_console, transient=False) as progress:
            task = progress.add_task(file.name, total=source.size, counts="")

            def advance(report: IngestReport) -> None:
                tally.add(report)
                progress.update(
                    task,
                    completed=source.position(),
                    counts=f"{tally.accepted:,} ok · {tally.duplicates:,} dup · {tally.rejected:,} rejected",
                )

            report = service.ingest_stream(
                hub.sessions,
                workspace_id=workspace_id,
                records=records,
                source="import",
                settings=hub.settings,
                queue=hub.queue,
                batch_size=batch_size or hub.settings.import_batch_size,
                on_batch=advance,
            )
            progress.update(task, completed=source.size)
    except CxhubError as exc:
        fail(exc)
    finally:
        source.close()
    for location, problems in report.samples:
        detail = "; ".join(f"{p.field}: {p.problem}" for p in problems)
        err_console.print(f"[yellow]rejected[/yellow] {escape(str(location))}: {escape(detail)}", highlight=False)
    if report.rejected > len(report.samples):
        err_console.print(
            f"… and {report.rejected - len(report.samples):,} more: cxhub deadletter list --workspace {slug}"
        )
    console.print(
        f"workspace {slug}: accepted {report.accepted:,}, duplicates {report.duplicates:,}, "
        f"rejected {report.rejected:,}",
        highlight=False,
    )
    if report.rejected:
        raise typer.Exit(1)


@deadletter_app.command("list")
def list_letters(
    workspace: WorkspaceOption = None,
    status: Annotated[str, typer.Option(help="pending, replayed or all.")] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """List refused records, oldest first."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            letters = service.list_dead_letters(
                session, workspace_id=workspace_id, status=None if status == "all" else status, limit=limit
            )
            total = service.count_dead_letters(
                session, workspace_id=workspace_id, status=None if status == "all" else status
            )
            rows: list[dict[str, Any]] = [
                {
                    "id": d.id,
                    "created_at": d.created_at.isoformat(),
                    "source": d.source,
                    "location": d.location,
                    "reason_code": d.reason_code,
                    "status": d.status,
                    "attempts": d.attempts,
                    "errors": d.errors,
                }
                for d in letters
            ]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(rows)
        return
    table = Table("id", "created", "source", "where", "reason", "problems", title=f"{slug}: {total:,} {status}")
    for row in rows:
        problems = "; ".join(f"{e.get('field')}: {e.get('problem')}" for e in row["errors"])
        table.add_row(
            str(row["id"]),
            row["created_at"][:19],
            row["source"],
            row["location"] or "",
            row["reason_code"],
            problems,
        )
    console.print(table)


@deadletter_app.command("show")
def show_letter(
    letter_id: Annotated[int, typer.Argument(help="Dead letter id.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Show one refused record: why, and the raw payload as it arrived."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            letter = service.get_dead_letter(session, workspace_id=workspace_id, dead_letter_id=letter_id)
            data = {
                "id": letter.id,
                "status": letter.status,
                "source": letter.source,
                "location": letter.location,
                "reason_code": letter.reason_code,
                "errors": letter.errors,
                "attempts": letter.attempts,
                "truncated": letter.truncated,
                "created_at": letter.created_at.isoformat(),
                "replayed_event_id": letter.replayed_event_id,
                "raw": letter.raw,
            }
    except CxhubError as exc:
        fail(exc)
    print_json(data)


@deadletter_app.command("replay")
def replay_letters(
    letter_ids: Annotated[list[int] | None, typer.Argument(help="Dead letter ids; none with --all.")] = None,
    all_pending: Annotated[bool, typer.Option("--all", help="Replay every pending dead letter.")] = False,
    workspace: WorkspaceOption = None,
    corrected: Annotated[Path | None, typer.Option(help="A JSON file with the corrected event (one id only).")] = None,
) -> None:
    """Try refused records again (after fixing the cause, or with --corrected); exits 1 if any still fails."""
    if not letter_ids and not all_pending:
        fail(CxhubError("nothing_to_replay", "give dead letter ids or --all", field="letter_ids"))
    if corrected and (all_pending or len(letter_ids or []) != 1):
        fail(CxhubError("invalid_arguments", "--corrected goes with exactly one id", field="corrected"))
    payload = orjson.loads(corrected.read_bytes()) if corrected else None
    hub = open_hub()
    replayed = failed = 0
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
        ids = list(letter_ids or [])
        if all_pending:
            with unit_of_work(hub) as session:
                after = 0
                while batch := service.list_dead_letters(session, workspace_id=workspace_id, limit=500, after_id=after):
                    ids.extend(d.id for d in batch)
                    after = batch[-1].id
        for letter_id in ids:
            try:
                with unit_of_work(hub) as session:
                    letter = service.replay_dead_letter(
                        session,
                        workspace_id=workspace_id,
                        dead_letter_id=letter_id,
                        settings=hub.settings,
                        queue=hub.queue,
                        payload=payload,
                    )
                    status, errors = letter.status, letter.errors
            except CxhubError as exc:
                status, errors = "failed", [{"field": "id", "problem": f"{exc.code}: {exc.message}"}]
            if status == "replayed":
                replayed += 1
            else:
                failed += 1
                detail = "; ".join(f"{e.get('field')}: {e.get('problem')}" for e in errors)
                err_console.print(f"[yellow]still failing[/yellow] {letter_id}: {detail}", highlight=False)
    except CxhubError as exc:
        fail(exc)
    console.print(f"replayed {replayed}, still failing {failed}")
    if failed:
        raise typer.Exit(1)
