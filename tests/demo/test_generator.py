"""The demo brand generator: valid, deterministic, streaming, fragmented identities, believable CX data."""

from __future__ import annotations

import re
import types
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import cache
from itertools import islice
from typing import Any

import pytest

from cxhub.demo import texts
from cxhub.demo.catalogue import CHANNELS, EVENT_TYPES, JOURNEY_STAGES, PRODUCTS, STORES
from cxhub.demo.generator import _Brand, generate_events, generate_invalid_events
from cxhub.demo.seasons import _Calendar
from cxhub.events.schemas import AcceptedEvent
from cxhub.events.validation import Rules, validate_event
from cxhub.identity.normalize import normalize_email, normalize_phone

AS_OF = date(2026, 11, 20)
RULES = Rules(region="IT", now=datetime(2026, 11, 21, tzinfo=UTC), future_tolerance=timedelta(minutes=5))
KEYS = {"event_id", "occurred_at", "type", "channel", "touchpoint", "identifiers"}
OPTIONAL = {"attributes", "text", "score", "amount", "products"}
ITALIAN = re.compile(r"\b(non|il|la|della|bolletta|sono|mi|grazie)\b", re.IGNORECASE)
ENGLISH = re.compile(r"\b(the|my|I|was|and|you|thanks)\b")


@cache
def sample(customers: int = 300, seed: int = 7) -> tuple[dict[str, Any], ...]:
    return tuple(generate_events(customers, seed, AS_OF))


def accepted(events: tuple[dict[str, Any], ...]) -> list[AcceptedEvent]:
    results = [validate_event(event, RULES) for event in events]
    assert all(isinstance(r, AcceptedEvent) for r in results)
    return [r for r in results if isinstance(r, AcceptedEvent)]


def nps(scores: list[float]) -> float:
    promoters = sum(score >= 9 for score in scores)
    detractors = sum(score <= 6 for score in scores)
    return 100 * (promoters - detractors) / len(scores)


def test_it_is_a_generator() -> None:
    stream = generate_events(10, seed=1, as_of=AS_OF)
    assert isinstance(stream, types.GeneratorType)
    assert next(stream)["event_id"] == "demo-1-000000000"


def test_small_windows_and_empty_runs() -> None:
    assert list(generate_events(0, seed=1, as_of=AS_OF)) == []
    short = list(generate_events(50, seed=1, as_of=date(2026, 3, 29), months=1))  # a DST switch on as_of
    assert short and all(isinstance(validate_event(e, RULES), AcceptedEvent) for e in short)
    assert all("2026-02-28" < e["occurred_at"][:10] <= "2026-03-29" for e in short)


def test_bad_arguments_fail_at_call_time() -> None:
    with pytest.raises(ValueError):
        generate_events(-1, seed=1, as_of=AS_OF)
    with pytest.raises(ValueError):
        generate_events(1, seed=1, as_of=AS_OF, months=0)


def test_sample_validates_against_the_hub() -> None:
    events = tuple(islice(generate_events(300, seed=7, as_of=AS_OF), 3000))
    assert len(events) == 3000
    for event in events:
        result = validate_event(event, RULES)
        assert isinstance(result, AcceptedEvent), (event, result)


def test_shape_and_window() -> None:
    events = sample()
    assert 9 < len(events) / 300 < 14  # about 11 events per customer
    ids = [event["event_id"] for event in events]
    assert ids == [f"demo-7-{n:09d}" for n in range(len(events))]
    for event in events:
        assert KEYS <= event.keys() <= KEYS | OPTIONAL
        assert event["type"] in EVENT_TYPES
        assert event["channel"] in CHANNELS
        assert re.fullmatch(r"[a-z0-9_]+", event["touchpoint"])
        assert event["identifiers"]
    stamps = [result.occurred_at for result in accepted(events)]
    assert max(stamps) <= datetime(2026, 11, 20, 18, tzinfo=UTC)
    assert min(stamps) > datetime(2025, 5, 20, tzinfo=UTC)
    assert Counter(event["type"] for event in events).keys() == set(EVENT_TYPES)


def test_deterministic_and_seed_dependent() -> None:
    first = list(generate_events(120, seed=7, as_of=AS_OF))
    assert first == list(generate_events(120, seed=7, as_of=AS_OF))
    other = list(generate_events(120, seed=8, as_of=AS_OF))
    assert [e["identifiers"] for e in other[:50]] != [e["identifiers"] for e in first[:50]]
    assert first[:5] == list(sample()[:5])  # a prefix of a bigger run is the same people


def test_identity_fragments_and_bridges() -> None:
    shapes = Counter(frozenset(event["identifiers"]) for event in sample())
    assert shapes[frozenset({"phone"})] > 100
    assert shapes[frozenset({"loyalty_id"})] > 50
    assert shapes[frozenset({"device_id"})] > 100
    assert shapes[frozenset({"device_id", "email"})] > 100  # app logins, logged-in web visits
    assert shapes[frozenset({"email", "crm_id"})] > 50  # online orders
    assert shapes[frozenset({"loyalty_id", "phone"})] > 20  # store visits with a phone
    phones = {event["identifiers"]["phone"] for event in sample() if "phone" in event["identifiers"]}
    assert any(" " in p for p in phones) and any("-" in p for p in phones) and any(p.isdigit() for p in phones)
    emails = {event["identifiers"]["email"] for event in sample() if "email" in event["identifiers"]}
    assert any(e != e.lower() for e in emails)


def test_people_have_unique_well_formed_identifiers() -> None:
    brand = _Brand(1000, 3, _Calendar(AS_OF, 18))
    seen: Counter[str] = Counter()
    for idx in range(1000):
        brand.customer(idx)
        person = brand.p
        canonical = normalize_email(person.emails[0])
        assert {form.lower() for form in person.emails} == {canonical}  # only the case varies
        assert len({normalize_phone(form, "IT") for form in person.phones}) == 1
        seen.update([canonical, normalize_phone(person.phones[0], "IT"), person.crm])
        seen.update([person.loyalty] if person.loyalty else [])
        seen.update([normalize_email(person.second_email)] if person.second_email else [])
    assert seen.most_common(1)[0][1] == 1


def test_name_lists_keep_email_local_parts_unique() -> None:
    def slug(name: str) -> str:
        return re.sub(r"[^a-z]", "", name.lower().replace("ü", "u"))

    firsts = [slug(n) for n in texts.FIRST_IT_M + texts.FIRST_IT_F + texts.FIRST_EN_M + texts.FIRST_EN_F]
    lasts = [slug(n) for n in texts.LAST_IT + texts.LAST_EN]
    assert len(set(firsts)) == len(firsts) and len(set(lasts)) == len(lasts)
    assert not set(firsts) & set(lasts)
    joined = [f + last for f in firsts for last in lasts]
    assert len(set(joined)) == len(joined)


def test_texts_in_italian_and_english() -> None:
    with_text = [event["text"] for event in sample() if "text" in event]
    assert len(set(with_text)) > 0.8 * len(with_text)
    italian = [text for text in with_text if ITALIAN.search(text)]
    english = [text for text in with_text if ENGLISH.search(text) and not ITALIAN.search(text)]
    assert len(italian) > 5 * len(english) > 0
    kinds = {event["type"] for event in sample() if "text" in event}
    assert {"complaint", "call", "chat", "email", "survey_response"} <= kinds


def test_surveys_carry_metric_score_and_stage() -> None:
    surveys = [event for event in sample() if event["type"] == "survey_response"]
    assert len(surveys) > 100
    limits = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
    for event in surveys:
        metric = event["attributes"]["metric"]
        low, high = limits[metric]
        assert low <= event["score"] <= high and event["score"] == int(event["score"])
        assert event["attributes"]["journey_stage"] in JOURNEY_STAGES
        assert event["attributes"]["survey"]
    assert {event["attributes"]["metric"] for event in surveys} == set(limits)


def test_scores_follow_experiences() -> None:
    events = sample(1500, 11)
    scores = [e for e in events if e["type"] == "survey_response" and e["attributes"]["metric"] == "nps"]
    overall = nps([e["score"] for e in scores])
    assert 0 < overall < 35
    stores = nps([e["score"] for e in scores if e["touchpoint"].startswith("negozio_")])
    contact = nps([e["score"] for e in scores if e["touchpoint"] in ("call_center", "chat_assistenza")])
    assert stores > overall > contact
    incident = nps([e["score"] for e in scores if e["occurred_at"].startswith("2026-07")])
    assert incident < overall - 20  # the billing incident four months before as_of
    billing = Counter(
        e["occurred_at"][:7] for e in events if e["type"] == "complaint" and e["touchpoint"] == "fatturazione"
    )
    assert billing["2026-07"] > 3 * billing["2026-06"]


def test_purchases_returns_and_seasons() -> None:
    skus = {product.sku for product in PRODUCTS}
    orders: dict[str, str] = {}
    by_month: Counter[tuple[int, int]] = Counter()
    for result in accepted(sample()):
        if result.type in ("purchase", "return"):
            assert result.amount_cents and result.amount_cents > 0 and result.currency == "EUR"
            assert result.products and all(line["sku"] in skus for line in result.products)
        if result.type == "purchase":
            orders[result.attributes["order_id"]] = result.occurred_at.isoformat()
            by_month[result.occurred_at.year, result.occurred_at.month] += 1
        elif result.type == "return":
            assert orders[result.attributes["order_id"]] < result.occurred_at.isoformat()
    returns = sum(e["type"] == "return" for e in sample())
    assert 0.01 < returns / sum(by_month.values()) < 0.08
    assert by_month[2025, 12] > 1.5 * by_month[2025, 8]
    assert by_month[2025, 9] > by_month[2025, 8]


def test_opening_hours() -> None:
    hours: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for event in sample():
        hours[f"{event['type']}@{event['channel']}"][int(event["occurred_at"][11:13])] += 1
    assert set(hours["store_visit@store"]) | set(hours["purchase@store"]) <= set(range(9, 20))
    assert set(hours["call@contact_center"]) <= set(range(8, 21))
    assert hours["web_visit@web"][21] > 3 * hours["web_visit@web"][4]


def test_planted_disconnected_experiences() -> None:
    campaigns = {event["attributes"]["campaign"] for event in sample() if event["type"] == "offer"}
    assert any(name.startswith("retargeting_") for name in campaigns)  # offers for what was just bought
    assert any(name.startswith("cross_sell_") for name in campaigns)  # sent while a complaint is open
    surveys_after = [
        e for e in sample() if e["type"] == "survey_response" and e["attributes"]["survey"] == "post_contatto"
    ]
    assert surveys_after
    assert STORES and all(store.touchpoint.startswith("negozio_") for store in STORES)


def test_invalid_events_are_all_rejected() -> None:
    bad = generate_invalid_events(7, AS_OF)
    assert len(bad) == 5
    assert [event["event_id"] for event in bad] == [f"demo-7-bad-{i}" for i in range(5)]
    fields = []
    for event in bad:
        result = validate_event(event, RULES)
        assert isinstance(result, list) and len(result) == 1, (event, result)
        fields.append(result[0].field)
    assert fields == ["occurred_at", "identifiers", "identifiers.phone", "customer_name", "score"]
