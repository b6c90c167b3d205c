"""The timeline extract on both backends: chunks never split a customer, and odd text survives."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from cxhub.db import table_of
from cxhub.events.models import Event
from cxhub.journeys import extract
from cxhub.kit.http import Hub
from tests.conftest import make_tenant

T0 = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)


def test_chunks_keep_customers_whole_and_text_with_quotes_and_newlines_intact(hub: Hub) -> None:
    tenant = make_tenant(hub)
    customers = [uuid.uuid4() for _ in range(7)]
    rows = []
    for n, customer in enumerate(customers):
        for k in range(n + 1):
            rows.append(
                {
                    "workspace_id": tenant.workspace_id,
                    "event_id": f"x-{n}-{k}",
                    "customer_id": customer,
                    "origin_customer_id": customer,
                    "occurred_at": T0 + timedelta(hours=k),
                    "received_at": T0,
                    "type": "call",
                    "channel": "contact_center",
                    "touchpoint": "call_center",
                    "identifiers": {},
                    "attributes": {"reason": 'linea "muta"\ndi nuovo, sì', "wait_seconds": 30 * k, "outcome": 5},
                    "source": "test",
                }
            )
    with hub.sessions.begin() as session:
        session.execute(insert(table_of(Event)), rows)
    with hub.sessions() as session:
        chunks = list(extract.stream_timeline(session, workspace_id=tenant.workspace_id, chunk_rows=3, chunk_bytes=200))
        later = list(extract.stream_timeline(session, workspace_id=tenant.workspace_id, start=T0 + timedelta(hours=5)))
    assert len(chunks) > 1
    seen: set[str] = set()
    for chunk in chunks:
        ids = set(chunk["customer_id"].unique())
        assert not ids & seen  # a customer is never in two chunks
        seen |= ids
    assert len(seen) == 7 and sum(c.height for c in chunks) == 28
    every = chunks[0]
    assert set(every["reason"]) == {'linea "muta"\ndi nuovo, sì'}
    assert every["outcome"].to_list()[0] == "5"  # a number where text is expected reads as text
    assert every["occurred_at"][0] == T0
    assert max(c["wait_seconds"].max() for c in chunks) == 30.0 * 6  # type: ignore[type-var]
    assert sum(c.height for c in later) == 3  # the 6th and 7th events of the last customers only


def test_an_empty_workspace_streams_nothing(hub: Hub) -> None:
    tenant = make_tenant(hub)
    with hub.sessions() as session:
        assert list(extract.stream_timeline(session, workspace_id=tenant.workspace_id)) == []
        assert extract.last_event_at(session, workspace_id=tenant.workspace_id) is None


def test_employee_answers_stay_out_and_what_customers_said_comes_with_its_sentiment(hub: Hub) -> None:
    from cxhub.text.models import TextAnalysis

    tenant = make_tenant(hub)
    customer = uuid.uuid4()

    def row(event_id: str, attributes: dict[str, str], text: str | None = None) -> dict[str, object]:
        return {
            "workspace_id": tenant.workspace_id,
            "event_id": event_id,
            "customer_id": customer,
            "origin_customer_id": customer,
            "occurred_at": T0,
            "received_at": T0,
            "type": "survey_response",
            "channel": "email",
            "touchpoint": "negozio",
            "identifiers": {},
            "attributes": attributes,
            "text": text,
            "score": 9.0,
            "source": "test",
        }

    rows = [row("c1", {"metric": "nps"}, "ottimo"), row("e1", {"metric": "enps", "audience": "employee"})]
    with hub.sessions.begin() as session:
        session.execute(insert(table_of(Event)), rows)
        session.add(
            TextAnalysis(
                workspace_id=tenant.workspace_id,
                event_id="c1",
                customer_id=customer,
                occurred_at=T0,
                type="survey_response",
                channel="email",
                touchpoint="negozio",
                language="it",
                sentiment_label="positive",
                sentiment_score=0.8,
                emotions={},
                effort=[],
                pii=[],
                flags=[],
                topics=[],
                taxonomy_version=0,
                redacted_text="ottimo",
            )
        )
    with hub.sessions() as session:
        [chunk] = list(extract.stream_timeline(session, workspace_id=tenant.workspace_id))
    assert chunk["metric"].to_list() == ["nps"]
    assert chunk["sentiment"].to_list() == [0.8]


def test_null_empty_and_the_word_null_stay_apart_and_numbers_and_times_keep_every_digit(hub: Hub) -> None:
    tenant = make_tenant(hub)
    customer = uuid.uuid4()
    when = T0 + timedelta(microseconds=123457)
    base = {
        "workspace_id": tenant.workspace_id,
        "customer_id": customer,
        "origin_customer_id": customer,
        "received_at": T0,
        "channel": "contact_center",
        "touchpoint": "call_center, 'piano' 2",
        "identifiers": {},
        "score": None,
        "source": "test",
    }
    rows = [
        {
            **base,
            "event_id": "n1",
            "occurred_at": when,
            "type": "call",
            "attributes": {"reason": "NULL", "outcome": ""},
        },
        {**base, "event_id": "n2", "occurred_at": when, "type": "call", "attributes": {"wait_seconds": 1 / 3}},
        {**base, "event_id": "n3", "occurred_at": T0, "type": "survey_response", "score": 0.1 + 0.2, "attributes": {}},
    ]
    with hub.sessions.begin() as session:
        session.execute(insert(table_of(Event)), rows)
    with hub.sessions() as session:
        [chunk] = list(extract.stream_timeline(session, workspace_id=tenant.workspace_id))
    assert chunk["event_id"].to_list() == ["n3", "n1", "n2"]  # by time, then as stored
    assert chunk["occurred_at"].to_list() == [T0, when, when]
    assert chunk["reason"].to_list() == [None, "NULL", None]
    assert chunk["outcome"].to_list() == [None, "", None]
    assert chunk["wait_seconds"].to_list() == [None, None, 1 / 3]
    assert chunk["score"].to_list() == [0.1 + 0.2, None, None]
    assert set(chunk["touchpoint"]) == {"call_center, 'piano' 2"}
