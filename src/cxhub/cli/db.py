"""``cxhub db``: schema migrations."""

from __future__ import annotations

import typer

from cxhub import migrate
from cxhub.cli._common import console, open_hub

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Bring the database schema up to date."""
    hub = open_hub(upgrade=False)
    migrate.upgrade(hub.engine)
    console.print(f"schema is current on {hub.engine.dialect.name}")
