"""``cxhub text``: analyse files, reprocess stored texts, edit the taxonomy, find themes it misses."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from cxhub.cli._common import (
    Format,
    WorkspaceOption,
    console,
    err_console,
    fail,
    open_hub,
    pick_workspace,
    print_json,
    unit_of_work,
)
from cxhub.kit.errors import CxhubError
from cxhub.text.clean import DEFAULT_MAX_CHARS
from cxhub.text.importers import Item, open_items
from cxhub.text.schemas import ReprocessOut

app = typer.Typer(help="Text analytics: sentiment, topics, emotions, PII, themes.", no_args_is_help=True)
taxonomy_app = typer.Typer(help="The topic taxonomy of a workspace, as YAML.", no_args_is_help=True)
app.add_typer(taxonomy_app, name="taxonomy")

CHUNK = 1000


def _chunks(items: Iterator[Item], size: int) -> Iterator[list[Item]]:
    while chunk := list(islice(items, size)):
        yield chunk


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CxhubError("file_unreadable", f"cannot read {file}: {exc}", field="file") from None


def _taxonomy(taxonomy_file: Path | None, workspace: str | None) -> Any:
    from cxhub.text import service

    if taxonomy_file and workspace:
        raise CxhubError("invalid_options", "give --taxonomy or --workspace, not both", field="taxonomy")
    if taxonomy_file:
        return service.parse_taxonomy_document(_read(taxonomy_file), is_yaml=True)
    if workspace:
        hub = open_hub()
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            return service.get_taxonomy(session, workspace_id=workspace_id).taxonomy
    return None


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="CSV with id,text columns or JSONL with id and text; .gz too.")],
    out: Annotated[str, typer.Option("--out", "-o", help="Output JSONL file; '-' for stdout.")] = "-",
    format: Annotated[str | None, typer.Option(help="csv or jsonl; guessed from the file name.")] = None,
    taxonomy: Annotated[Path | None, typer.Option("--taxonomy", help="A taxonomy YAML file.")] = None,
    workspace: Annotated[str | None, typer.Option(help="Use this workspace's taxonomy.")] = None,
    max_chars: Annotated[int, typer.Option(min=1, help="Longer texts are truncated and flagged.")] = DEFAULT_MAX_CHARS,
    backend: Annotated[str | None, typer.Option(help="lexicon (default) or transformers.")] = None,
    model: Annotated[Path | None, typer.Option(help="A local Hugging Face model directory (transformers).")] = None,
    device: Annotated[str, typer.Option(help="cpu or cuda (transformers).")] = "cpu",
) -> None:
    """Analyse every text of FILE into JSONL, streaming; exits 1 when any row was bad (error lines)."""
    from cxhub.text.analyzer import analyze as analyze_texts
    from cxhub.text.backend import load_backend

    try:
        topics = _taxonomy(taxonomy, workspace)
        chosen = load_backend(backend, path=model, device=device) if backend or model else None
        source, items = open_items(file, format)
    except CxhubError as exc:
        fail(exc)
    good = bad = 0
    sink: IO[bytes] = sys.stdout.buffer if out == "-" else open(out, "wb")  # noqa: SIM115 - closed below
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    try:
        with Progress(*columns, TextColumn("{task.fields[counts]}"), console=err_console) as progress:
            task = progress.add_task(file.name, total=source.size, counts="")
            for chunk in _chunks(items, CHUNK):
                usable = [item for item in chunk if item.error is None]
                results = iter(
                    analyze_texts([item.text for item in usable], taxonomy=topics, backend=chosen, max_chars=max_chars)
                )
                lines = []
                for item in chunk:
                    if item.error is not None:
                        bad += 1
                        lines.append(orjson.dumps({"id": item.id, "line": item.line, "error": item.error}))
                    else:
                        good += 1
                        lines.append(orjson.dumps({"id": item.id, **next(results).to_dict()}))
                sink.write(b"\n".join(lines) + b"\n")
                progress.update(task, completed=source.position(), counts=f"{good:,} ok · {bad:,} bad")
            progress.update(task, completed=source.size)
    except CxhubError as exc:
        fail(exc)
    finally:
        source.close()
        if sink is not sys.stdout.buffer:
            sink.close()
        else:
            sink.flush()
    err_console.print(f"analysed {good:,} texts, {bad:,} bad rows", highlight=False)
    if bad:
        raise typer.Exit(1)


@app.command()
def reprocess(
    workspace: WorkspaceOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=5000, help="Events per transaction.")] = 2000,
) -> None:
    """Re-analyse every text of the workspace with its current taxonomy (after a taxonomy change)."""
    from cxhub.text import service

    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            total = service.count_events(session, workspace_id=workspace_id)
        report = _reprocess(hub, workspace_id, total, batch_size)
    except CxhubError as exc:
        fail(exc)
    console.print(
        f"workspace {slug}: {report.analysed:,} texts of {report.events:,} events re-analysed, "
        f"{report.mentions:,} topic mentions (taxonomy version {report.taxonomy_version})",
        highlight=False,
    )


def _reprocess(hub: Any, workspace_id: Any, total: int, batch_size: int) -> ReprocessOut:
    from cxhub.text import service

    columns = (TextColumn("[bold]reprocess"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console) as progress:
        task = progress.add_task("events", total=total)
        return service.reprocess_workspace(
            hub.sessions,
            workspace_id=workspace_id,
            batch_size=batch_size,
            on_batch=lambda part: progress.advance(task, part.events),
        )


@taxonomy_app.command("export")
def taxonomy_export(
    workspace: WorkspaceOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write here instead of stdout.")] = None,
) -> None:
    """The workspace's taxonomy (or the default shipped with cxhub) as YAML."""
    from cxhub.text import service

    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            stored = service.get_taxonomy(session, workspace_id=workspace_id)
    except CxhubError as exc:
        fail(exc)
    text = f"# taxonomy version {stored.version}{' (cxhub default)' if stored.is_default else ''}\n"
    text += stored.taxonomy.to_yaml()
    if out:
        out.write_text(text, encoding="utf-8")
    else:
        typer.echo(text, nl=False)


@taxonomy_app.command("import")
def taxonomy_import(
    file: Annotated[Path, typer.Argument(help="A taxonomy YAML file (see docs/text.md).")],
    workspace: WorkspaceOption = None,
    reprocess: Annotated[bool, typer.Option("--reprocess", help="Re-analyse stored texts afterwards.")] = False,
) -> None:
    """Replace the workspace's taxonomy; nothing is written when the file is invalid."""
    from cxhub.text import service

    hub = open_hub()
    try:
        taxonomy = service.parse_taxonomy_document(_read(file), is_yaml=True)
        with unit_of_work(hub) as session:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            stored = service.save_taxonomy(session, workspace_id=workspace_id, taxonomy=taxonomy)
            total = service.count_events(session, workspace_id=workspace_id)
        console.print(
            f"taxonomy of '{slug}': version {stored.version}, {len(stored.taxonomy.paths())} topics", highlight=False
        )
        if reprocess:
            report = _reprocess(hub, workspace_id, total, service.REPROCESS_BATCH)
            console.print(f"re-analysed {report.analysed:,} texts, {report.mentions:,} topic mentions", highlight=False)
    except CxhubError as exc:
        fail(exc)


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CxhubError("invalid_period", f"--{name} is an ISO 8601 date or time", field=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # a bare date or time is UTC


@app.command()
def themes(
    workspace: WorkspaceOption = None,
    start: Annotated[str | None, typer.Option("--from", help="Start, ISO 8601 (inclusive).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="End, ISO 8601 (exclusive).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 10,
    min_size: Annotated[int, typer.Option(min=2, help="Smallest theme worth showing.")] = 5,
    format: Annotated[Format, typer.Option(help="table or json")] = Format.table,
) -> None:
    """Recurring themes in texts no topic covers, with a rule to promote each."""
    from cxhub.text import service

    hub = open_hub()
    try:
        with unit_of_work(hub) as session:
            workspace_id, _ = pick_workspace(session, hub, workspace)
            found = service.themes(
                session,
                workspace_id=workspace_id,
                start=_when(start, "from"),
                end=_when(end, "to"),
                limit=limit,
                min_size=min_size,
            )
    except CxhubError as exc:
        fail(exc)
    if format is Format.json:
        print_json(found.model_dump(mode="json"))
        return
    table = Table("theme", "size", "share", "suggested rule", "example", title="Themes the taxonomy misses")
    for theme in found.themes:
        example = theme.examples[0].text[:80] if theme.examples else ""
        table.add_row(
            escape(theme.name),
            f"{theme.size:,}",
            f"{theme.share:.0%}",
            escape(theme.suggested_rule or ""),
            escape(example),
        )
    console.print(table)
    err_console.print(
        f"{found.sampled:,} of {found.uncovered:,} uncovered texts read (the latest, at most {found.sample_cap:,})"
    )


@app.command()
def promote(
    name: Annotated[str, typer.Argument(help="The new topic's name.")],
    rule: Annotated[str, typer.Option(help="Its rule, e.g. 'NEAR/3(punti, fedeltà) OR loyalty'.")],
    parent: Annotated[str | None, typer.Option(help="A top-level topic to add it under.")] = None,
    label: Annotated[list[str] | None, typer.Option(help="A name by language, e.g. en=Loyalty (repeatable).")] = None,
    workspace: WorkspaceOption = None,
    reprocess: Annotated[bool, typer.Option("--reprocess", help="Re-analyse stored texts afterwards.")] = False,
) -> None:
    """Add a topic (a discovered theme) to the taxonomy."""
    from cxhub.text import service

    hub = open_hub()
    try:
        labels = dict(_label(value) for value in label or [])
        with unit_of_work(hub) as session:
            workspace_id, slug = pick_workspace(session, hub, workspace)
            stored = service.add_topic(
                session, workspace_id=workspace_id, name=name, rule=rule, parent=parent, labels=labels
            )
            total = service.count_events(session, workspace_id=workspace_id)
        where = f"under {parent} " if parent else ""
        console.print(f"topic {name!r} added {where}to '{slug}' (taxonomy version {stored.version})", highlight=False)
        if reprocess:
            report = _reprocess(hub, workspace_id, total, service.REPROCESS_BATCH)
            console.print(f"re-analysed {report.analysed:,} texts, {report.mentions:,} topic mentions", highlight=False)
    except CxhubError as exc:
        fail(exc)


def _label(value: str) -> tuple[str, str]:
    language, sep, text = value.partition("=")
    if not sep or not language.strip() or not text.strip():
        raise CxhubError("invalid_label", f"--label is LANGUAGE=NAME, got {value!r}", field="label")
    return language.strip(), text.strip()
