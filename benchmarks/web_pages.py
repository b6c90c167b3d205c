"""Web app speed: server-side render time of every cockpit page on the demo brand.

Loads the demo brand (``--customers``, default 10,000) through ``load_demo`` into a SQLite file that
later runs reuse (or any ``--database-url``), signs in as the demo admin and the demo department lead,
then requests each page ``--repeat`` times in process (FastAPI's TestClient: routing, database, Jinja2
and the response, no network). Each page is timed twice: *cold*, with the web app's analysis cache
(``cxhub.web.cache``) emptied before every request, as the first view after new data arrives; and
*warm*, after one warm-up request, as every later view until the data changes. Prints p50/p95 per page
in milliseconds; the last line is JSON.

    python benchmarks/web_pages.py --customers 10000 --repeat 20
Target (issue 7): every page < 300 ms server-side.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import OUT  # noqa: E402
from cxhub import migrate  # noqa: E402
from cxhub.app import create_app, make_hub  # noqa: E402
from cxhub.cases.models import Case  # noqa: E402
from cxhub.config import Settings  # noqa: E402
from cxhub.demo.service import load_demo  # noqa: E402
from cxhub.governance.models import Workspace  # noqa: E402
from cxhub.identity.models import Identifier  # noqa: E402
from cxhub.web.cache import results  # noqa: E402

TARGET_MS = 300.0


def _client(app, email: str, password: str):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    client = TestClient(app, headers={"Accept-Language": "it-IT,it;q=0.9"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token, "no login form"
    answer = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token.group(1)}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text[:300]
    return client


def _times(client, path: str, repeat: int, *, clear: bool) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """p50/p95 of ``repeat`` requests; ``clear`` empties the analysis cache before each one (a cold view)."""
    times = []
    for _ in range(repeat):
        if clear:
            results.clear()
        start = time.perf_counter()
        answer = client.get(path, follow_redirects=False)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code in (200, 303), f"{path}: {answer.status_code}"
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="Default: a SQLite file under benchmarks/out.")
    args = parser.parse_args()

    as_of = (datetime.now(UTC) - timedelta(days=1)).date()
    OUT.mkdir(exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT / f'web-demo-{args.customers}-{args.seed}-{as_of}.db'}"
    hub = make_hub(Settings(database_url=url, secret_key="benchmark-secret-key-0123456789"))
    migrate.upgrade(hub.engine)
    started = time.perf_counter()
    demo = load_demo(hub, customers=args.customers, seed=args.seed, as_of=as_of)
    print(f"demo brand ready in {time.perf_counter() - started:.1f} s ({demo.report.accepted:,} new events)")
    credentials = {role: (email, password) for email, role, password in demo.users}
    with hub.sessions() as session:
        workspace_id = session.scalar(select(Workspace.id).where(Workspace.slug == demo.workspace))
        email = session.scalar(
            select(Identifier.value).where(Identifier.workspace_id == workspace_id, Identifier.type == "email").limit(1)
        )
        customer = session.scalar(
            select(Identifier.customer_id).where(Identifier.workspace_id == workspace_id, Identifier.type == "email")
        )
        case_id = session.scalar(select(Case.id).where(Case.workspace_id == workspace_id).limit(1))

    app = create_app(hub)
    admin = _client(app, *credentials["admin"])
    lead = _client(app, *credentials["department_lead"])
    pages: list[tuple[str, object, str]] = [
        ("overview", admin, "/app"),
        ("overview csat 365 days", admin, "/app?metric=csat&days=365"),
        ("verbatims", admin, "/app/feedback"),
        ("verbatims of a touchpoint", admin, "/app/feedback?touchpoint=relazione_cliente"),
        ("verbatims negative", admin, "/app/feedback?sentiment=negative"),
        ("customer search", admin, f"/app/customers?q={email}"),
        ("customer 360", admin, f"/app/customers/{customer}"),
        ("journeys (30 days)", admin, "/app/journeys"),
        ("journeys (90 days)", admin, "/app/journeys?days=90"),
        ("departments", admin, "/app/departments"),
        ("department (lead)", lead, "/app/departments/customer_care"),
        ("cases", admin, "/app/cases"),
        ("settings", admin, "/app/settings"),
    ]
    if case_id is not None:
        pages.insert(10, ("case", admin, f"/app/cases/{case_id}"))
    timings = {}
    for name, client, path in pages:
        client.get(path, follow_redirects=False)  # type: ignore[attr-defined]  # imports, SQLite page cache
        cold = _times(client, path, args.repeat, clear=True)
        client.get(path, follow_redirects=False)  # type: ignore[attr-defined]
        warm = _times(client, path, args.repeat, clear=False)
        timings[name] = {"cold": cold, "warm": warm}
        print(
            f"{name:28} cold p50 {cold['p50_ms']:7.1f} p95 {cold['p95_ms']:7.1f} ms"
            f"   warm p50 {warm['p50_ms']:7.1f} p95 {warm['p95_ms']:7.1f} ms"
        )
    worst_cold = max(t["cold"]["p95_ms"] for t in timings.values())
    worst_warm = max(t["warm"]["p95_ms"] for t in timings.values())
    summary = {
        "customers": args.customers,
        "database": hub.engine.dialect.name,
        "repeat": args.repeat,
        "pages": timings,
        "worst_cold_p95_ms": worst_cold,
        "worst_warm_p95_ms": worst_warm,
        "target_ms": TARGET_MS,
        "cold_within_target": worst_cold < TARGET_MS,
        "warm_within_target": worst_warm < TARGET_MS,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
