"""The overview's "what changed this week" panel is built from the significance tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from cxhub.kit.http import Hub
from cxhub.web.overview import last_week_start
from tests.builders import event
from tests.conftest import Tenant
from tests.web.conftest import signed_in_member


def test_last_week_starts_on_the_monday_before() -> None:
    assert last_week_start(datetime(2026, 11, 25, 15, tzinfo=UTC)) == datetime(2026, 11, 16, tzinfo=UTC)
    assert last_week_start(datetime(2026, 11, 23, 0, 30, tzinfo=UTC)) == datetime(2026, 11, 16, tzinfo=UTC)


def _answers(touchpoint: str, scores: list[int], day: datetime) -> list[dict]:  # type: ignore[type-arg]
    return [
        event(
            type="survey_response",
            channel="email",
            touchpoint=touchpoint,
            occurred_at=(day + timedelta(minutes=i)).isoformat(),
            score=score,
            identifiers={"email": f"c{i}@example.it"},
            attributes={"metric": "nps"},
        )
        for i, score in enumerate(scores)
    ]


def test_a_collapse_at_one_touchpoint_is_reported_and_a_steady_one_is_not(
    hub: Hub, tenant: Tenant, client: TestClient
) -> None:
    now = datetime.now(UTC)
    monday = last_week_start(now)
    if now - monday < timedelta(days=7, hours=1):  # too early in this week for 40 answers: use the two before
        monday -= timedelta(days=7)
    last_week, this_week = monday + timedelta(days=1), monday + timedelta(days=7, minutes=1)
    payload = (
        _answers("negozio_falling", [10] * 40, last_week)
        + _answers("negozio_falling", [0] * 40, this_week)
        + _answers("negozio_steady", [9, 7, 3, 10] * 10, last_week)
        + _answers("negozio_steady", [10, 7, 4, 9] * 10, this_week)
    )
    assert client.post("/api/v1/events", json={"events": payload}).json()["accepted"] == len(payload)
    manager = signed_in_member(hub, tenant, prefix="m", role="cx_manager")
    panel = manager.get("/app").text.split('id="changes-title"')[1].split("</section>")[0]
    assert "negozio_falling" in panel and "−200.0" in panel
    assert "negozio_steady" not in panel
