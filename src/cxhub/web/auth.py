"""Signing in and out, changing one's password, choosing the language."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cxhub.governance import users
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import HubDep, SessionDep
from cxhub.web.i18n import N_, SUPPORTED
from cxhub.web.render import home_of, render, web_router
from cxhub.web.security import (
    LANG_COOKIE,
    SESSION_COOKIE,
    Viewer,
    ViewerDep,
    check_csrf,
    form_csrf,
    language_of,
    login_csrf,
    remember_login_csrf,
    safe_next,
    session_token,
    set_cookie,
    signer,
)

router = web_router()
REFUSALS = {
    "wrong": N_("Wrong e-mail or password."),
    "locked": N_("Too many failed attempts: this account is locked for 15 minutes."),
    "csrf": N_("The form expired: please try again."),
}


def _login_page(
    request: Request, secret: str, *, next_path: str, email: str = "", refusal: str | None = None
) -> Response:
    token = login_csrf(request, secret)
    status = {"wrong": 401, "locked": 429, "csrf": 403}.get(refusal or "", 200)
    response = render(
        request,
        "login.html",
        {"next": next_path, "email": email, "refusal": REFUSALS.get(refusal or ""), "login_csrf": token},
        status=status,
    )
    remember_login_csrf(request, response, secret, token)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, hub: HubDep, next: str | None = None) -> Response:
    return _login_page(request, hub.settings.resolved_secret_key(), next_path=safe_next(next, ""))


@router.post("/login")
def login(
    request: Request,
    session: SessionDep,
    hub: HubDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    secret = hub.settings.resolved_secret_key()
    expected = login_csrf(request, secret)
    if not request.cookies.get("cxhub_login_csrf") or csrf_token != expected:
        return _login_page(request, secret, next_path=safe_next(next, ""), email=email, refusal="csrf")
    result = users.check_login(session, email=email, password=password)
    if result.user is None:
        # Returned, not raised: the failure count must be committed.
        return _login_page(request, secret, next_path=safe_next(next, ""), email=email, refusal=result.refused)
    user_session, token = users.start_session(session, user=result.user)
    viewer = Viewer(user=result.user, user_session=user_session, language=language_of(request))
    response = RedirectResponse(safe_next(next, home_of(viewer)), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, signer(secret, "session").dumps(token), users.SESSION_HOURS * 3600)
    return response


@router.post("/logout")
async def logout(request: Request, viewer: ViewerDep, session: SessionDep, hub: HubDep) -> Response:
    check_csrf(viewer.csrf, await form_csrf(request))
    token = session_token(request, hub.settings.resolved_secret_key())
    if token:
        users.end_session(session, token=token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/app/account", response_class=HTMLResponse)
def account(request: Request, viewer: ViewerDep) -> Response:
    return render(request, "account.html", {"done": request.query_params.get("done") == "1"}, viewer=viewer)


@router.post("/app/account/password")
def change_password(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    current: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf, csrf_token)
    problem: str | None = None
    if password != confirm:
        problem = N_("The two new passwords differ.")
    else:
        try:
            users.change_password(
                session, user=viewer.user, current=current, new=password, keep_session=viewer.user_session.id
            )
        except CxhubError as exc:
            problem = {
                "wrong_password": N_("The current password is not right."),
                "weak_password": N_("A password needs at least 10 characters."),
                "same_password": N_("Choose a password different from the current one."),
            }.get(exc.code, exc.message)
    if problem:
        return render(request, "account.html", {"problem": problem}, viewer=viewer, status=400)
    return RedirectResponse("/app/account?done=1", status_code=303)


@router.get("/lang/{language}")
def switch_language(request: Request, language: str, next: str | None = None) -> Response:
    """The language switch: remembered in a cookie, so it wins over the browser's Accept-Language."""
    if language not in SUPPORTED:
        raise CxhubError("not_found", f"no language {language!r}", status=404)
    response = RedirectResponse(safe_next(next, "/app"), status_code=303)
    set_cookie(request, response, LANG_COOKIE, language, max_age=365 * 24 * 3600)
    return response
