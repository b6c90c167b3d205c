from __future__ import annotations

import pytest
from sqlalchemy import inspect

from cxhub import migrate
from cxhub.config import Settings
from cxhub.db import Base, make_engine


def test_migrations_build_the_schema_the_models_describe(engine) -> None:  # type: ignore[no-untyped-def]
    assert migrate.is_current(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_migrations_go_down_and_up_again(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'm.db'}"))
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert "events" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.is_current(engine)


# SQLAlchemy cannot reflect SQLite's expression index ix_events_feedback_day (migration 0006): it says so.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_models_and_migrations_agree(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
