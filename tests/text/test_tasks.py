"""The text step of the real pipeline, on both databases: rows, batch.analyses, privacy, odd input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.config import Settings
from cxhub.events.models import Event
from cxhub.events.schemas import AcceptedEvent
from cxhub.identity.tasks import resolve_identities
from cxhub.pipeline import PipelineBatch
from cxhub.text.analyzer import analyze, analyze_one
from cxhub.text.models import TextAnalysis
from cxhub.text.tasks import Analyses, analyze_texts
from tests.builders import at, event
from tests.text.stored import Recorder, analyses, mentions, send, texts, workspace

YESTERDAY = datetime.now(UTC) - timedelta(days=1)
DELIVERY = "Personale gentilissimo ma la consegna è arrivata in ritardo di una settimana."


def test_events_with_text_are_analysed_with_the_feedback_fields_copied(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    recorder = Recorder()
    payloads = [
        event(text=DELIVERY, type="survey_response", score=3, attributes={"metric": "nps"}, touchpoint="negozio_roma"),
        event(),
        event(text="The app login fails every time!!!", channel="app", occurred_at=at(3)),
    ]
    send(session, ws, settings, *payloads, queue=recorder)
    rows = analyses(session, ws)
    assert [row.event_id for row in rows] == [payloads[0]["event_id"], payloads[2]["event_id"]]
    first = rows[0]
    expected = analyze_one(DELIVERY)
    assert (first.language, first.sentiment_label, first.sentiment_score) == (
        "it",
        expected.sentiment.label,
        expected.sentiment.score,
    )
    assert (first.type, first.touchpoint, first.metric, first.score) == ("survey_response", "negozio_roma", "nps", 3.0)
    assert first.topics == ["Personale › Cortesia", "Consegna › Ritardo"]
    assert first.taxonomy_version == 0 and first.redacted_text == DELIVERY
    found = {(m.event_id, m.path, m.sentiment_label) for m in mentions(session, ws)}
    assert (payloads[0]["event_id"], "Personale › Cortesia", "positive") in found
    assert (payloads[0]["event_id"], "Consegna › Ritardo", "negative") in found
    assert (payloads[2]["event_id"], "App e Sito › Login", "negative") in found
    # The later steps (rules) read the analyses from the batch: one per event, None without text.
    (batch,) = recorder.batches
    assert [a is None for a in batch.analyses] == [False, True, False]
    assert batch.analyses[0] == expected.to_dict()


def test_a_replayed_batch_creates_no_second_analysis(session: Session) -> None:
    ws = workspace(session)
    accepted = AcceptedEvent(
        event_id="replay-1",
        occurred_at=YESTERDAY,
        type="chat",
        channel="chat",
        touchpoint="chat",
        identifiers={"email": "a@example.it"},
        keys=["email:a@example.it"],
        attributes={},
        text="Rimborso mai arrivato, pessimo servizio",
        score=None,
        amount_cents=None,
        currency=None,
        products=None,
    )
    batch = PipelineBatch(workspace_id=ws, events=[accepted], source="api")
    resolve_identities(session, batch)
    analyze_texts(session, batch)
    analyze_texts(session, batch)
    assert len(analyses(session, ws)) == 1
    assert len(mentions(session, ws)) == len(analyses(session, ws)[0].topics)
    assert batch.analyses[0] is not None  # still handed to the later steps


def test_a_workspace_that_keeps_no_raw_text_stores_the_redacted_text(session: Session, settings: Settings) -> None:
    ws = workspace(session, text={"keep_raw_text": False})
    raw = "Mi chiamo Giulia Verdi, scrivetemi a giulia.verdi@example.it: il rimborso non è arrivato."
    (payload,) = texts(raw)
    send(session, ws, settings, payload)
    stored = session.scalar(select(Event.text).where(Event.workspace_id == ws, Event.event_id == payload["event_id"]))
    assert stored is not None and "giulia.verdi@example.it" not in stored and "Giulia" not in stored
    assert "[EMAIL]" in stored and "[NAME]" in stored
    (row,) = analyses(session, ws)
    assert row.redacted_text == stored and row.pii == ["name", "email"]


def test_raw_text_is_kept_by_default(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    (payload,) = texts("Scrivetemi a mario@example.it per il rimborso")
    send(session, ws, settings, payload)
    stored = session.scalar(select(Event.text).where(Event.workspace_id == ws))
    assert stored == "Scrivetemi a mario@example.it per il rimborso"
    assert analyses(session, ws)[0].redacted_text == "Scrivetemi a [EMAIL] per il rimborso"


def test_odd_texts_are_accepted_analysed_and_flagged(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    odd = {
        "empty": "",
        "longest": "ottimo servizio " * 1250,  # 20,000 characters: the most an event may carry
        "junk": "ÿØÿà\ufffd\ufffdJFIF\ufffd\ufffd\ufffd\ufffd\ufffd\ufffd",
        "emoji": "😡😡😡",
        "rtl": "الخدمة سيئة جدا",
        "html": "<p>Consegna <b>in ritardo</b> &amp; nessuna risposta</p>",
    }
    payloads = texts(*odd.values())
    report = send(session, ws, settings, *payloads)
    assert report.accepted == len(odd)
    flags = {row.event_id: row.flags for row in analyses(session, ws)}
    by_kind = {kind: flags[payload["event_id"]] for kind, payload in zip(odd, payloads, strict=True)}
    assert "empty" in by_kind["empty"]
    assert by_kind["longest"] == []
    assert "binary_junk" in by_kind["junk"]
    assert "emoji_only" in by_kind["emoji"]
    assert "rtl_script" in by_kind["rtl"]
    assert "html_stripped" in by_kind["html"]


def test_a_megabyte_text_in_a_batch_is_truncated_not_fatal(session: Session) -> None:
    """Ingest caps event size, but other producers (case notes, survey answers) hand the step any text."""
    ws = workspace(session)
    huge = AcceptedEvent(
        event_id="huge-1",
        occurred_at=YESTERDAY,
        type="case_note",
        channel="contact_center",
        touchpoint="cc",
        identifiers={"email": "b@example.it"},
        keys=["email:b@example.it"],
        attributes={},
        text="attesa infinita " * 65_536,
        score=None,
        amount_cents=None,
        currency=None,
        products=None,
    )
    batch = PipelineBatch(workspace_id=ws, events=[huge], source="import")
    resolve_identities(session, batch)
    analyze_texts(session, batch)
    (row,) = analyses(session, ws)
    assert "truncated" in row.flags and len(row.redacted_text) <= 20_000


def test_a_batch_without_text_writes_nothing(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    send(session, ws, settings, event(), event())
    assert session.scalar(select(TextAnalysis.id).where(TextAnalysis.workspace_id == ws)) is None


def test_the_batch_analyses_are_made_on_first_read_once_and_index_like_a_list() -> None:
    results = analyze(["Pessimo servizio, mai più", "Ottimo negozio"])
    lazy = Analyses([results[0], None, results[1]])
    assert len(lazy) == 3
    assert lazy[0] == results[0].to_dict()
    assert lazy[0] is lazy[0] is lazy[-3]  # made once
    assert lazy[1] is None
    assert lazy[-1] == results[1].to_dict()
    assert lazy[1:] == [None, results[1].to_dict()]
    assert list(lazy) == [results[0].to_dict(), None, results[1].to_dict()]
    with pytest.raises(IndexError):
        lazy[3]
