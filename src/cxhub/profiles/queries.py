"""The statements of the context path, built once.

A touchpoint asks for the context while the customer waits; building seven SQLAlchemy statements
per call cost more than running them. These are built at import with bind parameters and reuse
SQLAlchemy's compiled cache; they run on the session's Core connection, skipping the ORM's
execution layer, which these plain-row reads do not need.
"""

from __future__ import annotations

from sqlalchemy import Integer, and_, bindparam, case, func, select

from cxhub.db import table_of
from cxhub.events.models import Event
from cxhub.identity.models import Identifier

PURCHASE, RETURN = "purchase", "return"

events = table_of(Event)
identifiers = table_of(Identifier)
e = events.c

WS = bindparam("ws", type_=e.workspace_id.type)
CID = bindparam("cid", type_=e.customer_id.type)
LIMIT = bindparam("limit", type_=Integer())
MINE = and_(e.workspace_id == WS, e.customer_id == CID)
NEWEST = (e.occurred_at.desc(), e.id.desc())

_signed = case((e.type == PURCHASE, e.amount_cents), (e.type == RETURN, -e.amount_cents), else_=0)
_valued = case((and_(e.type.in_((PURCHASE, RETURN)), e.amount_cents.is_not(None)), 1), else_=0)

TRAITS = (
    select(
        e.channel,
        e.currency,
        func.count(),
        func.min(e.occurred_at),
        func.max(e.occurred_at),
        func.sum(_signed),
        func.sum(_valued),
    )
    .where(MINE)
    .group_by(e.channel, e.currency)
)
OWNED = (
    select(e.type, e.products, e.occurred_at)
    .where(MINE, e.type.in_((PURCHASE, RETURN)), e.products.is_not(None))
    .order_by(e.occurred_at)
)
RECENT = select(events).where(MINE).order_by(*NEWEST).limit(LIMIT)
SCORES = select(events).where(MINE, e.score.is_not(None)).order_by(*NEWEST).limit(LIMIT)
IDENTIFIERS = (
    select(identifiers.c.type, identifiers.c.value)
    .where(identifiers.c.workspace_id == WS, identifiers.c.customer_id == CID)
    .order_by(identifiers.c.type, identifiers.c.value)
)
