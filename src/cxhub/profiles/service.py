"""Profiles: traits, the paged timeline, and the context a touchpoint asks for while a customer waits."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import Session

from cxhub.cases.service import open_cases_of
from cxhub.identity import service as identity
from cxhub.identity.schemas import MergeOut
from cxhub.kit.errors import CxhubError
from cxhub.profiles import queries as q
from cxhub.profiles.schemas import (
    AmountOut,
    ChannelUse,
    ContextOut,
    CustomerOut,
    OwnedProduct,
    ScoreOut,
    TimelineEvent,
    TimelinePage,
    Traits,
)

PURCHASE, RETURN = q.PURCHASE, q.RETURN
MAX_PAGE = 500


def _event_out(row: Any) -> TimelineEvent:
    amount = AmountOut(cents=row.amount_cents, currency=row.currency or "EUR") if row.amount_cents is not None else None
    return TimelineEvent(
        event_id=row.event_id,
        occurred_at=row.occurred_at,
        received_at=row.received_at,
        type=row.type,
        channel=row.channel,
        touchpoint=row.touchpoint,
        identifiers=row.identifiers,
        attributes=row.attributes,
        text=row.text,
        score=row.score,
        amount=amount,
        products=row.products,
        source=row.source,
    )


def traits(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> Traits:
    """Counts, channels and lifetime value in one aggregate over the customer's timeline."""
    rows = session.connection().execute(q.TRAITS, {"ws": workspace_id, "cid": customer_id})
    channels: dict[str, ChannelUse] = {}
    value: dict[str, int] = {}
    for channel, currency, count, first, last, total, valued_rows in rows:
        use = channels.get(channel)
        if use is None:
            channels[channel] = ChannelUse(channel=channel, events=count, first_seen=first, last_seen=last)
        else:
            use.events += count
            use.first_seen, use.last_seen = min(use.first_seen, first), max(use.last_seen, last)
        if valued_rows:
            key = currency or "EUR"
            value[key] = value.get(key, 0) + int(total or 0)
    ordered = sorted(channels.values(), key=lambda c: (-c.events, c.channel))
    return Traits(
        first_seen=min((c.first_seen for c in ordered), default=None),
        last_seen=max((c.last_seen for c in ordered), default=None),
        events=sum(c.events for c in ordered),
        channels=ordered,
        lifetime_value=[AmountOut(cents=cents, currency=currency) for currency, cents in sorted(value.items())],
        owned_products=owned_products(session, workspace_id=workspace_id, customer_id=customer_id),
    )


def owned_products(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> list[OwnedProduct]:
    """What the customer holds now: purchased minus returned quantity, per SKU."""
    rows = session.connection().execute(q.OWNED, {"ws": workspace_id, "cid": customer_id})
    held: dict[str, dict[str, Any]] = {}
    for kind, products, occurred_at in rows:
        for line in products or []:
            sku = line.get("sku")
            if not sku:
                continue
            entry = held.setdefault(
                sku, {"sku": sku, "name": None, "quantity": 0, "first": occurred_at, "last": occurred_at}
            )
            quantity = int(line.get("quantity", 1))
            entry["name"] = line.get("name") or entry["name"]
            if kind == RETURN:
                entry["quantity"] -= quantity
            else:
                entry["quantity"] += quantity
                entry["last"] = occurred_at
    return [
        OwnedProduct(
            sku=entry["sku"],
            name=entry["name"],
            quantity=entry["quantity"],
            first_purchased_at=entry["first"],
            last_purchased_at=entry["last"],
        )
        for entry in held.values()
        if entry["quantity"] > 0
    ]


def customer_profile(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> CustomerOut:
    customer = identity.resolve_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    return CustomerOut(
        customer_id=str(customer.id),
        requested_id=str(customer_id) if customer.id != customer_id else None,
        created_at=customer.created_at,
        identifiers=identity.identifiers_of(session, workspace_id=workspace_id, customer_id=customer.id),
        traits=traits(session, workspace_id=workspace_id, customer_id=customer.id),
        merges=[
            MergeOut.of(m) for m in identity.merges_of(session, workspace_id=workspace_id, customer_id=customer.id)
        ],
    )


def _encode_cursor(occurred_at: datetime, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{occurred_at.isoformat()}|{row_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, _, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return datetime.fromisoformat(stamp), int(row_id)
    except (ValueError, UnicodeDecodeError):
        raise CxhubError("invalid_cursor", "cursor is not one this API returned", field="cursor") from None


def timeline(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    customer_id: uuid.UUID,
    limit: int = 50,
    cursor: str | None = None,
    types: list[str] | None = None,
    channels: list[str] | None = None,
) -> TimelinePage:
    """Newest first, across every channel; ``cursor`` continues where the last page stopped."""
    if not 1 <= limit <= MAX_PAGE:
        raise CxhubError("invalid_limit", f"limit must be between 1 and {MAX_PAGE}", field="limit")
    customer = identity.resolve_customer(session, workspace_id=workspace_id, customer_id=customer_id)
    rows = _events(session, workspace_id, customer.id, limit + 1, cursor, types, channels)
    next_cursor = _encode_cursor(rows[limit - 1].occurred_at, rows[limit - 1].id) if len(rows) > limit else None
    return TimelinePage(
        customer_id=str(customer.id), events=[_event_out(row) for row in rows[:limit]], next_cursor=next_cursor
    )


def _events(
    session: Session,
    workspace_id: uuid.UUID,
    customer_id: uuid.UUID,
    limit: int,
    cursor: str | None = None,
    types: list[str] | None = None,
    channels: list[str] | None = None,
) -> list[Row[Any]]:
    params = {"ws": workspace_id, "cid": customer_id, "limit": limit}
    if not (cursor or types or channels):
        return list(session.connection().execute(q.RECENT, params))
    query = select(q.events).where(q.MINE)
    if types:
        query = query.where(q.e.type.in_(types))
    if channels:
        query = query.where(q.e.channel.in_(channels))
    if cursor:
        stamp, row_id = _decode_cursor(cursor)
        query = query.where(or_(q.e.occurred_at < stamp, and_(q.e.occurred_at == stamp, q.e.id < row_id)))
    return list(session.connection().execute(query.order_by(*q.NEWEST).limit(q.LIMIT), params))


def last_scores(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID, limit: int = 5) -> list[ScoreOut]:
    rows = session.connection().execute(q.SCORES, {"ws": workspace_id, "cid": customer_id, "limit": limit})
    return [
        ScoreOut(
            event_id=row.event_id,
            occurred_at=row.occurred_at,
            type=row.type,
            metric=(row.attributes or {}).get("metric"),
            score=float(row.score or 0),
            touchpoint=row.touchpoint,
            channel=row.channel,
        )
        for row in rows
    ]


def find_customer(session: Session, *, workspace_id: uuid.UUID, query: Mapping[str, str], region: str) -> uuid.UUID:
    """The customer named by exactly one of ``customer_id`` or an identifier type."""
    given = {name: value for name, value in query.items() if value is not None and value != ""}
    if len(given) != 1:
        raise CxhubError(
            "invalid_lookup",
            "give exactly one of customer_id or an identifier (email, phone, crm_id, loyalty_id, device_id, ...)",
            field="query",
        )
    ((name, value),) = given.items()
    if name == "customer_id":
        try:
            return uuid.UUID(value)
        except ValueError:
            raise CxhubError("invalid_customer_id", "customer_id must be a UUID", field="customer_id") from None
    return identity.find_customer_by_identifier(
        session, workspace_id=workspace_id, kind=name, value=value, region=region
    )


def context(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID, recent: int = 10) -> ContextOut:
    if not 0 <= recent <= 100:
        raise CxhubError("invalid_limit", "recent must be between 0 and 100", field="recent")
    live = identity.live_customer_id(session, workspace_id=workspace_id, customer_id=customer_id)
    profile = traits(session, workspace_id=workspace_id, customer_id=live)
    events = [_event_out(row) for row in _events(session, workspace_id, live, recent)] if recent else []
    found: dict[str, list[str]] = {}
    for kind, value in session.connection().execute(q.IDENTIFIERS, {"ws": workspace_id, "cid": live}):
        found.setdefault(kind, []).append(value)
    return ContextOut(
        customer_id=str(live),
        identifiers=found,
        profile=profile,
        recent_events=events,
        owned_products=profile.owned_products,
        last_scores=last_scores(session, workspace_id=workspace_id, customer_id=live),
        open_cases=open_cases_of(session, workspace_id=workspace_id, customer_id=live),
        churn_risk=None,
    )
