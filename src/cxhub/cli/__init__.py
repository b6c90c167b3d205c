"""The ``cxhub`` command: a small Typer sub-app per domain."""

from __future__ import annotations

import typer

from cxhub.cli import cases as cases_cli
from cxhub.cli import customers, db, events, governance, journeys, keys, serve
from cxhub.cli import metrics as metrics_cli
from cxhub.cli import rules as rules_cli
from cxhub.cli import surveys as surveys_cli
from cxhub.cli import text as text_cli
from cxhub.cli import users as users_cli

app = typer.Typer(
    name="cxhub",
    help="cxhub: every touchpoint, one customer, one timeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
serve.register(app)
metrics_cli.register(app)
app.add_typer(events.import_app, name="import")
app.add_typer(events.deadletter_app, name="deadletter")
app.add_typer(keys.app, name="keys")
app.add_typer(governance.app, name="governance")
app.add_typer(rules_cli.app, name="rules")
app.add_typer(cases_cli.app, name="cases")
app.add_typer(customers.app, name="customers")
app.add_typer(journeys.app, name="journeys")
app.add_typer(surveys_cli.app, name="surveys")
app.add_typer(text_cli.app, name="text")
app.add_typer(users_cli.app, name="users")
app.add_typer(db.app, name="db")


def main() -> None:
    app()
