"""``/api/v1/journeys``: designed journeys, discovery, disconnects and the Sankey."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Response

from cxhub.governance.service import Principal
from cxhub.journeys import service
from cxhub.journeys.design import JourneyDef
from cxhub.journeys.discovery import Level
from cxhub.journeys.schemas import DisconnectPage, DiscoveryOut, JourneyOut, SankeyOut
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import Reader, SessionDep, scoped

router = APIRouter(prefix="/api/v1/journeys", tags=["journeys"])
Admin = Annotated[Principal, Depends(scoped("admin"))]
From = Annotated[datetime | None, Query(alias="from", description="Start (inclusive), ISO 8601 with offset.")]
To = Annotated[datetime | None, Query(alias="to", description="End (exclusive), ISO 8601 with offset.")]
YAML = "application/yaml"


def _period(
    start: datetime | None, end: datetime | None, period: str | None
) -> tuple[datetime | None, datetime | None]:
    if period:
        if start or end:
            raise CxhubError("invalid_period", "give period or from/to, not both", field="period")
        return service.period_bounds(period)
    return service.day_bounds(start, end)


@router.get("", response_model=list[JourneyOut], summary="Designed journeys")
def list_journeys(session: SessionDep, principal: Reader) -> list[JourneyOut]:
    return [service.journey_out(j) for j in service.list_journeys(session, workspace_id=principal.workspace_id)]


@router.post("", response_model=JourneyOut, status_code=201, summary="Create a designed journey")
def create_journey(definition: JourneyDef, session: SessionDep, principal: Admin) -> JourneyOut:
    journey, warnings = service.save_journey(
        session, workspace_id=principal.workspace_id, definition=definition, replace=False
    )
    return service.journey_out(journey, warnings)


@router.post(
    "/import",
    response_model=JourneyOut,
    summary="Create or replace a designed journey from YAML",
    openapi_extra={"requestBody": {"required": True, "content": {YAML: {"schema": {"type": "string"}}}}},
)
def import_journey(
    session: SessionDep, principal: Admin, document: Annotated[str, Body(media_type=YAML)]
) -> JourneyOut:
    journey, warnings = service.import_journey_yaml(session, workspace_id=principal.workspace_id, text=document)
    return service.journey_out(journey, warnings)


@router.get(
    "/discover",
    response_model=DiscoveryOut,
    summary="Discovered journey: transitions, paths, emotional curve, pain points, disconnects",
    description=(
        "`level` says what a step is: the designed journey's `stage` (default when `journey` is given), the raw "
        "`touchpoint` (default otherwise) or the event `type`. Filter by `from`/`to` or `period` (2026-Q3, "
        "2026-07, 2026), by `segment` and by `entry_channel` (the channel of a customer's first event)."
    ),
)
def discover(
    session: SessionDep,
    principal: Reader,
    start: From = None,
    end: To = None,
    journey: str | None = None,
    level: Level | None = None,
    period: str | None = None,
    segment: str | None = None,
    entry_channel: str | None = None,
    path_steps: Annotated[int, Query(ge=1, le=20)] = 5,
    top_paths: Annotated[int, Query(ge=1, le=100)] = 10,
    sankey_steps: Annotated[int, Query(ge=1, le=10)] = 5,
    disconnect_limit: Annotated[int, Query(ge=0, le=10_000)] = 100,
    churn_days: Annotated[int, Query(ge=1, le=3650)] = 60,
) -> DiscoveryOut:
    lower, upper = _period(start, end, period)
    return service.discover(
        session,
        workspace_id=principal.workspace_id,
        journey=journey,
        level=level,
        start=lower,
        end=upper,
        segment=segment,
        entry_channel=entry_channel,
        path_steps=path_steps,
        top_paths=top_paths,
        sankey_steps=sankey_steps,
        disconnect_limit=disconnect_limit,
        churn_days=churn_days,
    )


@router.get("/sankey", response_model=SankeyOut, summary="Flow of the first N steps")
def sankey(
    session: SessionDep,
    principal: Reader,
    start: From = None,
    end: To = None,
    journey: str | None = None,
    level: Level | None = None,
    period: str | None = None,
    segment: str | None = None,
    entry_channel: str | None = None,
    steps: Annotated[int, Query(ge=1, le=10)] = 5,
) -> SankeyOut:
    lower, upper = _period(start, end, period)
    found = service.discover(
        session,
        workspace_id=principal.workspace_id,
        journey=journey,
        level=level,
        start=lower,
        end=upper,
        segment=segment,
        entry_channel=entry_channel,
        sankey_steps=steps,
        disconnect_limit=0,
    )
    return found.sankey


@router.get("/disconnects", response_model=DisconnectPage, summary="Disconnected experiences, a page at a time")
def list_disconnects(
    session: SessionDep,
    principal: Reader,
    start: From = None,
    end: To = None,
    period: str | None = None,
    kind: str | None = None,
    customer_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    cursor: str | None = None,
) -> DisconnectPage:
    lower, upper = _period(start, end, period)
    return service.list_disconnects(
        session,
        workspace_id=principal.workspace_id,
        start=lower,
        end=upper,
        kind=kind,
        customer_id=customer_id,
        limit=limit,
        cursor=cursor,
    )


@router.get("/{key}", response_model=JourneyOut, summary="One designed journey")
def get_journey(key: str, session: SessionDep, principal: Reader) -> JourneyOut:
    return service.journey_out(service.get_journey(session, workspace_id=principal.workspace_id, key=key))


@router.put("/{key}", response_model=JourneyOut, summary="Replace a designed journey")
def put_journey(key: str, definition: JourneyDef, session: SessionDep, principal: Admin) -> JourneyOut:
    if definition.journey != key:
        raise CxhubError("journey_mismatch", f"the body describes {definition.journey!r}, not {key!r}", field="journey")
    journey, warnings = service.save_journey(session, workspace_id=principal.workspace_id, definition=definition)
    return service.journey_out(journey, warnings)


@router.delete("/{key}", status_code=204, summary="Delete a designed journey")
def delete_journey(key: str, session: SessionDep, principal: Admin) -> Response:
    service.delete_journey(session, workspace_id=principal.workspace_id, key=key)
    return Response(status_code=204)


@router.get("/{key}/export", summary="A designed journey as YAML", response_class=Response)
def export_journey(key: str, session: SessionDep, principal: Reader) -> Response:
    text = service.export_journey_yaml(session, workspace_id=principal.workspace_id, key=key)
    return Response(text, media_type=YAML, headers={"Content-Disposition": f'attachment; filename="{key}.yaml"'})
