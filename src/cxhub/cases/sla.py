"""Business-hours arithmetic for SLAs: due dates and elapsed working time. Pure, no I/O.

An SLA of 8 hours opened on Friday at 17:00 in Rome is due on Monday at 16:00 (Friday 1 h + Monday
7 h), and on Tuesday when that Monday is Easter Monday. Holidays come from the ``holidays`` package
(Italy by default), plus any closed dates a workspace adds. Times in and out are UTC-aware.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from cxhub.kit.errors import CxhubError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WEEK = {day: ["09:00-18:00"] for day in WEEKDAYS[:5]}
MAX_DAYS = 3 * 366  # an SLA that cannot be met within three years is a configuration error


@lru_cache(maxsize=32)
def _holidays(country: str, subdivision: str | None) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        raise CxhubError(
            "invalid_business_hours", f"no holiday calendar for {country!r}", field="holidays_country"
        ) from None


def _clock(text: str, where: str) -> time:
    try:
        hours, minutes = text.strip().split(":")
        if hours == "24" and minutes == "00":
            return time.max
        return time(int(hours), int(minutes))
    except ValueError:
        raise CxhubError("invalid_business_hours", f"{where}: {text!r} is not HH:MM", field=where) from None


@dataclass(frozen=True)
class Calendar:
    """When a workspace works: ranges per weekday (0 = Monday) in ``timezone``, minus holidays."""

    timezone: ZoneInfo
    week: Mapping[int, tuple[tuple[time, time], ...]]
    country: str | None = "IT"
    subdivision: str | None = None
    closed: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Calendar:
        """From the ``business_hours`` settings: ``{"timezone", "holidays_country", "week": {"mon":
        ["09:00-13:00", "14:00-18:00"]}, "closed_dates": [...]}``; ``invalid_business_hours`` if wrong."""
        try:
            zone = ZoneInfo(str(config.get("timezone") or "Europe/Rome"))
        except (ZoneInfoNotFoundError, ValueError):
            raise CxhubError(
                "invalid_business_hours", f"unknown timezone {config.get('timezone')!r}", field="timezone"
            ) from None
        week: dict[int, tuple[tuple[time, time], ...]] = {}
        given = config.get("week")
        for name, ranges in dict(DEFAULT_WEEK if given is None else given).items():
            if name not in WEEKDAYS:
                raise CxhubError("invalid_business_hours", f"week: {name!r} is not one of {WEEKDAYS}", field="week")
            spans = []
            for text in ranges:
                start_text, _, end_text = str(text).partition("-")
                start, end = _clock(start_text, f"week.{name}"), _clock(end_text, f"week.{name}")
                if end <= start:
                    raise CxhubError("invalid_business_hours", f"week.{name}: {text!r} ends before it starts")
                spans.append((start, end))
            week[WEEKDAYS.index(name)] = tuple(sorted(spans))
        if not any(week.values()):
            raise CxhubError("invalid_business_hours", "the week has no working hours", field="week")
        try:
            closed = frozenset(date.fromisoformat(str(d)) for d in config.get("closed_dates") or ())
        except ValueError:
            raise CxhubError(
                "invalid_business_hours", "closed_dates must be YYYY-MM-DD", field="closed_dates"
            ) from None
        country = config.get("holidays_country")
        if country:
            _holidays(str(country), config.get("holidays_subdivision"))
        return cls(zone, week, str(country) if country else None, config.get("holidays_subdivision"), closed)

    def is_open_day(self, day: date) -> bool:
        if day in self.closed or not self.week.get(day.weekday()):
            return False
        return not (self.country and day in _holidays(self.country, self.subdivision))

    def spans(self, day: date) -> Sequence[tuple[datetime, datetime]]:
        """The working spans of ``day`` as UTC datetimes."""
        if not self.is_open_day(day):
            return ()
        out = []
        for start, end in self.week[day.weekday()]:
            begin = datetime.combine(day, start, self.timezone)
            finish = (
                datetime.combine(day + timedelta(days=1), time(0), self.timezone)
                if end == time.max
                else datetime.combine(day, end, self.timezone)
            )
            out.append((begin.astimezone(UTC), finish.astimezone(UTC)))
        return out


def add_business_hours(start: datetime, hours: float, calendar: Calendar) -> datetime:
    """The moment ``hours`` of working time after ``start`` (UTC-aware in, UTC-aware out)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    remaining = timedelta(hours=hours)
    day = start.astimezone(calendar.timezone).date()
    for _ in range(MAX_DAYS):
        for begin, end in calendar.spans(day):
            begin = max(begin, start)
            if end <= begin:
                continue
            if end - begin >= remaining:
                return begin + remaining
            remaining -= end - begin
        day += timedelta(days=1)
    raise CxhubError("invalid_business_hours", f"{hours:g} business hours do not fit in three years")


def business_hours_between(start: datetime, end: datetime, calendar: Calendar) -> float:
    """Working hours in ``[start, end)``; negative when ``end`` comes first."""
    if end < start:
        return -business_hours_between(end, start, calendar)
    total = timedelta()
    day = start.astimezone(calendar.timezone).date()
    last = end.astimezone(calendar.timezone).date()
    while day <= last:
        for begin, finish in calendar.spans(day):
            begin, finish = max(begin, start), min(finish, end)
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 3600
