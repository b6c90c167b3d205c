"""``cxhub governance``: import and export the ownership map, the responsibility report, routing lookups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import TypeAdapter
from rich.table import Table
from sqlalchemy.orm import Session

from cxhub.cli._common import Format, WorkspaceOption, console, err_console, fail, open_hub, pick_workspace, print_json
from cxhub.db import with_retry
from cxhub.governance import ownership
from cxhub.governance.mapfile import dump_map_yaml, parse_map, parse_map_yaml
from cxhub.governance.report import ResponsibilityReport, Share
from cxhub.governance.schemas import ImportResult, MapDiff
from cxhub.kit import jsonio
from cxhub.kit.errors import CxhubError

app = typer.Typer(
    help="The governance map: departments, touchpoints, stages, RACI; the responsibility report.", no_args_is_help=True
)
_REPORT = TypeAdapter(ResponsibilityReport)


def _print_diff(diff: MapDiff) -> None:
    for section in ("departments", "touchpoints", "stages"):
        part = getattr(diff, section)
        for key in part.added:
            console.print(f"  [green]+ {section[:-1]} {key}[/green]", highlight=False)
        for key in part.removed:
            console.print(f"  [red]- {section[:-1]} {key}[/red]", highlight=False)
        for change in part.changed:
            console.print(
                f"  [yellow]~ {section[:-1]} {change.key}[/yellow]: {', '.join(change.fields)}", highlight=False
            )
        if part.reordered:
            console.print(f"  [yellow]~ {section} listed in a new order[/yellow]", highlight=False)


@app.command("import")
def import_map(
    file: Annotated[Path, typer.Argument(help="The map, as YAML (or JSON).", exists=True, dir_okay=False)],
    workspace: WorkspaceOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Replace the workspace's whole map with FILE: all or nothing, checked before anything is written."""
    hub = open_hub()
    try:
        raw = file.read_bytes()
        document = parse_map(jsonio.loads(raw)) if file.suffix.lower() == ".json" else parse_map_yaml(raw)

        def work(session: Session) -> tuple[ImportResult, str]:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            result = ownership.import_map(
                session, workspace_id=workspace_id, document=document, dry_run=dry_run, source=file.name
            )
            return result, slug

        result, slug = with_retry(hub.sessions, work)
    except jsonio.JSONDecodeError as exc:
        fail(CxhubError("malformed_json", f"{file} is not valid JSON: {exc}"))
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(result.model_dump(mode="json"))
        return
    counts = f"{result.departments} departments, {result.touchpoints} touchpoints, {result.stages} stages"
    if result.dry_run:
        verdict = "would change the map:" if result.changed else "would change nothing"
        console.print(f"dry run on workspace {slug}: {verdict} ({counts})", highlight=False)
    elif result.changed:
        console.print(f"workspace {slug}: map version {result.version} ({counts}, {result.ownerships} RACI entries)")
    else:
        console.print(f"workspace {slug}: the map is already this one (version {result.version}); nothing written")
    _print_diff(result.diff)


@app.command()
def export(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of the terminal.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write the map as YAML, the same format `import` reads."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            document = ownership.load_map(session, workspace_id=workspace_id)
    except CxhubError as exc:
        fail(exc)
    text = dump_map_yaml(document, header=f"cxhub governance map of workspace {slug}, version {document.version}")
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out} (map version {document.version})", highlight=False)


def _share(label: str, share: Share) -> str:
    if share.share is None:
        return f"{label} on unowned touchpoints: none in the period"
    return f"{label} on unowned touchpoints: {share.unowned:,} of {share.total:,} ({share.share:.1%})"


@app.command()
def report(
    workspace: WorkspaceOption = None,
    since: Annotated[str | None, typer.Option("--from", help="Start (inclusive): a date or a date-time, UTC.")] = None,
    until: Annotated[str | None, typer.Option("--to", help="End (exclusive): a date or a date-time, UTC.")] = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Touchpoints nobody (or several) are accountable for, idle departments, and the events that fall between."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            result = ownership.get_responsibility_report(
                session,
                workspace_id=workspace_id,
                since=ownership.period_bound(since, field="from"),
                until=ownership.period_bound(until, field="to"),
            )
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(_REPORT.dump_python(result, mode="json"))
        return
    _print_report(result)


def _print_report(r: ResponsibilityReport) -> None:
    start = r.period_from.date().isoformat() if r.period_from else "the start"
    end = r.period_to.isoformat()[:19] if r.period_to else "now"
    console.print(
        f"[bold]governance map v{r.map_version}[/bold]: {r.department_count} departments, "
        f"{r.touchpoint_count} touchpoints, {r.stage_count} stages; events from {start} to {end}",
        highlight=False,
    )
    console.print(_share("events", r.events), highlight=False)
    console.print(_share("feedback", r.feedback), highlight=False)
    gaps = (
        ("touchpoints with no accountable owner", r.touchpoints_without_accountable, "responsible"),
        ("touchpoints with several accountable owners", r.touchpoints_with_several_accountable, "accountable"),
        ("touchpoints in events but not in the map", r.unknown_touchpoints, None),
    )
    for title, rows, column in gaps:
        if not rows:
            continue
        table = Table("touchpoint", "name", column or "", "events", "feedback", title=title, title_justify="left")
        for gap in rows:
            names = getattr(gap, column) if column else []
            table.add_row(gap.key, gap.name or "", ", ".join(names), f"{gap.events:,}", f"{gap.feedback:,}")
        console.print(table)
    for title, stages in (
        ("stages with no accountable owner", r.stages_without_accountable),
        ("stages with several accountable owners", r.stages_with_several_accountable),
    ):
        if stages:
            names = ", ".join(
                f"{s.key} ({', '.join(s.accountable) or 'R: ' + (', '.join(s.responsible) or '-')})" for s in stages
            )
            console.print(f"{title}: {names}", highlight=False)
    if r.departments_owning_nothing:
        idle = ", ".join(f"{d.key} (C {d.consulted}, I {d.informed})" for d in r.departments_owning_nothing)
        console.print(f"departments owning nothing: {idle}", highlight=False)


@app.command()
def owners(
    touchpoint: Annotated[str | None, typer.Argument(help="A touchpoint, as events name it.")] = None,
    stage: Annotated[
        str | None, typer.Option(help="The journey stage, used where the touchpoint names nobody.")
    ] = None,
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Who is accountable, responsible, consulted and informed: where a case about TOUCHPOINT goes."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            found = ownership.owners_of(session, workspace_id=workspace_id, touchpoint=touchpoint, stage=stage)
            keys = {role: [d.key for d in departments] for role, departments in found.items()}
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json({"touchpoint": touchpoint, "stage": stage, "owners": keys})
        return
    for role, names in keys.items():
        console.print(f"{role}: {', '.join(names) or '-'}", highlight=False)
