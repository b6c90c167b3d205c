"""Who is looking at a page: the signed session cookie, the CSRF token of every form, the language.

The cookie holds a random session token signed with ``Settings.resolved_secret_key()`` (itsdangerous),
HttpOnly and SameSite=Lax; the database holds the token's hash, so logout ends it everywhere.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cxhub.governance import users
from cxhub.governance.models import User, UserSession
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import HubDep, SessionDep
from cxhub.web.i18n import N_, pick_language

SESSION_COOKIE = "cxhub_session"
LANG_COOKIE = "cxhub_lang"
LOGIN_CSRF_COOKIE = "cxhub_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


class LoginRequired(Exception):
    """Raised by the viewer dependency; the web route turns it into a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def signer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=f"cxhub.web.{purpose}")


def language_of(request: Request) -> str:
    return pick_language(request.headers.get("accept-language"), request.cookies.get(LANG_COOKIE))


def secure_cookies(request: Request) -> bool:
    """Mark cookies Secure when the hub is reached over HTTPS (directly or behind a proxy that says so)."""
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=secure_cookies(request), path="/"
    )


def safe_next(path: str | None, default: str = "/app") -> str:
    """Only same-site paths: an open redirect would let a phishing link bounce through the hub."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    return path


@dataclass
class Viewer:
    """The signed-in user of this request and the workspace they are looking at."""

    user: User
    user_session: UserSession
    language: str

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.user_session.workspace_id

    @property
    def csrf(self) -> str:
        return self.user_session.csrf_token

    def can(self, permission: str) -> bool:
        return users.can(self.user.role, permission)

    def require(self, permission: str) -> None:
        if not self.can(permission):
            raise CxhubError("forbidden", N_("Your role does not give access to this page."), status=403)


def session_token(request: Request, secret: str) -> str | None:
    raw = request.cookies.get(SESSION_COOKIE)
    if not raw:
        return None
    try:
        token = signer(secret, "session").loads(raw, max_age=users.SESSION_HOURS * 3600)
    except BadSignature:
        return None
    return token if isinstance(token, str) else None


def current_viewer(request: Request, session: SessionDep, hub: HubDep) -> Viewer:
    token = session_token(request, hub.settings.resolved_secret_key())
    found = users.session_user(session, token=token) if token else None
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    user_session, user = found
    return Viewer(user=user, user_session=user_session, language=language_of(request))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def check_csrf(expected: str, submitted: str | None) -> None:
    if not submitted or not secrets.compare_digest(expected, submitted):
        raise CxhubError("csrf_failed", N_("The form expired or came from elsewhere: reload the page."), status=403)


async def form_csrf(request: Request) -> str | None:
    """The CSRF token of a form post, or of an HTMX request's header."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.form()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


def login_csrf(request: Request, secret: str) -> str:
    """The login form's token: a signed cookie that the form must echo (no session exists yet)."""
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    if raw:
        try:
            value = signer(secret, "login").loads(raw, max_age=24 * 3600)
            if isinstance(value, str):
                return value
        except BadSignature:
            pass
    return secrets.token_urlsafe(24)


def remember_login_csrf(request: Request, response: Response, secret: str, value: str) -> None:
    set_cookie(request, response, LOGIN_CSRF_COOKIE, signer(secret, "login").dumps(value), max_age=24 * 3600)


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"
