"""Helpers for case tests: a workspace with the small governance map, rules, events through the pipeline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from cxhub.cases import rulebook
from cxhub.cases import rules as lang
from cxhub.cases.models import Case
from cxhub.db import transaction
from cxhub.events.service import IngestReport, ingest, record_from_payload
from cxhub.governance.mapfile import parse_map_yaml
from cxhub.governance.ownership import import_map
from cxhub.kit.http import Hub
from tests.builders import event
from tests.conftest import Tenant, make_tenant
from tests.governance.maps import SMALL_MAP

DETRACTOR = """
rules:
  - key: detractor
    name: NPS detractor
    active: true
    when: {types: [survey_response], score: {metric: nps, band: detractor}}
    case: {priority: high, title: "Detractor {score} on {touchpoint}"}
"""


def workspace(hub: Hub, *, with_map: bool = True) -> Tenant:
    tenant = make_tenant(hub, ("admin", "ingest", "read"))
    if with_map:
        with transaction(hub.sessions) as session:
            import_map(session, workspace_id=tenant.workspace_id, document=parse_map_yaml(SMALL_MAP))
    return tenant


def add_rules(hub: Hub, tenant: Tenant, text: str, *, force: bool = True) -> None:
    with transaction(hub.sessions) as session:
        rulebook.import_rules(
            session, workspace_id=tenant.workspace_id, definitions=lang.parse_rules_yaml(text), force=force
        )


def send(hub: Hub, tenant: Tenant, *payloads: dict[str, Any]) -> IngestReport:
    with transaction(hub.sessions) as session:
        report = ingest(
            session,
            workspace_id=tenant.workspace_id,
            records=[record_from_payload(p) for p in payloads],
            source="test",
            settings=hub.settings,
            queue=hub.queue,
        )
    assert report.rejected == 0, report.outcomes
    return report


def nps(score: float, *, email: str = "anna@example.it", hours_ago: float = 2, **extra: Any) -> dict[str, Any]:
    return event(
        type="survey_response",
        channel="email",
        touchpoint=extra.pop("touchpoint", "call_center"),
        identifiers={"email": email},
        score=score,
        attributes={"metric": "nps", **extra.pop("attributes", {})},
        occurred_at=(datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(),
        **extra,
    )


def cases_of(hub: Hub, tenant: Tenant) -> list[Case]:
    with transaction(hub.sessions) as session:
        return list(
            session.scalars(select(Case).where(Case.workspace_id == tenant.workspace_id).order_by(Case.opened_at))
        )


def one_case(hub: Hub, tenant: Tenant) -> Case:
    (case,) = cases_of(hub, tenant)
    return case


def customer(report: IngestReport, index: int = 0) -> uuid.UUID:
    found = report.outcomes[index].customer_id
    assert found is not None
    return found
