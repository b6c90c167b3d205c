"""Measures of the loop: how fast signals become cases, actions and resolutions, and how many end well.

Pure: the service hands in one :class:`CaseFacts` per case (the few timestamps that matter) and gets
one dictionary per group back. Times are hours from the *signal* (the event that opened the case), so
a slow rule, a slow first reply and a slow fix all show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

OPEN = frozenset({"new", "in_progress", "waiting_customer"})


@dataclass(frozen=True, slots=True)
class CaseFacts:
    group: str | None
    status: str
    signal_at: datetime
    opened_at: datetime
    first_action_at: datetime | None
    resolved_at: datetime | None
    due_at: datetime
    breached_at: datetime | None
    paused: bool
    score_after: float | None
    recovered: bool | None


def _hours(later: datetime | None, earlier: datetime) -> float | None:
    return None if later is None else max((later - earlier).total_seconds() / 3600, 0.0)


def _quantile(values: list[float], q: float) -> float | None:
    return round(float(np.quantile(values, q)), 2) if values else None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def sla_met(case: CaseFacts, now: datetime) -> bool | None:
    """True/False once the SLA outcome is known (resolved, or open and late); None while it is still open in time."""
    if case.resolved_at is not None:
        return case.breached_at is None and case.resolved_at <= case.due_at
    if case.breached_at is not None or (case.status in OPEN and not case.paused and case.due_at < now):
        return False
    return None


def group_measures(cases: list[CaseFacts], now: datetime) -> dict[str, Any]:
    """The loop measures of one group of cases: counts, median and p90 hours, rates, backlog age."""
    to_case = [h for c in cases if (h := _hours(c.opened_at, c.signal_at)) is not None]
    to_action = [h for c in cases if (h := _hours(c.first_action_at, c.signal_at)) is not None]
    to_resolution = [h for c in cases if (h := _hours(c.resolved_at, c.signal_at)) is not None]
    outcomes = [met for c in cases if (met := sla_met(c, now)) is not None]
    backlog = [(now - c.opened_at).total_seconds() / 3600 for c in cases if c.status in OPEN]
    answered = [c for c in cases if c.score_after is not None]
    resolved = sum(1 for c in cases if c.resolved_at is not None)
    return {
        "opened": len(cases),
        "resolved": resolved,
        "closed": sum(1 for c in cases if c.status == "closed"),
        "open": len(backlog),
        "median_hours_to_case": _quantile(to_case, 0.5),
        "p90_hours_to_case": _quantile(to_case, 0.9),
        "median_hours_to_first_action": _quantile(to_action, 0.5),
        "p90_hours_to_first_action": _quantile(to_action, 0.9),
        "median_hours_to_resolution": _quantile(to_resolution, 0.5),
        "p90_hours_to_resolution": _quantile(to_resolution, 0.9),
        "sla_compliance": _share(sum(outcomes), len(outcomes)),
        "closure_rate": _share(resolved, len(cases)),
        "recovery_rate": _share(sum(1 for c in answered if c.recovered), len(answered)),
        "backlog_median_age_hours": _quantile(backlog, 0.5),
        "backlog_max_age_hours": round(max(backlog), 2) if backlog else None,
    }


def loop_measures(cases: Iterable[CaseFacts], now: datetime) -> list[dict[str, Any]]:
    """One measures dictionary per group (``key`` = the group, None for cases without one), biggest first."""
    groups: dict[str | None, list[CaseFacts]] = {}
    for case in cases:
        groups.setdefault(case.group, []).append(case)
    out = [{"key": key, **group_measures(members, now)} for key, members in groups.items()]
    return sorted(out, key=lambda g: (-g["opened"], str(g["key"])))
