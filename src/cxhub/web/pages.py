"""The landing page (what this hub holds, and where to go next) and the web app's routers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from cxhub import __version__
from cxhub.events.models import DeadLetter, Event
from cxhub.governance.models import Workspace
from cxhub.identity.models import Customer, Merge
from cxhub.kit.http import SessionDep
from cxhub.web import auth, cases, customers, departments, feedback, journeys, overview, rules, settings, surveys
from cxhub.web.i18n import pick_language
from cxhub.web.render import static_router

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def _number(value: int | None, lang: str = "en") -> str:
    """Thousands separated the way the reader's language writes them."""
    text = f"{value or 0:,}"
    return text.replace(",", ".") if lang == "it" else text


templates.env.filters["number"] = _number
router = APIRouter(include_in_schema=False)
for _pages in (auth, overview, customers, feedback, cases, journeys, departments, settings, rules, surveys):
    router.include_router(_pages.router)
router.include_router(static_router)

TEXT = {
    "it": {
        "title": "cxhub: il tuo hub della Customer Experience",
        "tagline": "Ogni punto di contatto, un solo cliente, una sola storia.",
        "loaded": "Cosa contiene questo hub",
        "workspace": "Spazio di lavoro",
        "customers": "Clienti",
        "events": "Eventi",
        "channels": "Canali",
        "merges": "Profili unificati",
        "deadletters": "Record scartati da correggere",
        "empty": "Nessun dato ancora. Carica il brand dimostrativo con `cxhub demo` o invia eventi all'API.",
        "api": "Documentazione API interattiva",
        "redoc": "Riferimento API",
        "health": "Stato del servizio",
        "signin": "Accedi al cruscotto",
        "from": "dal",
        "to": "al",
        "lang": "English",
    },
    "en": {
        "title": "cxhub: your Customer Experience hub",
        "tagline": "Every touchpoint, one customer, one story.",
        "loaded": "What this hub holds",
        "workspace": "Workspace",
        "customers": "Customers",
        "events": "Events",
        "channels": "Channels",
        "merges": "Profiles stitched",
        "deadletters": "Rejected records to fix",
        "empty": "No data yet. Load the demo brand with `cxhub demo` or send events to the API.",
        "api": "Interactive API documentation",
        "redoc": "API reference",
        "health": "Service health",
        "signin": "Sign in to the cockpit",
        "from": "from",
        "to": "to",
        "lang": "Italiano",
    },
}


def _workspace_summaries(session: SessionDep) -> list[dict[str, Any]]:
    summaries = []
    for workspace in session.scalars(select(Workspace).order_by(Workspace.slug)):
        ws = workspace.id
        customers = session.scalar(
            select(func.count())
            .select_from(Customer)
            .where(Customer.workspace_id == ws, Customer.merged_into.is_(None))
        )
        events, first, last = session.execute(
            select(func.count(), func.min(Event.occurred_at), func.max(Event.occurred_at)).where(
                Event.workspace_id == ws
            )
        ).one()
        channels = list(
            session.execute(
                select(Event.channel, func.count())
                .where(Event.workspace_id == ws)
                .group_by(Event.channel)
                .order_by(func.count().desc())
            )
        )
        merges = session.scalar(
            select(func.count()).select_from(Merge).where(Merge.workspace_id == ws, Merge.undone_at.is_(None))
        )
        dead = session.scalar(
            select(func.count())
            .select_from(DeadLetter)
            .where(DeadLetter.workspace_id == ws, DeadLetter.status == "pending")
        )
        summaries.append(
            {
                "slug": workspace.slug,
                "name": workspace.name,
                "customers": customers,
                "events": events,
                "first": first,
                "last": last,
                "channels": channels,
                "merges": merges,
                "deadletters": dead,
            }
        )
    return summaries


@router.get("/", response_class=HTMLResponse)
def landing(request: Request, session: SessionDep, lang: str | None = None) -> HTMLResponse:
    language = pick_language(request.headers.get("accept-language"), lang)
    return templates.TemplateResponse(
        request,
        "landing.html",
        {
            "t": TEXT[language],
            "lang": language,
            "other": "en" if language == "it" else "it",
            "version": __version__,
            "workspaces": _workspace_summaries(session),
        },
    )
