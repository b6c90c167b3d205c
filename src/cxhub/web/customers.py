"""Customer 360: find a customer by any identifier; profile, traits, cross-channel timeline, merges."""

from __future__ import annotations

import re
import uuid

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from cxhub.cases.service import open_cases_of
from cxhub.identity.normalize import KNOWN_TYPES
from cxhub.kit.errors import CxhubError, NotFound
from cxhub.kit.http import HubDep, SessionDep
from cxhub.profiles import service as profiles
from cxhub.text.pii import redact
from cxhub.web.feedback import band_of
from cxhub.web.i18n import N_
from cxhub.web.overview import names_of
from cxhub.web.render import render, web_router
from cxhub.web.security import ViewerDep

router = web_router()
PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{6,}$")


def candidate_kinds(text: str) -> list[str]:
    """Which identifier types a typed value could be, most likely first."""
    if "@" in text:
        return ["email"]
    kinds = [kind for kind in KNOWN_TYPES if kind != "email"]
    if not PHONE_LIKE.match(text):
        kinds.remove("phone")
    return kinds


def search_customer(session: Session, *, workspace_id: uuid.UUID, text: str, region: str) -> uuid.UUID:
    """The customer whose id or identifier (of any type) is ``text``; ``customer_not_found`` otherwise."""
    text = text.strip()
    if not text:
        raise CxhubError("invalid_lookup", "type an e-mail, phone, CRM, loyalty or device id", field="q")
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    for kind in candidate_kinds(text):
        try:
            return profiles.find_customer(session, workspace_id=workspace_id, query={kind: text}, region=region)
        except CxhubError:
            continue
    raise NotFound("customer_not_found", f"no customer has the identifier {text!r}", field="q")


@router.get("/app/customers")
def customers(request: Request, viewer: ViewerDep, session: SessionDep, hub: HubDep, q: str | None = None) -> Response:
    viewer.require("customers")
    problem = None
    if q:
        try:
            found = search_customer(
                session, workspace_id=viewer.workspace_id, text=q, region=hub.settings.default_region
            )
            return RedirectResponse(f"/app/customers/{found}", status_code=303)
        except CxhubError:
            problem = N_("No customer has this identifier.")
    return render(
        request,
        "customers.html",
        {"title": N_("Customers"), "q": q or "", "problem": problem},
        viewer=viewer,
        active="customers",
        status=404 if problem else 200,
    )


@router.get("/app/customers/{customer_id}")
def customer(
    request: Request, customer_id: uuid.UUID, viewer: ViewerDep, session: SessionDep, cursor: str | None = None
) -> Response:
    viewer.require("customers")
    ws = viewer.workspace_id
    profile = profiles.customer_profile(session, workspace_id=ws, customer_id=customer_id)
    if profile.requested_id:
        return RedirectResponse(f"/app/customers/{profile.customer_id}", status_code=303)
    page = profiles.timeline(session, workspace_id=ws, customer_id=customer_id, limit=50, cursor=cursor)
    names, _ = names_of(session, ws)
    events = []
    for event in page.events:
        metric = (event.attributes or {}).get("metric") if event.score is not None else None
        events.append(
            {
                "event": event,
                "metric": metric,
                "score": event.score,
                "band": band_of(metric, event.score),
                "text": redact(event.text).text if event.text else None,
            }
        )
    return render(
        request,
        "customer.html",
        {
            "title": N_("Customer"),
            "profile": profile,
            "events": events,
            "next_cursor": page.next_cursor,
            "open_cases": open_cases_of(session, workspace_id=ws, customer_id=customer_id)
            if viewer.can("cases")
            else [],
            "touchpoint_names": names,
        },
        viewer=viewer,
        active="customers",
    )
