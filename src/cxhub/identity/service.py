"""Identity: stitch batches, find customers by any identifier, list and undo merges."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from cxhub.db import table_of, utcnow
from cxhub.events.models import Event
from cxhub.identity.models import Customer, Identifier, Merge, MergeBlock
from cxhub.identity.normalize import (
    IdentifierError,
    identifier_key,
    identifier_type,
    normalize_identifier,
    split_key,
)
from cxhub.identity.stitching import Owner, Stitcher, StitchPlan
from cxhub.kit.bulk import bulk_insert
from cxhub.kit.errors import CxhubError, NotFound
from cxhub.kit.sql import is_one_of

CHUNK = 5000  # bound parameters per IN (...): SQLite allows 32,766, PostgreSQL 65,535


def _chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def load_owners(session: Session, *, workspace_id: uuid.UUID, keys: Iterable[str]) -> dict[str, Owner]:
    wanted = sorted(set(keys))
    owners: dict[str, Owner] = {}
    for chunk in _chunks(wanted):
        rows = session.execute(
            select(Identifier.key, Identifier.customer_id, Identifier.origin_customer_id).where(
                Identifier.workspace_id == workspace_id, is_one_of(session, Identifier.key, chunk)
            )
        )
        for key, customer_id, origin_id in rows:
            owners[key] = Owner(customer_id, origin_id)
    return owners


class _Lookups:
    """Creation times and merge blocks, fetched only when a merge needs them."""

    def __init__(self, session: Session, workspace_id: uuid.UUID) -> None:
        self.session = session
        self.workspace_id = workspace_id
        self._created: dict[uuid.UUID, datetime] = {}
        self._blocks: set[frozenset[uuid.UUID]] | None = None

    def created_at(self, customer_id: uuid.UUID) -> datetime:
        if customer_id not in self._created:
            created = self.session.scalar(select(Customer.created_at).where(Customer.id == customer_id))
            if created is None:
                raise CxhubError("identity_inconsistent", f"customer {customer_id} is missing", status=500)
            self._created[customer_id] = created
        return self._created[customer_id]

    def blocked(self, a: uuid.UUID, b: uuid.UUID) -> bool:
        if self._blocks is None:
            rows = self.session.execute(
                select(MergeBlock.customer_a, MergeBlock.customer_b).where(MergeBlock.workspace_id == self.workspace_id)
            )
            self._blocks = {frozenset((root_of(self.session, x), root_of(self.session, y))) for x, y in rows}
        return frozenset((a, b)) in self._blocks


def stitch(
    session: Session, *, workspace_id: uuid.UUID, events: Sequence[tuple[str, list[str], datetime]]
) -> StitchPlan:
    """Stitch ``(event_id, keys strongest first, occurred_at)`` items and write the result.

    Returns the plan, whose ``event_customers``/``event_origins`` line up with ``events``.
    """
    known = load_owners(session, workspace_id=workspace_id, keys=(k for _, keys, _ in events for k in keys))
    lookups = _Lookups(session, workspace_id)
    now = utcnow()
    stitcher = Stitcher(known, lookups.created_at, lookups.blocked, now)
    for event_id, keys, seen_at in events:
        stitcher.add(event_id, keys, seen_at)
    plan = stitcher.finish()
    _write_plan(session, workspace_id=workspace_id, plan=plan, now=now)
    return plan


def _write_plan(session: Session, *, workspace_id: uuid.UUID, plan: StitchPlan, now: datetime) -> None:
    if plan.new_customers:
        bulk_insert(
            session,
            table_of(Customer),
            [
                {
                    "id": customer_id,
                    "workspace_id": workspace_id,
                    "created_at": created,
                    "merged_into": plan.parent.get(customer_id),
                    "merged_at": now if customer_id in plan.parent else None,
                }
                for customer_id, created in plan.new_customers.items()
            ],
        )
    if plan.new_identifiers:
        rows = []
        for item in plan.new_identifiers:
            kind, value = split_key(item.key)
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "key": item.key,
                    "type": kind,
                    "value": value,
                    "customer_id": item.holder_id,
                    "origin_customer_id": item.origin_id,
                    "first_seen_at": item.seen_at,
                }
            )
        bulk_insert(session, table_of(Identifier), rows)
    if not plan.merges:
        return
    session.execute(
        insert(table_of(Merge)),
        [
            {
                "workspace_id": workspace_id,
                "winner_id": merge.winner_id,
                "loser_id": merge.loser_id,
                "event_id": merge.event_id,
                "evidence": merge.evidence,
                "created_at": now,
            }
            for merge in plan.merges
        ],
    )
    # Customers that existed before the batch and lost a merge in it: one executemany per table
    # (a round trip per merge made merge-heavy imports crawl on PostgreSQL).
    moved = [merge for merge in plan.merges if merge.loser_id not in plan.new_customers]
    if not moved:
        return
    customers, identifiers, events = table_of(Customer), table_of(Identifier), table_of(Event)
    connection = session.connection()
    connection.execute(
        update(customers)
        .where(customers.c.id == bindparam("loser"))
        .values(merged_into=bindparam("winner"), merged_at=bindparam("now")),
        [{"loser": m.loser_id, "winner": m.winner_id, "now": now} for m in moved],
    )
    repoints = [{"ws": workspace_id, "old": m.loser_id, "new": plan.root(m.loser_id)} for m in moved]
    for table in (identifiers, events):
        connection.execute(
            update(table)
            .where(table.c.workspace_id == bindparam("ws"), table.c.customer_id == bindparam("old"))
            .values(customer_id=bindparam("new")),
            repoints,
        )


def root_of(session: Session, customer_id: uuid.UUID) -> uuid.UUID:
    """Follow ``merged_into`` to the customer that holds the timeline now."""
    current = customer_id
    for _ in range(1000):
        parent = session.scalar(select(Customer.merged_into).where(Customer.id == current))
        if parent is None:
            return current
        current = parent
    raise CxhubError("identity_inconsistent", f"merge chain of {customer_id} does not end", status=500)


def normalize_query(kind: str, value: str, *, region: str) -> str:
    """Normalize an identifier given in a lookup, reporting problems against its parameter name."""
    try:
        kind = identifier_type(kind)
        return identifier_key(kind, normalize_identifier(kind, value, region=region))
    except IdentifierError as exc:
        raise CxhubError("invalid_identifier", f"{kind}: {exc}", field=kind) from None


# Built once: the context API runs this on every call.
_LOOKUP = select(Identifier.customer_id).where(
    Identifier.workspace_id == bindparam("ws", type_=Identifier.workspace_id.type),
    Identifier.key == bindparam("key", type_=Identifier.key.type),
)


def find_customer_by_identifier(
    session: Session, *, workspace_id: uuid.UUID, kind: str, value: str, region: str
) -> uuid.UUID:
    key = normalize_query(kind, value, region=region)
    customer_id = session.connection().scalar(_LOOKUP, {"ws": workspace_id, "key": key})
    if customer_id is None:
        raise NotFound("customer_not_found", f"no customer has {kind} {value!r}", field=kind)
    return customer_id


def get_customer(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.workspace_id == workspace_id, Customer.id == customer_id))
    if customer is None:
        raise NotFound("customer_not_found", f"no customer {customer_id} in this workspace", field="customer_id")
    return customer


# Built once: the context API runs this on every call.
_MERGED_INTO = select(Customer.merged_into).where(
    Customer.workspace_id == bindparam("ws", type_=Customer.workspace_id.type),
    Customer.id == bindparam("cid", type_=Customer.id.type),
)


def live_customer_id(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> uuid.UUID:
    """The id of the customer that holds the timeline now, following merges (an old id keeps working)."""
    row = session.connection().execute(_MERGED_INTO, {"ws": workspace_id, "cid": customer_id}).first()
    if row is None:
        raise NotFound("customer_not_found", f"no customer {customer_id} in this workspace", field="customer_id")
    return customer_id if row.merged_into is None else root_of(session, customer_id)


def resolve_customer(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> Customer:
    """The live customer for an id, following merges."""
    live = live_customer_id(session, workspace_id=workspace_id, customer_id=customer_id)
    return get_customer(session, workspace_id=workspace_id, customer_id=live)


def identifiers_of(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> dict[str, list[str]]:
    rows = session.execute(
        select(Identifier.type, Identifier.value)
        .where(Identifier.workspace_id == workspace_id, Identifier.customer_id == customer_id)
        .order_by(Identifier.type, Identifier.value)
    )
    found: dict[str, list[str]] = {}
    for kind, value in rows:
        found.setdefault(kind, []).append(value)
    return found


def merges_of(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> list[Merge]:
    """The merge log of a customer: every merge it won or lost, newest first."""
    members = subtree(session, workspace_id=workspace_id, customer_id=customer_id)
    return list(
        session.scalars(
            select(Merge)
            .where(
                Merge.workspace_id == workspace_id,
                or_(Merge.winner_id.in_(members), Merge.loser_id.in_(members)),
            )
            .order_by(Merge.id.desc())
        )
    )


def subtree(session: Session, *, workspace_id: uuid.UUID, customer_id: uuid.UUID) -> list[uuid.UUID]:
    """The customer and every customer merged into it, directly or not."""
    members = [customer_id]
    frontier = [customer_id]
    while frontier:
        frontier = list(
            session.scalars(
                select(Customer.id).where(Customer.workspace_id == workspace_id, Customer.merged_into.in_(frontier))
            )
        )
        members.extend(frontier)
    return members


def unmerge(session: Session, *, workspace_id: uuid.UUID, merge_id: int) -> Merge:
    """Undo one merge: the loser gets back its identifiers and events, and the two stay apart.

    Events and identifiers return by origin, so whatever joined the loser's side before the merge
    (including profiles merged into it) goes back with it.
    """
    merge = session.scalar(select(Merge).where(Merge.workspace_id == workspace_id, Merge.id == merge_id))
    if merge is None:
        raise NotFound("merge_not_found", f"no merge {merge_id} in this workspace", field="merge_id")
    if merge.undone_at is not None:
        raise CxhubError("merge_already_undone", f"merge {merge_id} was undone at {merge.undone_at}", status=409)
    loser = get_customer(session, workspace_id=workspace_id, customer_id=merge.loser_id)
    if loser.merged_into != merge.winner_id:
        raise CxhubError(
            "merge_superseded", f"customer {loser.id} is no longer merged into {merge.winner_id}", status=409
        )
    members = subtree(session, workspace_id=workspace_id, customer_id=loser.id)
    root = root_of(session, loser.id)
    now = utcnow()
    loser.merged_into = None
    loser.merged_at = None
    merge.undone_at = now
    # Everything that goes back is held by the root now: the (workspace, customer) index finds it.
    for model in (Identifier, Event):
        session.execute(
            update(model)
            .where(
                model.workspace_id == workspace_id,
                model.customer_id == root,
                model.origin_customer_id.in_(members),
            )
            .values(customer_id=loser.id)
            .execution_options(synchronize_session=False)
        )
    a, b = sorted((merge.winner_id, merge.loser_id), key=str)
    exists = session.scalar(
        select(MergeBlock.id).where(
            MergeBlock.workspace_id == workspace_id, MergeBlock.customer_a == a, MergeBlock.customer_b == b
        )
    )
    if exists is None:
        session.add(MergeBlock(workspace_id=workspace_id, customer_a=a, customer_b=b, created_at=now))
    session.flush()
    return merge
