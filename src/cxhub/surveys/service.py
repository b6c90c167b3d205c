"""Survey definitions and the contact policy: create, import, export, version, archive."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.events.models import Event
from cxhub.kit.errors import CxhubError, NotFound
from cxhub.kit.sql import is_one_of
from cxhub.surveys import policy
from cxhub.surveys.definition import SurveyDefinition, validate_definition
from cxhub.surveys.models import Survey, SurveyPolicy

STATUSES = ("draft", "active", "archived")
_POLICY_FIELDS = tuple(field for field in policy.Rules.__dataclass_fields__)
_listeners: list[Any] = []


def on_change(callback: Any) -> None:
    """Call ``callback(workspace_id)`` whenever a survey of that workspace changes (caches listen)."""
    _listeners.append(callback)


def _changed(workspace_id: uuid.UUID) -> None:
    for callback in _listeners:
        callback(workspace_id)


def get_survey(session: Session, *, workspace_id: uuid.UUID, slug: str) -> Survey:
    survey = session.scalar(select(Survey).where(Survey.workspace_id == workspace_id, Survey.slug == slug))
    if survey is None:
        raise NotFound("survey_not_found", f"no survey {slug!r} in this workspace", field="slug")
    return survey


def list_surveys(session: Session, *, workspace_id: uuid.UUID, status: str | None = None) -> list[Survey]:
    query = select(Survey).where(Survey.workspace_id == workspace_id)
    if status:
        query = query.where(Survey.status == status)
    return list(session.scalars(query.order_by(Survey.slug)))


def _check_status(status: str) -> str:
    if status not in STATUSES:
        raise CxhubError("invalid_status", f"status must be one of {', '.join(STATUSES)}", field="status")
    return status


def create_survey(
    session: Session, *, workspace_id: uuid.UUID, definition: SurveyDefinition, status: str = "active"
) -> Survey:
    _check_status(status)
    exists = session.scalar(
        select(Survey.id).where(Survey.workspace_id == workspace_id, Survey.slug == definition.slug)
    )
    if exists is not None:
        raise CxhubError(
            "survey_exists", f"survey {definition.slug!r} exists; update it instead", status=409, field="slug"
        )
    now = utcnow()
    survey = Survey(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        slug=definition.slug,
        name=definition.name,
        audience=definition.audience,
        status=status,
        version=1,
        definition=definition.dump(),
        created_at=now,
        updated_at=now,
    )
    session.add(survey)
    session.flush()
    _changed(workspace_id)
    return survey


def update_survey(
    session: Session, *, workspace_id: uuid.UUID, slug: str, definition: SurveyDefinition, status: str | None = None
) -> Survey:
    """Replace the definition; the version grows only when something changed."""
    survey = get_survey(session, workspace_id=workspace_id, slug=slug)
    if definition.slug != slug:
        raise CxhubError("slug_mismatch", f"the definition's slug is {definition.slug!r}, not {slug!r}", field="slug")
    dumped = definition.dump()
    if dumped != survey.definition:
        survey.definition = dumped
        survey.name = definition.name
        survey.audience = definition.audience
        survey.version += 1
        survey.updated_at = utcnow()
    if status is not None and status != survey.status:
        survey.status = _check_status(status)
        survey.updated_at = utcnow()
    session.flush()
    _changed(workspace_id)
    return survey


def import_survey(
    session: Session, *, workspace_id: uuid.UUID, definition: SurveyDefinition, status: str | None = None
) -> tuple[Survey, bool]:
    """Create the survey, or update the one with its slug. Returns it and whether it was created."""
    exists = session.scalar(
        select(Survey.id).where(Survey.workspace_id == workspace_id, Survey.slug == definition.slug)
    )
    if exists is None:
        created = create_survey(session, workspace_id=workspace_id, definition=definition, status=status or "active")
        return created, True
    updated = update_survey(
        session, workspace_id=workspace_id, slug=definition.slug, definition=definition, status=status
    )
    return updated, False


def set_status(session: Session, *, workspace_id: uuid.UUID, slug: str, status: str) -> Survey:
    survey = get_survey(session, workspace_id=workspace_id, slug=slug)
    survey.status = _check_status(status)
    survey.updated_at = utcnow()
    session.flush()
    _changed(workspace_id)
    return survey


def definition_of(survey: Survey) -> SurveyDefinition:
    return _parsed(survey.id, survey.version, json.dumps(survey.definition, sort_keys=True))


@lru_cache(maxsize=256)
def _parsed(_survey_id: uuid.UUID, _version: int, document: str) -> SurveyDefinition:
    return validate_definition(json.loads(document))


def export_survey(survey: Survey, fmt: str = "yaml") -> str:
    data = survey.definition
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt != "yaml":
        raise CxhubError("invalid_format", "format must be yaml or json", field="format")
    return str(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110))


# -- contact policy -----------------------------------------------------------------------------------


def get_policy(session: Session, *, workspace_id: uuid.UUID) -> policy.Rules:
    row = session.get(SurveyPolicy, workspace_id)
    if row is None:
        return policy.Rules()
    return policy.Rules(**{name: getattr(row, name) for name in _POLICY_FIELDS})


def put_policy(session: Session, *, workspace_id: uuid.UUID, rules: policy.Rules) -> policy.Rules:
    row = session.get(SurveyPolicy, workspace_id)
    if row is None:
        row = SurveyPolicy(workspace_id=workspace_id)
        session.add(row)
    for name in _POLICY_FIELDS:
        setattr(row, name, getattr(rules, name))
    row.updated_at = utcnow()
    session.flush()
    return get_policy(session, workspace_id=workspace_id)


def complaint_open_customers(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    customer_ids: Collection[uuid.UUID],
    window_days: int,
    now: datetime | None = None,
) -> set[uuid.UUID]:
    """Customers with a complaint open: an open case, or (for customers with no case in the window) a
    ``complaint`` in the last ``window_days`` with no later ``complaint_resolved`` or ``case_closed``
    event. The one place that knows what "a complaint is open" means: once complaints become cases,
    the case's status decides; complaint events still count where no rule made a case of them."""
    from cxhub.cases.service import customers_with_cases_since, customers_with_open_cases

    ids = list(set(customer_ids))
    if not ids:
        return set()
    since = (now or utcnow()) - timedelta(days=window_days)
    open_cases = customers_with_open_cases(session, workspace_id=workspace_id, customer_ids=ids)
    with_cases = customers_with_cases_since(session, workspace_id=workspace_id, customer_ids=ids, since=since)
    ids = [customer_id for customer_id in ids if customer_id not in with_cases]
    if not ids:
        return open_cases
    rows = session.execute(
        select(Event.customer_id, Event.type, func.max(Event.occurred_at))
        .where(
            Event.workspace_id == workspace_id,
            is_one_of(session, Event.customer_id, ids),
            Event.type.in_(("complaint", *policy.CLOSING_TYPES)),
            Event.occurred_at >= since,
        )
        .group_by(Event.customer_id, Event.type)
    )
    history: dict[uuid.UUID, list[tuple[datetime, str]]] = {}
    for customer_id, kind, when in rows:
        history.setdefault(customer_id, []).append((when, kind))
    return open_cases | {customer_id for customer_id, items in history.items() if policy.complaint_is_open(items)}
