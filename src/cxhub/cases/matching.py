"""Matching past and present events: the database checks (lifetime value, repeats), dry runs, silence.

The pipeline and the dry run share :func:`settle`, so a rule matches the same events either way.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, not_, or_, select
from sqlalchemy.orm import Session

from cxhub.cases import rules as lang
from cxhub.cases.models import Case, CaseLink
from cxhub.cases.routing import get_settings
from cxhub.cases.schemas import DryRunOut, DryRunSample, RuleDefinition
from cxhub.db import table_of, utcnow
from cxhub.events.models import Event
from cxhub.kit.sql import is_one_of

SCAN_CHUNK = 2000


# --- settling the checks that need the database ------------------------------------------------------


@dataclass(slots=True)
class StoredEvent:
    """An event row as rules read it (the pipeline's ``AcceptedEvent`` has the same fields)."""

    event_id: str
    customer_id: uuid.UUID
    occurred_at: datetime
    type: str
    channel: str
    touchpoint: str
    score: float | None
    metric: str | None
    attributes: dict[str, Any]
    text: str | None = None


@dataclass(slots=True)
class Candidate:
    rule: lang.CompiledRule
    event: lang.EventLike
    event_id: str
    customer_id: uuid.UUID
    occurred_at: datetime
    analysis: lang.Analysis


_SIGNED = case((Event.type == "purchase", Event.amount_cents), (Event.type == "return", -Event.amount_cents), else_=0)


def lifetime_values(
    session: Session, *, workspace_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """Purchases minus returns, in cents (all currencies summed), for each customer: one query."""
    if not customer_ids:
        return {}
    rows = session.execute(
        select(Event.customer_id, func.coalesce(func.sum(_SIGNED), 0))
        .where(
            Event.workspace_id == workspace_id,
            is_one_of(session, Event.customer_id, list(set(customer_ids))),
            Event.type.in_(("purchase", "return")),
        )
        .group_by(Event.customer_id)
    )
    return {customer_id: int(total) for customer_id, total in rows}


def settle(session: Session, *, workspace_id: uuid.UUID, candidates: Sequence[Candidate]) -> list[Candidate]:
    """Keep the candidates whose database checks hold too: one query for lifetime values, one per
    repetition rule. Candidates with no such checks pass through untouched."""
    need_value = [c for c in candidates if c.rule.needs_value and not c.rule.vip_by_attribute(c.event)]
    values = lifetime_values(session, workspace_id=workspace_id, customer_ids=[c.customer_id for c in need_value])
    need_ids = {id(c) for c in need_value}
    kept: list[Candidate] = []
    for candidate in candidates:
        if id(candidate) in need_ids:
            threshold = candidate.rule.when.customer.min_lifetime_value_cents or 0  # type: ignore[union-attr]
            if values.get(candidate.customer_id, 0) < threshold:
                continue
        kept.append(candidate)
    by_rule: dict[str, list[Candidate]] = {}
    for candidate in kept:
        if candidate.rule.needs_repeat:
            by_rule.setdefault(candidate.rule.key, []).append(candidate)
    refused: set[int] = set()
    for group in by_rule.values():
        refused |= _repeat_refused(session, workspace_id, group)
    return [c for c in kept if id(c) not in refused]


def _repeat_refused(session: Session, workspace_id: uuid.UUID, group: list[Candidate]) -> set[int]:
    """ids of the candidates that are not yet the Nth contact about the same thing in the window."""
    rule = group[0].rule
    repeat = rule.when.repeat
    assert repeat is not None
    window = timedelta(days=repeat.days)
    refused: set[int] = set()
    keyed: list[tuple[Candidate, str]] = []
    for candidate in group:
        key = lang.repeat_key(rule, candidate.event)
        if key is None:
            refused.add(id(candidate))
        else:
            keyed.append((candidate, key))
    if not keyed:
        return refused
    column = Event.touchpoint if repeat.by == "touchpoint" else Event.attributes[repeat.by].as_string()
    rows = session.execute(
        select(Event.customer_id, column, Event.occurred_at).where(
            Event.workspace_id == workspace_id,
            is_one_of(session, Event.customer_id, list({c.customer_id for c, _ in keyed})),
            Event.type.in_(lang.repeat_types(rule)),
            Event.occurred_at > min(c.occurred_at for c, _ in keyed) - window,
            Event.occurred_at <= max(c.occurred_at for c, _ in keyed),
        )
    )
    times: dict[tuple[uuid.UUID, str], list[datetime]] = {}
    for customer_id, value, occurred_at in rows:
        if value is not None:
            times.setdefault((customer_id, str(value)), []).append(occurred_at)
    for stamps in times.values():
        stamps.sort()
    for candidate, key in keyed:
        stamps = times.get((candidate.customer_id, key), [])
        count = bisect.bisect_right(stamps, candidate.occurred_at) - bisect.bisect_right(
            stamps, candidate.occurred_at - window
        )
        if count < repeat.count:
            refused.add(id(candidate))
    return refused


# --- dry run ---------------------------------------------------------------------------------------


def _stored_events(
    session: Session, workspace_id: uuid.UUID, when: Any, since: datetime, until: datetime
) -> Iterator[list[StoredEvent]]:
    conditions = [
        Event.workspace_id == workspace_id,
        Event.occurred_at >= since,
        Event.occurred_at < until,
        Event.channel != lang.OWN_CHANNEL,
    ]
    if when.types:
        conditions.append(Event.type.in_(list(when.types)))
    if when.channels:
        conditions.append(Event.channel.in_(list(when.channels)))
    if when.touchpoints:
        conditions.append(Event.touchpoint.in_(list(when.touchpoints)))
    if when.score is not None:
        conditions.append(Event.score.is_not(None))
    query = (
        select(
            Event.event_id,
            Event.customer_id,
            Event.occurred_at,
            Event.type,
            Event.channel,
            Event.touchpoint,
            Event.score,
            Event.metric,
            Event.attributes,
            Event.text,
        )
        .where(*conditions)
        .order_by(Event.occurred_at, Event.id)
        .execution_options(yield_per=SCAN_CHUNK)
    )
    chunk: list[StoredEvent] = []
    for row in session.execute(query):
        chunk.append(StoredEvent(*row))
        if len(chunk) >= SCAN_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _analyses(events: Sequence[StoredEvent]) -> list[dict[str, Any] | None]:
    """Text analysis for stored events (none is stored): what a rule on sentiment or topics would have seen."""
    from cxhub.text.analyzer import analyze

    with_text = [i for i, e in enumerate(events) if e.text]
    out: list[dict[str, Any] | None] = [None] * len(events)
    for index, result in zip(with_text, analyze([events[i].text for i in with_text]), strict=True):
        out[index] = result.to_dict()
    return out


def dry_run(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    definition: RuleDefinition,
    version: int = 0,
    days: int | None = None,
    now: datetime | None = None,
    samples: int = 10,
) -> DryRunOut:
    """What the rule would have matched over the last ``days`` of events (the settings' default: 90).

    Counts matches among all events of the period, the customers and the cases it would open (distinct
    customer and topic), with the first ``samples`` matches. Text conditions analyse the stored texts.
    Writes nothing.
    """
    now = now or utcnow()
    settings = get_settings(session, workspace_id=workspace_id)
    since = now - timedelta(days=days or settings.dry_run_days)
    compiled = lang.compile_rule(definition, version=version)
    scanned = int(
        session.scalar(
            select(func.count())
            .select_from(Event)
            .where(
                Event.workspace_id == workspace_id,
                Event.occurred_at >= since,
                Event.occurred_at < now,
                Event.channel != lang.OWN_CHANNEL,
            )
        )
        or 0
    )
    needs_text = bool(definition.when.sentiment or definition.when.topics or definition.when.emotion)
    matched = 0
    customers: set[uuid.UUID] = set()
    cases: set[tuple[uuid.UUID, str]] = set()
    found: list[DryRunSample] = []
    if compiled.is_silence:
        chunks: Iterator[list[Candidate]] = iter(
            [silent_candidates(session, workspace_id=workspace_id, rule=compiled, since=since, now=now)]
        )
    else:
        chunks = (
            settle(session, workspace_id=workspace_id, candidates=chunk)
            for chunk in stored_candidates(
                session, workspace_id=workspace_id, rule=compiled, since=since, until=now, analyze_text=needs_text
            )
        )
    for chunk in chunks:
        for candidate in chunk:
            matched += 1
            customers.add(candidate.customer_id)
            topic = lang.case_topic(compiled, candidate.event, candidate.analysis)
            cases.add((candidate.customer_id, topic))
            if len(found) < samples:
                found.append(
                    DryRunSample(
                        event_id=candidate.event_id,
                        occurred_at=candidate.occurred_at,
                        customer_id=str(candidate.customer_id),
                        type=candidate.event.type,
                        touchpoint=candidate.event.touchpoint,
                        score=candidate.event.score,
                        topic=topic,
                    )
                )
    share = matched / scanned if scanned else 0.0
    return DryRunOut(
        rule=definition.key,
        version=version,
        since=since,
        until=now,
        scanned=scanned,
        matched=matched,
        share=round(share, 6),
        customers=len(customers),
        would_open=len(cases),
        guard_share=settings.guard_share,
        needs_force=share > settings.guard_share,
        samples=found,
    )


def stored_candidates(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    rule: lang.CompiledRule,
    since: datetime,
    until: datetime,
    analyze_text: bool = False,
) -> Iterator[list[Candidate]]:
    """Stored events of ``[since, until)`` that pass the rule's database-free checks, a chunk at a time
    (still to :func:`settle`). ``analyze_text`` runs text analytics on them first (slow, for dry runs)."""
    for events in _stored_events(session, workspace_id, rule.when, since, until):
        events = [e for e in events if not lang.is_own_event(e)]
        analyses = _analyses(events) if analyze_text else [None] * len(events)
        yield [
            Candidate(rule, e, e.event_id, e.customer_id, e.occurred_at, a)
            for e, a in zip(events, analyses, strict=True)
            if rule.test(e, a)
        ]


# --- silence ---------------------------------------------------------------------------------------


def silent_candidates(
    session: Session, *, workspace_id: uuid.UUID, rule: lang.CompiledRule, since: datetime | None = None, now: datetime
) -> list[Candidate]:
    """Events of the rule's types older than ``hours`` that nobody has answered: no later event of the
    customer that is an answer (``answered_by`` types, or ``attributes.direction = outbound``) and no
    action on a case linked to them. Only the last ``lookback_days`` are looked at (or from ``since``).

    "Answered" means answered by now, not within ``hours``: the scheduled check runs every few minutes,
    so a complaint is caught soon after its ``hours`` pass (date arithmetic in SQL is not portable).
    """
    silence = rule.when.silence
    assert silence is not None
    deadline = now - timedelta(hours=silence.hours)
    start = since if since is not None else now - timedelta(days=silence.lookback_days)
    later = table_of(Event).alias("answer")
    answered = (
        select(later.c.id)
        .where(
            later.c.workspace_id == Event.workspace_id,
            later.c.customer_id == Event.customer_id,
            later.c.occurred_at > Event.occurred_at,
            or_(
                later.c.type.in_(list(silence.answered_by)),
                later.c.attributes["direction"].as_string() == "outbound",
            ),
        )
        .exists()
    )
    acted = (
        select(CaseLink.id)
        .join(Case, Case.id == CaseLink.case_id)
        .where(
            CaseLink.workspace_id == Event.workspace_id,
            CaseLink.event_id == Event.event_id,
            Case.first_action_at.is_not(None),
        )
        .exists()
    )
    conditions = [
        Event.workspace_id == workspace_id,
        Event.occurred_at >= start,
        Event.occurred_at <= deadline,
        Event.channel != lang.OWN_CHANNEL,
        not_(answered),
        not_(acted),
    ]
    if rule.types:
        conditions.append(Event.type.in_(list(rule.types)))
    rows = session.execute(
        select(
            Event.event_id,
            Event.customer_id,
            Event.occurred_at,
            Event.type,
            Event.channel,
            Event.touchpoint,
            Event.score,
            Event.metric,
            Event.attributes,
        )
        .where(and_(*conditions))
        .order_by(Event.occurred_at)
    )
    out = []
    for row in rows:
        event = StoredEvent(*row)
        if rule.test(event, None):
            out.append(Candidate(rule, event, event.event_id, event.customer_id, event.occurred_at, None))
    return out
