"""The case pages: the queue, a case worked to closure, and a lead kept to their department's cases."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from cxhub.cases.models import OPEN_STATUSES, Case, CaseHistory
from tests.web.conftest import Brand, client_as, csrf_of


def _open_case(brand: Brand, department: str | None = None) -> Case:
    with brand.hub.sessions() as session:
        query = select(Case).where(Case.workspace_id == brand.workspace_id, Case.status.in_(OPEN_STATUSES))
        if department:
            query = query.where(Case.department == department)
        return session.scalars(query.order_by(Case.due_at).limit(1)).one()


def test_the_queue_lists_open_cases_with_their_sla(brand: Brand, admin: TestClient) -> None:
    page = admin.get("/app/cases")
    assert page.status_code == 200
    rows = page.text.count('data-testid="case-row"')
    with brand.hub.sessions() as session:
        opened = session.scalars(
            select(Case.id).where(Case.workspace_id == brand.workspace_id, Case.status.in_(OPEN_STATUSES))
        ).all()
    assert rows == min(len(opened), 50) and rows > 0
    assert "data-due=" in page.text
    assert "open case" in admin.get("/app").text  # the overview's backlog panel


def test_a_case_is_assigned_commented_and_worked_to_closure(brand: Brand, admin: TestClient) -> None:
    case = _open_case(brand)
    url = f"/app/cases/{case.id}"
    page = admin.get(url)
    token = csrf_of(page.text)

    def act(**form: str) -> str:
        version = re.search(r'name="version" value="(\d+)"', admin.get(url).text)
        assert version
        answer = admin.post(url, data={"csrf_token": token, "version": version.group(1), **form})
        assert answer.status_code == 200, answer.text[:300]
        return answer.text

    act(action="assign", assignee="agent.smith@aurora.example")
    act(action="note", note="Called the customer back")
    if case.status != "in_progress":
        act(action="status", to="in_progress")
    act(action="status", to="resolved", resolution="Refunded the double charge")
    done = act(action="status", to="closed")
    assert 'data-testid="case-status">closed<' in done
    with brand.hub.sessions() as session:
        stored = session.get(Case, case.id)
        assert stored is not None and stored.status == "closed" and stored.assignee == "agent.smith@aurora.example"
        assert stored.resolution == "Refunded the double charge"
        actions = session.scalars(select(CaseHistory.action).where(CaseHistory.case_id == case.id)).all()
    assert {"assigned", "note", "status"} <= set(actions)


def test_a_stale_form_is_refused_and_changes_nothing(brand: Brand, admin: TestClient) -> None:
    case = _open_case(brand)
    url = f"/app/cases/{case.id}"
    token = csrf_of(admin.get(url).text)
    stale = admin.post(
        url,
        data={
            "csrf_token": token,
            "version": str(case.version - 1),
            "action": "assign",
            "assignee": "x@aurora.example",
        },
    )
    assert stale.status_code == 400 and 'role="alert"' in stale.text
    with brand.hub.sessions() as session:
        assert session.get(Case, case.id).assignee != "x@aurora.example"  # type: ignore[union-attr]


def test_a_lead_works_only_their_department_cases(brand: Brand) -> None:
    lead = client_as(brand, "department_lead", "customer_care")
    queue = lead.get("/app/cases?view=all").text
    with brand.hub.sessions() as session:
        other = session.scalars(
            select(Case).where(Case.workspace_id == brand.workspace_id, Case.department != "customer_care").limit(1)
        ).first()
    if other is not None:
        assert f"/app/cases/{other.id}" not in queue
        assert lead.get(f"/app/cases/{other.id}").status_code == 403
    viewer = client_as(brand, "viewer")
    assert viewer.get("/app/cases").status_code == 403
