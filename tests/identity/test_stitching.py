"""The stitching rules on literals: no database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from cxhub.identity.stitching import Owner, Stitcher

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def ids(n: int) -> list[uuid.UUID]:
    return [uuid.UUID(int=i + 1) for i in range(n)]


def stitcher(
    known: dict[str, Owner] | None = None,
    created: dict[uuid.UUID, datetime] | None = None,
    blocks: set[frozenset[uuid.UUID]] | None = None,
) -> Stitcher:
    counter = iter(uuid.UUID(int=1000 + i) for i in range(100))
    return Stitcher(
        known or {},
        lambda c: (created or {})[c],
        lambda a, b: frozenset((a, b)) in (blocks or set()),
        NOW,
        new_id=lambda: next(counter),
    )


def test_unknown_identifiers_create_one_customer_per_event() -> None:
    s = stitcher()
    s.add("e1", ["email:a@x.it"], NOW)
    s.add("e2", ["phone:+393471234567"], NOW)
    plan = s.finish()
    assert len(plan.new_customers) == 2
    assert plan.event_customers[0] != plan.event_customers[1]
    assert plan.event_origins == plan.event_customers


def test_new_identifier_joins_the_customer_of_a_known_one() -> None:
    (a,) = ids(1)
    s = stitcher({"email:a@x.it": Owner(a, a)})
    s.add("e1", ["email:a@x.it", "device_id:d1"], NOW)
    plan = s.finish()
    assert plan.event_customers == [a]
    assert [(i.key, i.holder_id) for i in plan.new_identifiers] == [("device_id:d1", a)]
    assert not plan.new_customers


def test_bridging_event_merges_into_the_oldest_customer() -> None:
    old, young = ids(2)
    created = {old: NOW - timedelta(days=30), young: NOW - timedelta(days=1)}
    s = stitcher({"email:a@x.it": Owner(young, young), "phone:+39347": Owner(old, old)}, created)
    s.add("bridge", ["email:a@x.it", "phone:+39347"], NOW)
    plan = s.finish()
    assert [(m.winner_id, m.loser_id) for m in plan.merges] == [(old, young)]
    assert plan.merges[0].evidence == ["email:a@x.it", "phone:+39347"]
    assert plan.event_customers == [old]
    assert plan.event_origins == [young]  # the strongest identifier's first owner


def test_merges_inside_one_batch_resolve_to_one_root() -> None:
    s = stitcher()
    s.add("e1", ["email:a@x.it"], NOW)
    s.add("e2", ["phone:+39347"], NOW)
    s.add("e3", ["loyalty_id:L1"], NOW)
    s.add("e4", ["email:a@x.it", "phone:+39347"], NOW)
    s.add("e5", ["phone:+39347", "loyalty_id:L1"], NOW)
    plan = s.finish()
    assert len(set(plan.event_customers)) == 1
    assert plan.event_customers[0] == plan.event_origins[0]  # the first customer is the oldest
    assert len(plan.merges) == 2
    assert {i.holder_id for i in plan.new_identifiers} == {plan.event_customers[0]}


def test_blocked_pair_stays_apart() -> None:
    a, b = ids(2)
    created = {a: NOW - timedelta(days=2), b: NOW - timedelta(days=1)}
    s = stitcher({"email:a@x.it": Owner(a, a), "phone:+39347": Owner(b, b)}, created, {frozenset((a, b))})
    s.add("e1", ["email:a@x.it", "phone:+39347"], NOW)
    plan = s.finish()
    assert plan.merges == []
    assert plan.event_customers == [a]


def test_stitching_is_deterministic() -> None:
    def run() -> list[uuid.UUID]:
        s = stitcher()
        for i, keys in enumerate([["email:a"], ["phone:1"], ["email:a", "phone:1"], ["device_id:x", "phone:1"]]):
            s.add(f"e{i}", keys, NOW)
        return s.finish().event_customers

    assert run() == run()
