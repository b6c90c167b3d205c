"""Ingest throughput: the real import path versus a raw bulk insert of the same rows.

For each backend (SQLite, and PostgreSQL when reachable) this
1. imports N demo events with ``cxhub import events`` in a child process (validation, identity,
   timeline: the real path), timing it and reading the child's peak memory;
2. bulk-inserts the same rows straight into the events table of another empty database of the
   same backend (the driver's executemany on SQLite, COPY on PostgreSQL, same batch size, rows built
   outside the timed part) as the baseline.
The last line printed is JSON with events/s, the baseline rate and their ratio.

    python benchmarks/ingest.py --events 1000000
Targets (issue 2): >= 20,000 events/s on SQLite, ratio >= 0.25, import peak memory < 500 MB.
``--jobs N`` is the import's worker processes (1: all in one process); ``import_peak_mb`` is the peak
resident memory of the import's whole process tree, ``largest_process_peak_mb`` that of its largest
process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import count_lines, demo_file, fresh_database, postgres_available  # noqa: E402
from cxhub import migrate  # noqa: E402
from cxhub.config import Settings  # noqa: E402
from cxhub.db import make_engine, table_of  # noqa: E402
from cxhub.events.models import Event  # noqa: E402
from cxhub.governance.models import Workspace  # noqa: E402
from cxhub.kit import bulk  # noqa: E402

EVENTS_PER_CUSTOMER = 11  # what the demo generator averages


PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants now (read from /proc; Linux only)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError):
            continue
    return total


def run_import(url: str, path: Path, batch_size: int, jobs: int) -> dict[str, float]:
    """Time ``cxhub import events`` in a child process and watch the memory of its whole process tree.

    The child's own resource usage (from ``wait4``) gives its CPU time and the peak of the largest
    single process of its tree, worker processes included; the tree's resident memory is also
    sampled every 50 ms and its peak reported: a sum of RSS, which counts pages shared between
    processes once per process.
    """
    env = {
        **os.environ,
        "CXHUB_DATABASE_URL": url,
        "CXHUB_IMPORT_BATCH_SIZE": str(batch_size),
        "CXHUB_IMPORT_JOBS": str(jobs),
    }
    migrate.upgrade(make_engine(Settings(database_url=url)))
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(
            [sys.executable, "-m", "cxhub", "import", "events", str(path), "--workspace", "bench"],
            env=env,
            stdout=out,
            stderr=err,
        )
        peak_tree = 0
        watch = threading.Event()

        def sample() -> None:
            nonlocal peak_tree
            while not watch.wait(0.05):
                peak_tree = max(peak_tree, _tree_rss(child.pid))

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        # wait4, not Popen.wait: its usage is this child's alone (with its waited-for workers), where
        # RUSAGE_CHILDREN would also hold an earlier backend's import.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        watch.set()
        watcher.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode not in (0, 1):
        raise SystemExit(f"import failed:\n{stdout}\n{stderr}")
    summary = stdout.strip().splitlines()[-1]
    return {
        "seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,  # unlike wall time, does not grow when others share the CPUs
        "peak_mb": usage.ru_maxrss / 1024,
        "tree_peak_mb": peak_tree / 2**20,
        "summary": summary,  # type: ignore[dict-item]
    }


def run_raw(url: str, path: Path, batch_size: int) -> float:
    """Seconds spent writing the same rows at the driver's speed, in batches, one commit each."""
    engine = make_engine(Settings(database_url=url))
    table = table_of(Event)
    workspace_id = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Workspace)).values(
                id=workspace_id, slug="raw", name="raw", settings={}, created_at=datetime.now(UTC)
            )
        )
    spent = 0.0
    received = datetime.now(UTC)
    batch: list[dict[str, object]] = []

    def flush() -> float:
        with engine.begin() as connection:
            names, values = bulk.prepare(table, batch, connection.dialect.name)  # not timed
            started = time.perf_counter()
            bulk.write(connection, table, names, values)
        spent = time.perf_counter() - started  # the commit counts, as it does for the import
        batch.clear()
        return spent

    with path.open("rb") as handle:
        for line in handle:
            e = orjson.loads(line)
            customer = uuid.uuid4()
            amount = e.get("amount") or {}
            batch.append(
                {
                    "workspace_id": workspace_id,
                    "event_id": e["event_id"],
                    "customer_id": customer,
                    "origin_customer_id": customer,
                    "occurred_at": datetime.fromisoformat(e["occurred_at"]),
                    "received_at": received,
                    "type": e["type"],
                    "channel": e["channel"],
                    "touchpoint": e["touchpoint"],
                    "identifiers": e["identifiers"],
                    "attributes": e.get("attributes", {}),
                    "text": e.get("text"),
                    "score": e.get("score"),
                    "amount_cents": amount.get("cents"),
                    "currency": amount.get("currency"),
                    "products": e.get("products"),
                    "source": "raw",
                }
            )
            if len(batch) >= batch_size:
                spent += flush()
    if batch:
        spent += flush()
    engine.dispose()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cxhub import events --jobs")
    args = parser.parse_args()

    path = demo_file(max(1, args.events // EVENTS_PER_CUSTOMER))
    events = count_lines(path)
    results: dict[str, dict[str, float | str]] = {}
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_available():
            print("postgresql: not reachable, skipped", file=sys.stderr)
            continue
        # Each run gets an empty database of its own, so neither pays for the other's rows.
        with fresh_database(backend) as url:
            imported = run_import(url, path, args.batch_size, args.jobs)
        with fresh_database(backend) as url:
            migrate.upgrade(make_engine(Settings(database_url=url)))
            raw_seconds = run_raw(url, path, args.batch_size)
        rate = events / float(imported["seconds"])
        raw_rate = events / raw_seconds
        results[backend] = {
            "events": events,
            "import_seconds": round(float(imported["seconds"]), 2),
            "import_cpu_seconds": round(float(imported["cpu_seconds"]), 2),
            "events_per_s": round(rate),
            "raw_insert_events_per_s": round(raw_rate),
            "ratio": round(rate / raw_rate, 3),
            "jobs": args.jobs,
            "import_peak_mb": round(float(imported["tree_peak_mb"]), 1),
            "largest_process_peak_mb": round(float(imported["peak_mb"]), 1),
            "summary": imported["summary"],
        }
        print(f"{backend}: {json.dumps(results[backend])}", file=sys.stderr)
    print(json.dumps({"benchmark": "ingest", "results": results}))


if __name__ == "__main__":
    main()
