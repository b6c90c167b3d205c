"""``/api/v1/text``: analyse texts, the taxonomy, verbatims, topic trends and themes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, ValidationError
from starlette.concurrency import run_in_threadpool

from cxhub.governance.service import Principal
from cxhub.kit.errors import CxhubError
from cxhub.kit.http import HubDep, Reader, SessionDep, scoped
from cxhub.text import service
from cxhub.text.schemas import (
    AnalysisOut,
    AnalyzeRequest,
    AnalyzeResponse,
    PromoteIn,
    PromoteOut,
    ReprocessOut,
    TaxonomyOut,
    ThemesOut,
    TopicIn,
    TopicSummaryOut,
    VerbatimPage,
)

router = APIRouter(prefix="/api/v1/text", tags=["text"])
Admin = Annotated[Principal, Depends(scoped("admin"))]
From = Annotated[AwareDatetime | None, Query(alias="from", description="Start (inclusive), ISO 8601 with offset.")]
To = Annotated[AwareDatetime | None, Query(alias="to", description="End (exclusive), ISO 8601 with offset.")]
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


async def _body(request: Request, hub: HubDep) -> bytes:
    """The request body, refused past the hub's body limit before it is all read."""
    limit = hub.settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    size = 0
    chunks: list[bytes] = []
    if declared.isdigit() and int(declared) > limit:
        size = int(declared)
    else:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                break
            chunks.append(chunk)
    if size > limit:
        raise CxhubError("body_too_large", f"request body is {size}+ bytes; at most {limit} allowed", status=413)
    return b"".join(chunks)


Body = Annotated[bytes, Depends(_body)]


def _is_yaml(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() in YAML_TYPES


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its ``$defs`` written in place, valid anywhere in the OpenAPI document."""
    definitions = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(definitions[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


@router.post(
    "/analyze",
    response_model=AnalyzeResponse,
    summary="Analyse texts (nothing is stored)",
    description=(
        'Body: `{"items": [{"id": ..., "text": ...}]}` or `{"texts": [...]}`, at most 1,000 texts. '
        "Each result is the analysis of one text, in order: language, sentiment, sentences, topics with their "
        "sentiment, emotions, effort cues, the kinds of personal data found and the text with them masked."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline(AnalyzeRequest.model_json_schema())}},
        }
    },
)
async def analyze(request: Request, body: Body, principal: Reader) -> AnalyzeResponse:
    try:
        parsed = AnalyzeRequest.model_validate_json(body)
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None

    def work() -> AnalyzeResponse:
        from cxhub.text.analyzer import analyze as analyze_texts

        pairs = parsed.pairs()
        results = analyze_texts([text for _, text in pairs])
        return AnalyzeResponse(
            results=[
                AnalysisOut.model_validate({"id": item_id, **result.to_dict()})
                for (item_id, _), result in zip(pairs, results, strict=True)
            ]
        )

    return await run_in_threadpool(work)


@router.get("/taxonomy", response_model=TaxonomyOut, summary="The workspace's topic taxonomy")
def get_taxonomy(session: SessionDep, principal: Reader) -> TaxonomyOut:
    return service.taxonomy_out(service.get_taxonomy(session, workspace_id=principal.workspace_id))


@router.get(
    "/taxonomy.yaml",
    summary="The taxonomy as YAML",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}}},
)
def get_taxonomy_yaml(session: SessionDep, principal: Reader) -> Response:
    stored = service.get_taxonomy(session, workspace_id=principal.workspace_id)
    return Response(
        stored.taxonomy.to_yaml(),
        media_type="application/yaml",
        headers={"X-Taxonomy-Version": str(stored.version)},
    )


@router.put(
    "/taxonomy",
    response_model=TaxonomyOut,
    summary="Replace the taxonomy (JSON or YAML)",
    description=(
        'The body is the taxonomy document, `{"version": 1, "topics": [...]}` as JSON, or the same as YAML '
        "with `Content-Type: application/yaml`. An invalid taxonomy is refused whole (422) and the error names "
        "the topic path and field. Stored analyses keep their topics until `POST /api/v1/text/reprocess`."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
def put_taxonomy(request: Request, body: Body, session: SessionDep, principal: Admin) -> TaxonomyOut:
    text = body.decode("utf-8", "replace")
    taxonomy = service.parse_taxonomy_document(text, is_yaml=_is_yaml(request))
    stored = service.save_taxonomy(session, workspace_id=principal.workspace_id, taxonomy=taxonomy)
    return service.taxonomy_out(stored)


@router.post("/taxonomy/nodes", response_model=TaxonomyOut, status_code=201, summary="Add one topic")
def add_topic(topic: TopicIn, session: SessionDep, principal: Admin) -> TaxonomyOut:
    stored = service.add_topic(
        session,
        workspace_id=principal.workspace_id,
        name=topic.name,
        rule=topic.rule,
        parent=topic.parent,
        labels=topic.labels,
    )
    return service.taxonomy_out(stored)


@router.post(
    "/reprocess",
    response_model=ReprocessOut,
    summary="Re-analyse every stored text with the current taxonomy",
    description="Synchronous: meant for small workspaces. Large ones use `cxhub text reprocess`.",
)
def reprocess(session: SessionDep, principal: Admin) -> ReprocessOut:
    return service.reprocess(session, workspace_id=principal.workspace_id)


@router.get(
    "/themes",
    response_model=ThemesOut,
    summary="Themes the taxonomy misses",
    description=(
        "Recurring themes among the period's analysed texts that mention no topic, found in the latest "
        "20,000 of them at most (`sampled` says how many were read). Each theme has example verbatims "
        "(redacted), its monthly volume and a suggested rule for `POST /api/v1/text/themes/promote`."
    ),
)
def list_themes(
    session: SessionDep,
    principal: Reader,
    start: From = None,
    end: To = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    min_size: Annotated[int, Query(ge=2, le=10_000)] = 5,
) -> ThemesOut:
    return service.themes(
        session, workspace_id=principal.workspace_id, start=start, end=end, limit=limit, min_size=min_size
    )


@router.post("/themes/promote", response_model=PromoteOut, status_code=201, summary="Add a theme to the taxonomy")
def promote_theme(theme: PromoteIn, session: SessionDep, principal: Admin) -> PromoteOut:
    stored = service.add_topic(
        session,
        workspace_id=principal.workspace_id,
        name=theme.name,
        rule=theme.rule,
        parent=theme.parent,
        labels=theme.labels,
    )
    done = service.reprocess(session, workspace_id=principal.workspace_id) if theme.reprocess else None
    return PromoteOut(taxonomy=service.taxonomy_out(stored), reprocessed=done)


@router.get("/verbatims", response_model=VerbatimPage, summary="What customers wrote, redacted, newest first")
def list_verbatims(
    session: SessionDep,
    principal: Reader,
    q: Annotated[str | None, Query(max_length=200, description="Case-insensitive substring of the text.")] = None,
    topic: Annotated[str | None, Query(description="A topic path; a parent includes its children.")] = None,
    sentiment: Annotated[str | None, Query(description="positive, neutral or negative.")] = None,
    touchpoint: str | None = None,
    channel: str | None = None,
    metric: str | None = None,
    start: From = None,
    end: To = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> VerbatimPage:
    return service.list_verbatims(
        session,
        workspace_id=principal.workspace_id,
        q=q,
        topic=topic,
        sentiment=sentiment,
        touchpoint=touchpoint,
        channel=channel,
        metric=metric,
        start=start,
        end=end,
        limit=limit,
        cursor=cursor,
    )


@router.get("/topics", response_model=TopicSummaryOut, summary="Topic mentions and sentiment per period")
def topics(
    session: SessionDep,
    principal: Reader,
    period: Annotated[str, Query(description="day, week, month or quarter.")] = "month",
    start: From = None,
    end: To = None,
) -> TopicSummaryOut:
    return service.topic_summary(session, workspace_id=principal.workspace_id, period=period, start=start, end=end)
