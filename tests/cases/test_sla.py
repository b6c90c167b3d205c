"""Business hours on literals: Italian holidays, weekends, several ranges a day, time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cxhub.cases.sla import Calendar, add_business_hours, business_hours_between
from cxhub.kit.errors import CxhubError

ROME = Calendar.from_config({"timezone": "Europe/Rome", "holidays_country": "IT"})


def rome(*args: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(*args, tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)  # type: ignore[misc]


def test_friday_evening_rolls_over_the_weekend() -> None:
    # Friday 2026-11-20 17:00 + 8 h: 1 h on Friday, 7 on Monday -> Monday 16:00
    assert add_business_hours(rome(2026, 11, 20, 17), 8, ROME) == rome(2026, 11, 23, 16)


def test_italian_holidays_are_skipped() -> None:
    # Thursday 2026-04-02 17:00 + 16 h: Fri 3rd 9 h... Easter Monday the 6th is a holiday -> Tue 7th
    due = add_business_hours(rome(2026, 4, 3, 17), 8, ROME)
    assert due == rome(2026, 4, 7, 16)
    # 8 December (Immacolata) too
    assert add_business_hours(rome(2026, 12, 7, 18), 1, ROME) == rome(2026, 12, 9, 10)


def test_outside_hours_starts_at_the_next_opening() -> None:
    assert add_business_hours(rome(2026, 11, 24, 7, 30), 2, ROME) == rome(2026, 11, 24, 11)


def test_hours_between_counts_only_working_time() -> None:
    assert business_hours_between(rome(2026, 11, 20, 17), rome(2026, 11, 23, 16), ROME) == pytest.approx(8)
    assert business_hours_between(rome(2026, 11, 23, 16), rome(2026, 11, 20, 17), ROME) == pytest.approx(-8)


def test_split_days_closed_dates_and_no_holiday_calendar() -> None:
    calendar = Calendar.from_config(
        {
            "timezone": "UTC",
            "holidays_country": None,
            "week": {"mon": ["09:00-13:00", "14:00-18:00"], "sat": ["10:00-12:00"]},
            "closed_dates": ["2026-11-30"],
        }
    )
    start = datetime(2026, 11, 23, 12, tzinfo=UTC)  # Monday
    assert add_business_hours(start, 2, calendar) == datetime(2026, 11, 23, 15, tzinfo=UTC)
    # Monday 17:00 + 3 h: 1 h Monday, 2 h Saturday; the next Monday is closed
    assert add_business_hours(datetime(2026, 11, 23, 17, tzinfo=UTC), 3, calendar) == datetime(
        2026, 11, 28, 12, tzinfo=UTC
    )
    assert add_business_hours(datetime(2026, 11, 28, 12, tzinfo=UTC), 1, calendar) == datetime(
        2026, 12, 5, 11, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "config",
    [
        {"timezone": "Mars/Olympus"},
        {"week": {"mon": ["18:00-09:00"]}},
        {"week": {"funday": ["09:00-18:00"]}},
        {"week": {}},
        {"holidays_country": "XX"},
    ],
)
def test_bad_calendars_are_refused(config: dict[str, object]) -> None:
    with pytest.raises(CxhubError) as caught:
        Calendar.from_config(config)
    assert caught.value.code == "invalid_business_hours"
