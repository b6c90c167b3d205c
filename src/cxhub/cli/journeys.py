"""``cxhub journeys``: designed journeys in YAML, and what the events say customers really do."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
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
from cxhub.journeys import service
from cxhub.journeys.discovery import ARROW, Level
from cxhub.journeys.schemas import DiscoveryOut
from cxhub.kit.errors import CxhubError

app = typer.Typer(
    help="Customer journeys: designed stages, discovered paths, pain points, disconnects.", no_args_is_help=True
)


def _day(value: str | None, name: str) -> date | datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CxhubError("invalid_period", f"--{name} is YYYY-MM-DD or an ISO 8601 time", field=name) from None
    if len(value) == 10:
        return parsed.date()
    if parsed.tzinfo is None:
        raise CxhubError("invalid_period", f"--{name} needs a timezone offset (e.g. +00:00)", field=name)
    return parsed


@app.command("import")
def import_journey(
    file: Annotated[Path, typer.Argument(help="A journey in YAML (see docs/journeys.md).")],
    workspace: WorkspaceOption = None,
) -> None:
    """Create or replace a designed journey from a YAML file."""
    hub = open_hub()
    try:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise CxhubError("file_unreadable", f"cannot read {file}: {exc.strerror}", field="file") from None
        with unit_of_work(hub) as session:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            journey, warnings = service.import_journey_yaml(session, workspace_id=workspace_id, text=text)
            key, stages = journey.key, len(journey.definition["stages"])
    except CxhubError as exc:
        fail(exc)
    console.print(f"journey [bold]{key}[/bold] imported into '{slug}': {stages} stages", highlight=False)
    for warning in warnings:
        err_console.print(f"[yellow]warning[/yellow] {escape(warning)}", highlight=False)


@app.command("list")
def list_journeys(workspace: WorkspaceOption = None, format: Annotated[Format, typer.Option()] = Format.table) -> None:
    """The designed journeys of the workspace."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            journeys = [service.journey_out(j) for j in service.list_journeys(session, workspace_id=workspace_id)]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json([j.model_dump(mode="json") for j in journeys])
        return
    table = Table("journey", "name", "segment", "stages")
    for j in journeys:
        table.add_row(j.key, j.name, j.segment or "all", ARROW.join(s.key for s in j.definition.stages))
    console.print(table)


@app.command()
def export(
    name: Annotated[str, typer.Argument(help="The journey's key.")],
    workspace: WorkspaceOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """A designed journey as YAML, ready to edit and import again."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            text = service.export_journey_yaml(session, workspace_id=workspace_id, key=name)
    except CxhubError as exc:
        fail(exc)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


@app.command()
def delete(name: Annotated[str, typer.Argument(help="The journey's key.")], workspace: WorkspaceOption = None) -> None:
    """Delete a designed journey (events are untouched)."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            service.delete_journey(session, workspace_id=workspace_id, key=name)
    except CxhubError as exc:
        fail(exc)
    console.print(f"journey {name} deleted", highlight=False)


@app.command()
def discover(
    journey: Annotated[str | None, typer.Option(help="A designed journey's key: steps become its stages.")] = None,
    level: Annotated[Level | None, typer.Option(help="What a step is: stage, touchpoint or type.")] = None,
    workspace: WorkspaceOption = None,
    start: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD (or an ISO time).")] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day, inclusive, YYYY-MM-DD (or an ISO time, exclusive).")
    ] = None,
    period: Annotated[str | None, typer.Option(help="Instead of --from/--to: 2026-Q3, 2026-07 or 2026.")] = None,
    segment: Annotated[str | None, typer.Option(help="Only customers of this segment.")] = None,
    entry_channel: Annotated[
        str | None, typer.Option(help="Only customers whose first event is on this channel.")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=100, help="Paths and pain points to show.")] = 10,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Top paths, transitions, the emotional curve, pain points and disconnected experiences."""
    hub = open_hub()
    try:
        if period and (start or end):
            raise CxhubError("invalid_period", "give --period or --from/--to, not both", field="period")
        lower, upper = (
            service.period_bounds(period) if period else service.day_bounds(_day(start, "from"), _day(end, "to"))
        )
        with (
            unit_of_work(hub) as session,
            Progress(
                SpinnerColumn(),
                TextColumn("[bold]discovering[/bold] {task.completed:,} events"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            ) as progress,
        ):
            workspace_id, _ = pick_workspace(session, hub, workspace)
            task = progress.add_task("discover", total=None)
            found = service.discover(
                session,
                workspace_id=workspace_id,
                journey=journey,
                level=level,
                start=lower,
                end=upper,
                segment=segment,
                entry_channel=entry_channel,
                top_paths=top,
                on_chunk=lambda n: progress.advance(task, n),
            )
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(found.to_json())
        return
    _print_discovery(found, top)


def _print_discovery(found: DiscoveryOut, top: int) -> None:
    what = f"journey {found.journey}" if found.journey else f"{found.level}s"
    console.print(f"[bold]{what}[/bold]: {found.customers:,} customers, {found.events:,} events", highlight=False)
    if not found.events:
        console.print("no events in this period")
        return
    paths = Table("customers", "share", "path", title="top paths")
    for p in found.paths:
        paths.add_row(f"{p.customers:,}", f"{p.share:.1%}", ARROW.join(p.steps))
    console.print(paths)
    moves = Table("from", "to", "count", "median hours", title="transitions")
    for t in found.transitions[:top]:
        moves.add_row(t.from_, t.to, f"{t.count:,}", "-" if t.median_hours is None else f"{t.median_hours:,.1f}")
    console.print(moves)
    curve = Table("step", "customers", "NPS (95% CI)", "CSAT", "sentiment", title="emotional curve")
    for s in found.stages[: max(top, 12)]:
        nps = (
            f"{s.nps.value:+.0f} ({s.nps.ci_low:+.0f}…{s.nps.ci_high:+.0f}) n={s.nps.n}"
            if s.nps and s.nps.value is not None
            else "-"
        )
        csat = f"{s.csat.value:.2f}" if s.csat and s.csat.value is not None else "-"
        feel = f"{s.sentiment.value:+.2f}" if s.sentiment and s.sentiment.value is not None else "-"
        curve.add_row(s.stage, f"{s.customers:,}", nps, csat, feel)
    console.print(curve)
    pains = Table(
        "#", "kind", "where", "customers", "NPS hit/others", "churn hit/others", "impact rank", title="pain points"
    )
    for point in found.pain_points[:top]:
        i = point.impact
        nps = f"{_num(i.nps)} / {_num(i.nps_others)}"
        churn = f"{_num(i.churn_rate)}% / {_num(i.churn_rate_others)}%"
        pains.add_row(
            str(point.rank_by_customers),
            point.kind,
            point.where,
            f"{point.customers:,}",
            nps,
            churn,
            str(point.rank_by_impact),
        )
    console.print(pains)
    counts = found.disconnect_counts
    console.print(
        f"[bold]disconnected experiences[/bold]: {counts.total:,} "
        + "("
        + ", ".join(f"{kind} {n:,}" for kind, n in counts.by_kind.items())
        + ")",
        highlight=False,
    )
    for d in found.disconnects[:top]:
        console.print(f"  {d.occurred_at:%Y-%m-%d} {d.kind} {d.customer_id}: {escape(d.explanation)}", highlight=False)


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f}" if abs(value) >= 1 or value == 0 else f"{value:.1f}"


@app.command()
def disconnects(
    workspace: WorkspaceOption = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind of finding.")] = None,
    customer: Annotated[str | None, typer.Option(help="Only this customer id.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Disconnected experiences: where the brand contradicted itself, with the events that show it."""
    import uuid

    hub = open_hub()
    try:
        try:
            customer_id = uuid.UUID(customer) if customer else None
        except ValueError:
            raise CxhubError(
                "invalid_customer_id", "--customer must be a customer id (UUID)", field="customer"
            ) from None
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            page = service.list_disconnects(
                session, workspace_id=workspace_id, kind=kind, customer_id=customer_id, limit=limit
            )
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(page.model_dump(mode="json"))
        return
    table = Table("when", "kind", "customer", "touchpoint", "what happened")
    for d in page.disconnects:
        table.add_row(f"{d.occurred_at:%Y-%m-%d %H:%M}", d.kind, d.customer_id, d.touchpoint, d.explanation)
    console.print(table)
    console.print(f"{page.counts.total:,} in all", highlight=False)
