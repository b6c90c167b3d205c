"""The contact policy: may this customer be asked now, and if not, why. Pure; no I/O.

The facts are gathered in bulk by the callers (a pipeline batch, a dispatch round); the decision is
here, in one place, so every path that invites someone applies the same rules in the same order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Reasons an invitation is suppressed; stable, clients filter on them.
OPTED_OUT = "opted_out"
COMPLAINT_OPEN = "complaint_open"
RECENTLY_INVITED = "recently_invited"
NO_CONTACT_ADDRESS = "no_contact_address"
SURVEY_INACTIVE = "survey_inactive"
REASONS = (OPTED_OUT, COMPLAINT_OPEN, RECENTLY_INVITED, NO_CONTACT_ADDRESS, SURVEY_INACTIVE)


@dataclass(frozen=True, slots=True)
class Rules:
    """A workspace's policy, as the decision needs it."""

    min_days_between_invitations: int = 30
    suppress_while_complaint_open: bool = True
    complaint_window_days: int = 60
    link_ttl_days: int = 14
    max_trigger_age_days: int = 3
    quiet_hours_start: int | None = None
    quiet_hours_end: int | None = None
    timezone: str = "Europe/Rome"


@dataclass(frozen=True, slots=True)
class Facts:
    """What is known about one customer when deciding.

    ``last_invited_at`` is the latest invitation (scheduled, sent or answered) of any survey.
    """

    opted_out: bool = False
    complaint_open: bool = False
    last_invited_at: datetime | None = None
    needs_address: bool = False
    has_address: bool = True
    survey_active: bool = True


def decide(rules: Rules, facts: Facts, *, at: datetime) -> str | None:
    """None when the customer may be invited at ``at``; otherwise the reason to suppress.

    Order matters only for the reason recorded: a refusal of consent is named before anything else.
    """
    if not facts.survey_active:
        return SURVEY_INACTIVE
    if facts.opted_out:
        return OPTED_OUT
    if facts.complaint_open and rules.suppress_while_complaint_open:
        return COMPLAINT_OPEN
    if facts.last_invited_at is not None and rules.min_days_between_invitations > 0:
        gap = abs(at - facts.last_invited_at)
        if gap < timedelta(days=rules.min_days_between_invitations):
            return RECENTLY_INVITED
    if facts.needs_address and not facts.has_address:
        return NO_CONTACT_ADDRESS
    return None


def in_quiet_hours(rules: Rules, now: datetime) -> bool:
    """Whether ``now`` falls in the quiet hours (local time of the policy's zone; may span midnight)."""
    start, end = rules.quiet_hours_start, rules.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    try:
        zone = ZoneInfo(rules.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    hour = now.astimezone(zone).hour
    return start <= hour < end if start < end else hour >= start or hour < end


def complaint_is_open(history: list[tuple[datetime, str]]) -> bool:
    """Whether the last ``complaint`` in ``history`` ((when, type) pairs) has no later closing event."""
    opened: datetime | None = None
    closed: datetime | None = None
    for when, kind in history:
        if kind == "complaint":
            opened = when if opened is None else max(opened, when)
        elif kind in CLOSING_TYPES:
            closed = when if closed is None else max(closed, when)
    return opened is not None and (closed is None or closed < opened)


CLOSING_TYPES = ("complaint_resolved", "case_closed")
