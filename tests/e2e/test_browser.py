"""The cockpit in a real Chromium, as a person uses it: sign in, read, drill down, switch language.

A real uvicorn server on a free port serves a small demo brand from a temporary SQLite database.
Playwright drives Debian's ``/usr/bin/chromium`` and never downloads a browser. The screenshots of
the main pages land in ``docs/screenshots/``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from cxhub import migrate
from cxhub.app import create_app, make_hub
from cxhub.config import Settings
from cxhub.demo.service import load_demo

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (.ci/run installs it)", allow_module_level=True)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Hub:
    def __init__(self, base: str, users: dict[str, tuple[str, str]], hub: Any = None) -> None:
        self.base = base
        self.users = users
        self.hub = hub


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    path = tmp_path_factory.mktemp("e2e") / "cxhub.db"
    hub = make_hub(Settings(database_url=f"sqlite:///{path}", secret_key="e2e-secret-key-0123456789abcdef"))
    migrate.upgrade(hub.engine)
    demo = load_demo(hub, customers=150, seed=21, as_of=(datetime.now(UTC) - timedelta(days=1)).date())
    port = _free_port()
    instance = uvicorn.Server(uvicorn.Config(create_app(hub), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        users = {role: (email, password) for email, role, password in demo.users}
        yield Hub(f"http://127.0.0.1:{port}", users, hub)
    finally:
        instance.should_exit = True
        thread.join(timeout=10)
        hub.engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _page(browser: Any, language: str = "en-GB") -> Any:
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)  # a shared 2-core CI machine can be slow
    return context.new_page()


def _sign_in(page: Any, server: Hub, role: str, start: str = "/app") -> None:
    email, password = server.users[role]
    page.goto(server.base + start)
    assert "/login" in page.url
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # The redirect is committed as soon as the server answers; the landing page's scripts (Plotly is
    # several megabytes) may then take long to load on a busy CI machine, so each wait gets its own budget.
    try:
        page.wait_for_url(lambda url: "/login" not in url, wait_until="commit", timeout=30_000)
    except playwright_api.TimeoutError as exc:
        refusal = page.locator("main").inner_text() if page.locator("main").count() else page.content()[:500]
        raise AssertionError(f"signing in as {role} stayed on {page.url}: {refusal}") from exc
    page.wait_for_load_state("load", timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)


def _shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_manager_reads_the_overview_drills_into_feedback_and_opens_a_customer(browser: Any, server: Hub) -> None:
    page = _page(browser)
    _sign_in(page, server, "admin")
    assert page.url == server.base + "/app"
    assert page.get_by_role("heading", name="Customer experience overview").is_visible()
    page.wait_for_selector("#trend-chart .main-svg")  # Plotly, served from the Python package, drew the trend
    assert page.locator('.kpi[data-metric="nps"] .value').inner_text().strip() not in ("", "—")
    _shot(page, "overview")

    page.locator('[data-testid="drill-relazione_cliente"]').first.click()
    page.wait_for_load_state("networkidle")
    assert "touchpoint=relazione_cliente" in page.url
    assert page.get_by_role("heading", name="Verbatims: Survey relazionale NPS").is_visible()
    assert page.locator('[data-testid="feedback-item"]').count() > 0
    _shot(page, "verbatims")

    page.locator('[data-testid="customer-link"]').first.click()
    page.wait_for_load_state("networkidle")
    assert "/app/customers/" in page.url
    assert page.get_by_role("heading", name="Timeline across channels").is_visible()
    assert page.locator('[data-testid="timeline-event"]').count() > 0
    _shot(page, "customer")

    page.goto(server.base + "/app/journeys?days=365")
    page.wait_for_selector("#flow-chart .main-svg")
    _shot(page, "journeys")

    page.goto(server.base + "/app/settings")
    assert page.get_by_role("heading", name="Governance map").is_visible()
    _shot(page, "settings")

    page.locator("#rules tbody a").first.click()  # an alert rule: try it on past events before trusting it
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Dry run").click()
    page.wait_for_load_state("networkidle")
    assert "would have matched" in page.get_by_test_id("dry-run").inner_text()
    _shot(page, "rule")
    page.context.close()


def test_an_agent_works_a_case_to_closure(browser: Any, server: Hub) -> None:
    page = _page(browser)
    _sign_in(page, server, "admin", "/app/cases")
    assert page.locator('[data-testid="case-row"]').count() > 0
    _shot(page, "cases")
    page.locator('[data-testid="case-row"] a').first.click()
    page.wait_for_load_state("networkidle")
    page.get_by_label("Assignee").fill(server.users["admin"][0])
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("case-assignee").inner_text() == server.users["admin"][0]
    page.get_by_label("Comment", exact=True).fill("Called back: the double charge is refunded")
    page.get_by_role("button", name="Add comment").click()
    page.wait_for_load_state("networkidle")
    page.select_option("#to", "resolved")
    page.get_by_label("Resolution (when resolving)").fill("Refund issued")
    page.get_by_role("button", name="Change status").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("case-status").inner_text() == "resolved"
    page.select_option("#to", "closed")
    page.get_by_role("button", name="Change status").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("case-status").inner_text() == "closed"
    assert page.get_by_text("Called back: the double charge is refunded").is_visible()
    _shot(page, "case")
    page.context.close()


def test_filters_swap_the_list_in_place(browser: Any, server: Hub) -> None:
    page = _page(browser)
    _sign_in(page, server, "admin", "/app/feedback")
    page.select_option("#metric", "nps")
    page.wait_for_url("**metric=nps**")  # HTMX pushed the filtered URL without a full reload
    page.wait_for_load_state("networkidle")
    assert page.locator('[data-testid="feedback-item"]').count() > 0
    assert page.locator("#feedback-list .chip").first.inner_text().startswith("NPS")
    page.context.close()


def test_the_language_switch_turns_the_cockpit_italian(browser: Any, server: Hub) -> None:
    page = _page(browser)
    _sign_in(page, server, "admin")
    page.get_by_test_id("lang-switch").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.get_by_role("heading", name="Panoramica della customer experience").is_visible()
    assert page.get_by_role("link", name="Clienti").is_visible()
    _shot(page, "overview-it")
    page.context.close()


def test_an_italian_browser_gets_italian_pages(browser: Any, server: Hub) -> None:
    page = _page(browser, "it-IT")
    page.goto(server.base + "/login")
    assert page.get_by_role("heading", name="Accedi a cxhub").is_visible()
    assert page.get_by_label("Password").is_visible()
    page.context.close()


def test_a_department_lead_is_kept_to_their_own_department(browser: Any, server: Hub) -> None:
    page = _page(browser)
    _sign_in(page, server, "department_lead")
    assert page.url == server.base + "/app/departments/customer_care"
    assert page.get_by_role("heading", name="KPIs and targets").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"  # keyboard users skip the menu
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert page.get_by_role("link", name="My department").is_visible()
    assert page.get_by_role("link", name="Overview").count() == 0
    _shot(page, "department")
    answer = page.goto(server.base + "/app/departments/marketing")
    assert answer is not None and answer.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    page.context.close()


def test_a_customer_answers_a_survey_without_javascript(browser: Any, server: Hub) -> None:
    from sqlalchemy import select

    from cxhub.db import transaction
    from cxhub.governance.service import get_workspace_by_slug
    from cxhub.identity.models import Customer
    from cxhub.surveys.invitations import form_url, invite
    from cxhub.surveys.service import get_survey

    link = None
    with transaction(server.hub.sessions) as session:
        workspace = get_workspace_by_slug(session, slug="demo")
        survey = get_survey(session, workspace_id=workspace.id, slug="nps_relazionale")
        customers = session.scalars(select(Customer.id).where(Customer.workspace_id == workspace.id).limit(40))
        for customer_id in customers:  # the contact policy may rightly refuse some: the first it allows
            invitation = invite(session, survey=survey, customer_id=customer_id, channel="link", language="it")
            link = form_url(server.hub.settings, invitation)
            if link is not None:
                break
    assert link is not None
    path = link.split("/s/", 1)[1]
    context = browser.new_context(locale="it-IT", java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server.base}/s/{path}")
    assert page.locator("html").get_attribute("lang") == "it"
    assert page.get_by_role("link", name="English").is_visible()  # the switch offers the other language
    _shot(page, "survey-form")
    page.get_by_role("button", name="Invia").click()  # nothing chosen: the form says what is missing
    assert page.locator('[data-error="nps"]').is_visible()
    page.locator('label[for="q-nps-3"]').click()  # a detractor…
    page.get_by_role("button", name="Invia").click()
    page.get_by_label("Che cosa dovremmo migliorare?").fill("Attesa troppo lunga al telefono.")  # …is asked why
    page.get_by_role("button", name="Invia").click()
    assert "Grazie" in page.locator("h1").inner_text()
    page.goto(f"{server.base}/s/{path}")  # the same link again: answered once, and only once
    assert page.locator("h1").inner_text() == "Hai già risposto"
    assert page.locator("form").count() == 0
    context.close()
