"""Web app speed: server-side render time of every cockpit page on the demo brand.

Loads the demo brand (``--customers``, default 10,000) through ``load_demo`` into a SQLite file that
later runs reuse (or any ``--database-url``), signs in as the demo admin and the demo department lead,
then requests each page ``--repeat`` times in process (FastAPI's TestClient: routing, database, Jinja2
and the response, no network). Each page is timed twice: *cold*, with the web app's analysis cache
(``cxhub.web.cache``) emptied before every request, as the first view after new data arrives; and
*warm*, after one warm-up request, as every later view until the data changes. The journey pages are
also timed *after new data*: one new event is ingested before each request, so the request finds its
last result out of date and shows it while a background thread recomputes (``web.cache``); each
refresh is waited for, untimed, before the next event. Prints p50/p95 per page in milliseconds; the
last line is JSON.

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
import uuid
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


def _new_event(hub, workspace_id, customer_email: str, n: int) -> None:  # type: ignore[no-untyped-def]
    """One survey answer from an existing customer: the workspace's data version moves."""
    from cxhub.db import transaction
    from cxhub.events.service import ingest, record_from_payload

    payload = {
        "event_id": f"bench-web-{uuid.uuid4()}",
        "type": "survey_response",
        "channel": "email",
        "touchpoint": "relazione_cliente",
        "occurred_at": (datetime.now(UTC) - timedelta(minutes=n)).isoformat(),
        "identifiers": {"email": customer_email},
        "score": 9,
        "attributes": {"metric": "nps"},
    }
    with transaction(hub.sessions) as session:
        report = ingest(
            session,
            workspace_id=workspace_id,
            records=[record_from_payload(payload)],
            source="benchmark",
            settings=hub.settings,
            queue=hub.queue,
        )
    assert report.accepted == 1, report


def _after_new_data(hub, workspace_id, email: str, client, path: str, repeat: int) -> dict[str, float]:  # type: ignore[no-untyped-def]
    times = []
    for n in range(repeat):
        _new_event(hub, workspace_id, email, n)
        start = time.perf_counter()
        answer = client.get(path, follow_redirects=False)
        times.append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"
        results.settle()  # the background refresh, untimed
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
    assert email is not None and workspace_id is not None, "the demo brand has customers with e-mails"

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
        ("journeys (365 days)", admin, "/app/journeys?days=365"),
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
        line = (
            f"{name:28} cold p50 {cold['p50_ms']:7.1f} p95 {cold['p95_ms']:7.1f} ms"
            f"   warm p50 {warm['p50_ms']:7.1f} p95 {warm['p95_ms']:7.1f} ms"
        )
        if path.startswith("/app/journeys"):
            fresh = _after_new_data(hub, workspace_id, email, client, path, args.repeat)
            timings[name]["after_new_data"] = fresh
            line += f"   after new data p50 {fresh['p50_ms']:7.1f} p95 {fresh['p95_ms']:7.1f} ms"
        print(line)
    worst_cold = max(t["cold"]["p95_ms"] for t in timings.values())
    worst_warm = max(t["warm"]["p95_ms"] for t in timings.values())
    # What a user meets on the first view after new data: the journey pages show their last result
    # while it is recomputed; every other page computes on the request (its cold figure).
    worst_first = max(t.get("after_new_data", t["cold"])["p95_ms"] for t in timings.values())
    summary = {
        "customers": args.customers,
        "database": hub.engine.dialect.name,
        "repeat": args.repeat,
        "pages": timings,
        "worst_cold_p95_ms": worst_cold,
        "worst_warm_p95_ms": worst_warm,
        "target_ms": TARGET_MS,
        "worst_first_view_after_new_data_p95_ms": worst_first,
        "cold_within_target": worst_cold < TARGET_MS,
        "first_view_within_target": worst_first < TARGET_MS,
        "warm_within_target": worst_warm < TARGET_MS,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
