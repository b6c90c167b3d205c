"""``cxhub surveys``: definitions in and out, links, invitations, dispatch."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cxhub.cli._common import (
    Format,
    WorkspaceOption,
    console,
    fail,
    open_hub,
    pick_workspace,
    print_json,
    unit_of_work,
)
from cxhub.governance.service import ensure_workspace
from cxhub.identity.service import find_customer_by_identifier
from cxhub.kit.errors import CxhubError
from cxhub.surveys import dispatch as dispatcher
from cxhub.surveys import invitations, links, service
from cxhub.surveys.definition import load_definition
from cxhub.surveys.schemas import InvitationOut

app = typer.Typer(help="Surveys: definitions, links, invitations, delivery.", no_args_is_help=True)


class DocFormat(StrEnum):
    yaml = "yaml"
    json = "json"


class Status(StrEnum):
    draft = "draft"
    active = "active"
    archived = "archived"


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A survey definition, .yaml/.yml or .json.")],
    workspace: Annotated[str | None, typer.Option(help="Workspace slug (created if missing).")] = None,
    status: Annotated[
        Status | None, typer.Option(help="Default: active for a new survey, unchanged otherwise.")
    ] = None,
) -> None:
    """Create a survey from a file, or update the one with its slug (its version grows)."""
    hub = open_hub()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        fail(CxhubError("unreadable_file", f"cannot read {file}: {exc.strerror or exc}", field="file"))
    fmt = "json" if file.suffix.lower() == ".json" else "yaml"
    try:
        definition = load_definition(text, fmt)
        with unit_of_work(hub) as session:
            ws = ensure_workspace(session, slug=workspace or hub.settings.default_workspace)
            survey, created = service.import_survey(
                session, workspace_id=ws.id, definition=definition, status=status.value if status else None
            )
            slug, version, state = survey.slug, survey.version, survey.status
    except CxhubError as exc:
        fail(exc)
    console.print(f"{'created' if created else 'updated'} survey {slug} (version {version}, {state})", highlight=False)


@app.command()
def export(
    slug: Annotated[str, typer.Argument(help="The survey's slug.")],
    workspace: WorkspaceOption = None,
    format: Annotated[DocFormat, typer.Option(help="yaml or json")] = DocFormat.yaml,
) -> None:
    """Print a survey's definition; `cxhub surveys import` reads it back."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            survey = service.get_survey(session, workspace_id=workspace_id, slug=slug)
            text = service.export_survey(survey, format.value)
    except CxhubError as exc:
        fail(exc)
    typer.echo(text, nl=False)


@app.command("list")
def list_(
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """The surveys of a workspace."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            rows: list[dict[str, Any]] = [
                {"slug": s.slug, "name": s.name, "audience": s.audience, "status": s.status, "version": s.version}
                for s in service.list_surveys(session, workspace_id=workspace_id)
            ]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(rows)
        return
    table = Table("slug", "name", "audience", "status", "version")
    for row in rows:
        table.add_row(row["slug"], row["name"], row["audience"], row["status"], str(row["version"]))
    console.print(table)


@app.command()
def link(
    slug: Annotated[str, typer.Argument(help="The survey's slug.")],
    touchpoint: Annotated[str | None, typer.Option(help="Where the link is shown, e.g. negozio_milano.")] = None,
    unit: Annotated[str | None, typer.Option(help="Store, team or unit the answers belong to.")] = None,
    department: Annotated[str | None, typer.Option(help="Department the answers belong to.")] = None,
    channel: Annotated[str, typer.Option(help="qr or kiosk")] = "qr",
    expires_days: Annotated[int | None, typer.Option(min=1, help="Days the link works; default: no expiry.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Mint an open, anonymous link for a kiosk or a QR code. The URL is the last line printed."""
    hub = open_hub()
    if channel not in ("qr", "kiosk"):
        fail(CxhubError("invalid_channel", "channel must be qr or kiosk", field="channel"))
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            survey = service.get_survey(session, workspace_id=workspace_id, slug=slug)
            expires = datetime.now(UTC) + timedelta(days=expires_days) if expires_days else None
            url = invitations.open_url(
                hub.settings,
                links.OpenLink(
                    workspace_id=workspace_id,
                    survey=survey.slug,
                    touchpoint=touchpoint,
                    unit=unit,
                    department=department,
                    channel=channel,
                    expires_at=int(expires.timestamp()) if expires else None,
                ),
            )
    except CxhubError as exc:
        fail(exc)
    typer.echo(url)


@app.command()
def invite(
    slug: Annotated[str, typer.Argument(help="The survey's slug.")],
    customer: Annotated[str | None, typer.Option(help="The customer's id.")] = None,
    email: Annotated[str | None, typer.Option(help="The customer's e-mail address.")] = None,
    channel: Annotated[str | None, typer.Option(help="link or email; default email with --email, else link.")] = None,
    language: Annotated[str | None, typer.Option(help="it or en; default: the survey's.")] = None,
    workspace: WorkspaceOption = None,
) -> None:
    """Invite one customer (the contact policy applies). Prints the decision and the link."""
    if (customer is None) == (email is None):
        fail(CxhubError("customer_required", "give exactly one of --customer or --email", field="customer"))
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            survey = service.get_survey(session, workspace_id=workspace_id, slug=slug)
            if email is not None:
                customer_id = find_customer_by_identifier(
                    session, workspace_id=workspace_id, kind="email", value=email, region=hub.settings.default_region
                )
            else:
                customer_id = _uuid(customer or "")
            invitation = invitations.invite(
                session,
                survey=survey,
                customer_id=customer_id,
                channel=channel or ("email" if email else "link"),
                language=language,
            )
            url = invitations.form_url(hub.settings, invitation)
            status, reason = invitation.status, invitation.reason
    except CxhubError as exc:
        fail(exc)
    console.print(f"invitation {status}" + (f" ({reason})" if reason else ""), highlight=False)
    if url:
        typer.echo(url)


def _uuid(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise CxhubError("invalid_customer_id", f"{value!r} is not a customer id", field="customer") from None


@app.command("dispatch")
def dispatch_(
    workspace: Annotated[str | None, typer.Option(help="Only this workspace; default: all.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="At most this many invitations.")] = 200,
) -> None:
    """Send the invitations that are due (e-mail, webhook, link) and record each outcome."""
    hub = open_hub()
    try:
        workspace_id = None
        if workspace:
            with unit_of_work(hub) as session:
                workspace_id, _ = pick_workspace(session, hub, workspace)
        report = dispatcher.dispatch_due(hub.sessions, settings=hub.settings, workspace_id=workspace_id, limit=limit)
    except CxhubError as exc:
        fail(exc)
    console.print(
        f"sent {report.sent}, failed {report.failed}, suppressed {report.suppressed}, "
        f"postponed {report.postponed}, expired {report.expired}",
        highlight=False,
    )


@app.command("invitations")
def list_invitations(
    slug: Annotated[str | None, typer.Argument(help="Only this survey.")] = None,
    status: Annotated[str | None, typer.Option(help="scheduled, sent, suppressed, failed, responded, expired")] = None,
    reason: Annotated[str | None, typer.Option(help="e.g. recently_invited, complaint_open, opted_out")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    workspace: WorkspaceOption = None,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Invitations and decisions, newest first."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            survey_id = service.get_survey(session, workspace_id=workspace_id, slug=slug).id if slug else None
            slugs = {s.id: s.slug for s in service.list_surveys(session, workspace_id=workspace_id)}
            rows: list[dict[str, Any]] = [
                {**InvitationOut.of(i).model_dump(mode="json"), "survey": slugs.get(i.survey_id)}
                for i in invitations.list_invitations(
                    session, workspace_id=workspace_id, survey_id=survey_id, status=status, reason=reason, limit=limit
                )
            ]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(rows)
        return
    table = Table("survey", "customer", "channel", "status", "reason", "due")
    for row in rows:
        table.add_row(
            row["survey"] or "",
            (row["customer_id"] or "")[:8],
            row["channel"],
            row["status"],
            row["reason"] or "",
            row["due_at"][:16],
        )
    console.print(table)


@app.command("webhook-secret")
def webhook_secret() -> None:
    """Print the key survey webhooks are signed with, for the receiving system."""
    hub = open_hub(upgrade=False)
    settings = hub.settings
    typer.echo(settings.webhook_secret or links.webhook_secret(settings.resolved_secret_key()))
