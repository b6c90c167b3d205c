"""``/api/v1/governance``: the ownership map (read, import, export) and the responsibility report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cxhub.db import with_retry
from cxhub.governance import ownership
from cxhub.governance.mapfile import dump_map_yaml, load_yaml, parse_map
from cxhub.governance.report import ResponsibilityReport
from cxhub.governance.schemas import (
    DepartmentOut,
    DepartmentRef,
    ImportResult,
    MapDocument,
    OwnersOut,
    StageOut,
    TouchpointOut,
)
from cxhub.governance.service import Principal
from cxhub.kit import jsonio
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import HubDep, Reader, SessionDep, scoped

router = APIRouter(prefix="/api/v1/governance", tags=["governance"])
Admin = Annotated[Principal, Depends(scoped("admin"))]

MAX_MAP_BYTES = 5 * 1024 * 1024
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")
_MAP_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": MapDocument.model_json_schema(ref_template="#/components/schemas/{model}")},
            "application/yaml": {"schema": {"type": "string", "description": "The map file, as `export` writes it."}},
        },
    }
}


def _etag(version: int | None) -> str:
    return f'"map-{version or 0}"'


def _expected_version(if_match: str | None) -> int | None:
    if not if_match:
        return None
    tag = if_match.strip().removeprefix("W/").strip('"')
    if not tag.startswith("map-") or not tag[4:].isdigit():
        raise CxhubError("invalid_if_match", 'If-Match must be the ETag of GET /map, e.g. "map-3"', field="If-Match")
    return int(tag[4:])


@router.get("/map", response_model=MapDocument, summary="The whole governance map, as JSON")
def get_map(session: SessionDep, principal: Reader, response: Response) -> MapDocument:
    document = ownership.load_map(session, workspace_id=principal.workspace_id)
    response.headers["ETag"] = _etag(document.version)
    return document


@router.get(
    "/map.yaml",
    summary="The whole governance map, as the YAML file to keep in git",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}},
)
def get_map_yaml(session: SessionDep, principal: Reader) -> Response:
    document = ownership.load_map(session, workspace_id=principal.workspace_id)
    header = f"cxhub governance map of workspace {principal.workspace_slug}, version {document.version}"
    return Response(
        dump_map_yaml(document, header=header),
        media_type="application/yaml",
        headers={"ETag": _etag(document.version)},
    )


async def _read_document(request: Request) -> Any:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_MAP_BYTES:
        raise CxhubError("body_too_large", f"a map is at most {MAX_MAP_BYTES} bytes", status=413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_MAP_BYTES:
            raise CxhubError("body_too_large", f"a map is at most {MAX_MAP_BYTES} bytes", status=413)
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind in YAML_TYPES:
        return await run_in_threadpool(load_yaml, bytes(body))
    if kind != "application/json":
        raise CxhubError("unsupported_media_type", "send the map as application/json or application/yaml", status=415)
    try:
        return jsonio.loads(bytes(body))
    except jsonio.JSONDecodeError as exc:
        raise CxhubError("malformed_json", f"body is not valid JSON: {exc}", field="(body)") from None


@router.put(
    "/map",
    response_model=ImportResult,
    openapi_extra=_MAP_BODY,
    summary="Replace the whole governance map (admin)",
    description=(
        "The body is the map as JSON, or as YAML with `Content-Type: application/yaml`. It is checked whole "
        "first: any problem answers `422 invalid_map` listing each one by path (`touchpoints[3].raci.A`) and "
        "nothing is written. `?dry_run=true` answers the diff (added, removed, changed) without writing. "
        'Send `If-Match: "map-N"` (the ETag of GET) to refuse the import if someone changed the map since.'
    ),
)
async def put_map(
    request: Request,
    hub: HubDep,
    principal: Admin,
    dry_run: Annotated[bool, Query(description="Show what would change; write nothing.")] = False,
) -> ImportResult:
    expected = _expected_version(request.headers.get("if-match"))
    data = await _read_document(request)
    document = await run_in_threadpool(parse_map, data)

    def work(session: Session) -> ImportResult:
        return ownership.import_map(
            session,
            workspace_id=principal.workspace_id,
            document=document,
            dry_run=dry_run,
            source="api",
            expected_version=expected,
        )

    return await run_in_threadpool(with_retry, hub.sessions, work)


@router.get(
    "/report",
    response_model=ResponsibilityReport,
    summary="Where CX responsibility is missing, doubled or idle, and the share of events it leaves unowned",
)
def get_report(
    session: SessionDep,
    principal: Reader,
    since: Annotated[
        str | None, Query(alias="from", description="Start (inclusive): a date or a date-time; UTC if no offset.")
    ] = None,
    until: Annotated[str | None, Query(alias="to", description="End (exclusive): a date or a date-time.")] = None,
) -> ResponsibilityReport:
    return ownership.get_responsibility_report(
        session,
        workspace_id=principal.workspace_id,
        since=ownership.period_bound(since, field="from"),
        until=ownership.period_bound(until, field="to"),
    )


@router.get("/departments", response_model=list[DepartmentOut], summary="Departments, their KPIs and what they own")
def get_departments(session: SessionDep, principal: Reader) -> list[DepartmentOut]:
    return ownership.departments_overview(ownership.load_map(session, workspace_id=principal.workspace_id))


@router.get("/touchpoints", response_model=list[TouchpointOut], summary="Touchpoints and their RACI")
def get_touchpoints(session: SessionDep, principal: Reader) -> list[TouchpointOut]:
    return ownership.touchpoints_overview(ownership.load_map(session, workspace_id=principal.workspace_id))


@router.get("/stages", response_model=list[StageOut], summary="Journey stages, in order, and their RACI")
def get_stages(session: SessionDep, principal: Reader) -> list[StageOut]:
    return ownership.stages_overview(ownership.load_map(session, workspace_id=principal.workspace_id))


@router.get(
    "/owners",
    response_model=OwnersOut,
    summary="Who answers for a touchpoint (falling back on its journey stage): where a case is routed",
)
def get_owners(
    session: SessionDep,
    principal: Reader,
    touchpoint: Annotated[str | None, Query(max_length=128)] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
) -> OwnersOut:
    owners = ownership.owners_of(session, workspace_id=principal.workspace_id, touchpoint=touchpoint, stage=stage)
    refs = {
        role: [DepartmentRef(key=d.key, name=d.name, lead_email=d.lead_email) for d in departments]
        for role, departments in owners.items()
    }
    return OwnersOut(touchpoint=touchpoint, stage=stage, accountable=refs["A"][0] if refs["A"] else None, owners=refs)
