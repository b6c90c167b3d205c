"""Calendar periods in SQL: the day, ISO week, month or quarter of a UTC time, the same on both backends.

Labels sort in time: ``2026-11-23``, ``2026-W47``, ``2026-11``, ``2026-Q4``. The SQL gives weeks as their
Monday; ``week_label`` names them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, cast, func, literal

from cxhub.kit.errors import CxhubError

PERIODS = ("day", "week", "month", "quarter")


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise CxhubError("invalid_period", f"period must be one of {', '.join(PERIODS)}", status=400, field="period")
    return period


def period_expression(column: Any, period: str, dialect: str) -> ColumnElement[str]:
    """The period of the UTC time in ``column``, as text (weeks as their Monday, 2026-11-16)."""
    check_period(period)
    if dialect == "postgresql":
        utc = func.timezone("UTC", column)
        if period == "week":
            return func.to_char(func.date_trunc("week", utc), "YYYY-MM-DD")
        pattern = {"day": "YYYY-MM-DD", "month": "YYYY-MM", "quarter": 'YYYY-"Q"Q'}[period]
        return func.to_char(utc, pattern)
    text = cast(column, String)  # SQLite keeps UTC as 'YYYY-MM-DD HH:MM:SS.ffffff'
    if period == "day":
        return func.substr(text, 1, 10)
    if period == "month":
        return func.substr(text, 1, 7)
    if period == "week":
        return func.date(text, "-6 days", "weekday 1")
    month = cast(func.substr(text, 6, 2), Integer)
    return func.substr(text, 1, 4) + literal("-Q") + cast((month + 2) // 3, String)


def period_label(day: str, period: str) -> str:
    """The period of a 'YYYY-MM-DD' day, labelled as ``period_expression`` (and ``week_label``) label it."""
    if period == "day":
        return day
    if period == "month":
        return day[:7]
    if period == "quarter":
        return f"{day[:4]}-Q{(int(day[5:7]) + 2) // 3}"
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def week_label(monday: str) -> str:
    """'2026-11-16' → '2026-W47' (ISO week)."""
    return period_label(monday, "week")
