"""People working cases: the status machine, optimistic locking, the SLA clock, breaches, follow-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from cxhub.cases import workflow
from cxhub.cases.models import Case, CaseHistory, Notification
from cxhub.cases.tasks import detect_breaches, open_silent_cases
from cxhub.db import transaction
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub
from cxhub.surveys.definition import load_definition
from cxhub.surveys.service import import_survey
from tests.builders import event
from tests.cases.helpers import DETRACTOR, add_rules, cases_of, nps, one_case, send, workspace
from tests.conftest import Tenant


def opened(hub: Hub) -> tuple[Tenant, Case]:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    send(hub, tenant, nps(2))
    return tenant, one_case(hub, tenant)


def move(hub: Hub, tenant: Tenant, case: Case, to: str, version: int | None = None, **kw: object) -> Case:
    with transaction(hub.sessions) as session:
        return workflow.transition(
            session,
            workspace_id=tenant.workspace_id,
            case_id=case.id,
            to=to,
            version=case.version if version is None else version,
            actor="agent",
            **kw,  # type: ignore[arg-type]
        )


def test_closing_a_case_never_resolved_names_both_states(hub: Hub) -> None:
    tenant, case = opened(hub)
    with pytest.raises(CxhubError) as caught:
        move(hub, tenant, case, "closed")
    assert (caught.value.code, caught.value.status) == ("invalid_transition", 409)
    assert caught.value.details["from"] == "new" and caught.value.details["to"] == "closed"
    assert "from new to closed" in caught.value.message


def test_unknown_case_is_not_found(hub: Hub) -> None:
    tenant, case = opened(hub)
    import uuid

    with pytest.raises(CxhubError) as caught, transaction(hub.sessions) as session:
        workflow.transition(
            session, workspace_id=tenant.workspace_id, case_id=uuid.uuid4(), to="in_progress", version=1, actor="a"
        )
    assert caught.value.code == "case_not_found"


def test_second_agent_with_a_stale_version_gets_a_conflict(hub: Hub) -> None:
    tenant, case = opened(hub)
    read_by_both = case.version
    move(hub, tenant, case, "in_progress", version=read_by_both)
    with pytest.raises(CxhubError) as caught, transaction(hub.sessions) as session:
        workflow.assign(
            session,
            workspace_id=tenant.workspace_id,
            case_id=case.id,
            assignee="b@x.it",
            version=read_by_both,
            actor="b",
        )
    assert (caught.value.code, caught.value.status) == ("case_conflict", 409)
    assert one_case(hub, tenant).assignee is None


def test_full_cycle_records_history_first_action_and_timeline(hub: Hub) -> None:
    tenant, case = opened(hub)
    case = move(hub, tenant, case, "in_progress", note="called back")
    case = move(hub, tenant, case, "resolved", resolution="refund", root_cause="billing error")
    case = move(hub, tenant, case, "closed")
    assert case.first_action_at is not None and case.resolved_at and case.closed_at
    assert (case.resolution, case.root_cause) == ("refund", "billing error")
    case = move(hub, tenant, case, "in_progress")  # reopen within 30 days
    assert case.resolved_at is None and case.closed_at is None
    with transaction(hub.sessions) as session:
        history = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id).order_by(CaseHistory.id))
        steps = [(h.action, h.changes.get("status")) for h in history]
        kinds = session.scalars(select(Notification.kind).where(Notification.case_id == case.id)).all()
    assert steps == [
        ("opened", None),
        ("status", ["new", "in_progress"]),
        ("status", ["in_progress", "resolved"]),
        ("status", ["resolved", "closed"]),
        ("status", ["closed", "in_progress"]),
    ]
    assert sorted(set(kinds)) == ["opened", "resolved"]


def test_waiting_for_the_customer_stops_the_clock(hub: Hub) -> None:
    tenant, case = opened(hub)
    due = case.due_at
    case = move(hub, tenant, case, "waiting_customer")
    assert case.sla_paused_at is not None and case.sla_remaining_hours is not None
    later = datetime.now(UTC) + timedelta(days=3)
    with transaction(hub.sessions) as session:
        assert detect_breaches(session, workspace_id=tenant.workspace_id, now=later + timedelta(days=30)) == []
        resumed = workflow.transition(
            session,
            workspace_id=tenant.workspace_id,
            case_id=case.id,
            to="in_progress",
            version=case.version,
            actor="a",
            now=later,
        )
    assert resumed.sla_paused_at is None and resumed.due_at > due


def test_breach_is_detected_once_and_escalated_to_the_accountable_lead(hub: Hub) -> None:
    tenant, case = opened(hub)
    late = case.due_at + timedelta(minutes=1)
    with transaction(hub.sessions) as session:
        (found,) = detect_breaches(session, workspace_id=tenant.workspace_id, now=late)
        assert detect_breaches(session, workspace_id=tenant.workspace_id, now=late) == []
        targets = session.scalars(
            select(Notification.target).where(Notification.case_id == case.id, Notification.kind == "breached")
        ).all()
    assert found.id == case.id and found.breached_at == case.due_at
    assert targets == ["care@example.it"]


def test_unanswered_complaint_opens_a_case_after_48_hours(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(
        hub,
        tenant,
        "rules: [{key: silent, name: No answer, active: true, when: {types: [complaint], silence: {hours: 48}}}]",
    )
    old = (datetime.now(UTC) - timedelta(hours=50)).isoformat()
    send(
        hub,
        tenant,
        event(type="complaint", identifiers={"email": "a@example.it"}, occurred_at=old, touchpoint="call_center"),
        event(type="complaint", identifiers={"email": "b@example.it"}, occurred_at=old),
        event(type="outbound_call", identifiers={"email": "b@example.it"}),
        event(type="complaint", identifiers={"email": "c@example.it"}),  # too recent
    )
    with transaction(hub.sessions) as session:
        report = open_silent_cases(session, workspace_id=tenant.workspace_id)
    assert len(report.opened) == 1 and report.opened[0].department == "care"
    with transaction(hub.sessions) as session:
        assert open_silent_cases(session, workspace_id=tenant.workspace_id).opened == []


def test_follow_up_survey_on_closing_and_recovery_on_its_answer(hub: Hub) -> None:
    tenant, case = opened(hub)
    definition = load_definition(
        "slug: recovery\nname: Recovery\naudience: customer\nquestions:\n"
        "  - {id: nps, type: nps, text: {it: 'Ci consiglieresti?', en: 'Would you recommend us?'}}\n",
        "yaml",
    )
    with transaction(hub.sessions) as session:
        import_survey(session, workspace_id=tenant.workspace_id, definition=definition, status="active")
    case = move(hub, tenant, case, "in_progress")
    case = move(hub, tenant, case, "resolved")
    case = move(hub, tenant, case, "closed", followup=True, followup_survey="recovery")
    assert case.followup_survey == "recovery"
    assert case.followup_sent_at is not None  # the case is closed: the contact policy lets it through
    send(hub, tenant, nps(9, hours_ago=-0.005))
    after = one_case(hub, tenant)
    assert (after.score_before, after.score_after, after.recovered) == (2, 9, True)
    send(hub, tenant, nps(3, hours_ago=-0.006))  # still unhappy later: a new case, the recorded answer stays
    first, second = cases_of(hub, tenant)
    assert (first.id, first.score_after, second.status) == (case.id, 9, "new")
