"""The rules step of the pipeline, follow-up answers, and the scheduled check (``cxhub cases tick``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cxhub.cases import notify
from cxhub.cases import rules as lang
from cxhub.cases.matching import Candidate, settle, silent_candidates
from cxhub.cases.models import OPEN_STATUSES, Case, CaseHistory
from cxhub.cases.routing import get_settings
from cxhub.cases.rulebook import active_ruleset
from cxhub.cases.schemas import TickOut
from cxhub.cases.service import SYSTEM, OpenReport, Signal, open_cases
from cxhub.config import Settings
from cxhub.db import transaction, utcnow
from cxhub.governance.models import Department, Workspace
from cxhub.governance.ownership import owners_of
from cxhub.kit.sql import is_one_of
from cxhub.pipeline import PipelineBatch

FOLLOWUP_WINDOW_DAYS = 30


def apply_rules(session: Session, batch: PipelineBatch) -> None:
    """Test the batch's events against the workspace's active rules and open (or add to) cases.

    Runs last, after the timeline step (a repeat count sees this batch) and after text analytics when
    it ran (``batch.analyses``; rules on sentiment or topics simply do not match without it). An event
    meets only the rules indexed under its type; checks that need the database run once per batch.
    Idempotent: events already linked to a case are skipped. Case events (channel ``cxhub``) never match.
    """
    if not batch.events:
        return
    record_followup_answers(session, batch)
    ruleset = active_ruleset(session, batch.workspace_id)
    if not ruleset:
        return
    analyses = batch.analyses if len(batch.analyses) == len(batch.events) else None
    candidates: list[Candidate] = []
    for index, event in enumerate(batch.events):
        rules = ruleset.candidates(event)
        if not rules:
            continue
        analysis = analyses[index] if analyses is not None else None
        for rule in rules:
            if rule.test(event, analysis):
                candidates.append(
                    Candidate(rule, event, event.event_id, batch.customer_ids[index], event.occurred_at, analysis)
                )
    if not candidates:
        return
    matched = settle(session, workspace_id=batch.workspace_id, candidates=candidates)
    open_cases(session, workspace_id=batch.workspace_id, signals=[signal_of(c) for c in matched])


def signal_of(candidate: Candidate) -> Signal:
    rule, event = candidate.rule, candidate.event
    topic = lang.case_topic(rule, event, candidate.analysis)
    stage = (event.attributes or {}).get("journey_stage")
    return Signal(
        customer_id=candidate.customer_id,
        event_id=candidate.event_id,
        occurred_at=candidate.occurred_at,
        touchpoint=event.touchpoint,
        stage=str(stage) if stage else None,
        metric=event.metric or (event.attributes or {}).get("metric"),
        score=event.score,
        rule_key=rule.key,
        rule_version=rule.version,
        spec=rule.definition.case,
        topic=topic,
        title=lang.case_title(rule, event, topic),
    )


def record_followup_answers(session: Session, batch: PipelineBatch) -> int:
    """Record the score after a closed case whose follow-up survey the customer has now answered.

    The first survey response of the customer after closing (within 30 days) is the answer; the case
    says whether they were recovered (out of the bad half of the scale).
    """
    answers = [
        (batch.customer_ids[i], event)
        for i, event in enumerate(batch.events)
        if event.type == "survey_response" and event.score is not None
    ]
    if not answers:
        return 0
    waiting = list(
        session.scalars(
            select(Case).where(
                Case.workspace_id == batch.workspace_id,
                is_one_of(session, Case.customer_id, list({c for c, _ in answers})),
                Case.status == "closed",
                Case.followup_sent_at.is_not(None),
                Case.score_after.is_(None),
            )
        )
    )
    recorded = 0
    for case in waiting:
        closed_at = case.closed_at or case.followup_sent_at
        assert closed_at is not None
        mine = sorted(
            (
                e
                for c, e in answers
                if c == case.customer_id
                and closed_at < e.occurred_at <= closed_at + timedelta(days=FOLLOWUP_WINDOW_DAYS)
            ),
            key=lambda e: e.occurred_at,
        )
        if not mine:
            continue
        answer = mine[0]
        assert answer.score is not None
        metric = answer.metric or answer.attributes.get("metric")
        case.score_after = answer.score
        case.recovered = lang.recovered(metric, answer.score)
        case.metric = case.metric or metric
        case.updated_at = utcnow()
        session.add(
            CaseHistory(
                workspace_id=case.workspace_id,
                case_id=case.id,
                at=utcnow(),
                actor=SYSTEM,
                action="recovered",
                changes={
                    "score": [case.score_before, answer.score],
                    "recovered": [None, case.recovered],
                    "event": [None, answer.event_id],
                },
            )
        )
        recorded += 1
    if recorded:
        session.flush()
    return recorded


# --- the scheduled check ---------------------------------------------------------------------------


def open_silent_cases(session: Session, *, workspace_id: uuid.UUID, now: datetime | None = None) -> OpenReport:
    """Open cases for complaints nobody answered in time (the active silence rules)."""
    now = now or utcnow()
    report = OpenReport()
    for rule in active_ruleset(session, workspace_id).silence:
        found = silent_candidates(session, workspace_id=workspace_id, rule=rule, now=now)
        part = open_cases(session, workspace_id=workspace_id, signals=[signal_of(c) for c in found], now=now)
        report.opened += part.opened
        report.added += part.added
        report.skipped += part.skipped
    return report


def detect_breaches(session: Session, *, workspace_id: uuid.UUID, now: datetime | None = None) -> list[Case]:
    """Mark open cases past their due time (clock not paused) as breached and escalate each to the
    accountable owner: the department lead, plus the map's accountable departments' leads."""
    now = now or utcnow()
    late = list(
        session.scalars(
            select(Case).where(
                Case.workspace_id == workspace_id,
                Case.status.in_(OPEN_STATUSES),
                Case.breached_at.is_(None),
                Case.sla_paused_at.is_(None),
                Case.due_at < now,
            )
        )
    )
    if not late:
        return []
    settings = get_settings(session, workspace_id=workspace_id)
    leads = {
        key: email
        for key, email in session.execute(
            select(Department.key, Department.lead_email).where(Department.workspace_id == workspace_id)
        )
    }
    for case in late:
        case.breached_at = case.due_at
        case.escalated_at = now
        case.updated_at = now
        recipients: list[str] = []
        if case.department and leads.get(case.department):
            recipients.append(str(leads[case.department]))
        accountable = owners_of(session, workspace_id=workspace_id, touchpoint=case.touchpoint, stage=case.stage)["A"]
        recipients += [d.lead_email for d in accountable if d.lead_email]
        session.add(
            CaseHistory(
                workspace_id=workspace_id,
                case_id=case.id,
                at=now,
                actor=SYSTEM,
                action="breached",
                changes={
                    "breached_at": [None, case.due_at.isoformat()],
                    "escalated_to": [None, sorted(set(recipients))],
                },
            )
        )
        notify.queue(session, case=case, kind="breached", settings=settings, emails=recipients, now=now)
    session.flush()
    return late


@dataclass
class TickResult:
    silence_cases: int = 0
    breached: int = 0
    sent: int = 0
    failed: int = 0

    def out(self) -> TickOut:
        return TickOut(
            silence_cases=self.silence_cases,
            breached=self.breached,
            notifications_sent=self.sent,
            notifications_failed=self.failed,
        )


def tick(
    sessions: sessionmaker[Session],
    *,
    settings: Settings,
    workspace_id: uuid.UUID | None = None,
    now: datetime | None = None,
    **delivery: Any,
) -> TickResult:
    """What runs every few minutes: silence rules, SLA breaches (with escalation), then the outbox.

    Each workspace's checks commit on their own; the outbox is drained after, outside any transaction.
    """
    now = now or utcnow()
    result = TickResult()
    with transaction(sessions) as session:
        ids = [workspace_id] if workspace_id is not None else list(session.scalars(select(Workspace.id)))
    for current in ids:
        with transaction(sessions) as session:
            result.silence_cases += len(open_silent_cases(session, workspace_id=current, now=now).opened)
            result.breached += len(detect_breaches(session, workspace_id=current, now=now))
    drained = notify.drain_outbox(sessions, settings=settings, workspace_id=workspace_id, now=now, **delivery)
    result.sent, result.failed = drained.sent, drained.failed + drained.retrying
    return result
