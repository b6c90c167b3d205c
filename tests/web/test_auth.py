"""Signing in and out through the real app: cookies, CSRF, throttling, password change, language."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cxhub.app import create_app
from cxhub.web.security import LANG_COOKIE, SESSION_COOKIE
from tests.web.conftest import Brand, client_as, csrf_of, make_user, sign_in


def test_pages_send_an_anonymous_visitor_to_the_login_page(web: TestClient) -> None:
    answer = web.get("/app/customers?q=x", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/app/customers%3Fq%3Dx"
    assert web.get("/app/settings").url.path == "/login"


def test_login_sets_a_signed_httponly_samesite_cookie_and_follows_next(brand: Brand, web: TestClient) -> None:
    email, password = make_user(brand, "analyst")
    token = csrf_of(web.get("/login").text)
    answer = web.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/app/customers"},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/app/customers"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert web.get("/app/customers").status_code == 200


def test_next_never_leaves_the_site(brand: Brand, web: TestClient) -> None:
    email, password = make_user(brand, "analyst")
    token = csrf_of(web.get("/login").text)
    answer = web.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/app"


def test_login_without_the_form_token_is_refused(brand: Brand, web: TestClient) -> None:
    email, password = make_user(brand, "analyst")
    web.get("/login")
    answer = web.post("/login", data={"email": email, "password": password, "csrf_token": "forged"})
    assert answer.status_code == 403
    assert SESSION_COOKIE not in web.cookies


def test_wrong_passwords_are_counted_until_the_account_locks(brand: Brand, web: TestClient) -> None:
    email, password = make_user(brand, "viewer")
    statuses = []
    for _ in range(5):
        token = csrf_of(web.get("/login").text)
        statuses.append(web.post("/login", data={"email": email, "password": "nope", "csrf_token": token}).status_code)
    assert statuses == [401, 401, 401, 401, 429]
    token = csrf_of(web.get("/login").text)
    locked = web.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert locked.status_code == 429 and "locked" in locked.text


def test_a_tampered_cookie_is_a_stranger(brand: Brand) -> None:
    client = client_as(brand, "analyst")
    value = client.cookies[SESSION_COOKIE]
    client.cookies.set(SESSION_COOKIE, value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB"))
    assert client.get("/app", follow_redirects=False).status_code == 303


def test_logout_needs_the_csrf_token_and_ends_the_session_for_good(brand: Brand) -> None:
    client = client_as(brand, "analyst")
    page = client.get("/app")
    stolen = client.cookies[SESSION_COOKIE]
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/app").status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    replay = TestClient(create_app(brand.hub), cookies={SESSION_COOKIE: stolen})
    assert replay.get("/app", follow_redirects=False).status_code == 303


def test_password_change_keeps_this_session_and_ends_the_others(brand: Brand) -> None:
    email, password = make_user(brand, "agent")
    here = sign_in(TestClient(create_app(brand.hub)), email, password)
    elsewhere = sign_in(TestClient(create_app(brand.hub)), email, password)
    token = csrf_of(here.get("/app/account").text)
    differ = here.post(
        "/app/account/password",
        data={"current": password, "password": "x" * 12, "confirm": "y" * 12, "csrf_token": token},
    )
    assert differ.status_code == 400 and "differ" in differ.text
    changed = here.post(
        "/app/account/password",
        data={
            "current": password,
            "password": "a new long secret",
            "confirm": "a new long secret",
            "csrf_token": token,
        },
    )
    assert changed.status_code == 200 and "Password changed" in changed.text
    assert here.get("/app/customers").status_code == 200
    assert elsewhere.get("/app/customers", follow_redirects=False).status_code == 303
    sign_in(TestClient(create_app(brand.hub)), email, "a new long secret")


def test_language_follows_the_browser_until_the_switch_is_used(brand: Brand) -> None:
    client = client_as(brand, "analyst")
    italian = client.get("/app/customers", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert 'lang="it"' in italian.text and "Cliente a 360°" in italian.text
    switched = client.get("/lang/en?next=/app/customers", headers={"Accept-Language": "it"}, follow_redirects=False)
    assert switched.headers["location"] == "/app/customers" and client.cookies[LANG_COOKIE] == "en"
    english = client.get("/app/customers", headers={"Accept-Language": "it-IT,it;q=0.9"})
    assert 'lang="en"' in english.text and "Customer 360" in english.text
