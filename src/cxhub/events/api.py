"""``/api/v1/events`` and ``/api/v1/deadletters``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from cxhub.db import with_retry
from cxhub.events import service
from cxhub.events.models import DeadLetter
from cxhub.events.schemas import (
    DeadLetterOut,
    EventResult,
    EventsBatch,
    FieldProblem,
    IngestResponse,
    ReplayResult,
)
from cxhub.events.service import IngestReport, RawRecord, record_from_payload
from cxhub.events.validation import Problem
from cxhub.kit import jsonio
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import HubDep, Ingester, Reader, SessionDep

router = APIRouter(prefix="/api/v1", tags=["events"])


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _TooLarge(int(declared), b"")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge(size, b"".join(chunks)[: service.DEADLETTER_MAX_RAW])
        chunks.append(chunk)
    return b"".join(chunks)


class _TooLarge(Exception):
    def __init__(self, size: int, head: bytes) -> None:
        self.size = size
        self.head = head


def _response(report: IngestReport) -> IngestResponse:
    return IngestResponse(
        accepted=report.accepted,
        duplicates=report.duplicates,
        rejected=report.rejected,
        results=[
            EventResult(
                index=o.index,
                event_id=o.event_id,
                status=o.status,
                customer_id=str(o.customer_id) if o.customer_id else None,
                errors=[FieldProblem(field=p.field, problem=p.problem) for p in o.problems],
                deadletter_id=o.deadletter_id,
            )
            for o in report.outcomes
        ],
    )


@router.post(
    "/events",
    response_model=IngestResponse,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": EventsBatch.model_json_schema(ref_template="#/components/schemas/{model}")
                }
            },
        }
    },
    summary="Send a batch of events",
    description=(
        "Each event is answered on its own: `accepted`, `duplicate` (its `event_id` is already stored) or "
        "`rejected` with every problem and the id of the dead letter that keeps it. A request that cannot "
        "be split into events (malformed JSON, too many events, too many bytes) is answered with an error "
        "and kept whole in the dead-letter store."
    ),
)
async def post_events(request: Request, hub: HubDep, principal: Ingester) -> IngestResponse:
    settings = hub.settings

    def keep(records: list[RawRecord]) -> IngestReport:
        def work(session: Session) -> IngestReport:
            return service.ingest(
                session,
                workspace_id=principal.workspace_id,
                records=records,
                source="api",
                settings=settings,
                queue=hub.queue,
            )

        return with_retry(hub.sessions, work)

    async def refuse(code: str, message: str, status: int, raw: str, field: str = "(body)") -> CxhubError:
        """Keep the whole request as one dead letter and build the error that answers it."""
        report = await run_in_threadpool(keep, [RawRecord(None, raw, None, [Problem(field, message)], code)])
        dead_id = report.outcomes[0].deadletter_id
        return CxhubError(code, message, status=status, field=field, details={"deadletter_id": dead_id})

    try:
        body = await _read_body(request, settings.max_body_bytes)
    except _TooLarge as exc:
        message = f"request body is {exc.size}+ bytes; at most {settings.max_body_bytes} allowed"
        raise await refuse("body_too_large", message, 413, exc.head.decode("utf-8", "replace")) from None
    text = body.decode("utf-8", "replace")
    try:
        document: Any = jsonio.loads(body)
    except jsonio.JSONDecodeError as exc:
        raise await refuse("malformed_json", f"body is not valid JSON: {exc}", 400, text) from None
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise await refuse("invalid_body", "body must be a JSON object with an 'events' array", 400, text, "events")
    extra = sorted(set(document) - {"events"})
    if extra:
        raise await refuse("invalid_body", f"unknown top-level field(s): {', '.join(extra)}", 400, text, extra[0])
    events: list[Any] = document["events"]
    if not events:
        raise await refuse("invalid_body", "'events' is empty", 400, text, "events")
    if len(events) > settings.max_batch_events:
        # Refused whole, but kept event by event, so each can be replayed once the sender splits.
        message = f"batch holds {len(events)} events; at most {settings.max_batch_events} allowed"
        problem = [Problem("events", message)]
        records = [RawRecord(e, service.dump_raw(e), None, problem, "batch_too_large") for e in events]
        report = await run_in_threadpool(keep, records)
        raise CxhubError(
            "batch_too_large",
            message,
            status=413,
            field="events",
            details={
                "deadletter_ids": [o.deadletter_id for o in report.outcomes],
                "hint": "split the batch, then replay the dead letters",
            },
        )
    records = [record_from_payload(event) for event in events]
    return _response(await run_in_threadpool(keep, records))


def _letter_out(letter: DeadLetter, with_raw: bool) -> DeadLetterOut:
    return DeadLetterOut(
        id=letter.id,
        source=letter.source,
        location=letter.location,
        reason_code=letter.reason_code,
        errors=letter.errors,
        status=letter.status,
        attempts=letter.attempts,
        truncated=letter.truncated,
        created_at=letter.created_at,
        replayed_at=letter.replayed_at,
        replayed_event_id=letter.replayed_event_id,
        raw=letter.raw if with_raw else None,
    )


@router.get("/deadletters", response_model=list[DeadLetterOut], tags=["dead letters"])
def list_dead_letters(
    session: SessionDep,
    principal: Reader,
    status: Annotated[str | None, Query(pattern="^(pending|replayed|all)$")] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    after_id: Annotated[int, Query(ge=0)] = 0,
) -> list[DeadLetterOut]:
    letters = service.list_dead_letters(
        session,
        workspace_id=principal.workspace_id,
        status=None if status == "all" else status,
        limit=limit,
        after_id=after_id,
    )
    return [_letter_out(letter, with_raw=False) for letter in letters]


@router.get("/deadletters/{dead_letter_id}", response_model=DeadLetterOut, tags=["dead letters"])
def show_dead_letter(dead_letter_id: int, session: SessionDep, principal: Reader) -> DeadLetterOut:
    letter = service.get_dead_letter(session, workspace_id=principal.workspace_id, dead_letter_id=dead_letter_id)
    return _letter_out(letter, with_raw=True)


@router.post("/deadletters/{dead_letter_id}/replay", response_model=ReplayResult, tags=["dead letters"])
def replay_dead_letter(
    dead_letter_id: int,
    session: SessionDep,
    hub: HubDep,
    principal: Ingester,
    corrected: Annotated[
        dict[str, Any] | None, Body(description="A corrected event to ingest instead of the raw one.")
    ] = None,
) -> ReplayResult:
    letter = service.replay_dead_letter(
        session,
        workspace_id=principal.workspace_id,
        dead_letter_id=dead_letter_id,
        settings=hub.settings,
        queue=hub.queue,
        payload=corrected,
    )
    return ReplayResult(
        id=letter.id,
        status=letter.status,
        event_id=letter.replayed_event_id,
        errors=letter.errors if letter.status != "replayed" else [],
    )
