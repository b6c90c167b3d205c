"""Top rising negative themes: on the overview and, for its own touchpoints, on a department's page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib.resources import files

from fastapi.testclient import TestClient

from cxhub.app import create_app
from cxhub.db import transaction
from cxhub.governance import users
from cxhub.governance.mapfile import parse_map_yaml
from cxhub.governance.ownership import departments_overview, import_map, load_map
from cxhub.kit.http import Hub
from cxhub.web.departments import owned_touchpoints
from cxhub.web.overview import last_week_start
from tests.builders import event
from tests.conftest import Tenant
from tests.web.conftest import sign_in

GOOD_BILL = "La bolletta è chiara e corretta, grazie"
BAD_BILL = "Bolletta sbagliata, mi avete addebitato il doppio, inaccettabile"
TOPIC = "Fatturazione › Bolletta"


def _weeks() -> tuple[datetime, datetime]:
    """A day of last week and the start of this one (or the two weeks before, early on a Monday)."""
    now = datetime.now(UTC)
    monday = last_week_start(now)
    if now - monday < timedelta(days=7, hours=2):
        monday -= timedelta(days=7)
    return monday + timedelta(days=1), monday + timedelta(days=7, minutes=1)


def _texts(touchpoint: str, text: str, day: datetime, count: int, tag: str) -> list[dict]:  # type: ignore[type-arg]
    return [
        event(
            type="complaint" if text == BAD_BILL else "feedback",
            channel="email",
            touchpoint=touchpoint,
            occurred_at=(day + timedelta(minutes=i)).isoformat(),
            text=text,
            identifiers={"email": f"{tag}{i}@example.it"},
        )
        for i in range(count)
    ]


def _setup(hub: Hub, tenant: Tenant, client: TestClient) -> tuple[str, str, str]:
    """The demo map in the tenant; bills turn sour at one department's touchpoint. Returns
    (that department, its touchpoint, a department that owns neither)."""
    with transaction(hub.sessions) as session:
        document = parse_map_yaml(files("cxhub.demo").joinpath("governance.yaml").read_bytes())
        import_map(session, workspace_id=tenant.workspace_id, document=document, source="tests")
        owned = {
            d.key: owned_touchpoints(d)
            for d in departments_overview(load_map(session, workspace_id=tenant.workspace_id))
        }
    touchpoint = owned["fatturazione"][0]
    other = next(key for key, keys in owned.items() if keys and touchpoint not in keys)
    last_week, this_week = _weeks()
    payload = _texts(touchpoint, GOOD_BILL, last_week, 25, "a") + _texts(touchpoint, BAD_BILL, this_week, 25, "b")
    assert client.post("/api/v1/events", json={"events": payload}).json()["accepted"] == len(payload)
    return "fatturazione", touchpoint, other


def _user(hub: Hub, tenant: Tenant, role: str, department: str | None = None) -> TestClient:
    email = f"{role}-{tenant.slug}@example.it"
    with transaction(hub.sessions) as session:
        users.create_user(
            session,
            workspace_id=tenant.workspace_id,
            email=email,
            password="x" * 12,
            role=role,
            department_key=department,
        )
    return sign_in(TestClient(create_app(hub), headers={"Accept-Language": "en"}), email, "x" * 12)


def _panel(page: str) -> str:
    return page.split('id="rising-title"')[1].split("</section>")[0]


def test_a_topic_turning_negative_is_on_the_overview_with_its_test_and_drills_down(
    hub: Hub, tenant: Tenant, client: TestClient
) -> None:
    _setup(hub, tenant, client)
    manager = _user(hub, tenant, "cx_manager")
    panel = _panel(manager.get("/app").text)
    assert f'data-topic="{TOPIC}"' in panel and "significant</strong>" in panel
    assert "25 of 25 mentions negative" in panel
    drill = manager.get("/app/feedback", params={"topic": TOPIC, "sentiment": "negative"})
    assert drill.status_code == 200
    assert drill.text.count('data-testid="feedback-item"') == 25
    assert "addebitato il doppio" in drill.text and "chiara e corretta" not in drill.text


def test_a_department_sees_the_rising_topics_of_its_own_touchpoints_only(
    hub: Hub, tenant: Tenant, client: TestClient
) -> None:
    owner, _, other = _setup(hub, tenant, client)
    own = _panel(_user(hub, tenant, "department_lead", owner).get(f"/app/departments/{owner}").text)
    assert f'data-topic="{TOPIC}"' in own and "/app/feedback?topic=" in own
    elsewhere = _panel(_user(hub, tenant, "analyst").get(f"/app/departments/{other}").text)
    assert TOPIC not in elsewhere and "No topic is getting more negative." in elsewhere
