"""Key drivers, the employee–customer link, department targets and response rate, on planted data."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from cxhub.db import transaction
from cxhub.governance.mapfile import parse_map
from cxhub.governance.ownership import import_map
from cxhub.kit.http import Hub
from cxhub.surveys.models import Survey, SurveyInvitation
from tests.conftest import Tenant
from tests.metrics.test_api import load, response


def rated(customer: str, metric: str, score: float, touchpoint: str, day: str) -> dict:
    payload = response(metric, score, touchpoint, day)
    payload["identifiers"] = {"crm_id": customer}
    return payload


def test_drivers_find_the_touchpoint_that_moves_nps(client: TestClient) -> None:
    rng = random.Random(3)
    events = []
    for i in range(80):
        customer = f"c{i}"
        store, web = rng.randint(1, 5), rng.randint(1, 5)
        events += [
            rated(customer, "csat", store, "negozio", "2026-02-01"),
            rated(customer, "csat", web, "sito_web", "2026-02-02"),
            # NPS follows the store experience; the web one is noise.
            rated(customer, "nps", min(10, max(0, 2 * store + rng.choice((-1, 0, 0, 1)))), "relazione", "2026-02-20"),
        ]
    load(client, events)
    answer = client.get("/api/v1/metrics/nps/drivers").json()
    assert answer["respondents"] == 80
    names = [d["name"] for d in answer["drivers"]]
    assert names == ["negozio", "sito_web"]
    top = answer["drivers"][0]
    assert top["share"] > 0.9 and top["ci_low"] <= top["share"] <= top["ci_high"]
    assert 0.5 < answer["r2"] <= 1


def test_drivers_need_enough_answers(client: TestClient) -> None:
    load(client, [rated("c1", "csat", 5, "negozio", "2026-02-01"), rated("c1", "nps", 10, "x", "2026-02-02")])
    assert client.get("/api/v1/metrics/nps/drivers").json()["drivers"] == []
    assert client.get("/api/v1/metrics/nps/drivers", params={"method": "magic"}).status_code == 400


def test_employee_and_customer_scores_line_up_across_units(client: TestClient) -> None:
    events = []
    for index, unit in enumerate(["u1", "u2", "u3", "u4", "u5", "u6"]):
        happy = index + 2  # of 7 answers: 2, 3… 7 promoters, the rest detractors
        events += [
            response("enps", 10 if k < happy else 0, "pulse", "2026-03-01", unit=unit, audience="employee")
            for k in range(7)
        ]
        events += [response("nps", 10 if k < happy else 3, unit, "2026-03-05") for k in range(7)]
    events += [response("enps", 10, "pulse", "2026-03-01", unit="tiny") for _ in range(4)]
    load(client, events)
    answer = client.get("/api/v1/metrics/employee-link").json()
    units = {u["unit"]: u for u in answer["units"]}
    assert units["tiny"]["suppressed"] is True and units["tiny"]["enps"] is None
    assert units["u6"]["enps"] == units["u6"]["nps"] == 100
    pearson = answer["correlation"]["pearson"]
    assert pearson["n"] == 6 and pearson["r"] > 0.99


def test_department_targets_read_the_governance_kpis(client: TestClient, hub: Hub, tenant: Tenant) -> None:
    document = parse_map(
        {
            "departments": [
                {"key": "negozi", "name": "Negozi", "kpis": [{"metric": "nps", "target": 50}, "conversion"]},
                {"key": "care", "name": "Care", "kpis": [{"metric": "csat", "target": 4.5}]},
            ],
            "touchpoints": [
                {"key": "negozio", "name": "Negozio", "raci": {"A": "negozi"}},
                {"key": "call_center", "name": "Call center", "raci": {"A": "care", "R": ["care"]}},
            ],
        }
    )
    with transaction(hub.sessions) as session:
        import_map(session, workspace_id=tenant.workspace_id, document=document)
    load(
        client,
        [response("nps", 10, "negozio", "2026-03-01") for _ in range(40)]
        + [response("csat", 3, "call_center", "2026-03-01") for _ in range(40)]
        + [response("nps", 0, "call_center", "2026-03-01") for _ in range(40)],
    )
    rows = {(r["department"], r["metric"]): r for r in client.get("/api/v1/metrics/targets").json()}
    assert set(rows) == {("negozi", "nps"), ("care", "csat")}  # KPIs without a target are not tracked here
    assert rows["negozi", "nps"]["value"] == 100 and rows["negozi", "nps"]["status"] == "met"
    care = rows["care", "csat"]
    assert (care["measure"], care["value"], care["status"]) == ("mean", 3.0, "missed")


def test_response_rate_counts_delivered_invitations(client: TestClient, hub: Hub, tenant: Tenant) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    with transaction(hub.sessions) as session:
        ws = tenant.workspace_id
        survey = Survey(workspace_id=ws, slug="nps", name="NPS", audience="customer", status="active", definition={})
        session.add(survey)
        session.flush()
        for status in ["responded"] * 3 + ["sent"] * 5 + ["suppressed"] * 7:
            session.add(
                SurveyInvitation(
                    workspace_id=tenant.workspace_id,
                    survey_id=survey.id,
                    survey_version=1,
                    customer_id=uuid.uuid4(),
                    channel="email",
                    language="it",
                    status=status,
                    due_at=now,
                    sent_at=now if status != "suppressed" else None,
                    expires_at=now + timedelta(days=14),
                )
            )
    [overall] = client.get("/api/v1/metrics/response-rate").json()
    assert (overall["sent"], overall["responded"], overall["value"]) == (8, 3, 37.5)
    [by_survey] = client.get("/api/v1/metrics/response-rate", params={"by": "survey"}).json()
    assert by_survey["survey"] == "nps"
    assert client.get("/api/v1/metrics/response-rate", params={"by": "mood"}).status_code == 400


def test_topic_drivers_read_what_respondents_wrote(client: TestClient) -> None:
    rng = random.Random(5)
    said = {
        "late": ("La consegna è arrivata in ritardo di una settimana, pessimo.", (0, 1, 2, 3)),
        "kind": ("Il personale è stato gentilissimo e competente.", (9, 10)),
        "price": ("Il prezzo dell'abbonamento è nella media.", tuple(range(11))),
    }
    events = []
    for i in range(90):
        text, scores = said[("late", "kind", "price")[i % 3]]
        events.append({**response("nps", rng.choice(scores), "relazione", "2026-02-20"), "text": text})
    load(client, events)
    answer = client.get("/api/v1/metrics/nps/drivers", params={"by": "topic"}).json()
    assert answer["by"] == "topic" and answer["respondents"] == 90
    names = [d["name"] for d in answer["drivers"]]
    assert set(names[:2]) == {"Consegna", "Personale"} and names[-1] == "Prezzo"
    assert client.get("/api/v1/metrics/nps/drivers", params={"by": "mood"}).status_code == 400


def test_item_drivers_find_the_question_that_moves_the_answer(client: TestClient) -> None:
    rng = random.Random(11)
    events = []
    for i in range(60):
        waiting, staff = rng.randint(1, 5), rng.randint(1, 5)
        answers = {"nps": min(10, 2 * waiting), "waiting": waiting, "staff": staff, "topics": ["price"]}
        common = {"survey": "post_call", "response_id": f"r{i}", "question": "nps", "answers": answers}
        events.append(
            {**response("nps", answers["nps"], "call_center", "2026-02-20"), "attributes": {"metric": "nps", **common}}
        )
    load(client, events)
    answer = client.get("/api/v1/metrics/nps/drivers", params={"by": "item"}).json()
    assert answer["by"] == "item" and answer["respondents"] == 60
    assert [d["name"] for d in answer["drivers"]] == ["waiting", "staff"]  # the nps item itself is the outcome
    assert answer["drivers"][0]["share"] > 0.9
