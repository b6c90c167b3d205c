"""Periodic jobs: each runs on its schedule, and one failing job never stops the others."""

from __future__ import annotations

import threading

from cxhub.jobs import Job, default_jobs, run_forever, run_once, serve_jobs
from cxhub.kit.http import Hub


def test_a_failing_job_is_reported_and_the_others_still_run(hub: Hub) -> None:
    ran: list[str] = []

    def broken(_: Hub) -> object:
        raise RuntimeError("smtp down")

    results = run_once(hub, [Job("broken", 1, broken), Job("fine", 1, lambda h: ran.append("fine") or "ok")])
    assert isinstance(results["broken"], RuntimeError)
    assert results["fine"] == "ok" and ran == ["fine"]


def test_the_default_jobs_run_against_a_real_database(hub: Hub) -> None:
    results = run_once(hub, default_jobs())
    assert "surveys.dispatch" in results
    assert not any(isinstance(result, Exception) for result in results.values())


def test_run_forever_repeats_until_stopped(hub: Hub) -> None:
    stop = threading.Event()
    calls: list[int] = []

    def count(_: Hub) -> object:
        calls.append(1)
        if len(calls) == 2:
            stop.set()
        return None

    thread = threading.Thread(target=run_forever, args=(hub, stop, [Job("count", 0.01, count)]))
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive() and len(calls) == 2


def test_serve_also_computes_the_pages_slow_analyses_ahead(hub: Hub) -> None:
    jobs = serve_jobs()
    assert {job.name for job in default_jobs()} < {job.name for job in jobs}
    [warm] = [job for job in jobs if job.name == "web.warm"]
    result = run_once(hub, [warm])["web.warm"]
    assert isinstance(result, int), result  # the analyses computed, or the error that stopped them
