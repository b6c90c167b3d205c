"""Journey discovery over a large synthetic events table: time, peak memory, and the GROUP BY floor.

For each backend (SQLite, and PostgreSQL when reachable) this
1. synthesises ``--events`` events for ``--customers`` customers straight in SQL (INSERT … SELECT over
   a generated series: no Python loop, minutes not hours) with the demo brand's event types,
   touchpoints, reasons, surveys, offers and purchases, then ANALYZEs;
2. times the floor, ``SELECT customer_id, count(*) … GROUP BY customer_id`` read to the end;
3. runs ``journeys.service.discover`` at the stage level of the demo journey (paths, transitions,
   emotional curve, pain points, disconnects) in a child process, timing it. ``peak_mb`` is the peak
   RSS of that process and the processes it starts (SQLite's side-by-side readers of a large read are
   processes: see ``journeys.scan``), sampled every 20 ms and never below the process's own peak;
   ``reader_peak_mb`` is the largest peak of one of those reader processes alone (0 when none ran).
   ``--workers 1`` measures the serial read.
The last line printed is JSON with the figures and the ratio discover / floor.

``--keep`` keeps the synthesised database under a name made of ``--events`` and ``--customers``
(``benchmarks/out/journeys-E-C.db``, PostgreSQL database ``cxhub_bench_journeys_E_C``) and reuses it on
the next run with the same sizes, so a 10M run synthesises once; ``load_seconds`` is then 0.

    python benchmarks/journeys.py --events 1000000
Targets (issue 6): 10,000,000 events / 1,000,000 customers in <= 60 s and <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import OUT, POSTGRES_ADMIN_URL, fresh_database, postgres_available  # noqa: E402
from cxhub import migrate  # noqa: E402
from cxhub.config import Settings  # noqa: E402
from cxhub.db import make_engine, make_sessionmaker  # noqa: E402

# (type, channel, touchpoint, attributes JSON, score, products JSON): drawn with these weights.
TEMPLATES = [
    (8, "web_visit", "web", "sito_web", '{"page": "/offerte/fibra"}', None, None),
    (5, "app_session", "app", "app_mobile", '{"screen": "consumi"}', None, None),
    (4, "store_visit", "store", "negozio_milano_duomo", '{"purpose": "informazioni", "queue_minutes": 30}', None, None),
    (3, "purchase", "web", "sito_web", '{"journey_stage": "acquisto"}', None, '[{"sku": "IPHONE-16", "quantity": 1}]'),
    (
        3,
        "call",
        "contact_center",
        "call_center",
        '{"reason": "fatturazione", "outcome": "ticket_aperto", "wait_seconds": 900}',
        None,
        None,
    ),
    (2, "chat", "chat", "chat_assistenza", '{"reason": "fatturazione", "outcome": "risolto"}', None, None),
    (
        2,
        "complaint",
        "web",
        "fatturazione",
        '{"reason": "fatturazione", "ticket_id": "T-1", "status": "aperto"}',
        None,
        None,
    ),
    (2, "survey_response", "email", "relazione_cliente", '{"metric": "nps", "journey_stage": "uso"}', 9.0, None),
    (2, "survey_response", "email", "call_center", '{"metric": "nps", "journey_stage": "assistenza"}', 3.0, None),
    (1, "survey_response", "web", "consegna", '{"metric": "csat", "journey_stage": "acquisto"}', 4.0, None),
    (3, "offer", "email", "email_marketing", '{"campaign": "retargeting", "sku": "IPHONE-16"}', None, None),
    (
        1,
        "plan_change",
        "web",
        "sito_web",
        '{"change": "upgrade", "segment": "consumer"}',
        None,
        '[{"sku": "FIBRA-2.5G", "quantity": 1}]',
    ),
    (1, "email", "email", "email_assistenza", '{"reason": "rete", "outcome": "non_risolto"}', None, None),
    (
        1,
        "return",
        "store",
        "negozio_milano_duomo",
        '{"reason": "difettoso"}',
        None,
        '[{"sku": "IPHONE-16", "quantity": 1}]',
    ),
]
TEMPLATE_COLUMNS = "slot, type, channel, touchpoint, attributes, score, products"
INSERT = (
    "INSERT INTO events (workspace_id, event_id, customer_id, origin_customer_id, occurred_at, received_at, "
    "type, channel, touchpoint, identifiers, attributes, score, products, source)"
)
JOURNEY = Path(__file__).resolve().parents[1] / "src" / "cxhub" / "demo" / "journey.yaml"


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _templates_sql() -> tuple[str, int]:
    rows, slot = [], 0
    for weight, *fields in TEMPLATES:
        for _ in range(weight):
            rows.append(f"({slot}, {', '.join(_literal(f) for f in fields)})")
            slot += 1
    return ", ".join(rows), slot


def synthesise(url: str, events: int, customers: int) -> uuid.UUID:
    """Fill the events table in SQL; customer c's events are spread over 18 months, ordered by time."""
    engine = make_engine(Settings(database_url=url))
    migrate.upgrade(engine)
    workspace = uuid.uuid4()
    templates, slots = _templates_sql()
    per = max(1, events // customers)
    sqlite = engine.dialect.name == "sqlite"
    with engine.begin() as connection:
        ws = workspace.hex if sqlite else str(workspace)
        connection.execute(
            text(
                "INSERT INTO workspaces (id, slug, name, settings, created_at) VALUES (:id, 'bench', 'bench', '{}', :t)"
            ),
            {"id": ws, "t": "2026-01-01 00:00:00.000000" if sqlite else "2026-01-01T00:00:00+00:00"},
        )
        pick = f"((i * 7919 + (i / {per}) * 104729) % {slots})"
        if sqlite:
            series = f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {events - 1})"
            customer = f"printf('%032x', (i / {per}) * 2654435761 % 4294967296 * 65536 + i / {per})"
            when = (
                f"strftime('%Y-%m-%d %H:%M:%S.000000', '2025-05-01', '+' || ((i % {per}) * 47 * 3600 "
                f"+ ((i / {per}) * 7) % 86400 + (i * 37) % 3600) || ' seconds')"
            )
            connection.execute(
                text(
                    f"{series}, t({TEMPLATE_COLUMNS}) AS (VALUES {templates}) {INSERT} "
                    f"SELECT '{ws}', 'b-' || i, {customer}, {customer}, {when}, {when}, t.type, t.channel, "
                    f"t.touchpoint, '{{}}', t.attributes, t.score, t.products, 'bench' FROM s JOIN t ON t.slot = {pick}"
                )
            )
        else:
            customer = f"md5((i / {per})::text)::uuid"
            when = (
                f"timestamptz '2025-05-01 00:00:00+00' + make_interval(secs => (i % {per}) * 47 * 3600 "
                f"+ ((i / {per}) * 7) % 86400 + (i * 37) % 3600)"
            )
            connection.execute(
                text(
                    f"WITH t({TEMPLATE_COLUMNS}) AS (VALUES {templates}) {INSERT} "
                    f"SELECT '{ws}', 'b-' || i, {customer}, {customer}, {when}, {when}, t.type, t.channel, "
                    "t.touchpoint, '{}'::json, t.attributes::json, t.score::float8, t.products::json, 'bench' "
                    f"FROM generate_series(0::bigint, {events - 1}) AS i JOIN t ON t.slot = {pick}"
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE events" if sqlite else "VACUUM ANALYZE events"))
    engine.dispose()
    return workspace


@contextmanager
def kept_database(backend: str, events: int, customers: int) -> Iterator[tuple[str, uuid.UUID | None]]:
    """The kept database of these sizes and its workspace (``None`` when it must be synthesised)."""
    name = f"journeys-{events}-{customers}"
    if backend == "sqlite":
        OUT.mkdir(exist_ok=True)
        url = f"sqlite:///{OUT / name}.db"
        exists = (OUT / f"{name}.db").exists()
    else:
        database = "cxhub_bench_" + name.replace("-", "_")
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = bool(
                connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}).scalar()
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        url = f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{database}"
    workspace = None
    if exists:
        engine = make_engine(Settings(database_url=url))
        with engine.connect() as connection:
            found = connection.execute(text("SELECT id FROM workspaces WHERE slug = 'bench'")).scalar()
        engine.dispose()
        workspace = uuid.UUID(str(found)) if found else None
    yield url, workspace


def floor_seconds(url: str, workspace: uuid.UUID) -> float:
    engine = make_engine(Settings(database_url=url))
    ws = workspace.hex if engine.dialect.name == "sqlite" else str(workspace)
    with engine.connect() as connection:
        started = time.perf_counter()
        rows = connection.execute(
            text("SELECT customer_id, count(*) FROM events WHERE workspace_id = :ws GROUP BY customer_id"), {"ws": ws}
        ).fetchall()
        seconds = time.perf_counter() - started
    engine.dispose()
    assert rows
    return seconds


def _descendants(root: int) -> set[int]:
    """``root`` and the processes it started, and theirs (Linux ``/proc``)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        found = {pid for pid, ppid in parents.items() if ppid == parent} - tree
        tree |= found
        frontier += found
    return tree


def _resident_kb(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * resource.getpagesize() // 1024
        except (OSError, IndexError, ValueError):
            continue
    return total


class _PeakSampler(threading.Thread):
    """The highest resident memory of this process and its descendants seen until :meth:`stop`: every
    20 ms, the descendants looked up every 200 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kb = 0
        self.done = threading.Event()

    def run(self) -> None:
        tree, tick = {os.getpid()}, 0
        while not self.done.wait(0.02):
            if tick % 10 == 0:
                tree = _descendants(os.getpid())
            tick += 1
            self.peak_kb = max(self.peak_kb, _resident_kb(tree))

    def stop(self) -> float:
        self.done.set()
        self.join()
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return round(max(self.peak_kb, own) / 1024, 1)


def discover_child(url: str, workspace: str, workers: str = "") -> None:
    """Runs in a child process, so its peak memory is discovery's alone."""
    import cxhub.models  # noqa: F401 - every table, so foreign keys resolve
    from cxhub.journeys import parallel, service
    from cxhub.journeys.design import journey_from_yaml

    engine = make_engine(Settings(database_url=url))
    sessions = make_sessionmaker(engine)
    workspace_id = uuid.UUID(workspace)
    with sessions.begin() as session:
        service.save_journey(
            session, workspace_id=workspace_id, definition=journey_from_yaml(JOURNEY.read_text(encoding="utf-8"))
        )
    sampler = _PeakSampler()
    sampler.start()
    with sessions() as session:
        started = time.perf_counter()
        found = service.discover(
            session, workspace_id=workspace_id, journey="acquisto", workers=int(workers) if workers else None
        )
        seconds = time.perf_counter() - started
    peak_mb = sampler.stop()
    summary = {
        "seconds": round(seconds, 2),
        "customers": found.customers,
        "events": found.events,
        "transitions": len(found.transitions),
        "pain_points": len(found.pain_points),
        "disconnects": found.disconnect_counts.total,
        "workers": int(workers) if workers else parallel.WORKERS,
        "peak_mb": peak_mb,
        "reader_peak_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
    }
    print(json.dumps(summary))


def run_discover(url: str, workspace: uuid.UUID, workers: int | None) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, str(workspace), str(workers or "")],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"discover failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=None, help="default: events / 10")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--workers", type=int, default=None, help="customer ranges read side by side (default: per core)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and reuse it on the next run")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        discover_child(*args.child)
        return
    customers = args.customers or max(1, args.events // 10)
    results: dict[str, dict[str, float]] = {}
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_available():
            print("postgresql: not reachable, skipped", file=sys.stderr)
            continue
        database = kept_database(backend, args.events, customers) if args.keep else fresh_database(backend)
        with database as opened:
            url, workspace = opened if isinstance(opened, tuple) else (opened, None)
            started = time.perf_counter()
            if workspace is None:
                workspace = synthesise(url, args.events, customers)
            load = time.perf_counter() - started
            floor = floor_seconds(url, workspace)
            found = run_discover(url, workspace, args.workers)
        results[backend] = {
            **found,
            "load_seconds": round(load, 1),
            "floor_seconds": round(floor, 2),
            "ratio": round(found["seconds"] / floor, 2),
        }
        print(f"{backend}: {json.dumps(results[backend])}", file=sys.stderr)
    print(json.dumps({"benchmark": "journeys", "events": args.events, "customers": customers, "results": results}))


if __name__ == "__main__":
    main()
