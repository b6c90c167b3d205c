"""metrics: events.metric lifted out of attributes, with a covering index for feedback metrics

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_INDEX_COLUMNS = ["workspace_id", "metric", "touchpoint", "occurred_at", "channel", "score"]


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("metric", sa.String(length=32), nullable=True))
    bind = op.get_bind()
    extract = (
        "lower(trim(attributes ->> 'metric'))"
        if bind.dialect.name == "postgresql"
        else "lower(trim(json_extract(attributes, '$.metric')))"
    )
    # Feedback that arrived before this revision gets its metric too; an unusable one stays NULL.
    op.execute(
        f"UPDATE events SET metric = substr({extract}, 1, 32) WHERE type = 'survey_response' AND attributes IS NOT NULL"
    )
    feedback = sa.text("metric IS NOT NULL")
    op.create_index("ix_events_feedback", "events", _INDEX_COLUMNS, sqlite_where=feedback, postgresql_where=feedback)
    if bind.dialect.name == "sqlite":
        # Lets "by touchpoint per day" stream out of the index in GROUP BY order: no sort of a million
        # rows (metrics.query rolls days up into weeks, months and quarters). Its extra condition keeps
        # the planner from choosing it for queries it does not cover (see metrics.query).
        op.execute(
            "CREATE INDEX ix_events_feedback_day ON events "
            "(workspace_id, metric, touchpoint, substr(occurred_at, 1, 10), score) "
            "WHERE metric IS NOT NULL AND touchpoint IS NOT NULL"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX ix_events_feedback_day")
    op.drop_index("ix_events_feedback", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("metric")
