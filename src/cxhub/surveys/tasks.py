"""The survey step of the pipeline: events that match a trigger become invitation decisions."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cxhub.db import table_of, utcnow
from cxhub.events.schemas import AcceptedEvent
from cxhub.kit.sql import is_one_of
from cxhub.pipeline import PipelineBatch
from cxhub.surveys import policy
from cxhub.surveys.definition import Trigger
from cxhub.surveys.invitations import gather, new_invitation
from cxhub.surveys.models import SurveyInvitation
from cxhub.surveys.service import get_policy
from cxhub.surveys.triggers import ActiveSurvey, active_surveys, first_match


def schedule_invitations(session: Session, batch: PipelineBatch) -> None:
    """Write one invitation row per (event, active survey) whose trigger the event matches:
    ``scheduled`` for ``occurred_at + delay``, or ``suppressed`` with the policy's reason.

    Runs after the timeline step, so a complaint in the same batch already counts. Costs one cached
    query when no survey is active. Idempotent: a (survey, event) pair already decided is skipped.
    Events older than the policy's ``max_trigger_age_days`` invite nobody: importing history must
    not survey last year's buyers.
    """
    if not batch.events:
        return
    surveys = active_surveys(session, batch.workspace_id)
    if not surveys:
        return
    candidates: list[tuple[int, ActiveSurvey, Trigger, timedelta]] = []
    for index, event in enumerate(batch.events):
        for survey in surveys:
            found = first_match(survey, event)
            if found is not None:
                candidates.append((index, survey, *found))
    if not candidates:
        return
    now = utcnow()
    workspace_id = batch.workspace_id
    rules = get_policy(session, workspace_id=workspace_id)
    oldest = now - timedelta(days=rules.max_trigger_age_days)
    candidates = [c for c in candidates if batch.events[c[0]].occurred_at >= oldest]
    if not candidates:
        return
    decided = _already_decided(session, workspace_id, {batch.events[c[0]].event_id for c in candidates})
    customer_ids = {batch.customer_ids[c[0]] for c in candidates}
    known = gather(session, workspace_id=workspace_id, customer_ids=customer_ids, rules=rules, now=now)
    rows: list[dict[str, Any]] = []
    for index, survey, trigger, delay in candidates:
        event = batch.events[index]
        if (survey.id, event.event_id) in decided:
            continue
        decided.add((survey.id, event.event_id))
        customer_id = batch.customer_ids[index]
        due_at = event.occurred_at + delay
        reason = policy.decide(rules, known.facts(customer_id, channel=trigger.delivery), at=due_at)
        if reason is None:
            known.last_invited[customer_id] = due_at
        rows.append(
            new_invitation(
                survey=survey,
                customer_id=customer_id,
                trigger_event_id=event.event_id,
                channel=trigger.delivery,
                language=_language(survey, event),
                due_at=due_at,
                rules=rules,
                reason=reason,
                context=_context(survey, trigger, event),
                now=now,
            )
        )
    if rows:
        session.execute(insert(table_of(SurveyInvitation)), rows)


def _already_decided(session: Session, workspace_id: uuid.UUID, event_ids: set[str]) -> set[tuple[uuid.UUID, str]]:
    rows = session.execute(
        select(SurveyInvitation.survey_id, SurveyInvitation.trigger_event_id).where(
            SurveyInvitation.workspace_id == workspace_id,
            is_one_of(session, SurveyInvitation.trigger_event_id, sorted(event_ids)),
        )
    )
    return {(survey_id, event_id) for survey_id, event_id in rows if event_id is not None}


def _language(survey: ActiveSurvey, event: AcceptedEvent) -> str:
    for key in ("language", "lang", "locale"):
        value = event.attributes.get(key)
        if isinstance(value, str) and value[:2].lower() in survey.definition.languages:
            return value[:2].lower()
    return survey.definition.default_language


def _context(survey: ActiveSurvey, trigger: Trigger, event: AcceptedEvent) -> dict[str, Any]:
    """What the response will carry: the experience rated (touchpoint, channel) and the attributes the
    survey asks to keep (journey stage, unit, department, product…)."""
    context: dict[str, Any] = {"touchpoint": event.touchpoint, "channel": event.channel, "event_type": event.type}
    for key in survey.definition.context_attributes:
        value = event.attributes.get(key)
        if isinstance(value, str | int | float | bool) and key not in context:
            context[key] = value
    if "product" in survey.definition.context_attributes and "product" not in context and event.products:
        first = event.products[0]
        context["product"] = first.get("name") or first["sku"]
    if trigger.webhook_url:
        context["webhook_url"] = trigger.webhook_url
    return context
