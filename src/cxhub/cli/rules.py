"""``cxhub rules``: import and export alert rules, dry-run them over past events, activate, pause."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.orm import Session

from cxhub.cases import rulebook
from cxhub.cases import rules as lang
from cxhub.cases.matching import dry_run as run_dry_run
from cxhub.cases.schemas import DryRunOut, RuleImportItem
from cxhub.cli._common import Format, WorkspaceOption, console, err_console, fail, open_hub, pick_workspace, print_json
from cxhub.db import with_retry
from cxhub.kit import jsonio
from cxhub.kit.errors import CxhubError

app = typer.Typer(help="Alert rules: versioned, dry-run over past events before they open cases.", no_args_is_help=True)


def _print_dry_run(result: DryRunOut) -> None:
    console.print(
        f"rule {result.rule} v{result.version}: {result.matched:,} of {result.scanned:,} events "
        f"({result.share:.2%}) from {result.since:%Y-%m-%d} to {result.until:%Y-%m-%d}; "
        f"{result.customers:,} customers, {result.would_open:,} cases",
        highlight=False,
    )
    if result.needs_force:
        console.print(
            f"[yellow]matches more than {result.guard_share:.0%} of events: activating needs --force[/yellow]"
        )
    if result.samples:
        table = Table("event", "when", "type", "touchpoint", "score", "topic", title="sample matches")
        for s in result.samples:
            score = "" if s.score is None else f"{s.score:g}"
            table.add_row(s.event_id, f"{s.occurred_at:%Y-%m-%d %H:%M}", s.type, s.touchpoint, score, s.topic)
        console.print(table)


@app.command("import")
def import_rules(
    file: Annotated[Path, typer.Argument(help="The rules, as YAML (or JSON).", exists=True, dir_okay=False)],
    workspace: WorkspaceOption = None,
    force: Annotated[bool, typer.Option("--force", help="Activate rules even when they match too much.")] = False,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Store each rule of FILE as a new version when it changed; activate those marked `active` (guarded)."""
    hub = open_hub()
    try:
        raw = file.read_bytes()
        definitions = (
            lang.parse_rules(jsonio.loads(raw)) if file.suffix.lower() == ".json" else lang.parse_rules_yaml(raw)
        )

        def work(session: Session) -> list[RuleImportItem]:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            return rulebook.import_rules(
                session, workspace_id=workspace_id, definitions=definitions, force=force, source=file.name
            )

        items = with_retry(hub.sessions, work)
    except jsonio.JSONDecodeError as exc:
        fail(CxhubError("malformed_json", f"{file} is not valid JSON: {exc}"))
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json([item.model_dump(mode="json") for item in items])
    else:
        for item in items:
            change = "new version" if item.changed else "unchanged"
            line = f"{item.key}: v{item.version} ({change}), {item.status}"
            console.print(line + (f" [yellow]- not activated: {item.refused}[/yellow]" if item.refused else ""))
    if any(item.refused for item in items):
        raise typer.Exit(1)


@app.command()
def export(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of the terminal.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Write every rule (current version, with its state) as YAML, the format `import` reads."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            rows = rulebook.list_rules(session, workspace_id=workspace_id)
            pairs = [(rulebook.definition_of(r), r.status == "active") for r in rows]
    except CxhubError as exc:
        fail(exc)
    text = lang.dump_rules_yaml(pairs, header=f"cxhub rules of workspace {slug}")
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    err_console.print(f"wrote {out} ({len(pairs)} rules)", highlight=False)


@app.command("list")
def list_rules(
    workspace: WorkspaceOption = None, format: Annotated[Format, typer.Option(help="table or json")] = Format.table
) -> None:
    """Every rule's current version and state."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            rows = rulebook.list_rules(session, workspace_id=workspace_id)
            data = [
                {"key": r.key, "version": r.version, "name": r.name, "status": r.status, "last_dry_run": r.last_dry_run}
                for r in rows
            ]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(data)
        return
    table = Table("rule", "version", "status", "name")
    for row in data:
        table.add_row(str(row["key"]), str(row["version"]), str(row["status"]), str(row["name"]))
    console.print(table)


@app.command("dry-run")
def dry_run(
    rule: Annotated[str, typer.Argument(help="The rule's key.")],
    days: Annotated[int | None, typer.Option(min=1, max=3650, help="How far back (default: settings, 90).")] = None,
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """What RULE would have matched over past events: count, share, customers, cases, samples. Writes nothing."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            found = rulebook.current_rule(session, workspace_id=workspace_id, key=rule)
            result = run_dry_run(
                session,
                workspace_id=workspace_id,
                definition=rulebook.definition_of(found),
                version=found.version,
                days=days,
            )
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(result.model_dump(mode="json"))
        return
    _print_dry_run(result)


@app.command()
def activate(
    rule: Annotated[str, typer.Argument(help="The rule's key.")],
    force: Annotated[bool, typer.Option("--force", help="Activate even when it matches too much.")] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Dry-run RULE, then activate it (refused when it matches more than the guard share, unless --force)."""
    hub = open_hub()
    try:

        def work(session: Session) -> DryRunOut:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            return rulebook.activate_rule(session, workspace_id=workspace_id, key=rule, force=force)

        result = with_retry(hub.sessions, work)
    except CxhubError as exc:
        fail(exc)
    _print_dry_run(result)
    console.print(f"rule {rule} is active")


@app.command()
def pause(rule: Annotated[str, typer.Argument(help="The rule's key.")], workspace: WorkspaceOption = None) -> None:
    """Stop RULE from opening cases (its versions stay)."""
    hub = open_hub()
    try:
        with hub.sessions.begin() as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            found = rulebook.pause_rule(session, workspace_id=workspace_id, key=rule)
            status = found.status
    except CxhubError as exc:
        fail(exc)
    console.print(f"rule {rule}: {status}")
