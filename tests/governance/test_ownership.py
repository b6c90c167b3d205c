"""The map's service on both databases: whole-map replace, routing, the report's SQL."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.db import transaction, with_retry
from cxhub.events.models import Event
from cxhub.governance import ownership
from cxhub.governance.mapfile import parse_map_yaml
from cxhub.governance.models import Department, Ownership, Touchpoint
from cxhub.governance.schemas import MapDocument
from cxhub.governance.service import ensure_workspace
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub
from tests.governance.maps import SMALL_MAP

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def workspace(session: Session) -> uuid.UUID:
    return ensure_workspace(session, slug=f"g-{uuid.uuid4().hex[:10]}").id


def imported(session: Session, text: str = SMALL_MAP) -> uuid.UUID:
    workspace_id = workspace(session)
    ownership.import_map(session, workspace_id=workspace_id, document=parse_map_yaml(text), source="test")
    return workspace_id


def add_event(
    session: Session, workspace_id: uuid.UUID, touchpoint: str, *, at: datetime = T0, **fields: object
) -> None:
    customer = uuid.uuid4()
    values: dict[str, object] = {"type": "call", "channel": "contact_center", "identifiers": {}, "attributes": {}}
    values.update(fields)
    session.add(
        Event(
            workspace_id=workspace_id,
            event_id=uuid.uuid4().hex,
            customer_id=customer,
            origin_customer_id=customer,
            occurred_at=at,
            received_at=at,
            touchpoint=touchpoint,
            source="test",
            **values,
        )
    )


def test_import_then_load_gives_back_the_same_map(session: Session) -> None:
    workspace_id = imported(session)
    loaded = ownership.load_map(session, workspace_id=workspace_id)
    assert loaded.version == 1 and loaded.updated_at is not None
    assert loaded.model_copy(update={"version": None, "updated_at": None}) == parse_map_yaml(SMALL_MAP)


def test_importing_the_same_map_again_writes_nothing(session: Session) -> None:
    workspace_id = imported(session)
    again = ownership.import_map(session, workspace_id=workspace_id, document=parse_map_yaml(SMALL_MAP))
    assert (again.changed, again.version) == (False, 1)
    assert again.diff.empty
    assert (again.departments, again.touchpoints, again.stages, again.ownerships) == (4, 4, 3, 16)
    cells = session.scalar(select(func.count()).select_from(Ownership).where(Ownership.workspace_id == workspace_id))
    assert cells == 16


def test_replace_keeps_ids_of_kept_keys_and_drops_the_rest(session: Session) -> None:
    workspace_id = imported(session)
    care_id = ownership.get_department(session, workspace_id=workspace_id, key="care").id
    smaller = """
departments: [{key: care, name: Customer Care and Claims}, {key: legal, name: Legal}]
touchpoints: [{key: call_center, name: Call center, raci: {A: legal, R: care}}]
"""
    result = ownership.import_map(session, workspace_id=workspace_id, document=parse_map_yaml(smaller))
    assert result.version == 2 and result.changed
    assert result.diff.departments.removed == ["billing", "digital", "hr"]
    assert result.diff.departments.added == ["legal"]
    assert [(c.key, c.fields) for c in result.diff.departments.changed] == [
        ("care", ["name", "labels", "lead_email", "kpis"])
    ]
    assert result.diff.stages.removed == ["purchase", "support", "renewal"]
    departments = ownership.list_departments(session, workspace_id=workspace_id)
    assert [(d.key, d.name) for d in departments] == [("care", "Customer Care and Claims"), ("legal", "Legal")]
    assert departments[0].id == care_id
    cells = session.scalar(select(func.count()).select_from(Ownership).where(Ownership.workspace_id == workspace_id))
    assert cells == 2
    assert ownership.accountable_department(session, workspace_id=workspace_id, touchpoint="call_center").key == "legal"  # type: ignore[union-attr]


def test_dry_run_shows_the_diff_and_writes_nothing(session: Session) -> None:
    workspace_id = imported(session)
    changed = SMALL_MAP.replace("{key: web, name: Web site", "{key: web, name: Website")
    result = ownership.import_map(session, workspace_id=workspace_id, document=parse_map_yaml(changed), dry_run=True)
    assert result.dry_run and result.changed and result.version == 1
    assert [(c.key, c.fields) for c in result.diff.touchpoints.changed] == [("web", ["name"])]
    assert (
        session.scalar(select(Touchpoint.name).where(Touchpoint.workspace_id == workspace_id, Touchpoint.key == "web"))
        == "Web site"
    )


def test_an_import_can_require_the_version_it_was_based_on(session: Session) -> None:
    workspace_id = imported(session)
    with pytest.raises(CxhubError) as caught:
        ownership.import_map(
            session, workspace_id=workspace_id, document=parse_map_yaml("departments: []"), expected_version=0
        )
    assert (caught.value.code, caught.value.status) == ("map_changed", 412)
    assert ownership.load_map(session, workspace_id=workspace_id).departments


def test_import_once_does_not_overwrite_an_existing_map(session: Session) -> None:
    workspace_id = imported(session)
    assert (
        ownership.import_map_once(session, workspace_id=workspace_id, document=parse_map_yaml("departments: []"))
        is None
    )
    assert len(ownership.list_departments(session, workspace_id=workspace_id)) == 4


def test_accountable_department_routes_by_touchpoint_then_stage(session: Session) -> None:
    workspace_id = imported(session)

    def route(touchpoint: str, stage: str | None = None) -> str | None:
        found = ownership.accountable_department(session, workspace_id=workspace_id, touchpoint=touchpoint, stage=stage)
        assert found is None or isinstance(found, Department)
        return found.key if found else None

    assert route("call_center") == "care"
    assert route("call_center", "purchase") == "care"  # the touchpoint's own owner comes first
    assert route("social") is None  # no accountable owner, no stage to fall back on
    assert route("social", "support") == "care"
    assert route("instagram", "purchase") == "digital"  # not in the map: the stage decides
    assert route("social", "renewal") is None  # the stage has no accountable owner either
    assert route("bills") == "billing"  # two accountable: the first listed wins
    assert route("Call_Center") is None  # touchpoints match exactly, as events name them


def test_owners_of_completes_each_role_from_the_stage(session: Session) -> None:
    workspace_id = imported(session)
    owners = ownership.owners_of(session, workspace_id=workspace_id, touchpoint="social", stage="support")
    assert {role: [d.key for d in found] for role, found in owners.items()} == {
        "A": ["care"],
        "R": ["care"],
        "C": [],
        "I": ["hr"],
    }
    bills = ownership.owners_of(session, workspace_id=workspace_id, touchpoint="bills")
    assert [d.key for d in bills["A"]] == ["billing", "care"]
    stage_only = ownership.owners_of(session, workspace_id=workspace_id, stage="support")
    assert [d.key for d in stage_only["R"]] == ["care", "billing"]
    with pytest.raises(CxhubError) as caught:
        ownership.owners_of(session, workspace_id=workspace_id)
    assert caught.value.code == "target_required"


def test_maps_of_two_workspaces_do_not_mix(session: Session) -> None:
    first = imported(session)
    second = imported(session, "departments: [{key: care, name: Other}]\ntouchpoints: [{key: call_center, name: C}]")
    assert ownership.accountable_department(session, workspace_id=second, touchpoint="call_center") is None
    assert ownership.accountable_department(session, workspace_id=first, touchpoint="call_center") is not None
    assert [d.name for d in ownership.list_departments(session, workspace_id=second)] == ["Other"]


def test_activity_counts_events_and_feedback_per_touchpoint_in_the_period(session: Session) -> None:
    workspace_id = imported(session)
    other = workspace(session)
    add_event(session, workspace_id, "call_center", text="Attesa lunga")
    add_event(session, workspace_id, "call_center", text="")
    add_event(session, workspace_id, "call_center", type="survey_response", score=3.0)
    add_event(session, workspace_id, "web", at=T0 + timedelta(days=1))
    add_event(session, workspace_id, "web", at=T0 - timedelta(days=1), text="before the period")
    add_event(session, other, "web", text="another workspace")
    session.flush()
    rows = ownership.touchpoint_activity(session, workspace_id=workspace_id, since=T0, until=T0 + timedelta(days=2))
    assert sorted((a.touchpoint, a.events, a.feedback) for a in rows) == [("call_center", 3, 2), ("web", 1, 0)]
    everything = ownership.touchpoint_activity(session, workspace_id=workspace_id)
    assert sorted((a.touchpoint, a.events, a.feedback) for a in everything) == [("call_center", 3, 2), ("web", 2, 1)]


def test_report_service_feeds_the_map_and_events_to_the_report(session: Session) -> None:
    workspace_id = imported(session)
    for touchpoint, events, feedback in (("call_center", 4, 2), ("web", 3, 1), ("bills", 2, 0), ("social", 2, 1)):
        for index in range(events):
            add_event(session, workspace_id, touchpoint, text="testo" if index < feedback else None)
    add_event(session, workspace_id, "instagram", type="survey_response", score=9.0)
    add_event(session, workspace_id, "instagram", at=T0 + timedelta(days=30))
    session.flush()
    report = ownership.get_responsibility_report(
        session, workspace_id=workspace_id, since=T0, until=T0 + timedelta(days=1)
    )
    assert (report.events.total, report.events.unowned, report.events.share) == (12, 3, 0.25)
    assert (report.feedback.total, report.feedback.unowned, report.feedback.share) == (5, 2, 0.4)
    assert [g.key for g in report.unknown_touchpoints] == ["instagram"]
    assert (report.map_version, report.period_from) == (1, T0)
    with pytest.raises(CxhubError) as caught:
        ownership.get_responsibility_report(session, workspace_id=workspace_id, since=T0, until=T0)
    assert caught.value.code == "invalid_period"


def test_period_bounds_accept_dates_and_date_times() -> None:
    assert ownership.period_bound("2026-10-01", field="from") == T0.replace(hour=0)
    assert ownership.period_bound("2026-10-01T11:00:00+02:00", field="from") == T0
    assert ownership.period_bound("2026-10-01T09:00:00", field="to") == T0
    assert ownership.period_bound(None, field="to") is None
    with pytest.raises(CxhubError) as caught:
        ownership.period_bound("last week", field="to")
    assert (caught.value.code, caught.value.field) == ("invalid_period", "to")


def test_concurrent_imports_serialize_and_each_bumps_the_version(hub: Hub) -> None:
    with transaction(hub.sessions) as session:
        workspace_id = workspace(session)
    maps = [parse_map_yaml(SMALL_MAP), parse_map_yaml(SMALL_MAP.replace("name: Web site", "name: Website"))]
    start = threading.Barrier(len(maps))

    def run(document: MapDocument) -> int:
        start.wait()
        result = with_retry(
            hub.sessions,
            lambda session: ownership.import_map(session, workspace_id=workspace_id, document=document),
            attempts=20,
        )
        return result.version

    with ThreadPoolExecutor(len(maps)) as pool:
        versions = sorted(pool.map(run, maps))
    assert versions == [1, 2]
    with transaction(hub.sessions) as session:
        final = ownership.load_map(session, workspace_id=workspace_id)
        cells = session.scalar(
            select(func.count()).select_from(Ownership).where(Ownership.workspace_id == workspace_id)
        )
    assert final.version == 2 and cells == 16
    assert final.touchpoints[1].name in ("Web site", "Website")
