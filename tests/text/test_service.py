"""Taxonomy storage, reprocessing, verbatims, topic trends and themes, on both databases."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cxhub.config import Settings
from cxhub.db import make_sessionmaker
from cxhub.events.models import Event
from cxhub.governance.models import Workspace
from cxhub.kit.errors import CxhubError
from cxhub.text import service
from cxhub.text.models import TaxonomyRecord
from cxhub.text.taxonomy import default_taxonomy
from tests.builders import at, event
from tests.text.stored import analyses, mentions, send, texts, workspace

SMALL = """
topics:
  - name: Rimborso
    labels: {en: Refund}
    rule: rimborso OR refund
  - name: Punti
    rule: punti OR points
"""


def test_a_workspace_without_its_own_taxonomy_uses_the_default(session: Session) -> None:
    stored = service.get_taxonomy(session, workspace_id=workspace(session))
    assert stored.version == 0 and stored.is_default and stored.taxonomy == default_taxonomy()


def test_saving_a_taxonomy_bumps_the_version_only_when_it_changes(session: Session) -> None:
    ws = workspace(session)
    small = service.parse_taxonomy_document(SMALL, is_yaml=True)
    assert service.save_taxonomy(session, workspace_id=ws, taxonomy=small).version == 1
    assert service.save_taxonomy(session, workspace_id=ws, taxonomy=small).version == 1
    bigger = small.with_node(None, "Attesa", "attesa OR waiting")
    assert service.save_taxonomy(session, workspace_id=ws, taxonomy=bigger).version == 2
    assert service.get_taxonomy(session, workspace_id=ws).taxonomy.paths() == ["Rimborso", "Punti", "Attesa"]


def test_malformed_taxonomy_names_the_node_and_field() -> None:
    with pytest.raises(CxhubError) as bad_rule:
        service.parse_taxonomy_document(SMALL.replace("punti OR points", "punti AND (points"), is_yaml=True)
    assert bad_rule.value.status == 422 and bad_rule.value.field == "Punti.rule"
    with pytest.raises(CxhubError) as bad_yaml:
        service.parse_taxonomy_document("topics: [name: x", is_yaml=True)
    assert bad_yaml.value.field == "yaml"
    with pytest.raises(CxhubError) as bad_json:
        service.parse_taxonomy_document('{"topics": [{"name": "Solo"}]}')
    assert bad_json.value.field == "Solo.rule"


def test_adding_a_topic_under_an_unknown_parent_is_refused_and_writes_nothing(session: Session) -> None:
    ws = workspace(session)
    with pytest.raises(CxhubError) as refused:
        service.add_topic(session, workspace_id=ws, name="Punti", rule="punti", parent="Fedeltà")
    assert (refused.value.code, refused.value.field) == ("unknown_parent", "parent")
    assert session.get(TaxonomyRecord, ws) is None


def test_adding_a_topic_under_a_parent_keeps_the_rest(session: Session) -> None:
    ws = workspace(session)
    stored = service.add_topic(
        session, workspace_id=ws, name="Cashback", rule="cashback", parent="prezzo", labels={"en": "Cashback"}
    )
    assert stored.version == 1
    assert "Prezzo › Cashback" in stored.taxonomy.paths()
    assert set(default_taxonomy().paths()) < set(stored.taxonomy.paths())


def test_reprocess_replaces_analyses_with_the_current_taxonomy(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    payloads = texts("Il rimborso non è mai arrivato", "Ho accumulato tanti punti", None, "Tutto bene")
    send(session, ws, settings, *payloads)
    assert all(row.taxonomy_version == 0 for row in analyses(session, ws))
    service.save_taxonomy(session, workspace_id=ws, taxonomy=service.parse_taxonomy_document(SMALL, is_yaml=True))
    done = service.reprocess(session, workspace_id=ws, batch_size=2)
    assert (done.events, done.analysed, done.taxonomy_version) == (4, 3, 1)
    rows = analyses(session, ws)
    assert len(rows) == 3 and all(row.taxonomy_version == 1 for row in rows)
    assert {row.event_id: row.topics for row in rows} == {
        payloads[0]["event_id"]: ["Rimborso"],
        payloads[1]["event_id"]: ["Punti"],
        payloads[3]["event_id"]: [],
    }
    assert sorted(m.path for m in mentions(session, ws)) == ["Punti", "Rimborso"]
    assert done.mentions == 2


def test_reprocess_workspace_commits_batch_by_batch(settings: Settings, engine) -> None:  # type: ignore[no-untyped-def]
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        ws = workspace(session)
        send(session, ws, settings, *texts("rimborso lento", "punti persi", "attesa lunga"))
        service.save_taxonomy(session, workspace_id=ws, taxonomy=service.parse_taxonomy_document(SMALL, is_yaml=True))
    parts: list[int] = []
    total = service.reprocess_workspace(
        sessions, workspace_id=ws, batch_size=2, on_batch=lambda p: parts.append(p.events)
    )
    assert parts == [2, 1] and (total.events, total.analysed, total.mentions) == (3, 3, 2)
    with sessions() as session:
        assert sorted(m.path for m in mentions(session, ws)) == ["Punti", "Rimborso"]


def test_verbatims_filter_search_and_page(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    payloads = [
        event(text="La consegna è arrivata in ritardo, che rabbia", occurred_at=at(1), touchpoint="negozio"),
        event(text="Il corriere è stato cortese", occurred_at=at(2), touchpoint="sito_web"),
        event(text="Scrivetemi a anna@example.it, la CONSEGNA è in ritardo", occurred_at=at(3), touchpoint="negozio"),
        event(text="Prezzo troppo alto", occurred_at=at(4), touchpoint="negozio", channel="store"),
    ]
    send(session, ws, settings, *payloads)
    ids = [p["event_id"] for p in payloads]

    def found(**filters: Any) -> list[str]:
        return [v.event_id for v in service.list_verbatims(session, workspace_id=ws, **filters).items]

    assert found() == ids  # newest first
    assert found(q="consegna") == [ids[0], ids[2]]  # case-insensitive substring
    assert found(topic="Consegna") == ids[:3]  # a parent includes its children
    assert found(topic="Consegna › Ritardo") == [ids[0], ids[2]]
    assert found(sentiment="negative") == [ids[0], ids[2]]
    assert found(touchpoint="negozio", q="ritardo") == [ids[0], ids[2]]
    assert found(channel="store") == [ids[3]]
    assert found(start=datetime.now(UTC) - timedelta(days=2.5)) == ids[:2]
    assert found(q="anna@example") == []  # only the redacted text is searched
    assert found(q="100%_") == []  # LIKE wildcards are searched for literally
    page = service.list_verbatims(session, workspace_id=ws, limit=3)
    assert page.next_cursor is not None and page.items[2].text == "Scrivetemi a [EMAIL], la CONSEGNA è in ritardo"
    rest = service.list_verbatims(session, workspace_id=ws, limit=3, cursor=page.next_cursor)
    assert [v.event_id for v in rest.items] == [ids[3]] and rest.next_cursor is None
    assert [(c.path, c.sentiment.label) for c in page.items[0].topics] == [("Consegna › Ritardo", "negative")]
    with pytest.raises(CxhubError) as bad:
        service.list_verbatims(session, workspace_id=ws, cursor="not-a-cursor")
    assert bad.value.code == "invalid_cursor"


def test_verbatims_show_the_customer_who_holds_the_event_now(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    send(session, ws, settings, event(identifiers={"phone": "3391234567"}, occurred_at=at(4)))  # the older profile
    said = send(
        session, ws, settings, event(text="rimborso?", identifiers={"email": "z@example.it"}, occurred_at=at(3))
    )
    send(session, ws, settings, event(identifiers={"email": "z@example.it", "phone": "3391234567"}, occurred_at=at(1)))
    holder = session.scalar(select(Event.customer_id).where(Event.event_id == said.outcomes[0].event_id))
    (row,) = analyses(session, ws)
    assert row.customer_id != holder  # the merge moved the event to the older profile
    (verbatim,) = service.list_verbatims(session, workspace_id=ws).items
    assert verbatim.customer_id == str(holder)


def test_topic_summary_counts_per_period_and_flags_rising_negative_topics(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    now = datetime.now(UTC)
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(day=10, hour=12)
    this_month = max(now.replace(day=1, hour=0, minute=0, second=1), now - timedelta(hours=1))
    happy = [event(text="Consegna puntuale, ottimo", occurred_at=last_month.isoformat()) for _ in range(30)]
    angry = [event(text="Consegna in ritardo, pessima", occurred_at=this_month.isoformat()) for _ in range(30)]
    price = [event(text="Prezzo troppo alto", occurred_at=this_month.isoformat()) for _ in range(3)]
    send(session, ws, settings, *happy, *angry, *price)
    summary = service.topic_summary(session, workspace_id=ws, period="month")
    assert summary.periods == [last_month.strftime("%Y-%m"), this_month.strftime("%Y-%m")]
    delivery = next(t for t in summary.topics if t.path == "Consegna › Ritardo")
    assert (delivery.mentions, delivery.negative, delivery.negative_share) == (60, 30, 0.5)
    assert [(p.period, p.mentions, p.negative) for p in delivery.periods] == [
        (summary.periods[0], 30, 0),
        (summary.periods[1], 30, 30),
    ]
    assert delivery.periods[0].mean_sentiment > 0 > delivery.periods[1].mean_sentiment
    (rising,) = summary.rising_negative  # Prezzo has no earlier period to compare with
    assert (rising.path, rising.difference, rising.significant) == ("Consegna › Ritardo", 100.0, True)
    weekly = service.topic_summary(session, workspace_id=ws, period="week", start=now - timedelta(days=60))
    assert weekly.periods and all(re.fullmatch(r"\d{4}-W\d{2}", p) for p in weekly.periods)
    with pytest.raises(CxhubError):
        service.topic_summary(session, workspace_id=ws, period="fortnight")


def test_themes_are_found_among_texts_no_topic_covers(session: Session, settings: Settings) -> None:
    ws = workspace(session)
    music = [f"La musica in sottofondo del locale era altissima, tavolo {i}" for i in range(12)]
    parking = [f"Il parcheggio del centro commerciale era pieno alle {i}" for i in range(12)]
    covered = ["Consegna in ritardo di una settimana"] * 5
    send(session, ws, settings, *texts(*music, *parking, *covered))
    found = service.themes(session, workspace_id=ws, min_size=5)
    assert found.uncovered == 24 and found.sampled == 24
    assert len(found.themes) >= 2
    names = " ".join(theme.name for theme in found.themes)
    assert "musica" in names or "sottofondo" in names
    assert "parcheggio" in names or "commerciale" in names
    theme = found.themes[0]
    assert theme.suggested_rule and theme.examples and sum(v.count for v in theme.volume) == theme.size
    assert all("consegna" not in example.text.lower() for t in found.themes for example in t.examples)


def test_keep_raw_text_reads_the_workspace_setting(session: Session) -> None:
    ws = workspace(session)
    assert service.keeps_raw_text(session, workspace_id=ws)
    record = session.get(Workspace, ws)
    assert record is not None
    record.settings = {"text": {"keep_raw_text": False}}
    session.flush()
    assert not service.keeps_raw_text(session, workspace_id=ws)
