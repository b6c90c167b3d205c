"""Journeys: the designed journey as customers really walk it (``cxhub.journeys.service.discover``).

The emotional curve per stage, the most common paths, the flow of the first steps, pain points ranked
by impact, and the disconnected experiences, each opening its customer.

Discovery reads every event of the window: a year of a 10,000-customer brand takes longer than a page
may. So its result is kept (``web.cache``) and, when new data arrives, the page shows the last result,
saying when it was computed, while a background thread computes the new one; :func:`warm` computes the
page's analyses ahead of the first view (``cxhub serve`` runs it as a periodic job).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Hashable
from datetime import datetime

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.governance.models import Workspace
from cxhub.journeys import service as journeys
from cxhub.journeys.models import Journey
from cxhub.journeys.schemas import DiscoveryOut
from cxhub.kit.http import Hub, HubDep, SessionDep
from cxhub.web import charts
from cxhub.web.cache import ResultCache, data_version, results
from cxhub.web.i18n import N_
from cxhub.web.overview import names_of, window
from cxhub.web.render import render, web_router
from cxhub.web.security import ViewerDep

router = web_router()
PERIODS = (30, 90, 365)
# The analysis reads every event of the window: a month by default.
DEFAULT_DAYS = 30


def _key(session: Session, workspace_id: uuid.UUID, journey: str | None, definition: str, days: int) -> Hashable:
    # A designed journey edited in place changes its definition, hence the key: no stale stages.
    return (str(session.get_bind().engine.url), workspace_id, "journeys", (journey, definition, days))


def _definition(designed: list[Journey], key: str | None) -> str:
    return next((json.dumps(j.definition, sort_keys=True, default=str) for j in designed if j.key == key), "")


def _discover(session: Session, workspace_id: uuid.UUID, journey: str | None, days: int) -> DiscoveryOut:
    start, end = window(days)
    # The page lists ten disconnects; their counts by kind come whole whatever the limit.
    return journeys.discover(
        session, workspace_id=workspace_id, journey=journey, start=start, end=end, disconnect_limit=10
    )


def discovery(
    hub: Hub,
    session: Session,
    *,
    workspace_id: uuid.UUID,
    journey: str | None,
    definition: str,
    days: int,
    cache: ResultCache | None = None,
) -> tuple[DiscoveryOut, datetime | None]:
    """The page's discovery and, when it is the last result shown while the new one is computed, the
    moment it was computed (else ``None``)."""
    cache = cache or results

    def refresh() -> tuple[Hashable, DiscoveryOut]:
        with hub.sessions() as own:
            version = data_version(own, workspace_id=workspace_id)
            return version, _discover(own, workspace_id, journey, days)

    return cache.get_or_stale(
        _key(session, workspace_id, journey, definition, days),
        data_version(session, workspace_id=workspace_id),
        lambda: _discover(session, workspace_id, journey, days),
        refresh,
    )


def warm(hub: Hub, cache: ResultCache | None = None, *, workspace_ids: list[uuid.UUID] | None = None) -> int:
    """Compute every workspace's journey analyses of the page (each designed journey, each period) whose
    last result predates the data (or only those of ``workspace_ids``); the number computed."""
    cache = cache or results
    computed = 0
    with hub.sessions() as session:
        every = workspace_ids if workspace_ids is not None else session.scalars(select(Workspace.id)).all()
        for workspace_id in every:
            designed = journeys.list_journeys(session, workspace_id=workspace_id)
            version = data_version(session, workspace_id=workspace_id)
            keys: list[str | None] = [j.key for j in designed]
            for journey in keys or [None]:
                definition = _definition(designed, journey)
                for days in PERIODS:
                    key = _key(session, workspace_id, journey, definition, days)
                    last = cache.latest(key)
                    if last is not None and last.version == version and cache.clock() - last.born < cache.ttl:
                        continue
                    cache.keep(key, version, _discover(session, workspace_id, journey, days))
                    computed += 1
            session.rollback()  # the next workspace's version is read afresh
    return computed


@router.get("/app/journeys")
def journey_page(
    request: Request,
    viewer: ViewerDep,
    session: SessionDep,
    hub: HubDep,
    journey: str | None = None,
    days: int | None = None,
) -> Response:
    viewer.require("overview")
    ws = viewer.workspace_id
    designed = journeys.list_journeys(session, workspace_id=ws)
    keys = [j.key for j in designed]
    key = journey if journey in keys else (keys[0] if keys else None)
    days = days if days in PERIODS else DEFAULT_DAYS
    found, computed_at = discovery(
        hub, session, workspace_id=ws, journey=key, definition=_definition(designed, key), days=days
    )
    touchpoint_names, stage_names = names_of(session, ws)
    names = {**touchpoint_names, **stage_names}
    stages = [{**stage.model_dump(), "label": names.get(stage.stage, stage.stage)} for stage in found.stages]
    return render(
        request,
        "journeys.html",
        {
            "title": N_("Journeys"),
            "journeys": designed,
            "journey": key,
            "days": days,
            "periods": PERIODS,
            "found": found,
            "computed_at": computed_at,
            "names": names,
            "stages": stages,
            "curve": charts.stage_curve(stages, y_title="NPS"),
            "has_curve": any(s["nps"] and s["nps"]["value"] is not None for s in stages),
            "flow": charts.sankey(
                [n.model_dump() for n in found.sankey.nodes], [link.model_dump() for link in found.sankey.links]
            ),
        },
        viewer=viewer,
        active="journeys",
    )
