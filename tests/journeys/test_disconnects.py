"""The disconnected-experience rules, each on a timeline that should and one that should not fire."""

from __future__ import annotations

from cxhub.journeys.disconnects import DisconnectRules, detect
from tests.journeys.timelines import ev, frame

PHONE = [{"sku": "PHONE", "quantity": 1}]


def kinds(*rows: dict, rules: DisconnectRules | None = None) -> list[tuple[str, list[str]]]:
    found = detect(frame(*rows), rules)
    return sorted(zip(found["kind"].to_list(), found["event_ids"].to_list(), strict=True))


def test_offer_for_a_product_the_customer_holds() -> None:
    found = detect(
        frame(
            ev("a", 0, "purchase", event_id="buy", products=PHONE),
            ev("a", 240, "offer", event_id="push", touchpoint="email_marketing", sku="PHONE", campaign="retargeting"),
        )
    )
    assert found.rows() == [
        (
            "offer_for_owned_product",
            "a",
            found["occurred_at"][0],
            "email_marketing",
            ["buy", "push"],
            "offer 'retargeting' for PHONE sent 10 days after the customer bought it",
        )
    ]


def test_no_finding_when_the_product_was_returned_or_offered_before_buying() -> None:
    assert (
        kinds(
            ev("a", 0, "purchase", products=PHONE),
            ev("a", 5, "return", products=PHONE),
            ev("a", 50, "offer", sku="PHONE"),
        )
        == []
    )
    assert kinds(ev("b", 0, "offer", sku="PHONE"), ev("b", 5, "purchase", products=PHONE)) == []
    assert kinds(ev("c", 0, "purchase", products=PHONE), ev("d", 5, "offer", sku="PHONE")) == []


def test_offer_while_a_complaint_is_open() -> None:
    rows = [
        ev("a", 0, "complaint", event_id="k", ticket_id="T1", reason="rete"),
        ev("a", 30, "offer", event_id="o", sku="TV", campaign="cross_sell_tv"),
    ]
    found = detect(frame(*rows))
    assert found["kind"].to_list() == ["sales_during_open_complaint"]
    assert found["event_ids"].to_list() == [["k", "o"]]
    assert found["explanation"][0] == "offer 'cross_sell_tv' sent 30 h after complaint T1 (rete), still open"


def test_no_sales_finding_once_the_ticket_is_resolved_or_the_complaint_is_old() -> None:
    resolved = ev("a", 10, "call", channel="contact_center", ticket_id="T1", reason="rete", outcome="risolto")
    assert kinds(ev("a", 0, "complaint", ticket_id="T1", reason="rete"), resolved, ev("a", 30, "offer", sku="TV")) == [
        ("repeated_request", ["a-0-complaint", "a-10-call"])
    ]
    assert kinds(ev("b", 0, "complaint", ticket_id="T2"), ev("b", 24 * 15, "offer", sku="TV")) == []
    unresolved = ev("c", 10, "call", channel="contact_center", ticket_id="T3", reason="rete", outcome="richiamata")
    assert ("sales_during_open_complaint", ["c-0-complaint", "c-30-offer"]) in kinds(
        ev("c", 0, "complaint", ticket_id="T3", reason="rete"), unresolved, ev("c", 30, "offer", sku="TV")
    )


def test_the_same_request_on_another_channel_within_days() -> None:
    found = detect(
        frame(
            ev(
                "a",
                0,
                "call",
                event_id="call",
                channel="contact_center",
                touchpoint="call_center",
                reason="fatturazione",
            ),
            ev("a", 50, "chat", event_id="chat", channel="chat", touchpoint="chat_assistenza", reason="fatturazione"),
        )
    )
    assert found["event_ids"].to_list() == [["call", "chat"]]
    assert (
        found["explanation"][0]
        == "the same request about 'fatturazione' on contact_center, then again on chat 2 days later"
    )


def test_no_repeat_on_the_same_channel_another_reason_too_late_or_an_ignored_reason() -> None:
    assert kinds(ev("a", 0, "call", reason="rete"), ev("a", 5, "complaint", reason="rete")) == []
    assert kinds(ev("b", 0, "call", channel="x", reason="rete"), ev("b", 5, "chat", channel="y", reason="app")) == []
    assert (
        kinds(ev("c", 0, "call", channel="x", reason="rete"), ev("c", 24 * 8, "chat", channel="y", reason="rete")) == []
    )
    info = DisconnectRules(ignore_reasons=("informazioni",))
    assert (
        kinds(
            ev("d", 0, "call", channel="x", reason="informazioni"),
            ev("d", 5, "chat", channel="y", reason="informazioni"),
            rules=info,
        )
        == []
    )


def test_survey_right_after_a_complaint_names_the_latest_complaint() -> None:
    found = detect(
        frame(
            ev("a", 0, "complaint", event_id="k1", ticket_id="T1", reason="rete"),
            ev("a", 20, "complaint", event_id="k2", ticket_id="T2", reason="app"),
            ev("a", 22, "survey_response", event_id="s", metric="nps", score=2.0),
            ev("a", 200, "survey_response", event_id="late", metric="csat", score=2.0),
        )
    )
    assert found["event_ids"].to_list() == [["k2", "s"]]
    assert found["explanation"][0] == "NPS survey sent 2 h after complaint T2 (app)"


def test_empty_timeline_finds_nothing() -> None:
    assert detect(frame()).height == 0
