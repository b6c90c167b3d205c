"""The ``cxhub`` command: a small Typer sub-app per domain."""

from __future__ import annotations

import typer

from cxhub.cli import customers, db, events, keys, serve

app = typer.Typer(
    name="cxhub",
    help="cxhub: every touchpoint, one customer, one timeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
serve.register(app)
app.add_typer(events.import_app, name="import")
app.add_typer(events.deadletter_app, name="deadletter")
app.add_typer(keys.app, name="keys")
app.add_typer(customers.app, name="customers")
app.add_typer(db.app, name="db")


def main() -> None:
    app()
