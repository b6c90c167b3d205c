"""Rules in the pipeline: cases open, dedupe, route, go on the timeline; repeats, VIPs, text analysis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from cxhub.cases.models import CaseHistory, CaseLink, Notification
from cxhub.cases.service import customers_with_open_cases
from cxhub.cases.tasks import apply_rules
from cxhub.db import transaction
from cxhub.events.models import Event
from cxhub.events.schemas import AcceptedEvent
from cxhub.kit.http import Hub
from cxhub.pipeline import PipelineBatch
from cxhub.profiles.service import context
from cxhub.surveys.service import complaint_open_customers
from tests.builders import event
from tests.cases.helpers import DETRACTOR, add_rules, cases_of, customer, nps, one_case, send, workspace


def test_detractor_response_opens_a_case_routed_by_the_governance_map(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    report = send(hub, tenant, nps(3, touchpoint="call_center"), nps(9, email="happy@example.it"))
    case = one_case(hub, tenant)
    assert case.customer_id == customer(report)
    assert (case.status, case.priority, case.department) == ("new", "high", "care")
    assert case.title == "Detractor 3 on call_center"
    assert (case.metric, case.score_before) == ("nps", 3)
    assert case.due_at > case.opened_at


def test_second_detractor_response_adds_to_open_case(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    send(hub, tenant, nps(4, hours_ago=5))
    send(hub, tenant, nps(2, hours_ago=1))
    case = one_case(hub, tenant)
    assert case.events_count == 2
    with transaction(hub.sessions) as session:
        links = session.scalars(select(CaseLink.event_id).where(CaseLink.case_id == case.id)).all()
        actions = session.scalars(select(CaseHistory.action).where(CaseHistory.case_id == case.id)).all()
    assert len(links) == 2 and actions == ["opened", "linked"]


def test_stage_routes_when_the_touchpoint_has_no_owner(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    send(hub, tenant, nps(1, touchpoint="social", attributes={"journey_stage": "support"}))
    assert one_case(hub, tenant).department == "care"
    other = workspace(hub)
    add_rules(hub, other, DETRACTOR)
    send(hub, other, nps(1, touchpoint="nowhere"))
    assert one_case(hub, other).department is None


def test_case_events_go_on_the_timeline_and_never_open_cases(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, "rules: [{key: all, name: Everything, active: true, when: {}}]")
    report = send(hub, tenant, event(type="complaint", touchpoint="web", identifiers={"email": "z@example.it"}))
    case = one_case(hub, tenant)
    with transaction(hub.sessions) as session:
        kinds = session.scalars(
            select(Event.type).where(Event.workspace_id == tenant.workspace_id, Event.customer_id == customer(report))
        ).all()
        ctx = context(session, workspace_id=tenant.workspace_id, customer_id=customer(report))
    assert sorted(kinds) == ["case_opened", "complaint"]
    assert ctx.open_cases == [
        {
            "id": str(case.id),
            "title": "Everything",
            "status": "new",
            "priority": "medium",
            "department": "digital",
            "due_at": case.due_at,
            "breached": False,
        }
    ]


def test_running_the_step_again_changes_nothing(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    report = send(hub, tenant, nps(0))
    with transaction(hub.sessions) as session:
        stored = session.scalars(select(Event).where(Event.workspace_id == tenant.workspace_id)).first()
        assert stored is not None
        batch = PipelineBatch(tenant.workspace_id, [_accepted(stored)], "test", [customer(report)], [customer(report)])
        apply_rules(session, batch)
        notes = session.scalars(select(Notification.target).where(Notification.workspace_id == tenant.workspace_id))
        targets = list(notes)
    assert one_case(hub, tenant).events_count == 1
    assert targets == ["care@example.it"]  # the lead of the accountable department, told once


def _accepted(row: Event, **changes: object) -> AcceptedEvent:
    values = dict(
        event_id=row.event_id,
        occurred_at=row.occurred_at,
        type=row.type,
        channel=row.channel,
        touchpoint=row.touchpoint,
        identifiers=row.identifiers,
        keys=[],
        attributes=row.attributes,
        text=row.text,
        score=row.score,
        amount_cents=row.amount_cents,
        currency=row.currency,
        products=row.products,
        metric=row.metric,
    )
    values.update(changes)
    return AcceptedEvent(**values)  # type: ignore[arg-type]


def test_third_contact_in_seven_days_about_the_same_reason(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(
        hub,
        tenant,
        """
rules:
  - key: repeat
    name: Third contact
    active: true
    when: {types: [call, chat], repeat: {count: 3, days: 7, by: reason}}
""",
    )
    now = datetime.now(UTC)

    def contact(days_ago: float, reason: str, kind: str = "call") -> dict[str, object]:
        return event(
            type=kind,
            channel="contact_center",
            touchpoint="call_center",
            identifiers={"phone": "+393471234567"},
            attributes={"reason": reason},
            occurred_at=(now - timedelta(days=days_ago)).isoformat(),
        )

    send(hub, tenant, contact(10, "rete"), contact(5, "rete"), contact(4, "fatturazione"), contact(3, "rete"))
    assert cases_of(hub, tenant) == []  # the third "rete" call counts only two in its 7 days
    send(hub, tenant, contact(1, "rete", "chat"))
    case = one_case(hub, tenant)
    assert case.topic == "rete" and case.events_count == 1


def test_vip_by_lifetime_value_from_purchases(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(
        hub,
        tenant,
        """
rules:
  - {key: vip, name: VIP complaint, active: true,
     when: {types: [complaint], customer: {min_lifetime_value_cents: 100000}}, case: {priority: critical}}
""",
    )
    rich, poor = {"email": "rich@example.it"}, {"email": "poor@example.it"}
    send(
        hub,
        tenant,
        event(type="purchase", identifiers=rich, amount={"cents": 150000, "currency": "EUR"}),
        event(type="return", identifiers=rich, amount={"cents": 40000, "currency": "EUR"}),
        event(type="purchase", identifiers=poor, amount={"cents": 90000, "currency": "EUR"}),
    )
    send(hub, tenant, event(type="complaint", identifiers=poor))
    assert cases_of(hub, tenant) == []
    report = send(hub, tenant, event(type="complaint", identifiers=rich))
    case = one_case(hub, tenant)
    assert case.customer_id == customer(report) and case.priority == "critical"


def test_text_rules_use_the_batch_analyses_when_text_analytics_ran(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(
        hub,
        tenant,
        """
rules:
  - {key: late, name: Late delivery, active: true,
     when: {sentiment: {labels: negative}, topics: [Consegna], emotion: {name: anger, min: 0.5}}}
""",
    )
    report = send(hub, tenant, event(type="review", text="Il pacco è arrivato con una settimana di ritardo!"))
    assert cases_of(hub, tenant) == []  # no analysis in this pipeline: a text rule cannot match
    analysis = {
        "language": "it",
        "sentiment": {"label": "negative", "score": -0.8},
        "topics": [{"path": "Consegna › Ritardo", "sentiment": {"label": "negative", "score": -0.8}}],
        "emotions": {"anger": 0.7},
        "effort": [],
    }
    with transaction(hub.sessions) as session:
        stored = session.scalars(select(Event).where(Event.workspace_id == tenant.workspace_id)).one()
        cid = customer(report)
        apply_rules(session, PipelineBatch(tenant.workspace_id, [_accepted(stored)], "t", [cid], [cid], [analysis]))
    case = one_case(hub, tenant)
    assert case.topic == "Consegna"


def test_open_cases_decide_the_survey_contact_policy(hub: Hub) -> None:
    tenant = workspace(hub)
    add_rules(hub, tenant, DETRACTOR)
    report = send(hub, tenant, nps(2))
    cid = customer(report)
    with transaction(hub.sessions) as session:
        assert customers_with_open_cases(session, workspace_id=tenant.workspace_id, customer_ids=[cid]) == {cid}
        assert complaint_open_customers(session, workspace_id=tenant.workspace_id, customer_ids=[cid], window_days=60)
