"""``cxhub metrics METRIC``: a metric per group and period, in the terminal, as JSON or as CSV."""

from __future__ import annotations

import csv
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from cxhub.cli._common import WorkspaceOption, console, fail, open_hub, pick_workspace, print_json, unit_of_work
from cxhub.kit.errors import CxhubError
from cxhub.metrics import insights, service
from cxhub.metrics.api import parse_where, split_fields
from cxhub.metrics.query import day_bounds


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class Period(StrEnum):
    day = "day"
    week = "week"
    month = "month"
    quarter = "quarter"


def _date(value: str | None, field: str) -> Any:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        fail(CxhubError("invalid_date", f"{value!r} is not a date (YYYY-MM-DD)", field=field))


def register(app: typer.Typer) -> None:
    app.command(name="metrics")(metrics)
    app.command(name="drivers")(key_drivers)
    app.command(name="targets")(targets)
    app.command(name="employee-link")(employee_link)


def _run(work: Any, workspace: str | None) -> Any:
    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            return work(session, workspace_id, hub)
    except CxhubError as exc:
        fail(exc)


def key_drivers(
    metric: Annotated[str, typer.Argument(help="The outcome: nps, csat or ces")] = "nps",
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    method: Annotated[str, typer.Option(help="relative_weights or shapley")] = "relative_weights",
    by: Annotated[str, typer.Option(help="touchpoint, topic or item")] = "touchpoint",
    workspace: WorkspaceOption = None,
    format: Annotated[OutputFormat, typer.Option(help="table or json")] = OutputFormat.table,
) -> None:
    """Which touchpoints, topics or survey items explain the metric most (relative weights, bootstrap 95% CI)."""
    start, end = day_bounds(_date(from_, "from"), _date(to, "to"))
    computers = {
        "touchpoint": insights.touchpoint_drivers,
        "topic": insights.topic_drivers,
        "item": insights.item_drivers,
    }
    compute = computers.get(by)
    if compute is None:
        fail(CxhubError("invalid_field", "drivers are by touchpoint, topic or item", field="by"))
    result = _run(
        lambda session, ws, _: compute(session, workspace_id=ws, target=metric, start=start, end=end, method=method),
        workspace,
    )
    if format is not OutputFormat.table:
        print_json(result)
        return
    table = Table(
        title=f"Drivers of {result['target'].upper()}: {result['respondents']} respondents, R² {result['r2']}"
    )
    for name in (by, "share of R²", "95% CI", "performance %", "quadrant", "n"):
        table.add_column(name)
    for d in result["drivers"]:
        interval = f"[{d['ci_low']:.0%}, {d['ci_high']:.0%}]"
        table.add_row(d["name"], f"{d['share']:.0%}", interval, f"{d['performance']:.0f}", d["quadrant"], str(d["n"]))
    console.print(table)


def targets(
    workspace: WorkspaceOption = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    format: Annotated[OutputFormat, typer.Option(help="table or json")] = OutputFormat.table,
) -> None:
    """Each department's metric targets from the governance map, with the current value and status."""
    start, end = day_bounds(_date(from_, "from"), _date(to, "to"))
    rows = _run(
        lambda session, ws, _: insights.department_targets(session, workspace_id=ws, start=start, end=end), workspace
    )
    if format is not OutputFormat.table:
        print_json(rows)
        return
    table = Table(title="Targets")
    for name in ("department", "metric", "target", "value", "95% CI", "n", "status"):
        table.add_column(name)
    colours = {"met": "green", "at_risk": "yellow", "missed": "red", "no_data": "dim"}
    for row in rows:
        interval = "" if row["ci_low"] is None else f"[{_number(row['ci_low'])}, {_number(row['ci_high'])}]"
        status = f"[{colours[row['status']]}]{row['status']}[/]"
        table.add_row(
            row["department"],
            row["metric"],
            f"{row['target']:g}",
            _number(row["value"]),
            interval,
            str(row["n"]),
            status,
        )
    console.print(table)


def employee_link(
    customer_metric: Annotated[str, typer.Option(help="The customers' metric per unit.")] = "nps",
    workspace: WorkspaceOption = None,
    format: Annotated[OutputFormat, typer.Option(help="table or json")] = OutputFormat.table,
) -> None:
    """Per unit (store, team), eNPS next to the customers' NPS, and their correlation across units."""
    result = _run(
        lambda session, ws, hub: insights.employee_customer_link(
            session, workspace_id=ws, customer_metric=customer_metric, min_group=hub.settings.voe_min_group_size
        ),
        workspace,
    )
    if format is not OutputFormat.table:
        print_json(result)
        return
    metric = result["customer_metric"]
    table = Table(title=f"eNPS and customer {metric.upper()} per unit")
    for name in ("unit", "eNPS", "employees", metric.upper(), "customers"):
        table.add_column(name)
    for unit in result["units"]:
        shown = "hidden (k)" if unit["suppressed"] else _number(unit["enps"])
        table.add_row(unit["unit"], shown, str(unit["enps_n"]), _number(unit[metric]), str(unit[f"{metric}_n"]))
    console.print(table)
    pearson = result["correlation"]["pearson"]
    if pearson["r"] is not None:
        console.print(
            f"Pearson r = {pearson['r']:.2f} [{pearson['ci_low']:.2f}, {pearson['ci_high']:.2f}] "
            f"over {pearson['n']} units, p = {pearson['p_value']:.3f}"
        )


def metrics(
    metric: Annotated[str, typer.Argument(help="nps, csat, ces, enps or another attributes.metric")],
    by: Annotated[str | None, typer.Option("--by", help="Fields to group by, comma-separated.")] = None,
    period: Annotated[Period | None, typer.Option(help="day, week, month or quarter")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD.")] = None,
    to: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    where: Annotated[list[str] | None, typer.Option(help="Filter field=value (repeatable).")] = None,
    workspace: WorkspaceOption = None,
    format: Annotated[OutputFormat, typer.Option(help="table, json or csv")] = OutputFormat.table,
) -> None:
    """NPS, CSAT, CES, eNPS… per group and period, with 95% confidence intervals and significant changes."""
    hub = open_hub()
    try:
        fields = split_fields([by] if by else None)
        filters = parse_where(where)
        start, end = day_bounds(_date(from_, "from"), _date(to, "to"))
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            groups = service.metric_groups(
                session,
                workspace_id=workspace_id,
                metric=metric,
                by=fields,
                period=period.value if period else None,
                start=start,
                end=end,
                where=filters,
                min_group=hub.settings.voe_min_group_size,
            )
    except CxhubError as exc:
        fail(exc)
    keys = [*fields, *(["period"] if period else [])]
    if format is OutputFormat.json:
        print_json(groups)
    elif format is OutputFormat.csv:
        _write_csv(groups, keys)
    else:
        _print_table(metric.lower(), groups, keys, hub.settings.voe_min_group_size)


def _flat(group: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    row = {key: group.get(key) for key in keys}
    for name in ("n", "value", "ci_low", "ci_high", "margin", "small_sample", "suppressed"):
        row[name] = group.get(name)
    change = group.get("change") or {}
    row["change"] = change.get("difference")
    row["change_significant"] = change.get("significant")
    return row


def _write_csv(groups: list[dict[str, Any]], keys: list[str]) -> None:
    rows = [_flat(group, keys) for group in groups]
    names = list(rows[0]) if rows else [*keys, "n", "value", "ci_low", "ci_high"]
    writer = csv.DictWriter(sys.stdout, fieldnames=names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _print_table(metric: str, groups: list[dict[str, Any]], keys: list[str], k: int) -> None:
    table = Table(title=f"{metric.upper()} ({len(groups)} groups)")
    for key in keys:
        table.add_column(key)
    for name in ("n", metric, "95% CI", "change", ""):
        table.add_column(name, justify="right" if name in ("n", metric) else "left")
    for group in groups:
        notes = []
        if group["suppressed"]:
            notes.append(f"hidden: fewer than {k} answers")
        elif group["small_sample"]:
            notes.append("small sample")
        change = group.get("change")
        moved = ""
        if change:
            arrow = "▲" if change["difference"] > 0 else "▼" if change["difference"] < 0 else "="
            moved = f"{arrow} {change['difference']:+g}" + (" *" if change["significant"] else "")
        interval = "" if group["ci_low"] is None else f"[{_number(group['ci_low'])}, {_number(group['ci_high'])}]"
        cells = [str(group.get(key) if group.get(key) is not None else "(none)") for key in keys]
        table.add_row(*cells, str(group["n"]), _number(group["value"]), interval, moved, ", ".join(notes))
    console.print(table)
    if any((g.get("change") or {}).get("significant") for g in groups):
        console.print("* significant change since the previous period (95%, Holm-corrected)")
