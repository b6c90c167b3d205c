"""Journeys: the designed journey as customers really walk it (``cxhub.journeys.service.discover``).

The emotional curve per stage, the most common paths, the flow of the first steps, pain points ranked
by impact, and the disconnected experiences, each opening its customer. Discovery reads every event of
the window, so its result is cached (``web.cache``) until the workspace's data changes.
"""

from __future__ import annotations

import json

from fastapi import Request
from fastapi.responses import Response

from cxhub.journeys import service as journeys
from cxhub.journeys.schemas import DiscoveryOut
from cxhub.kit.http import SessionDep
from cxhub.web import charts
from cxhub.web.cache import cached
from cxhub.web.i18n import N_
from cxhub.web.overview import names_of, window
from cxhub.web.render import render, web_router
from cxhub.web.security import ViewerDep

router = web_router()
PERIODS = (30, 90, 365)
# The analysis reads every event of the window (cached until new data arrives): a month by default.
DEFAULT_DAYS = 30


@router.get("/app/journeys")
def journey_page(
    request: Request, viewer: ViewerDep, session: SessionDep, journey: str | None = None, days: int | None = None
) -> Response:
    viewer.require("overview")
    ws = viewer.workspace_id
    designed = journeys.list_journeys(session, workspace_id=ws)
    keys = [j.key for j in designed]
    key = journey if journey in keys else (keys[0] if keys else None)
    days = days if days in PERIODS else DEFAULT_DAYS
    definition = next((json.dumps(j.definition, sort_keys=True, default=str) for j in designed if j.key == key), "")

    def discover() -> DiscoveryOut:
        start, end = window(days)
        # The page lists ten disconnects; their counts by kind come whole whatever the limit.
        return journeys.discover(session, workspace_id=ws, journey=key, start=start, end=end, disconnect_limit=10)

    # A designed journey edited in place changes its definition, hence the key: no stale stages.
    found = cached(session, workspace_id=ws, part="journeys", params=(key, definition, days), compute=discover)
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
