"""``/api/v1/text`` through the real app and database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from cxhub.app import create_app, make_hub
from cxhub.config import Settings
from cxhub.kit.http import Hub
from tests.builders import at, event
from tests.conftest import make_tenant

SMALL_YAML = """topics:
  - name: Rimborso
    labels: {en: Refund}
    rule: rimborso OR refund
"""


@pytest.fixture
def admin(hub: Hub) -> Iterator[TestClient]:
    tenant = make_tenant(hub, ("admin",))
    with TestClient(create_app(hub), headers={"Authorization": f"Bearer {tenant.token}"}) as client:
        yield client


def send(client: TestClient, *events: dict[str, Any]) -> None:
    response = client.post("/api/v1/events", json={"events": list(events)})
    assert response.status_code == 200 and response.json()["rejected"] == 0, response.text


def test_analyze_answers_each_item_in_order_and_stores_nothing(client: TestClient) -> None:
    items = [
        {"id": "a", "text": "Mi chiamo Mario Rossi, il rimborso non è mai arrivato"},
        {"id": 7, "text": "Great staff, really helpful"},
    ]
    response = client.post("/api/v1/text/analyze", json={"items": items})
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert (first["id"], first["language"], second["id"], second["language"]) == ("a", "it", 7, "en")
    assert first["redacted_text"] == "Mi chiamo [NAME], il rimborso non è mai arrivato" and first["pii"] == ["name"]
    assert first["topics"][0]["path"] == "Fatturazione › Rimborso"
    assert second["sentiment"]["label"] == "positive"
    assert client.get("/api/v1/text/verbatims").json()["items"] == []
    plain = client.post("/api/v1/text/analyze", json={"texts": ["ciao"]}).json()["results"]
    assert plain[0]["id"] is None and set(plain[0]) >= {"language", "sentiment", "sentences", "emotions", "flags"}


def test_analyze_survives_odd_texts_and_says_what_it_did(client: TestClient) -> None:
    odd = [
        "",
        "x" * 1_000_000,
        "ÿØÿà\ufffd\ufffd\ufffdJFIF\ufffd\ufffd\ufffd",
        "🤬🤬🤬",
        "الخدمة سيئة جدا",
        "<p>Hi <b>there</b></p>",
    ]
    response = client.post("/api/v1/text/analyze", json={"texts": odd})
    assert response.status_code == 200, response.text[:300]
    flags = [result["flags"] for result in response.json()["results"]]
    assert "empty" in flags[0]
    assert "truncated" in flags[1]
    assert "binary_junk" in flags[2]
    assert "emoji_only" in flags[3]
    assert "rtl_script" in flags[4]
    assert "html_stripped" in flags[5]
    assert len(response.json()["results"][1]["redacted_text"]) <= 20_000


def test_analyze_refuses_malformed_and_oversized_requests(
    client: TestClient, settings: Settings, engine: Engine
) -> None:
    too_many = client.post("/api/v1/text/analyze", json={"texts": ["a"] * 1001})
    assert too_many.status_code == 422 and too_many.json()["error"]["field"] == "texts"
    no_text = client.post("/api/v1/text/analyze", json={"items": [{"id": "x"}]})
    assert no_text.status_code == 422 and no_text.json()["error"]["field"] == "items.0.text"
    neither = client.post("/api/v1/text/analyze", json={})
    assert neither.status_code == 422
    broken = client.post("/api/v1/text/analyze", content=b"{not json", headers={"Content-Type": "application/json"})
    assert broken.status_code == 422
    small = make_hub(settings.model_copy(update={"max_body_bytes": 2048}), engine)
    headers = dict(client.headers)
    with TestClient(create_app(small), headers=headers) as limited:
        refused = limited.post("/api/v1/text/analyze", json={"texts": ["parola " * 1000]})
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "body_too_large"


def test_taxonomy_round_trips_and_bumps_its_version(admin: TestClient) -> None:
    default = admin.get("/api/v1/text/taxonomy").json()
    assert default["version"] == 0 and default["is_default"] and "Consegna › Ritardo" in default["paths"]
    yaml_text = admin.get("/api/v1/text/taxonomy.yaml")
    assert yaml_text.headers["content-type"].startswith("application/yaml") and "Consegna" in yaml_text.text
    put = admin.put("/api/v1/text/taxonomy", content=SMALL_YAML, headers={"Content-Type": "application/yaml"})
    assert put.status_code == 200, put.text
    assert (put.json()["version"], put.json()["paths"]) == (1, ["Rimborso"])
    as_json = admin.put("/api/v1/text/taxonomy", json=put.json()["taxonomy"])
    assert as_json.json()["version"] == 1  # the same taxonomy: nothing changed
    added = admin.post(
        "/api/v1/text/taxonomy/nodes", json={"name": "Lento", "rule": "lento OR slow", "parent": "Rimborso"}
    )
    assert added.status_code == 201 and added.json()["paths"] == ["Rimborso", "Rimborso › Lento"]
    assert added.json()["version"] == 2


def test_an_invalid_taxonomy_is_refused_whole_with_the_node_and_field(admin: TestClient) -> None:
    bad = SMALL_YAML.replace("rimborso OR refund", "rimborso AND")
    refused = admin.put("/api/v1/text/taxonomy", content=bad, headers={"Content-Type": "application/yaml"})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "invalid_taxonomy" and refused.json()["error"]["field"] == "Rimborso.rule"
    malformed = admin.put("/api/v1/text/taxonomy", content="topics: [", headers={"Content-Type": "application/yaml"})
    assert malformed.status_code == 422 and malformed.json()["error"]["field"] == "yaml"
    unknown = admin.post("/api/v1/text/taxonomy/nodes", json={"name": "X", "rule": "x", "parent": "Nessuno"})
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "parent"
    assert admin.get("/api/v1/text/taxonomy").json()["version"] == 0


def test_taxonomy_writes_need_the_admin_scope(client: TestClient) -> None:
    put = client.put("/api/v1/text/taxonomy", content=SMALL_YAML, headers={"Content-Type": "application/yaml"})
    assert put.status_code == 403
    assert client.post("/api/v1/text/reprocess").status_code == 403
    assert client.get("/api/v1/text/taxonomy").status_code == 200


def test_ingested_texts_feed_verbatims_topics_and_reprocess(admin: TestClient) -> None:
    send(
        admin,
        event(text="Il rimborso è in ritardo, scrivetemi a luca@example.it", occurred_at=at(2)),
        event(text="Consegna in ritardo, pessima", occurred_at=at(1), touchpoint="negozio"),
        event(occurred_at=at(1)),
    )
    page = admin.get("/api/v1/text/verbatims", params={"q": "ritardo"}).json()
    assert [item["text"] for item in page["items"]] == [
        "Consegna in ritardo, pessima",
        "Il rimborso è in ritardo, scrivetemi a [EMAIL]",
    ]
    negozio = admin.get("/api/v1/text/verbatims", params={"touchpoint": "negozio", "sentiment": "negative"}).json()
    assert len(negozio["items"]) == 1 and negozio["items"][0]["topics"][0]["path"] == "Consegna › Ritardo"
    topics = admin.get("/api/v1/text/topics", params={"period": "day"}).json()
    assert {t["path"] for t in topics["topics"]} >= {"Consegna › Ritardo", "Fatturazione › Rimborso"}
    admin.put("/api/v1/text/taxonomy", content=SMALL_YAML, headers={"Content-Type": "application/yaml"})
    done = admin.post("/api/v1/text/reprocess").json()
    assert done == {"events": 3, "analysed": 2, "mentions": 1, "taxonomy_version": 1}
    after = admin.get("/api/v1/text/topics").json()
    assert [(t["path"], t["mentions"]) for t in after["topics"]] == [("Rimborso", 1)]
    bad = admin.get("/api/v1/text/verbatims", params={"from": "2026-01-01T00:00:00"})
    assert bad.status_code == 422  # times need an offset


def test_themes_are_listed_and_promoted_into_the_taxonomy(admin: TestClient) -> None:
    music = [event(text=f"La musica in sottofondo del locale era altissima, tavolo {i}") for i in range(8)]
    send(admin, *music, event(text="Consegna in ritardo"))
    found = admin.get("/api/v1/text/themes", params={"min_size": 3}).json()
    assert found["uncovered"] == 8 and found["sample_cap"] == 20_000
    (theme,) = found["themes"]
    assert theme["size"] == 8 and theme["examples"][0]["text"].startswith("La musica")
    assert sum(v["count"] for v in theme["volume"]) == 8
    promoted = admin.post(
        "/api/v1/text/themes/promote",
        json={"name": "Musica", "rule": theme["suggested_rule"], "labels": {"en": "Music"}, "reprocess": True},
    )
    assert promoted.status_code == 201, promoted.text
    assert "Musica" in promoted.json()["taxonomy"]["paths"] and promoted.json()["reprocessed"]["analysed"] == 9
    assert len(admin.get("/api/v1/text/verbatims", params={"topic": "Musica"}).json()["items"]) == 8
    assert admin.get("/api/v1/text/themes", params={"min_size": 3}).json()["uncovered"] == 0
    unknown = admin.post("/api/v1/text/themes/promote", json={"name": "X", "rule": "x", "parent": "Nessuno"})
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_parent"
