"""``cxhub cases``: list and show cases, loop measures, the scheduled check, settings."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cxhub.cases import routing, service, tasks
from cxhub.cli._common import Format, WorkspaceOption, console, err_console, fail, open_hub, pick_workspace, print_json
from cxhub.governance.mapfile import load_yaml
from cxhub.governance.ownership import period_bound
from cxhub.kit.errors import CxhubError

app = typer.Typer(help="Cases opened by alert rules: routing, SLA, notifications, loop measures.", no_args_is_help=True)


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


@app.command("list")
def list_cases(
    status: Annotated[list[str] | None, typer.Option(help="Only these statuses (repeat or comma-separate).")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    priority: Annotated[str | None, typer.Option(help="Only this priority.")] = None,
    rule: Annotated[str | None, typer.Option(help="Only cases this rule opened.")] = None,
    breached: Annotated[bool | None, typer.Option("--breached/--on-time", help="Only late / on-time cases.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Cases, most urgent first (open ones by due time, then the done ones)."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            total, rows = service.list_cases(
                session,
                workspace_id=workspace_id,
                status=[s for part in status or [] for s in part.split(",") if s],
                department=department,
                priority=priority,
                rule=rule,
                breached=breached,
                limit=limit,
            )
            cases = [service.case_out(c) for c in rows]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json([c.model_dump(mode="json") for c in cases])
        return
    table = Table("case", "status", "priority", "department", "due", "title", title=f"{total:,} cases")
    for c in cases:
        due = f"{c.due_at:%Y-%m-%d %H:%M}" + (" [red]late[/red]" if c.breached else "")
        table.add_row(str(c.id)[:8], c.status, c.priority, c.department or "-", due, c.title)
    console.print(table)


@app.command()
def show(
    case_id: Annotated[str, typer.Argument(help="The case id.")],
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """One case with its linked events and history."""
    hub = open_hub()
    try:
        try:
            wanted = uuid.UUID(case_id)
        except ValueError:
            raise CxhubError("invalid_case_id", "a case id is a UUID", field="case_id") from None
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            detail = service.case_detail(session, workspace_id=workspace_id, case_id=wanted)
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(detail.model_dump(mode="json"))
        return
    console.print(f"[bold]{detail.title}[/bold] ({detail.status}, {detail.priority}, {detail.department or '-'})")
    console.print(f"due {detail.due_at:%Y-%m-%d %H:%M} UTC{' - late' if detail.breached else ''}", highlight=False)
    for h in detail.history:
        console.print(f"  {h.at:%Y-%m-%d %H:%M} {h.actor}: {h.action} {h.changes} {h.note or ''}", highlight=False)


@app.command()
def stats(
    by: Annotated[str, typer.Option(help="department, rule, priority, touchpoint or all.")] = "department",
    since: Annotated[str | None, typer.Option("--from", help="Cases opened from (a date, UTC).")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Cases opened before (a date, UTC).")] = None,
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Loop measures: opened, resolved, median/p90 hours to case, first action, resolution, SLA compliance."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            groups = service.loop_stats(
                session,
                workspace_id=workspace_id,
                by=None if by == "all" else by,
                since=period_bound(since, field="from"),
                until=period_bound(until, field="to"),
            )
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json([{by: g.key, **g.model_dump(mode="json", exclude={"key"})} for g in groups])
        return
    table = Table(by, "opened", "resolved", "open", "h to action", "h to resolution", "SLA met", "recovered")
    for g in groups:
        sla = "-" if g.sla_compliance is None else f"{g.sla_compliance:.0%}"
        recovery = "-" if g.recovery_rate is None else f"{g.recovery_rate:.0%}"
        table.add_row(
            g.key or "-",
            f"{g.opened:,}",
            f"{g.resolved:,}",
            f"{g.open:,}",
            _hours(g.median_hours_to_first_action),
            _hours(g.median_hours_to_resolution),
            sla,
            recovery,
        )
    console.print(table)


@app.command()
def tick(
    every: Annotated[float | None, typer.Option(min=5, help="Repeat every N seconds until stopped.")] = None,
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """The scheduled check: open cases for unanswered complaints, mark SLA breaches, send notifications."""
    hub = open_hub()
    while True:
        try:
            workspace_id = None
            if workspace:
                with hub.sessions.begin() as session:
                    workspace_id, _ = pick_workspace(session, hub, workspace)
            result = tasks.tick(hub.sessions, settings=hub.settings, workspace_id=workspace_id).out()
        except CxhubError as exc:
            fail(exc)
        if format is Format.json:
            print_json(result.model_dump(mode="json"))
        else:
            console.print(
                f"silence cases opened {result.silence_cases}, SLA breaches {result.breached}, "
                f"notifications sent {result.notifications_sent}, not delivered {result.notifications_failed}",
                highlight=False,
            )
        if every is None:
            return
        time.sleep(every)


@app.command()
def configure(
    file: Annotated[Path | None, typer.Argument(help="Settings as YAML; none: print the current ones.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Business hours and holidays, SLA hours per priority, webhooks and e-mail recipients."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            if file is None:
                data: Any = routing.get_settings(session, workspace_id=workspace_id).model_dump(mode="json")
            else:
                document = routing.parse_settings(load_yaml(file.read_bytes()) or {})
                data = routing.save_settings(session, workspace_id=workspace_id, document=document).model_dump(
                    mode="json"
                )
    except CxhubError as exc:
        fail(exc)
    print_json(data)
    if file is not None:
        err_console.print("case settings saved", highlight=False)
