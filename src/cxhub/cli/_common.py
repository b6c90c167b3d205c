"""What every CLI command shares: the hub, the console, output formats."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from cxhub import migrate
from cxhub.app import make_hub
from cxhub.db import transaction
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub

console = Console()
WorkspaceOption = Annotated[str | None, typer.Option(help="Workspace slug.")]
err_console = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"


def open_hub(*, upgrade: bool = True) -> Hub:
    """The hub of this environment, its schema brought up to date first."""
    hub = make_hub()
    if upgrade:
        migrate.upgrade(hub.engine)
    return hub


@contextmanager
def unit_of_work(hub: Hub) -> Iterator[Session]:
    with transaction(hub.sessions) as session:
        yield session


def fail(exc: CxhubError, code: int = 2) -> NoReturn:
    """Exit with the error: every listed problem (an invalid file names each) on its own line first."""
    for problem in exc.details.get("errors", []):
        if isinstance(problem, dict) and "field" in problem:
            err_console.print(f"  {problem['field']}: {problem.get('problem', '')}", highlight=False, markup=False)
    err_console.print(f"[red]error[/red] [bold]{exc.code}[/bold]: {exc.message}", highlight=False)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def pick_workspace(session: Session, hub: Hub, slug: str | None) -> tuple[Any, str]:
    """The workspace named, or the only one there is, or the configured default."""
    from cxhub.governance.service import get_workspace_by_slug, list_workspaces

    if slug:
        workspace = get_workspace_by_slug(session, slug=slug)
        return workspace.id, workspace.slug
    workspaces = list_workspaces(session)
    if len(workspaces) == 1:
        return workspaces[0].id, workspaces[0].slug
    for workspace in workspaces:
        if workspace.slug == hub.settings.default_workspace:
            return workspace.id, workspace.slug
    names = ", ".join(w.slug for w in workspaces) or "none yet"
    raise CxhubError("workspace_required", f"pass --workspace (workspaces: {names})", field="workspace")
