"""Metrics through the real API, CLI and database, on feedback whose figures are worked out by hand."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from cxhub.cli import app
from cxhub.config import Settings
from tests.builders import event
from tests.conftest import Tenant

runner = CliRunner()


def response(metric: str, score: float, touchpoint: str, day: str, **attributes: str) -> dict:
    return event(
        type="survey_response",
        channel="survey",
        touchpoint=touchpoint,
        occurred_at=f"{day}T10:00:00+00:00",
        score=score,
        attributes={"metric": metric, **attributes},
    )


def load(client: TestClient, events: list[dict]) -> None:
    body = client.post("/api/v1/events", json={"events": events}).json()
    assert body["accepted"] == len(events), body


def groups(client: TestClient, metric: str, **params: str) -> list[dict]:
    answer = client.get(f"/api/v1/metrics/{metric}", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["groups"]


def test_nps_csat_and_ces_by_touchpoint(client: TestClient) -> None:
    nps = [10, 10, 9, 8, 7, 6, 0]  # 3 promoters, 2 passives, 2 detractors
    csat = [5, 4, 3, 2, 1, 5]  # 3 of 6 in the top two boxes
    ces = [1, 2, 3, 4, 5, 6, 7]  # mean 4
    load(
        client,
        [response("nps", s, "negozio", "2026-03-02") for s in nps]
        + [response("nps", 10, "web", "2026-03-02")]
        + [response("csat", s, "negozio", "2026-03-03") for s in csat]
        + [response("ces", s, "negozio", "2026-03-04") for s in ces],
    )
    by_touchpoint = {g["touchpoint"]: g for g in groups(client, "nps", by="touchpoint")}
    store = by_touchpoint["negozio"]
    # Computed by hand: (3 promoters − 2 detractors) / 7 answers = 14.29.
    assert (store["n"], store["value"]) == (7, 14.29)
    assert (store["promoters_pct"], store["detractors_pct"]) == (42.86, 28.57)
    assert store["ci_low"] < store["value"] < store["ci_high"]
    assert store["small_sample"] is True
    assert by_touchpoint["web"]["value"] == 100
    [satisfaction] = groups(client, "csat")
    assert (satisfaction["n"], satisfaction["value"], satisfaction["mean"]) == (6, 50.0, 3.33)
    [effort] = groups(client, "ces")
    assert (effort["n"], effort["value"]) == (7, 4.0)
    assert effort["positive_pct"] == 42.86  # 5, 6 and 7 of 7 answers


def test_periods_and_the_change_between_them(client: TestClient) -> None:
    january = [response("nps", 0, "call_center", "2026-01-15") for _ in range(40)]
    february = [response("nps", 10, "call_center", "2026-02-10") for _ in range(40)]
    load(client, january + february)
    by_month = groups(client, "nps", by="touchpoint", period="month")
    assert [(g["period"], g["value"]) for g in by_month] == [("2026-01", -100), ("2026-02", 100)]
    assert by_month[0]["change"] is None
    assert by_month[1]["change"]["since"] == "2026-01"
    assert by_month[1]["change"]["difference"] == 200
    assert by_month[1]["change"]["significant"] is True
    assert [g["period"] for g in groups(client, "nps", period="quarter")] == ["2026-Q1"]
    # 2026-01-15 is a Thursday of ISO week 3; 2026-02-10 a Tuesday of week 7.
    assert [g["period"] for g in groups(client, "nps", period="week")] == ["2026-W03", "2026-W07"]
    assert [g["period"] for g in groups(client, "nps", period="day")] == ["2026-01-15", "2026-02-10"]


def test_any_attribute_groups_and_filters(client: TestClient) -> None:
    load(
        client,
        [response("csat", 5, "negozio", "2026-03-02", stage="acquisto") for _ in range(3)]
        + [response("csat", 1, "negozio", "2026-03-02", stage="assistenza") for _ in range(2)]
        + [response("csat", 1, "negozio", "2026-03-02")],
    )
    by_stage = {g["stage"]: g["value"] for g in groups(client, "csat", by="stage")}
    assert by_stage == {None: 0.0, "acquisto": 100.0, "assistenza": 0.0}
    filtered = groups(client, "csat", where="stage:acquisto")
    assert [g["n"] for g in filtered] == [3]
    window = groups(client, "csat", **{"from": "2026-03-03", "to": "2026-03-31"})
    assert window == []


def test_small_employee_groups_show_no_result(client: TestClient) -> None:
    big = [response("enps", 9, "hr", "2026-03-02", unit="milano") for _ in range(5)]
    small = [response("enps", 0, "hr", "2026-03-02", unit="bari") for _ in range(4)]
    load(client, big + small)
    by_unit = {g["unit"]: g for g in groups(client, "enps", by="unit")}
    assert by_unit["milano"]["value"] == 100 and by_unit["milano"]["suppressed"] is False
    assert by_unit["bari"]["suppressed"] is True
    assert by_unit["bari"]["value"] is None and by_unit["bari"]["ci_low"] is None
    assert by_unit["bari"]["detractors_pct"] is None


def test_compare_two_periods(client: TestClient) -> None:
    load(
        client,
        [response("csat", 5, "web", "2026-01-10") for _ in range(30)]
        + [response("csat", 1, "web", "2026-02-10") for _ in range(30)],
    )
    answer = client.get(
        "/api/v1/metrics/csat/compare",
        params={"a_from": "2026-01-01", "a_to": "2026-01-31", "b_from": "2026-02-01", "b_to": "2026-02-28"},
    ).json()
    [group] = answer["groups"]
    assert (group["a"]["value"], group["b"]["value"]) == (100.0, 0.0)
    assert group["change"]["difference"] == -100 and group["change"]["significant"] is True


def test_bad_queries_get_clear_errors(client: TestClient) -> None:
    assert client.get("/api/v1/metrics/nps", params={"by": "touch point"}).json()["error"]["field"] == "by"
    assert client.get("/api/v1/metrics/nps", params={"period": "year"}).json()["error"]["field"] == "period"
    assert client.get("/api/v1/metrics/nps", params={"where": "nocolon"}).json()["error"]["field"] == "where"
    inverted = client.get("/api/v1/metrics/nps", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert inverted.status_code == 400 and inverted.json()["error"]["field"] == "from"
    assert client.get("/api/v1/metrics/n;ps").status_code == 404


def test_the_cli_prints_json_csv_and_a_table(client: TestClient, cli_env: Settings, tenant: Tenant) -> None:
    load(client, [response("nps", s, "negozio", "2026-03-02", stage="uso") for s in (10, 9, 0, 5)])
    result = runner.invoke(
        app, ["metrics", "nps", "--by", "touchpoint,stage", "--workspace", tenant.slug, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    [group] = json.loads(result.output)
    assert {k: group[k] for k in ("touchpoint", "stage", "n", "value")} == {
        "touchpoint": "negozio",
        "stage": "uso",
        "n": 4,
        "value": 0.0,
    }
    assert group["ci_low"] < 0 < group["ci_high"]
    result = runner.invoke(app, ["metrics", "nps", "--period", "month", "--workspace", tenant.slug, "--format", "csv"])
    assert result.output.splitlines()[0].startswith("period,n,value,ci_low,ci_high")
    result = runner.invoke(app, ["metrics", "nps", "--by", "touchpoint", "--workspace", tenant.slug])
    assert "negozio" in result.output and "small sample" in result.output
    result = runner.invoke(app, ["metrics", "nps", "--from", "March 1", "--workspace", tenant.slug])
    assert result.exit_code == 2 and "invalid_date" in result.output
