"""Bulk-load helpers against both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from cxhub.db import make_sessionmaker
from cxhub.kit import bulk


def analyzed(engine: Engine) -> int:
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_stat_clear_snapshot()"))
        return int(connection.scalar(text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'events'")))


def test_statistics_are_refreshed_each_time_a_load_doubles_the_table(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's planner keeps no statistics to refresh")
    statistics = bulk.PlannerStatistics(make_sessionmaker(engine), table="events", first_after=3)
    with engine.connect() as connection:
        held = max(int(connection.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'events'"))), 0)
    first = max(3, held)
    before = analyzed(engine)
    statistics.grew(first - 1)
    assert analyzed(engine) == before
    statistics.grew(1)
    assert analyzed(engine) == before + 1
    statistics.grew(held + first - 1)  # the table now counts held + first rows: one short of doubling it
    assert analyzed(engine) == before + 1
    statistics.grew(1)
    assert analyzed(engine) == before + 2


def test_nothing_is_analyzed_on_sqlite(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL case is the test above")
    statistics = bulk.PlannerStatistics(make_sessionmaker(engine), table="events", first_after=1)
    statistics.grew(1_000_000)
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")) == 0
