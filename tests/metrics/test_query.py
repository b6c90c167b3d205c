"""How the metric queries read the events table: through the feedback indexes, never every event."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from cxhub.metrics.query import Slice, grouped_statistics


def query_plans(session: Session, run: Callable[[], Any]) -> list[str]:
    """SQLite's plan of every statement ``run`` sends, one line per step."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        pytest.skip("the planner without statistics is SQLite's")
    sent: list[tuple[str, Any]] = []

    def hear(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", hear)
    try:
        run()
    finally:
        event.remove(connection, "before_cursor_execute", hear)
    plans = []
    for statement, parameters in sent:
        steps = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        plans.append("; ".join(str(step[-1]) for step in steps))
    return plans


def year(metric: str, **where: str) -> Slice:
    end = datetime.now(UTC)
    return Slice(metric=metric, start=end - timedelta(days=365), end=end, where=where or None)


def test_a_year_by_week_is_read_from_the_day_index_alone(session: Session) -> None:
    ws = uuid.uuid4()
    [plan] = query_plans(
        session, lambda: grouped_statistics(session, workspace_id=ws, part=year("csat"), period="week")
    )
    assert "COVERING INDEX ix_events_feedback_day" in plan, plan


@pytest.mark.parametrize("field", ["touchpoint", "channel", "journey_stage"])
def test_a_windowed_breakdown_reads_the_feedback_index_not_every_event_of_the_window(
    session: Session, field: str
) -> None:
    ws = uuid.uuid4()
    [plan] = query_plans(session, lambda: grouped_statistics(session, workspace_id=ws, part=year("nps"), by=[field]))
    assert "ix_events_feedback" in plan and "ix_events_workspace_time" not in plan, plan
