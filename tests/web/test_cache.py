"""The analysis cache is only a cache: a repeat view reuses it, new data is on the very next view."""

from __future__ import annotations

import re
import threading
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cxhub.kit.http import Hub
from cxhub.web.cache import ResultCache, data_version, results
from tests.builders import event
from tests.conftest import Tenant
from tests.metrics.test_query import query_plans
from tests.web.conftest import signed_in_member


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_fresh_entry_is_reused_and_an_expired_one_recomputed() -> None:
    clock = Clock()
    cache = ResultCache(ttl=10, clock=clock)
    calls: list[str] = []

    def compute(value: str) -> str:
        calls.append(value)
        return value

    assert cache.get_or_compute("k", lambda: compute("first")) == "first"
    assert cache.get_or_compute("k", lambda: compute("second")) == "first"
    clock.now = 11
    assert cache.get_or_compute("k", lambda: compute("third")) == "third"
    assert calls == ["first", "third"] and cache.hits == 1 and cache.misses == 2


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = ResultCache(max_entries=2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("a", lambda: 0)  # "a" is now the most recent
    cache.get_or_compute("c", lambda: 3)
    assert len(cache) == 2
    assert cache.get_or_compute("a", lambda: -1) == 1
    assert cache.get_or_compute("b", lambda: -2) == -2


def _answers(scores: list[int], day: datetime) -> list[dict]:  # type: ignore[type-arg]
    return [
        event(
            type="survey_response",
            channel="email",
            touchpoint="negozio_cache",
            occurred_at=(day + timedelta(minutes=i)).isoformat(),
            score=score,
            identifiers={"email": f"cache{i}@example.it"},
            attributes={"metric": "nps"},
        )
        for i, score in enumerate(scores)
    ]


def test_new_events_move_the_data_version(hub: Hub, tenant: Tenant, client: TestClient) -> None:
    with hub.sessions() as session:
        before = data_version(session, workspace_id=tenant.workspace_id)
    assert client.post("/api/v1/events", json={"events": _answers([9], datetime.now(UTC) - timedelta(days=2))})
    with hub.sessions() as session:
        after = data_version(session, workspace_id=tenant.workspace_id)
    assert after != before and after[0] is not None


def test_the_data_version_finds_the_newest_ids_in_their_own_indexes(session: Session) -> None:
    """Read on every page view: an index whose order is the id, not a walk over a workspace's events."""
    [plan] = query_plans(session, lambda: data_version(session, workspace_id=uuid.uuid4()))
    assert "COVERING INDEX ix_events_workspace_id" in plan, plan
    assert "COVERING INDEX ix_text_mentions_workspace_id" in plan, plan


def _nps_answers_shown(page: str) -> int:
    card = page.split('data-metric="nps"')[1].split("</a>")[0]
    found = re.search(r"([\d,]+) answers?", card)
    assert found, card
    return int(found.group(1).replace(",", ""))


def test_the_overview_shows_new_answers_on_the_next_view_despite_the_cache(
    hub: Hub, tenant: Tenant, client: TestClient
) -> None:
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    assert client.post("/api/v1/events", json={"events": _answers([10] * 12, two_days_ago)}).status_code == 200
    manager = signed_in_member(hub, tenant, prefix="c", role="admin")
    assert _nps_answers_shown(manager.get("/app").text) == 12
    misses = results.misses
    assert _nps_answers_shown(manager.get("/app").text) == 12
    assert results.misses == misses, "the second view came from the cache"

    more = _answers([0] * 5, two_days_ago + timedelta(hours=3))
    assert client.post("/api/v1/events", json={"events": more}).status_code == 200
    page = manager.get("/app").text
    assert _nps_answers_shown(page) == 17
    assert 'data-metric="nps"' in page


def test_a_stale_result_is_shown_while_one_background_refresh_computes_the_new_one() -> None:
    clock = Clock()
    cache = ResultCache(ttl=10, clock=clock)
    release = threading.Event()
    refreshes: list[str] = []

    def refresh() -> tuple[str, str]:
        refreshes.append("v2")
        release.wait(5)
        return "v2", "second"

    assert cache.get_or_stale("k", "v1", lambda: "first", refresh) == ("first", None)
    assert cache.get_or_stale("k", "v1", lambda: "never", refresh) == ("first", None)  # same data: a hit
    value, computed_at = cache.get_or_stale("k", "v2", lambda: "never", refresh)  # new data
    assert value == "first" and computed_at is not None and computed_at.tzinfo is not None
    assert cache.get_or_stale("k", "v2", lambda: "never", refresh)[0] == "first"  # still refreshing
    release.set()
    cache.settle()
    assert refreshes == ["v2"], "one refresh per key at a time"
    assert cache.get_or_stale("k", "v2", lambda: "never", refresh) == ("second", None)


def test_a_result_older_than_max_stale_is_never_shown_and_a_failed_refresh_keeps_the_last() -> None:
    clock = Clock()
    cache = ResultCache(ttl=10, clock=clock)

    def broken() -> tuple[str, str]:
        raise RuntimeError("database gone")

    cache.get_or_stale("k", "v1", lambda: "first", broken, max_stale=100)
    assert cache.get_or_stale("k", "v2", lambda: "never", broken, max_stale=100)[0] == "first"
    cache.settle()
    assert cache.latest("k") is not None and cache.latest("k").value == "first"  # type: ignore[union-attr]
    clock.now = 100
    assert cache.get_or_stale("k", "v2", lambda: "fresh", broken, max_stale=100) == ("fresh", None)
    cache.clear()
    assert cache.latest("k") is None and len(cache) == 0


def test_the_journey_page_shows_its_last_result_while_new_data_is_analysed_and_warm_computes_ahead(
    hub: Hub, tenant: Tenant, client: TestClient
) -> None:
    from cxhub.web.journeys import warm

    yesterday = datetime.now(UTC) - timedelta(days=1)
    assert client.post("/api/v1/events", json={"events": _answers([9] * 3, yesterday)}).status_code == 200
    manager = signed_in_member(hub, tenant, prefix="j", role="admin")
    results.clear()
    assert warm(hub, workspace_ids=[tenant.workspace_id]) == 3  # every period of the page
    assert warm(hub, workspace_ids=[tenant.workspace_id]) == 0, "nothing changed: nothing to compute"
    misses = results.misses
    first = manager.get("/app/journeys?days=365").text
    assert results.misses == misses, "warm computed it ahead of the view"
    assert "3 customers" in first and 'data-testid="computed-at"' not in first

    more = _answers([2] * 2, yesterday + timedelta(hours=1))
    for answer in more:
        answer["identifiers"] = {"email": "late" + answer["identifiers"]["email"]}
    assert client.post("/api/v1/events", json={"events": more}).status_code == 200
    stale = manager.get("/app/journeys?days=365").text
    assert "3 customers" in stale and 'data-testid="computed-at"' in stale  # the last result, said so
    results.settle()
    fresh = manager.get("/app/journeys?days=365").text
    assert "5 customers" in fresh and 'data-testid="computed-at"' not in fresh
