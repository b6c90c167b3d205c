"""``cxhub keys``: API keys for touchpoints and scripts."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from cxhub.cli._common import Format, console, fail, open_hub, print_json, unit_of_work
from cxhub.governance import service
from cxhub.kit.errors import CxhubError

app = typer.Typer(help="API keys.", no_args_is_help=True)


@app.command()
def create(
    workspace: Annotated[str, typer.Option(help="Workspace slug; created if it does not exist.")],
    scopes: Annotated[str, typer.Option(help="Comma-separated: ingest, read, admin.")] = "ingest,read",
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'website'.")] = "",
) -> None:
    """Create an API key. The key is printed once, alone on the last line."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            wanted = service.parse_scopes(scopes)
            ws = service.ensure_workspace(session, slug=workspace)
            key, token = service.create_api_key(session, workspace_id=ws.id, scopes=wanted, name=name)
            prefix = key.prefix
    except CxhubError as exc:
        fail(exc)
    typer.echo(f"workspace {ws.slug}: key {prefix} with scopes {','.join(wanted)} (shown once, store it now)")
    typer.echo(token)


@app.command("list")
def list_keys(
    workspace: Annotated[str, typer.Option(help="Workspace slug.")],
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """List the keys of a workspace (never their secret)."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            ws = service.get_workspace_by_slug(session, slug=workspace)
            rows: list[dict[str, Any]] = [
                {
                    "prefix": k.prefix,
                    "name": k.name,
                    "scopes": k.scopes,
                    "created_at": k.created_at.isoformat(),
                    "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                }
                for k in service.list_api_keys(session, workspace_id=ws.id)
            ]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(rows)
        return
    table = Table("prefix", "name", "scopes", "created", "revoked")
    for row in rows:
        table.add_row(
            row["prefix"],
            row["name"],
            ",".join(row["scopes"]),
            row["created_at"][:19],
            row["revoked_at"] or "",
        )
    console.print(table)


@app.command()
def revoke(prefix: Annotated[str, typer.Argument(help="The key's prefix, as `keys list` shows it.")]) -> None:
    """Revoke a key: it stops working at once."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            service.revoke_api_key(session, prefix=prefix)
    except CxhubError as exc:
        fail(exc)
    console.print(f"revoked {prefix}")
