"""``cxhub serve`` and ``cxhub demo``."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import typer
import uvicorn
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from cxhub.cli._common import console, err_console, open_hub
from cxhub.events.service import IngestReport
from cxhub.jobs import run_forever, run_once, serve_jobs, start_in_background


def _run(host: str, port: int, workers: int = 1, jobs: bool = True) -> None:
    hub = open_hub()
    console.print(
        f"cxhub on http://{host}:{port}  (API docs: http://{host}:{port}/docs, "
        f"database: {hub.engine.url.render_as_string()})",
        highlight=False,
    )
    if workers > 1:
        # Each worker process builds its own hub from the same CXHUB_* settings.
        uvicorn.run(
            "cxhub.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            access_log=False,
        )
        return
    from cxhub.app import create_app

    stop = None
    if jobs:
        # One process is a whole hub: survey invitations and other periodic work run here too, and the
        # pages' slow analyses are computed ahead of the first view.
        stop, _ = start_in_background(hub, serve_jobs())
    try:
        uvicorn.run(create_app(hub), host=host, port=port, log_level="info")
    finally:
        if stop is not None:
            stop.set()


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        workers: Annotated[
            int, typer.Option(min=1, max=64, help="Worker processes (one per core is a good start).")
        ] = 1,
        jobs: Annotated[
            bool, typer.Option(help="Run the periodic jobs in this process (single worker only); see `cxhub worker`.")
        ] = True,
    ) -> None:
        """Run the hub: API, docs and pages."""
        _run(host, port, workers, jobs)

    @app.command()
    def worker(
        once: Annotated[bool, typer.Option("--once", help="Run every job once and exit (for cron).")] = False,
    ) -> None:
        """Run the periodic jobs (survey dispatch, SLA checks, notifications) until stopped."""
        hub = open_hub()
        if once:
            for name, result in run_once(hub).items():
                console.print(f"{name}: {result}", highlight=False)
            return
        console.print("cxhub worker: running periodic jobs (Ctrl+C to stop)")
        stop = threading.Event()
        try:
            run_forever(hub, stop)
        except KeyboardInterrupt:
            stop.set()

    @app.command()
    def demo(
        customers: Annotated[int, typer.Option(min=1, max=1_000_000, help="How many customers to invent.")] = 2000,
        seed: Annotated[int, typer.Option(help="Same seed, same brand.")] = 42,
        as_of: Annotated[str | None, typer.Option(help="Last day of the data, YYYY-MM-DD; default yesterday.")] = None,
        host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        no_serve: Annotated[bool, typer.Option("--no-serve", help="Load the demo brand and exit.")] = False,
    ) -> None:
        """Load the demo brand (Aurora Telecomunicazioni) through the ingest path, then serve it."""
        from cxhub.demo.service import load_demo

        # The generator writes events up to 18:00 UTC of its last day: end yesterday so none is in the future.
        day = date.fromisoformat(as_of) if as_of else datetime.now(UTC).date() - timedelta(days=1)
        hub = open_hub()
        with Progress(
            TextColumn("[bold]demo brand"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("events"),
            TimeElapsedColumn(),
            console=err_console,
        ) as progress:
            task = progress.add_task("demo", total=None)

            def advance(report: IngestReport) -> None:
                progress.advance(task, report.accepted + report.duplicates + report.rejected)

            result = load_demo(hub, customers=customers, seed=seed, as_of=day, on_batch=advance)
        r = result.report
        console.print(
            f"demo brand loaded in workspace '{result.workspace}': {r.accepted:,} events accepted, "
            f"{r.duplicates:,} already there, {r.rejected:,} planted errors in the dead-letter store",
            highlight=False,
        )
        for email, role, password in result.users:
            console.print(f"web app user {email} ({role}), password: {password}", highlight=False)
        console.print(f"API key (admin, ingest, read), shown once:\n{result.api_key}", highlight=False)
        if not no_serve:
            _run(host, port)
