"""``cxhub users``: people who sign in to the web app."""

from __future__ import annotations

from typing import Annotated

import typer

from cxhub.cli._common import WorkspaceOption, console, fail, open_hub, pick_workspace, unit_of_work
from cxhub.governance import service as governance
from cxhub.governance import users
from cxhub.kit.errors import CxhubError

app = typer.Typer(help="Web app users.", no_args_is_help=True)


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's e-mail, used to sign in.")],
    workspace: WorkspaceOption = None,
    password: Annotated[
        str | None, typer.Option(help="At least 10 characters; default: a random one, printed once.")
    ] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Create the first admin (or another one). The password is printed alone on the last line."""
    hub = open_hub()
    secret = password or users.generate_password()
    try:
        users.check_password_strength(secret)
        with unit_of_work(hub) as session:
            if workspace:
                workspace_id = governance.ensure_workspace(session, slug=workspace).id
            else:
                workspace_id, _ = pick_workspace(session, hub, None)
            users.create_user(session, workspace_id=workspace_id, email=email, password=secret, role="admin", name=name)
    except CxhubError as exc:
        fail(exc)
    console.print(f"admin {email.strip().lower()} created; sign in at {hub.settings.public_url}/login", highlight=False)
    typer.echo(secret)
