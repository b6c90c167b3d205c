"""Context API latency and throughput at 100,000 customers / ~1,000,000 events.

1. Loads the demo brand into a SQLite database with ``cxhub import events`` (the real path), or reuses
   the one a previous run left in benchmarks/out/.
2. In-process: ``find_customer`` + ``context`` with one session per request, as an API call does,
   for identifiers picked at random (e-mail, phone, loyalty id, customer id): p50 / p99 in ms.
3. Over HTTP: ``cxhub serve --workers W`` and 32 concurrent clients (wrk when installed, else an
   asyncio client) for a fixed time: requests/s and latency percentiles.
The last line printed is JSON.

    python benchmarks/context.py --customers 100000
Targets (issue 2): p99 <= 10 ms in-process, >= 1,000 requests/s over HTTP.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

from benchmarks._common import OUT, demo_file, percentile  # noqa: E402
from cxhub import migrate  # noqa: E402
from cxhub.app import make_hub  # noqa: E402
from cxhub.config import Settings  # noqa: E402
from cxhub.events.models import Event  # noqa: E402
from cxhub.governance.service import create_api_key, get_workspace_by_slug  # noqa: E402
from cxhub.identity.models import Identifier  # noqa: E402
from cxhub.profiles import service as profiles  # noqa: E402

WORKSPACE = "bench"


def load(customers: int) -> str:
    path = OUT / f"context-{customers}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        source = demo_file(customers)
        partial = OUT / f"context-{customers}.partial.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{partial}{suffix}").unlink(missing_ok=True)
        env = {**os.environ, "CXHUB_DATABASE_URL": f"sqlite:///{partial}"}
        subprocess.run(
            [sys.executable, "-m", "cxhub", "import", "events", str(source), "--workspace", WORKSPACE],
            env=env,
            check=False,
        )
        hub = make_hub(Settings(database_url=f"sqlite:///{partial}"))
        with hub.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        hub.engine.dispose()
        partial.rename(path)
    return url


def lookups(hub, workspace_id, count: int, seed: int = 7) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    with hub.sessions() as session:
        total = session.scalar(
            select(func.count()).select_from(Identifier).where(Identifier.workspace_id == workspace_id)
        )
        picks = []
        for _ in range(count):
            row = session.execute(
                select(Identifier.type, Identifier.value, Identifier.customer_id)
                .where(Identifier.workspace_id == workspace_id)
                .offset(rng.randrange(total or 1))
                .limit(1)
            ).one()
            kind, value, customer_id = row
            picks.append(("customer_id", str(customer_id)) if rng.random() < 0.2 else (kind, value))
    return picks


def in_process(hub, workspace_id, picks: list[tuple[str, str]]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    timings = []
    for kind, value in picks * 2:  # the first pass warms caches, both are measured
        started = time.perf_counter()
        with hub.sessions() as session:
            customer_id = profiles.find_customer(
                session, workspace_id=workspace_id, query={kind: value}, region=hub.settings.default_region
            )
            profiles.context(session, workspace_id=workspace_id, customer_id=customer_id, recent=10)
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(percentile(timings, 50), 3),
        "p99_ms": round(percentile(timings, 99), 3),
        "requests": len(timings),
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def paths(picks: list[tuple[str, str]]) -> list[str]:
    return [f"/api/v1/context?{urllib.parse.urlencode({kind: value})}" for kind, value in picks]


WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i], {["Authorization"] = "Bearer %s"})
end
done = function(summary, latency, requests)
  io.write(string.format("JSON {\\"requests\\": %%d, \\"errors\\": %%d, \\"p50_ms\\": %%.3f, \\"p99_ms\\": %%.3f}\\n",
    summary.requests, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


def with_wrk(port: int, token: str, targets: list[str], seconds: int, clients: int) -> dict[str, float]:
    script = WRK_SCRIPT % (", ".join(json.dumps(p) for p in targets), token)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    done = subprocess.run(
        ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "-s", handle.name, f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    )
    os.unlink(handle.name)
    line = next(row for row in done.stdout.splitlines() if row.startswith("JSON "))
    stats = json.loads(line[5:])
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    return {"requests_per_s": round(rate), **stats, "client": "wrk"}


def with_asyncio(port: int, token: str, targets: list[str], seconds: int, clients: int) -> dict[str, float]:
    import httpx

    timings: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient, offset: int, deadline: float) -> None:
        nonlocal errors
        i = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            response = await client.get(targets[i % len(targets)])
            timings.append((time.perf_counter() - started) * 1000)
            errors += response.status_code != 200
            i += clients

    async def run() -> float:
        limits = httpx.Limits(max_connections=clients)
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits) as client:
            started = time.perf_counter()
            await asyncio.gather(*(worker(client, n, started + seconds) for n in range(clients)))
            return time.perf_counter() - started

    elapsed = asyncio.run(run())
    return {
        "requests_per_s": round(len(timings) / elapsed),
        "requests": len(timings),
        "errors": errors,
        "p50_ms": round(percentile(timings, 50), 3),
        "p99_ms": round(percentile(timings, 99), 3),
        "client": "python-asyncio",
    }


def over_http(
    url: str, token: str, picks: list[tuple[str, str]], seconds: int, clients: int, workers: int
) -> dict[str, float]:
    port = free_port()
    env = {**os.environ, "CXHUB_DATABASE_URL": url}
    server = subprocess.Popen(
        [sys.executable, "-m", "cxhub", "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import httpx

        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        targets = paths(picks)
        runner = with_wrk if shutil.which("wrk") else with_asyncio
        runner(port, token, targets, 2, clients)  # warm-up
        return {**runner(port, token, targets, seconds, clients), "server_workers": workers, "clients": clients}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    url = load(args.customers)
    hub = make_hub(Settings(database_url=url))
    migrate.upgrade(hub.engine)
    with hub.sessions.begin() as session:
        workspace_id = get_workspace_by_slug(session, slug=WORKSPACE).id
        _, token = create_api_key(session, workspace_id=workspace_id, scopes=["read"], name="bench")
        events = session.scalar(select(func.count()).select_from(Event).where(Event.workspace_id == workspace_id))
    picks = lookups(hub, workspace_id, args.lookups)
    local = in_process(hub, workspace_id, picks)
    print(f"in-process: {local}", file=sys.stderr)
    hub.engine.dispose()
    remote = over_http(url, token, picks, args.seconds, args.clients, args.workers)
    print(f"http: {remote}", file=sys.stderr)
    print(
        json.dumps(
            {"benchmark": "context", "customers": args.customers, "events": events, "in_process": local, "http": remote}
        )
    )


if __name__ == "__main__":
    main()
