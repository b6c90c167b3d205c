"""Loop measures on literals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cxhub.cases.stats import CaseFacts, loop_measures, sla_met

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def fact(
    group: str,
    status: str,
    *,
    signal: float,
    action: float | None = None,
    resolved: float | None = None,
    due: float = 24,
    recovered: bool | None = None,
) -> CaseFacts:
    start = NOW - timedelta(hours=100)
    at = lambda h: None if h is None else start + timedelta(hours=h)  # noqa: E731
    return CaseFacts(
        group=group,
        status=status,
        signal_at=start,
        opened_at=start + timedelta(hours=signal),
        first_action_at=at(action),
        resolved_at=at(resolved),
        due_at=start + timedelta(hours=due),
        breached_at=None,
        paused=False,
        score_after=None if recovered is None else (9.0 if recovered else 3.0),
        recovered=recovered,
    )


def test_measures_per_group() -> None:
    cases = [
        fact("care", "closed", signal=1, action=2, resolved=10, recovered=True),
        fact("care", "resolved", signal=1, action=4, resolved=30, recovered=False),
        fact("care", "in_progress", signal=3, action=5),
        fact("billing", "new", signal=1, due=200),
    ]
    care, billing = loop_measures(cases, NOW)
    assert care["key"] == "care" and care["opened"] == 3 and care["resolved"] == 2 and care["open"] == 1
    assert care["median_hours_to_first_action"] == 4.0
    assert care["median_hours_to_resolution"] == 20.0
    # one resolved in time, one late, one open and past due: 1 of 3 met
    assert care["sla_compliance"] == round(1 / 3, 4)
    assert care["recovery_rate"] == 0.5
    assert care["closure_rate"] == round(2 / 3, 4)
    assert billing["sla_compliance"] is None  # open and not yet due: outcome unknown
    assert billing["backlog_max_age_hours"] == 99.0


def test_sla_outcome_is_unknown_while_open_in_time() -> None:
    assert sla_met(fact("x", "new", signal=0, due=500), NOW) is None
    assert sla_met(fact("x", "resolved", signal=0, resolved=5), NOW) is True
