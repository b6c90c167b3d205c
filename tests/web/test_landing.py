from __future__ import annotations

from fastapi.testclient import TestClient

from cxhub.web.i18n import pick_language
from tests.builders import event


def test_language_follows_the_browser_with_a_switch() -> None:
    assert pick_language("it-IT,it;q=0.9,en;q=0.8") == "it"
    assert pick_language("fr-FR,en;q=0.5,it;q=0.4") == "en"
    assert pick_language("de-DE") == "en"
    assert pick_language(None) == "en"
    assert pick_language("en-US", "it") == "it"


def test_landing_page_says_what_is_loaded(client: TestClient) -> None:
    many = [event(identifiers={"device_id": f"d{i}"}) for i in range(1200)]
    for start in (0, 600):
        client.post("/api/v1/events", json={"events": many[start : start + 600]})
    page = client.get("/", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert page.status_code == 200
    assert 'lang="it"' in page.text and "Clienti" in page.text and "/docs" in page.text
    assert "1.200" in page.text  # Italian thousands separator
    english = client.get("/?lang=en")
    assert "Customers" in english.text and "1,200" in english.text


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert {"/api/v1/events", "/api/v1/context", "/api/v1/customers/{customer_id}/timeline"} <= set(spec["paths"])
    assert client.get("/nope").json()["error"]["code"] == "not_found"
