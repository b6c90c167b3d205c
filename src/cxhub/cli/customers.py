"""``cxhub customers``: look a customer up, read the timeline, undo a merge."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.table import Table

from cxhub.cli._common import Format, WorkspaceOption, console, fail, open_hub, pick_workspace, print_json, unit_of_work
from cxhub.identity import service as identity
from cxhub.identity.schemas import MergeOut
from cxhub.kit.errors import CxhubError
from cxhub.profiles import service as profiles

app = typer.Typer(help="Unified customer profiles.", no_args_is_help=True)


def _parse_lookup(who: str) -> dict[str, str]:
    kind, sep, value = who.partition("=")
    if sep:
        return {kind.strip(): value.strip()}
    return {"customer_id": who.strip()}


@app.command()
def show(
    who: Annotated[str, typer.Argument(help="A customer id, or TYPE=VALUE such as email=anna@example.it")],
    workspace: WorkspaceOption = None,
    recent: Annotated[int, typer.Option(min=0, max=100, help="Timeline events to show.")] = 10,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """The context of a customer: identifiers, traits, recent timeline, products, scores."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            customer_id = profiles.find_customer(
                session,
                workspace_id=workspace_id,
                query=_parse_lookup(who),
                region=hub.settings.default_region,
            )
            context = profiles.context(session, workspace_id=workspace_id, customer_id=customer_id, recent=recent)
            merges = [
                MergeOut.of(m)
                for m in identity.merges_of(
                    session, workspace_id=workspace_id, customer_id=uuid.UUID(context.customer_id)
                )
            ]
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json({**context.model_dump(mode="json"), "merges": [m.model_dump(mode="json") for m in merges]})
        return
    p = context.profile
    console.print(f"[bold]customer {context.customer_id}[/bold]")
    for kind, values in context.identifiers.items():
        console.print(f"  {kind}: {', '.join(values)}", highlight=False)
    first = p.first_seen.date().isoformat() if p.first_seen else "-"
    last = p.last_seen.date().isoformat() if p.last_seen else "-"
    console.print(f"  seen {first} → {last}, {p.events} events on {', '.join(c.channel for c in p.channels)}")
    for value in p.lifetime_value:
        console.print(f"  lifetime value: {value.cents / 100:,.2f} {value.currency}")
    if context.owned_products:
        console.print("  owns: " + ", ".join(f"{o.name or o.sku} ×{o.quantity}" for o in context.owned_products))
    table = Table("when", "type", "channel", "touchpoint", "score", "text")
    for event in context.recent_events:
        text = (event.text or "")[:60]
        score = "" if event.score is None else f"{event.score:g}"
        table.add_row(
            event.occurred_at.strftime("%Y-%m-%d %H:%M"),
            event.type,
            event.channel,
            event.touchpoint,
            score,
            text,
        )
    console.print(table)
    for merge in merges:
        state = f"undone {merge.undone_at:%Y-%m-%d}" if merge.undone_at else "active"
        console.print(
            f"  merge {merge.id}: {merge.loser_id} → {merge.winner_id} by {', '.join(merge.evidence)} ({state})"
        )


@app.command()
def unmerge(
    merge_id: Annotated[int, typer.Argument(help="The merge id, as `customers show` lists it.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Undo a merge: both profiles come back, and they are not merged again automatically."""
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            merge = identity.unmerge(session, workspace_id=workspace_id, merge_id=merge_id)
            loser, winner = merge.loser_id, merge.winner_id
    except CxhubError as exc:
        fail(exc)
    console.print(f"merge {merge_id} undone: {loser} and {winner} are two customers again")
