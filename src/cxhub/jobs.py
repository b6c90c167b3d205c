"""Periodic jobs: what the hub does on its own, every minute or so.

Survey invitations fall due, SLAs run out, notifications wait in an outbox: someone has to look.
``cxhub worker`` runs these jobs in a process of its own (production: one or more next to the API
replicas; every job claims its rows atomically, so two workers never do the same work twice), and
the embedded ``cxhub serve`` runs them in a background thread so a single process is a whole hub.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from cxhub.kit.http import Hub

log = logging.getLogger("cxhub.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Hub], object]


def _dispatch_surveys(hub: Hub) -> object:
    from cxhub.surveys.dispatch import dispatch_due

    return dispatch_due(hub.sessions, settings=hub.settings)


def _tick_cases(hub: Hub) -> object:
    from cxhub.cases.tasks import tick

    return tick(hub.sessions, settings=hub.settings)


def _warm_pages(hub: Hub) -> object:
    from cxhub.web.journeys import warm

    return warm(hub)


def default_jobs() -> list[Job]:
    return [Job("surveys.dispatch", 60.0, _dispatch_surveys), Job("cases.tick", 60.0, _tick_cases)]


def serve_jobs() -> list[Job]:
    """The jobs of a single-process ``cxhub serve``: the default ones, and the pages' slow analyses
    computed ahead of the first view into this process's cache (a separate worker has no pages)."""
    return [*default_jobs(), Job("web.warm", 60.0, _warm_pages)]


def run_once(hub: Hub, jobs: list[Job] | None = None) -> dict[str, object]:
    """Run every job once; a failing job is logged and reported, the others still run."""
    results: dict[str, object] = {}
    for job in jobs if jobs is not None else default_jobs():
        try:
            results[job.name] = job.run(hub)
        except Exception as exc:  # noqa: BLE001 - one broken job must not stop the others
            log.exception("job %s failed", job.name)
            results[job.name] = exc
    return results


def run_forever(hub: Hub, stop: threading.Event, jobs: list[Job] | None = None) -> None:
    """Run each job every ``every_seconds`` until ``stop`` is set."""
    jobs = jobs if jobs is not None else default_jobs()
    due = {job.name: 0.0 for job in jobs}
    while not stop.is_set():
        now = time.monotonic()
        for job in jobs:
            if due[job.name] <= now:
                run_once(hub, [job])
                due[job.name] = time.monotonic() + job.every_seconds
        stop.wait(max(0.5, min(due.values()) - time.monotonic()))


def start_in_background(hub: Hub, jobs: list[Job] | None = None) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, args=(hub, stop, jobs), name="cxhub-jobs", daemon=True)
    thread.start()
    return stop, thread
