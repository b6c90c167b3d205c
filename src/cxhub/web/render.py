"""The shell every page shares: Jinja2 with gettext, the navigation, HTML error pages, static files.

Pages are routed through :class:`WebRoute`, which turns a missing login into a redirect and any
``CxhubError`` into a translated HTML page, so a browser never sees the API's JSON errors.
"""

from __future__ import annotations

import importlib.util
import json
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from cxhub import __version__
from cxhub.kit.errors import CxhubError
from cxhub.web import i18n
from cxhub.web.i18n import N_
from cxhub.web.security import LoginRequired, Viewer, language_of, login_url

log = logging.getLogger("cxhub.web")
HERE = Path(__file__).parent
STATIC = HERE / "static"


environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    extensions=["jinja2.ext.i18n"],
    trim_blocks=True,
    lstrip_blocks=True,
)


def _tojson(value: Any) -> Markup:
    """JSON safe inside a <script type="application/json"> block."""
    text = json.dumps(value, default=str, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


environment.filters["json"] = _tojson


@dataclass(frozen=True, slots=True)
class NavItem:
    key: str
    label: str
    href: str
    permission: str
    module: str | None = None  # shown only once that capability is installed


NAV = (
    NavItem("overview", N_("Overview"), "/app", "overview"),
    NavItem("customers", N_("Customers"), "/app/customers", "customers"),
    NavItem("feedback", N_("Verbatims"), "/app/feedback", "feedback"),
    NavItem("cases", N_("Cases"), "/app/cases", "cases", module="cxhub.web.cases"),
    NavItem("journeys", N_("Journeys"), "/app/journeys", "overview", module="cxhub.web.journeys"),
    NavItem("departments", N_("Departments"), "/app/departments", "departments"),
    NavItem("settings", N_("Settings"), "/app/settings", "settings"),
)


def installed(module: str | None) -> bool:
    return module is None or importlib.util.find_spec(module) is not None


def nav_for(viewer: Viewer) -> list[NavItem]:
    items = []
    for item in NAV:
        if not installed(item.module):
            continue
        if item.key == "departments" and viewer.user.role == "department_lead":
            items.append(NavItem(item.key, N_("My department"), f"/app/departments/{viewer.user.department_key}", ""))
        elif viewer.can(item.permission):
            items.append(item)
    return items


def home_of(viewer: Viewer) -> str:
    """Where a user lands after signing in: the overview, or a lead's own department."""
    if viewer.can("overview"):
        return "/app"
    if viewer.user.role == "department_lead":
        return f"/app/departments/{viewer.user.department_key}"
    return "/app/customers"


def formatting(language: str) -> dict[str, Any]:
    translations = i18n.translations(language)
    return {
        "lang": language,
        "other_lang": "en" if language == "it" else "it",
        "_": translations.gettext,
        "gettext": translations.gettext,
        "ngettext": translations.ngettext,
        "pgettext": translations.pgettext,
        "num": lambda value, digits=0: i18n.number(value, language, digits),
        "signed": lambda value, digits=1: i18n.signed(value, language, digits),
        "pct": lambda value: i18n.percent(value, language),
        "day": lambda value: i18n.day(value, language),
        "moment": lambda value: i18n.moment(value, language),
        "version": __version__,
    }


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    viewer: Viewer | None = None,
    status: int = 200,
    active: str = "",
) -> HTMLResponse:
    language = viewer.language if viewer else language_of(request)
    values = formatting(language)
    values.update(
        request=request,
        viewer=viewer,
        nav=nav_for(viewer) if viewer else [],
        active=active,
        csrf=viewer.csrf if viewer else "",
        path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
    )
    values.update(context or {})
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def error_page(request: Request, exc: CxhubError) -> HTMLResponse:
    titles = {403: N_("Not allowed"), 404: N_("Not found"), 429: N_("Too many attempts")}
    return render(
        request,
        "error.html",
        {"title": titles.get(exc.status, N_("Something is wrong")), "error": exc},
        status=exc.status,
    )


class WebRoute(APIRoute):
    """A route whose failures are pages: redirect to login, or an HTML error page with the right status."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def web_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequired as exc:
                return RedirectResponse(login_url(exc.next_path), status_code=303)
            except CxhubError as exc:
                return error_page(request, exc)

        return web_handler


def web_router() -> APIRouter:
    return APIRouter(include_in_schema=False, route_class=WebRoute)


static_router = APIRouter(include_in_schema=False)
PLOTLY_JS = Path(importlib.util.find_spec("plotly").origin or "").parent / "package_data" / "plotly.min.js"  # type: ignore[union-attr]
ASSETS = {"app.css": "text/css", "app.js": "text/javascript", "htmx.min.js": "text/javascript"}


@static_router.get("/static/{name}")
def static_file(name: str) -> FileResponse:
    """The web app's own assets and the vendored scripts: nothing comes from a CDN."""
    if name == "plotly.min.js":
        return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})
    if name not in ASSETS:
        raise CxhubError("not_found", f"no static file {name!r}", status=404)
    return FileResponse(STATIC / name, media_type=ASSETS[name], headers={"Cache-Control": "public, max-age=3600"})
