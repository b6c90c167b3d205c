"""Text analytics against the database: the workspace's taxonomy, stored analyses, reprocessing.

The bridge between the pure analyser (``analyzer``, ``taxonomy``, ``themes``) and the tables. The
read side the web app and the API share (verbatims, topic trends, themes) is in ``insights`` and
re-exported here. Services never commit.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.db import table_of, transaction, utcnow
from cxhub.events.models import Event
from cxhub.governance.models import Workspace
from cxhub.kit.bulk import bulk_insert
from cxhub.kit.errors import CxhubError
from cxhub.kit.sql import is_one_of
from cxhub.text.insights import list_verbatims, themes, topic_summary
from cxhub.text.models import TaxonomyRecord, TextAnalysis, TextMention
from cxhub.text.schemas import ReprocessOut, TaxonomyOut
from cxhub.text.taxonomy import SEPARATOR, Taxonomy, TaxonomyError, default_taxonomy, load_taxonomy, parse_taxonomy_yaml

if TYPE_CHECKING:
    from cxhub.text.analyzer import TextResult

__all__ = [
    "StoredTaxonomy",
    "add_topic",
    "analysed_event_ids",
    "analysis_rows",
    "count_events",
    "delete_analyses",
    "get_taxonomy",
    "keeps_raw_text",
    "list_verbatims",
    "parse_taxonomy_document",
    "reprocess",
    "reprocess_workspace",
    "save_taxonomy",
    "taxonomy_for_analysis",
    "taxonomy_out",
    "text_settings",
    "themes",
    "topic_summary",
    "write_analyses",
]

DEFAULT_VERSION = 0
CACHE_TTL = 10.0  # seconds another process's edit may go unseen by callers that pass no version
REPROCESS_BATCH = 2000


class EventLike(Protocol):
    """What an analysis copies from its event (an ``AcceptedEvent`` or an ``Event`` row)."""

    event_id: str
    occurred_at: datetime
    type: str
    channel: str
    touchpoint: str
    metric: str | None
    score: float | None


# -- the taxonomy --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredTaxonomy:
    taxonomy: Taxonomy
    version: int
    updated_at: datetime | None

    @property
    def is_default(self) -> bool:
        return self.version == DEFAULT_VERSION


def invalid_taxonomy(error: TaxonomyError) -> CxhubError:
    return CxhubError("invalid_taxonomy", f"{error.field}: {error.problem}", status=422, field=error.field)


def parse_taxonomy_document(document: str | Mapping[str, Any], *, is_yaml: bool = False) -> Taxonomy:
    """A validated taxonomy from YAML text or JSON data; errors name the topic path and field (422)."""
    try:
        if isinstance(document, str):
            return parse_taxonomy_yaml(document) if is_yaml else load_taxonomy(_json_object(document))
        return load_taxonomy(document)
    except TaxonomyError as error:
        raise invalid_taxonomy(error) from None


def _json_object(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise TaxonomyError("json", f"not valid JSON: {exc}") from None


def get_taxonomy(session: Session, *, workspace_id: uuid.UUID) -> StoredTaxonomy:
    """The workspace's taxonomy, or the shipped default (version 0) when it has none of its own."""
    record = session.get(TaxonomyRecord, workspace_id)
    if record is None:
        return StoredTaxonomy(default_taxonomy(), DEFAULT_VERSION, None)
    return StoredTaxonomy(load_taxonomy(record.definition), record.version, record.updated_at)


def taxonomy_out(stored: StoredTaxonomy) -> TaxonomyOut:
    return TaxonomyOut(
        version=stored.version,
        is_default=stored.is_default,
        updated_at=stored.updated_at,
        paths=stored.taxonomy.paths(),
        taxonomy=stored.taxonomy.to_dict(),
    )


def save_taxonomy(session: Session, *, workspace_id: uuid.UUID, taxonomy: Taxonomy) -> StoredTaxonomy:
    """Store ``taxonomy`` as the workspace's own; the version goes up only when something changed."""
    record = session.get(TaxonomyRecord, workspace_id)
    current = load_taxonomy(record.definition) if record is not None else default_taxonomy()
    if record is not None and current == taxonomy:
        return StoredTaxonomy(current, record.version, record.updated_at)
    now = utcnow()
    if record is None:
        record = TaxonomyRecord(workspace_id=workspace_id, version=1, definition=taxonomy.to_dict(), updated_at=now)
        session.add(record)
    else:
        record.version += 1
        record.definition = taxonomy.to_dict()
        record.updated_at = now
    session.flush()
    _CACHE.pop(workspace_id, None)
    return StoredTaxonomy(taxonomy, record.version, now)


def add_topic(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    name: str,
    rule: str,
    parent: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> StoredTaxonomy:
    """Add one topic under ``parent`` (a top-level topic when None); validated like a whole taxonomy."""
    current = get_taxonomy(session, workspace_id=workspace_id).taxonomy
    if parent is not None:
        wanted = parent.strip().casefold()
        if not any(path.casefold() == wanted for path in current.paths()):
            raise CxhubError("unknown_parent", f"no topic {parent!r} in the taxonomy", status=422, field="parent")
        if SEPARATOR.strip() in parent:
            raise CxhubError(
                "invalid_taxonomy", f"{parent!r} is already a child; topics nest two levels", status=422, field="parent"
            )
    try:
        updated = current.with_node(parent.strip() if parent else None, name, rule, labels or None)
    except TaxonomyError as error:
        raise invalid_taxonomy(error) from None
    return save_taxonomy(session, workspace_id=workspace_id, taxonomy=updated)


@dataclass(slots=True)
class _Cached:
    expires: float
    version: int
    taxonomy: Taxonomy


_CACHE: dict[uuid.UUID, _Cached] = {}


def taxonomy_for_analysis(
    session: Session, *, workspace_id: uuid.UUID, version: int | None = None
) -> tuple[Taxonomy, int]:
    """The compiled taxonomy and its version, cached per process for ``CACHE_TTL`` seconds.

    Compiling a taxonomy costs milliseconds, too much per pipeline batch. ``version``, when the caller
    has just read it, skips the query.
    """
    now = time.monotonic()
    hit = _CACHE.get(workspace_id)
    if hit is not None and (hit.version == version or (version is None and hit.expires > now)):
        return hit.taxonomy, hit.version
    if version is None:
        version = session.scalar(select(TaxonomyRecord.version).where(TaxonomyRecord.workspace_id == workspace_id))
        version = DEFAULT_VERSION if version is None else version
    if hit is not None and hit.version == version:
        hit.expires = now + CACHE_TTL
        return hit.taxonomy, version
    stored = get_taxonomy(session, workspace_id=workspace_id)
    _CACHE[workspace_id] = _Cached(now + CACHE_TTL, stored.version, stored.taxonomy)
    return stored.taxonomy, stored.version


def text_settings(session: Session, *, workspace_id: uuid.UUID) -> tuple[bool, int]:
    """Whether the workspace keeps raw text, and its taxonomy version, in one query."""
    row = session.execute(
        select(Workspace.settings, TaxonomyRecord.version)
        .outerjoin(TaxonomyRecord, TaxonomyRecord.workspace_id == Workspace.id)
        .where(Workspace.id == workspace_id)
    ).first()
    if row is None:
        return True, DEFAULT_VERSION
    return _keeps_raw(row[0]), DEFAULT_VERSION if row[1] is None else row[1]


def keeps_raw_text(session: Session, *, workspace_id: uuid.UUID) -> bool:
    """``settings.text.keep_raw_text`` of the workspace (default True)."""
    return _keeps_raw(session.scalar(select(Workspace.settings).where(Workspace.id == workspace_id)))


def _keeps_raw(settings: Any) -> bool:
    text = settings.get("text") if isinstance(settings, Mapping) else None
    return not (isinstance(text, Mapping) and text.get("keep_raw_text") is False)


# -- stored analyses ------------------------------------------------------------------------------


def analysis_rows(
    *,
    workspace_id: uuid.UUID,
    events: Sequence[tuple[EventLike, uuid.UUID]],
    results: Sequence[TextResult],
    taxonomy_version: int,
    analyzed_at: datetime | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of ``text_analyses`` and ``text_mentions`` for events (with their customer) and results."""
    now = analyzed_at or utcnow()
    analyses: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    for (event, customer_id), result in zip(events, results, strict=True):
        analyses.append(
            {
                "workspace_id": workspace_id,
                "event_id": event.event_id,
                "customer_id": customer_id,
                "occurred_at": event.occurred_at,
                "type": event.type,
                "channel": event.channel,
                "touchpoint": event.touchpoint,
                "metric": event.metric,
                "score": event.score,
                "language": result.language,
                "sentiment_label": result.sentiment.label,
                "sentiment_score": result.sentiment.score,
                "emotions": result.emotions,
                "effort": [cue.to_dict() for cue in result.effort],
                "pii": list(result.pii),
                "flags": list(result.flags),
                "redacted_text": result.redacted_text,
                "topics": list(dict.fromkeys(topic.path for topic in result.topics)),
                "taxonomy_version": taxonomy_version,
                "analyzed_at": now,
            }
        )
        mentions.extend(
            {
                "workspace_id": workspace_id,
                "event_id": event.event_id,
                "occurred_at": event.occurred_at,
                "touchpoint": event.touchpoint,
                "path": topic.path,
                "sentiment_label": topic.sentiment.label,
                "sentiment_score": topic.sentiment.score,
            }
            for topic in result.topics
        )
    return analyses, mentions


def write_analyses(session: Session, analyses: Sequence[dict[str, Any]], mentions: Sequence[dict[str, Any]]) -> None:
    """Insert rows at the driver's speed (COPY on PostgreSQL): ingest pays for every text."""
    bulk_insert(session, table_of(TextAnalysis), analyses)
    bulk_insert(session, table_of(TextMention), mentions)


def analysed_event_ids(session: Session, *, workspace_id: uuid.UUID, event_ids: Sequence[str]) -> set[str]:
    if not event_ids:
        return set()
    return set(
        session.scalars(
            select(TextAnalysis.event_id).where(
                TextAnalysis.workspace_id == workspace_id, is_one_of(session, TextAnalysis.event_id, event_ids)
            )
        )
    )


def delete_analyses(session: Session, *, workspace_id: uuid.UUID, event_ids: Sequence[str]) -> None:
    if not event_ids:
        return
    for model in (TextMention, TextAnalysis):
        session.execute(
            delete(model)
            .where(model.workspace_id == workspace_id, is_one_of(session, model.event_id, event_ids))
            .execution_options(synchronize_session=False)
        )


# -- reprocessing ---------------------------------------------------------------------------------


# Only what an analysis needs: identifiers, attributes and products stay in the database.
_REPROCESS_COLUMNS = (
    Event.id,
    Event.event_id,
    Event.customer_id,
    Event.occurred_at,
    Event.type,
    Event.channel,
    Event.touchpoint,
    Event.metric,
    Event.score,
    Event.text,
)


def reprocess_batch(
    session: Session, *, workspace_id: uuid.UUID, after_id: int, taxonomy: Taxonomy, version: int, limit: int
) -> tuple[int | None, ReprocessOut]:
    """Re-analyse the next ``limit`` events after ``after_id`` (by id); their rows are replaced.

    Returns the last id read (None when there was nothing left) and the counts of this batch.
    """
    events = session.execute(
        select(*_REPROCESS_COLUMNS)
        .where(Event.workspace_id == workspace_id, Event.id > after_id)
        .order_by(Event.id)
        .limit(limit)
    ).all()
    if not events:
        return None, ReprocessOut(events=0, analysed=0, mentions=0, taxonomy_version=version)
    delete_analyses(session, workspace_id=workspace_id, event_ids=[event.event_id for event in events])
    from cxhub.text.analyzer import analyze

    with_text = [event for event in events if event.text is not None]
    results = analyze([event.text for event in with_text], taxonomy=taxonomy)
    analyses, mentions = analysis_rows(
        workspace_id=workspace_id,
        events=[(event, event.customer_id) for event in with_text],
        results=results,
        taxonomy_version=version,
    )
    write_analyses(session, analyses, mentions)
    return events[-1].id, ReprocessOut(
        events=len(events), analysed=len(analyses), mentions=len(mentions), taxonomy_version=version
    )


def _add(total: ReprocessOut, part: ReprocessOut) -> ReprocessOut:
    return ReprocessOut(
        events=total.events + part.events,
        analysed=total.analysed + part.analysed,
        mentions=total.mentions + part.mentions,
        taxonomy_version=part.taxonomy_version,
    )


def reprocess(session: Session, *, workspace_id: uuid.UUID, batch_size: int = REPROCESS_BATCH) -> ReprocessOut:
    """Re-analyse every event of the workspace with its current taxonomy, in the caller's transaction.

    Meant for small workspaces (the API); ``reprocess_workspace`` commits batch by batch.
    """
    stored = get_taxonomy(session, workspace_id=workspace_id)
    total = ReprocessOut(events=0, analysed=0, mentions=0, taxonomy_version=stored.version)
    after: int | None = 0
    while after is not None:
        after, part = reprocess_batch(
            session,
            workspace_id=workspace_id,
            after_id=after,
            taxonomy=stored.taxonomy,
            version=stored.version,
            limit=batch_size,
        )
        total = _add(total, part)
    return total


def count_events(session: Session, *, workspace_id: uuid.UUID) -> int:
    return int(session.scalar(select(func.count()).select_from(Event).where(Event.workspace_id == workspace_id)) or 0)


def reprocess_workspace(
    sessions: sessionmaker[Session],
    *,
    workspace_id: uuid.UUID,
    batch_size: int = REPROCESS_BATCH,
    on_batch: Callable[[ReprocessOut], None] | None = None,
) -> ReprocessOut:
    """``reprocess`` for any size: streams events in id order, one transaction per batch.

    Each batch replaces its events' rows whole, so an interrupted run leaves every event analysed
    once, some with the old taxonomy; running it again finishes the job.
    """
    with transaction(sessions) as session:
        stored = get_taxonomy(session, workspace_id=workspace_id)
    total = ReprocessOut(events=0, analysed=0, mentions=0, taxonomy_version=stored.version)
    after: int | None = 0
    while after is not None:
        with transaction(sessions) as session:
            after, part = reprocess_batch(
                session,
                workspace_id=workspace_id,
                after_id=after,
                taxonomy=stored.taxonomy,
                version=stored.version,
                limit=batch_size,
            )
        total = _add(total, part)
        if on_batch is not None and part.events:
            on_batch(part)
    return total
