"""The FastAPI factory: routers, error handlers, health and the web pages."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxhub import __version__, migrate
from cxhub.cases.api import cases_router, rules_router
from cxhub.config import Settings, get_settings
from cxhub.db import make_engine, make_sessionmaker
from cxhub.events.api import router as events_router
from cxhub.governance.api import router as governance_router
from cxhub.identity.api import router as identity_router
from cxhub.journeys.api import router as journeys_router
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Hub
from cxhub.metrics.api import router as metrics_router
from cxhub.pipeline import Queue, default_queue
from cxhub.privacy.api import router as privacy_router
from cxhub.profiles.api import router as profiles_router
from cxhub.surveys.api import router as surveys_router
from cxhub.surveys.form import router as survey_form_router
from cxhub.text.api import router as text_router
from cxhub.web.pages import router as pages_router

log = logging.getLogger("cxhub")

DESCRIPTION = """
cxhub collects every event of every touchpoint, stitches them into one customer with one timeline,
and answers touchpoints in milliseconds. Authenticate with `Authorization: Bearer <API key>`
(create one with `cxhub keys create --workspace W --scopes ingest,read`).

Errors are JSON: `{"error": {"code": "...", "message": "...", "field": "..."}}`, with a stable `code`.
"""


def make_hub(settings: Settings | None = None, engine: Engine | None = None, queue: Queue | None = None) -> Hub:
    settings = settings or get_settings()
    engine = engine or make_engine(settings)
    return Hub(settings=settings, engine=engine, sessions=make_sessionmaker(engine), queue=queue or default_queue())


def _problems(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
        out.append({"field": ".".join(loc) or "(request)", "problem": str(error.get("msg", "invalid"))})
    return out


def create_app(hub: Hub | None = None) -> FastAPI:
    hub = hub or make_hub()
    app = FastAPI(title="cxhub", version=__version__, description=DESCRIPTION)
    app.state.hub = hub

    @app.exception_handler(CxhubError)
    async def cxhub_error(_: Request, exc: CxhubError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = _problems(exc)
        first = problems[0] if problems else {"field": "(request)", "problem": "invalid"}
        body: dict[str, Any] = {
            "error": {
                "code": "invalid_request",
                "message": f"{first['field']}: {first['problem']}",
                "field": first["field"],
                "errors": problems,
            }
        }
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse({"error": {"code": code, "message": str(exc.detail)}}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return JSONResponse(
            {"error": {"code": "internal_error", "message": "the hub failed to answer; nothing was written"}},
            status_code=500,
        )

    @app.get("/healthz", tags=["operations"], summary="200 when the database answers and its schema is current")
    def healthz() -> JSONResponse:
        try:
            with hub.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            current = migrate.is_current(hub.engine)
        except Exception as exc:  # noqa: BLE001 - health reports any failure
            return JSONResponse({"status": "unavailable", "reason": str(exc)[:200]}, status_code=503)
        if not current:
            return JSONResponse(
                {"status": "unavailable", "reason": "database schema is not current: run `cxhub db upgrade`"},
                status_code=503,
            )
        return JSONResponse({"status": "ok", "version": __version__, "database": hub.engine.dialect.name})

    app.include_router(events_router)
    app.include_router(profiles_router)
    app.include_router(identity_router)
    app.include_router(surveys_router)
    app.include_router(privacy_router)
    app.include_router(survey_form_router)
    app.include_router(governance_router)
    app.include_router(metrics_router)
    app.include_router(journeys_router)
    app.include_router(text_router)
    app.include_router(rules_router)
    app.include_router(cases_router)
    app.include_router(pages_router)
    return app
