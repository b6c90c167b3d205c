"""Discovery read side by side on both backends: the same answer as one serial read, ranges that cover
every customer once, and the serial fallback when other connections could not see the session's writes."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session

from cxhub.db import table_of
from cxhub.events.models import Event
from cxhub.journeys import extract, parallel, service, spill
from cxhub.journeys.discovery import Level
from cxhub.kit.http import Hub
from cxhub.text.models import TextAnalysis
from tests.conftest import make_tenant
from tests.journeys.timelines import T0, shop_journey

KINDS = ["web_visit", "purchase", "call", "chat", "complaint", "offer", "survey_response", "return"]


def random_events(
    workspace_id: uuid.UUID, customers: int = 60, seed: int = 7
) -> tuple[list[dict[str, Any]], list[str]]:
    """Events of ``customers`` customers with every field discovery reads; returns them and the ids of
    those carrying a text (whose sentiment is an arbitrary float)."""
    rng = random.Random(seed)
    rows, texts = [], []
    for c in range(customers):
        customer = uuid.UUID(int=rng.getrandbits(128), version=4)
        hours = 0.0
        for i in range(rng.randrange(1, 14)):
            hours += rng.choice([0.25, 2, 30, 200]) + rng.random() / 1000  # sub-millisecond parts too
            kind = rng.choice(KINDS)
            contact = kind in ("call", "chat", "complaint")
            attributes: dict[str, Any] = {"journey_stage": "acquisto"} if kind == "purchase" and i % 2 else {}
            if contact:
                attributes |= {"reason": rng.choice(["rete", "app", "fatturazione"]), "ticket_id": f"T{c}"}
                attributes |= {"status": rng.choice(["aperto", "risolto"]), "wait_seconds": rng.choice([30, 900])}
            if kind == "survey_response":
                attributes["metric"] = rng.choice(["nps", "csat"])
            if kind == "offer":
                attributes |= {"sku": "PHONE", "campaign": "retarget"}
            event_id = f"p-{c}-{i}"
            text = "detto" if rng.random() < 0.3 else None
            if text:
                texts.append(event_id)
            rows.append(
                {
                    "workspace_id": workspace_id,
                    "event_id": event_id,
                    "customer_id": customer,
                    "origin_customer_id": customer,
                    "occurred_at": T0 + timedelta(hours=hours),
                    "received_at": T0,
                    "type": kind,
                    "channel": rng.choice(["web", "contact_center", "chat", "email"]),
                    "touchpoint": rng.choice(["sito_web", "call_center", "negozio"]),
                    "identifiers": {},
                    "attributes": attributes,
                    "text": text,
                    "score": float(rng.randrange(11)) if kind == "survey_response" else None,
                    "products": [{"sku": "PHONE", "quantity": 1}] if kind in ("purchase", "return") else None,
                    "source": "test",
                }
            )
    return rows, texts


def load(session: Session, workspace_id: uuid.UUID) -> int:
    rows, texts = random_events(workspace_id)
    session.execute(insert(table_of(Event)), rows)
    by_id = {row["event_id"]: row for row in rows}
    rng = random.Random(11)
    for event_id in texts:
        row = by_id[event_id]
        session.add(
            TextAnalysis(
                workspace_id=workspace_id,
                event_id=event_id,
                customer_id=row["customer_id"],
                occurred_at=row["occurred_at"],
                type=row["type"],
                channel=row["channel"],
                touchpoint=row["touchpoint"],
                language="it",
                sentiment_label="neutral",
                sentiment_score=rng.uniform(-1, 1),
                emotions={},
                effort=[],
                pii=[],
                flags=[],
                topics=[],
                taxonomy_version=0,
                redacted_text="detto",
            )
        )
    service.save_journey(session, workspace_id=workspace_id, definition=shop_journey())
    return len(rows)


@pytest.fixture
def loaded(hub: Hub) -> tuple[uuid.UUID, int]:
    tenant = make_tenant(hub)
    with hub.sessions.begin() as session:
        events = load(session, tenant.workspace_id)
    return tenant.workspace_id, events


def test_ranges_read_side_by_side_give_exactly_the_serial_result(hub: Hub, loaded: tuple[uuid.UUID, int]) -> None:
    workspace_id, events = loaded
    with hub.sessions() as session:
        assert parallel.readers_see_the_session(session)
        serial = service.discover(session, workspace_id=workspace_id, journey="shop", workers=1)
        side_by_side = service.discover(session, workspace_id=workspace_id, journey="shop", workers=3)
        by_type = service.discover(session, workspace_id=workspace_id, level=Level.type, workers=4)
        by_type_serial = service.discover(session, workspace_id=workspace_id, level=Level.type, workers=1)
    assert serial.events == events and serial.disconnect_counts.total > 0
    assert any(stage.sentiment for stage in serial.stages)
    assert side_by_side.model_dump() == serial.model_dump()
    assert by_type.model_dump() == by_type_serial.model_dump()


def test_a_table_order_scan_regrouped_by_customer_gives_exactly_the_serial_result(
    hub: Hub, loaded: tuple[uuid.UUID, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace_id, events = loaded
    with hub.sessions() as session:
        serial = service.discover(session, workspace_id=workspace_id, journey="shop", workers=1)
        by_type_serial = service.discover(session, workspace_id=workspace_id, level=Level.type, workers=1)
        # Scan however small the read, in chunks of about 50 events: several chunks and buckets.
        monkeypatch.setattr(parallel, "SCAN_MIN_EVENTS", 0)
        monkeypatch.setattr(parallel, "SCAN_SHARE", 0.0)
        monkeypatch.setattr(extract, "CHUNK_ROWS", 50)
        monkeypatch.setattr(spill, "BLOCK_IDS", 7)
        side_by_side = service.discover(session, workspace_id=workspace_id, journey="shop", workers=4)
        alone = service.discover(session, workspace_id=workspace_id, journey="shop", workers=1)
        by_type = service.discover(session, workspace_id=workspace_id, level=Level.type, workers=2)
    assert serial.events == events
    assert side_by_side.model_dump() == serial.model_dump()
    assert alone.model_dump() == serial.model_dump()
    assert by_type.model_dump() == by_type_serial.model_dump()


def test_customer_ranges_cover_every_customer_once_in_parts_of_about_equal_size(
    hub: Hub, loaded: tuple[uuid.UUID, int]
) -> None:
    workspace_id, events = loaded
    with hub.sessions() as session:
        cuts = extract.customer_bounds(session, workspace_id=workspace_id, parts=3)
        ranges = list(zip([None, *cuts], [*cuts, None], strict=True))
        parts = [
            list(extract.stream_timeline(session, workspace_id=workspace_id, lower=lower, upper=upper))
            for lower, upper in ranges
        ]
    assert len(cuts) == 2
    seen: list[set[str]] = [{c for chunk in part for c in chunk["customer_id"]} for part in parts]
    assert sum(len(s) for s in seen) == len(set().union(*seen)) == 60  # disjoint, and all of them
    sizes = [sum(chunk.height for chunk in part) for part in parts]
    assert sum(sizes) == events
    assert max(sizes) - min(sizes) <= 2 * 13  # cut at customers: off by at most a customer or two each


def test_uncommitted_events_are_read_on_the_session_itself(session: Session) -> None:
    """Other connections would not see them: discovery falls back to one serial read."""
    workspace_id = make_workspace(session)
    events = load(session, workspace_id)
    assert not parallel.readers_see_the_session(session)
    found = service.discover(session, workspace_id=workspace_id, journey="shop", workers=2)
    assert found.events == events


def make_workspace(session: Session) -> uuid.UUID:
    from cxhub.governance.service import ensure_workspace

    return ensure_workspace(session, slug=f"t-{uuid.uuid4().hex[:12]}").id
