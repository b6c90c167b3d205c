"""web speed: one-look-up data versions, and a day index that covers windowed feedback queries

The web app's cache (``cxhub.web.cache``) reads ``max(id)`` of a workspace's events and text
mentions on every page view; without ``(workspace_id, id)`` that reads every entry of the workspace
in another index (15 ms at 100,000 events, growing with the data).

On SQLite, ``ix_events_feedback_day`` (migration 0006) gains ``occurred_at``: a query over a window
(every overview, department and "this week" query) filters on the exact time, which the day alone
cannot answer, so each row was looked up in the table; with the time in the index it is covered
(3 to 10 times faster).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_DAY_INDEX = (
    "CREATE INDEX ix_events_feedback_day ON events (workspace_id, metric, touchpoint, substr(occurred_at, 1, 10){}, "
    "score) WHERE metric IS NOT NULL AND touchpoint IS NOT NULL"
)


def upgrade() -> None:
    op.create_index("ix_events_workspace_id", "events", ["workspace_id", "id"], unique=False)
    op.create_index("ix_text_mentions_workspace_id", "text_mentions", ["workspace_id", "id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX ix_events_feedback_day")
        op.execute(_DAY_INDEX.format(", occurred_at"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX ix_events_feedback_day")
        op.execute(_DAY_INDEX.format(""))
    op.drop_index("ix_text_mentions_workspace_id", table_name="text_mentions")
    op.drop_index("ix_events_workspace_id", table_name="events")
