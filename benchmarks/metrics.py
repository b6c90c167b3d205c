"""Metric speed: NPS by touchpoint × month with confidence intervals over N survey responses.

For each backend (SQLite, and PostgreSQL when reachable) this writes N ``survey_response`` events
(metric nps, 12 touchpoints, 18 months, realistic score mix) straight into the events table of an
empty, migrated database, then times, best of ``--repeat`` runs:
- ``metric``: ``metrics.service.metric_groups(metric="nps", by=["touchpoint"], period="month")`` —
  the SQL aggregation, the intervals and the Holm-corrected month-on-month tests, as the API serves it;
- ``baseline``: a bare ``SELECT touchpoint, month, count(*) … GROUP BY`` over the same rows, through
  the same covering index. (On SQLite the metric reads days in index order and sums them into months
  in Python, which skips the sort the plain GROUP BY pays for: the ratio can fall below 1.)
The last line printed is JSON with both times and their ratio.

    python benchmarks/metrics.py --responses 1000000
Target (issue 3): <= 500 ms per backend.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import fresh_database, postgres_available  # noqa: E402
from cxhub import migrate  # noqa: E402
from cxhub.config import Settings  # noqa: E402
from cxhub.db import make_engine, make_sessionmaker, table_of  # noqa: E402
from cxhub.events.models import Event  # noqa: E402
from cxhub.governance.models import Workspace  # noqa: E402
from cxhub.kit import bulk  # noqa: E402
from cxhub.metrics.query import period_expression  # noqa: E402
from cxhub.metrics.service import metric_groups  # noqa: E402

TOUCHPOINTS = [f"touchpoint_{i:02d}" for i in range(12)]
CHANNELS = ["web", "app", "store", "phone", "email"]
START = datetime(2025, 6, 1, tzinfo=UTC)
MONTHS = 18
BATCH = 50_000


def fill(url: str, responses: int, seed: int) -> uuid.UUID:
    engine = make_engine(Settings(database_url=url))
    migrate.upgrade(engine)
    workspace_id = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Workspace)).values(
                id=workspace_id, slug="bench", name="bench", settings={}, created_at=datetime.now(UTC)
            )
        )
    rng = random.Random(seed)
    table = table_of(Event)
    minutes = MONTHS * 30 * 24 * 60
    # Scores lean by touchpoint so groups differ, as they do in real feedback.
    weights = {tp: [1 + (i % 4)] * 7 + [3, 3, 4 + i % 5, 4 + i % 3] for i, tp in enumerate(TOUCHPOINTS)}
    for first in range(0, responses, BATCH):
        rows = []
        for i in range(first, min(responses, first + BATCH)):
            touchpoint = TOUCHPOINTS[rng.randrange(len(TOUCHPOINTS))]
            customer = uuid.UUID(int=rng.getrandbits(128))
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "event_id": f"r{i}",
                    "customer_id": customer,
                    "origin_customer_id": customer,
                    "occurred_at": START + timedelta(minutes=rng.randrange(minutes)),
                    "received_at": START,
                    "type": "survey_response",
                    "channel": CHANNELS[rng.randrange(len(CHANNELS))],
                    "touchpoint": touchpoint,
                    "identifiers": {"crm_id": str(i)},
                    "attributes": {"metric": "nps", "survey": "bench"},
                    "score": float(rng.choices(range(11), weights[touchpoint])[0]),
                    "metric": "nps",
                    "source": "bench",
                }
            )
        with engine.begin() as connection:
            names, values = bulk.prepare(table, rows, connection.dialect.name)
            bulk.write(connection, table, names, values)
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    if engine.dialect.name == "postgresql":
        # Index-only scans need the visibility map that VACUUM builds (autovacuum would, later).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM events")
    engine.dispose()
    return workspace_id


def best_of(repeat: int, work: object) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return min(times)


def measure(url: str, workspace_id: uuid.UUID, repeat: int) -> dict[str, object]:
    engine = make_engine(Settings(database_url=url))
    sessions = make_sessionmaker(engine)
    groups: list[dict[str, object]] = []

    def metric() -> None:
        nonlocal groups
        with sessions() as session:
            groups = metric_groups(session, workspace_id=workspace_id, metric="nps", by=["touchpoint"], period="month")

    month = period_expression("month", engine.dialect.name)
    baseline_sql = (
        select(Event.touchpoint, month, func.count())
        .where(and_(Event.workspace_id == workspace_id, Event.metric == "nps"))
        .group_by(Event.touchpoint, month)
    )

    def baseline() -> None:
        with sessions() as session:
            session.execute(baseline_sql).all()

    baseline()
    metric()  # warm both: the first run pays for the page cache
    metric_s = best_of(repeat, metric)
    baseline_s = best_of(repeat, baseline)
    engine.dispose()
    return {
        "groups": len(groups),
        "metric_ms": round(metric_s * 1000, 1),
        "baseline_ms": round(baseline_s * 1000, 1),
        "ratio": round(metric_s / baseline_s, 2),
        "target_met": metric_s <= 0.5,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    results: dict[str, object] = {"responses": args.responses, "query": "nps by touchpoint x month with 95% CI"}
    for backend in args.backends.split(","):
        if backend == "postgresql" and not postgres_available():
            results[backend] = "skipped: PostgreSQL not reachable"
            continue
        with fresh_database(backend) as url:
            started = time.perf_counter()
            workspace_id = fill(url, args.responses, args.seed)
            load_s = time.perf_counter() - started
            figures = measure(url, workspace_id, args.repeat)
            figures["load_s"] = round(load_s, 1)
            results[backend] = figures
            print(f"{backend}: {figures}", file=sys.stderr)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
