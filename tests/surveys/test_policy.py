"""The contact policy and signed links: pure, on literals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cxhub.config import load_or_create_secret
from cxhub.surveys import links
from cxhub.surveys.policy import Facts, Rules, complaint_is_open, decide, in_quiet_hours

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)


def test_consent_refusal_is_named_before_anything_else() -> None:
    facts = Facts(opted_out=True, complaint_open=True, last_invited_at=NOW, needs_address=True, has_address=False)
    assert decide(Rules(), facts, at=NOW) == "opted_out"


def test_gap_between_invitations_is_measured_both_ways() -> None:
    rules = Rules(min_days_between_invitations=30)
    assert decide(rules, Facts(last_invited_at=NOW - timedelta(days=29)), at=NOW) == "recently_invited"
    assert decide(rules, Facts(last_invited_at=NOW + timedelta(days=7)), at=NOW) == "recently_invited"
    assert decide(rules, Facts(last_invited_at=NOW - timedelta(days=31)), at=NOW) is None
    assert decide(Rules(min_days_between_invitations=0), Facts(last_invited_at=NOW), at=NOW) is None


def test_open_complaint_only_counts_when_the_policy_says_so() -> None:
    assert decide(Rules(), Facts(complaint_open=True), at=NOW) == "complaint_open"
    assert decide(Rules(suppress_while_complaint_open=False), Facts(complaint_open=True), at=NOW) is None


def test_email_needs_an_address() -> None:
    assert decide(Rules(), Facts(needs_address=True, has_address=False), at=NOW) == "no_contact_address"
    assert decide(Rules(), Facts(needs_address=False, has_address=False), at=NOW) is None


def test_complaint_is_open_until_a_later_closing_event() -> None:
    day = timedelta(days=1)
    assert complaint_is_open([(NOW, "complaint")])
    assert not complaint_is_open([(NOW, "complaint"), (NOW + day, "case_closed")])
    assert complaint_is_open([(NOW - day, "complaint_resolved"), (NOW, "complaint")])
    assert not complaint_is_open([(NOW, "complaint_resolved")])


def test_quiet_hours_in_the_policy_zone_and_across_midnight() -> None:
    night = Rules(quiet_hours_start=21, quiet_hours_end=8, timezone="Europe/Rome")
    assert in_quiet_hours(night, datetime(2026, 5, 10, 20, 30, tzinfo=UTC))  # 22:30 in Rome
    assert in_quiet_hours(night, datetime(2026, 5, 10, 5, 0, tzinfo=UTC))  # 07:00 in Rome
    assert not in_quiet_hours(night, datetime(2026, 5, 10, 12, 0, tzinfo=UTC))
    assert not in_quiet_hours(Rules(), NOW)


def test_invitation_token_round_trip_expiry_and_tampering() -> None:
    invitation = uuid.uuid4()
    token = links.invitation_token("k" * 32, invitation, 2_000_000_000)
    assert links.read_invitation_token("k" * 32, token) == invitation
    with pytest.raises(links.ExpiredLink):
        links.read_invitation_token("k" * 32, token, now=2_000_000_001)
    with pytest.raises(links.BadLink):
        links.read_invitation_token("x" * 32, token)
    with pytest.raises(links.BadLink):
        links.read_invitation_token("k" * 32, token.replace(token[5], "A" if token[5] != "A" else "B", 1))


def test_a_token_of_one_kind_does_not_open_another() -> None:
    invitation = uuid.uuid4()
    optout = links.optout_token("k" * 32, invitation)
    with pytest.raises(links.BadLink):
        links.read_invitation_token("k" * 32, optout)
    opened = links.open_token("k" * 32, links.OpenLink(workspace_id=uuid.uuid4(), survey="s", unit="u"))
    with pytest.raises(links.BadLink):
        links.read_optout_token("k" * 32, opened)
    assert links.read_open_token("k" * 32, opened).unit == "u"


def test_secret_is_created_once_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret_key"
    first = load_or_create_secret(path)
    assert len(first) >= 40
    assert load_or_create_secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600
    assert list(path.parent.iterdir()) == [path]
