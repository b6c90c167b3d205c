"""Deterministic stitching of one batch, in memory. No I/O: ``service.py`` feeds it and writes back.

Rules:
- An event whose identifiers are all unknown creates a customer.
- Known identifiers lead to their customer; new identifiers on the same event join that customer.
- Identifiers of two (or more) customers on one event merge them into the oldest one (by creation
  time, then id), unless a person separated them with an un-merge (a block).
- The event's *origin* is the customer of its strongest known identifier before any merge; an
  un-merge sends events and identifiers back by origin.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(slots=True)
class Owner:
    customer_id: uuid.UUID
    origin_id: uuid.UUID


@dataclass(slots=True)
class PlannedMerge:
    winner_id: uuid.UUID
    loser_id: uuid.UUID
    event_id: str
    evidence: list[str]


@dataclass(slots=True)
class NewIdentifier:
    key: str
    holder_id: uuid.UUID
    origin_id: uuid.UUID
    seen_at: datetime


@dataclass
class StitchPlan:
    """What a batch does to identity: every write ``service.py`` must make."""

    new_customers: dict[uuid.UUID, datetime] = field(default_factory=dict)
    new_identifiers: list[NewIdentifier] = field(default_factory=list)
    merges: list[PlannedMerge] = field(default_factory=list)
    event_customers: list[uuid.UUID] = field(default_factory=list)
    event_origins: list[uuid.UUID] = field(default_factory=list)
    parent: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)

    def root(self, customer_id: uuid.UUID) -> uuid.UUID:
        seen = customer_id
        while seen in self.parent:
            seen = self.parent[seen]
        return seen


class Stitcher:
    """Stitch events one by one against the identifiers already known.

    ``known`` maps identifier keys to their owner (the DB state before the batch, for the keys of the
    batch); ``created_at`` tells a known customer's creation time; ``blocked(a, b)`` says whether two
    root customers must stay apart.
    """

    def __init__(
        self,
        known: Mapping[str, Owner],
        created_at: Callable[[uuid.UUID], datetime],
        blocked: Callable[[uuid.UUID, uuid.UUID], bool],
        now: datetime,
        new_id: Callable[[], uuid.UUID] = uuid.uuid4,
    ) -> None:
        self.known = dict(known)
        self.created_at = created_at
        self.blocked = blocked
        self.now = now
        self.new_id = new_id
        self.plan = StitchPlan()

    def _age(self, customer_id: uuid.UUID) -> tuple[datetime, str]:
        created = self.plan.new_customers.get(customer_id) or self.created_at(customer_id)
        return created, str(customer_id)

    def add(self, event_id: str, keys: list[str], seen_at: datetime) -> None:
        """Stitch one event; ``keys`` come strongest first."""
        plan = self.plan
        owners = [(key, self.known[key]) for key in keys if key in self.known]
        if not owners:
            customer = self.new_id()
            # Creation order inside a batch follows event order, so "oldest wins" stays deterministic.
            plan.new_customers[customer] = self.now + timedelta(microseconds=len(plan.new_customers))
            origin = customer
        else:
            origin = owners[0][1].origin_id
            roots = list(dict.fromkeys(plan.root(owner.customer_id) for _, owner in owners))
            customer = roots[0]
            if len(roots) > 1:
                customer = self._merge(event_id, roots, owners)
        for key in keys:
            if key not in self.known:
                self.known[key] = Owner(customer, origin)
                plan.new_identifiers.append(NewIdentifier(key, customer, origin, seen_at))
        plan.event_customers.append(customer)
        plan.event_origins.append(origin)

    def _merge(self, event_id: str, roots: list[uuid.UUID], owners: list[tuple[str, Owner]]) -> uuid.UUID:
        plan = self.plan
        strongest = roots[0]
        winner = min(roots, key=self._age)
        if self.blocked(winner, strongest) and winner != strongest:
            winner = strongest
        for loser in roots:
            if loser == winner or self.blocked(winner, loser):
                continue
            evidence = sorted(key for key, owner in owners if plan.root(owner.customer_id) in (winner, loser))
            plan.parent[loser] = winner
            plan.merges.append(PlannedMerge(winner, loser, event_id, evidence))
        return plan.root(strongest)

    def finish(self) -> StitchPlan:
        """Resolve every event and identifier to its final root."""
        plan = self.plan
        plan.event_customers = [plan.root(customer) for customer in plan.event_customers]
        for identifier in plan.new_identifiers:
            identifier.holder_id = plan.root(identifier.holder_id)
        return plan


def merged_losers(plan: StitchPlan, existing: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Customers that existed before the batch and were merged away in it."""
    before = set(existing)
    return [merge.loser_id for merge in plan.merges if merge.loser_id in before]
