"""Consent: what each customer allowed or refused, per purpose."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.identity.models import Customer
from cxhub.identity.service import live_customer_id
from cxhub.kit.errors import CxhubError
from cxhub.kit.sql import is_one_of
from cxhub.privacy.models import Consent

SURVEYS = "surveys"
_PURPOSE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def set_consent(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    customer_id: uuid.UUID,
    purpose: str,
    granted: bool,
    source: str,
) -> Consent:
    """Record the customer's latest word for ``purpose``; it replaces the previous one.

    Stored on the customer that holds the timeline now (an id merged away is followed).
    """
    if not _PURPOSE.match(purpose):
        raise CxhubError("invalid_purpose", "purpose must be lower-case letters, digits or '_'", field="purpose")
    live = live_customer_id(session, workspace_id=workspace_id, customer_id=customer_id)
    consent = session.scalar(
        select(Consent).where(
            Consent.workspace_id == workspace_id, Consent.customer_id == live, Consent.purpose == purpose
        )
    )
    if consent is None:
        consent = Consent(workspace_id=workspace_id, customer_id=live, purpose=purpose)
        session.add(consent)
    consent.granted = granted
    consent.source = source[:64]
    consent.updated_at = utcnow()
    session.flush()
    return consent


def consents_of(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> list[Consent]:
    live = live_customer_id(session, workspace_id=workspace_id, customer_id=customer_id)
    return list(
        session.scalars(
            select(Consent)
            .where(
                Consent.workspace_id == workspace_id, Consent.customer_id.in_(_with_merged(session, workspace_id, live))
            )
            .order_by(Consent.purpose, Consent.updated_at)
        )
    )


def refused(
    session: Session, *, workspace_id: uuid.UUID, customer_ids: Collection[uuid.UUID], purpose: str = SURVEYS
) -> set[uuid.UUID]:
    """Those of ``customer_ids`` (live ids) that refused ``purpose``, directly or on a profile merged
    into theirs. A refusal anywhere wins over a grant elsewhere: asking again is the worse mistake."""
    ids = list(set(customer_ids))
    if not ids:
        return set()
    direct = select(Consent.customer_id).where(
        Consent.workspace_id == workspace_id,
        Consent.purpose == purpose,
        Consent.granted.is_(False),
        is_one_of(session, Consent.customer_id, ids),
    )
    found = set(session.scalars(direct))
    merged = (
        select(Customer.merged_into)
        .join(Consent, Consent.customer_id == Customer.id)
        .where(
            Consent.workspace_id == workspace_id,
            Consent.purpose == purpose,
            Consent.granted.is_(False),
            is_one_of(session, Customer.merged_into, ids),
        )
    )
    found.update(cid for cid in session.scalars(merged) if cid is not None)
    return found


def _with_merged(session: Session, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> list[uuid.UUID]:
    rows = session.scalars(
        select(Customer.id).where(
            Customer.workspace_id == workspace_id,
            or_(Customer.id == customer_id, Customer.merged_into == customer_id),
        )
    )
    return list(rows)
