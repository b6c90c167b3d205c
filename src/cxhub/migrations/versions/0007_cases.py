"""cases: alert rules (versioned), cases with links and history, case settings, notification outbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cxhub.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_rules",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_dry_run", sa.JSON(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_case_rules_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_rules")),
        sa.UniqueConstraint("workspace_id", "key", "version", name=op.f("uq_case_rules_workspace_id_key_version")),
    )
    op.create_index("ix_case_rules_current", "case_rules", ["workspace_id", "is_current", "status"], unique=False)
    op.create_table(
        "case_settings",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_case_settings_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_case_settings")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("rule_key", sa.String(length=64), nullable=True),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("touchpoint", sa.String(length=128), nullable=False),
        sa.Column("stage", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("assignee", sa.String(length=320), nullable=True),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("root_cause", sa.Text(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("signal_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("opened_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("first_action_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_hours", sa.Float(), nullable=False),
        sa.Column("due_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sla_paused_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sla_remaining_hours", sa.Float(), nullable=True),
        sa.Column("breached_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("metric", sa.String(length=32), nullable=True),
        sa.Column("score_before", sa.Float(), nullable=True),
        sa.Column("score_after", sa.Float(), nullable=True),
        sa.Column("recovered", sa.Boolean(), nullable=True),
        sa.Column("followup_survey", sa.String(length=64), nullable=True),
        sa.Column("followup_sent_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("events_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_cases_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index("ix_cases_customer", "cases", ["workspace_id", "customer_id", "status"], unique=False)
    op.create_index(
        "ix_cases_one_open",
        "cases",
        ["workspace_id", "customer_id", "topic"],
        unique=True,
        sqlite_where=sa.text("status IN ('new', 'in_progress', 'waiting_customer')"),
        postgresql_where=sa.text("status IN ('new', 'in_progress', 'waiting_customer')"),
    )
    op.create_index("ix_cases_workspace_opened", "cases", ["workspace_id", "opened_at"], unique=False)
    op.create_index("ix_cases_workspace_status", "cases", ["workspace_id", "status", "due_at"], unique=False)
    op.create_table(
        "case_history",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_history_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_case_history_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_history")),
    )
    op.create_index("ix_case_history_case", "case_history", ["case_id", "id"], unique=False)
    op.create_table(
        "case_links",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("rule_key", sa.String(length=64), nullable=True),
        sa.Column("occurred_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("linked_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_links_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_case_links_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_links")),
        sa.UniqueConstraint(
            "workspace_id", "case_id", "event_id", name=op.f("uq_case_links_workspace_id_case_id_event_id")
        ),
    )
    op.create_index("ix_case_links_event", "case_links", ["workspace_id", "event_id"], unique=False)
    op.create_table(
        "case_notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=1000), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_notifications_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_case_notifications_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notifications")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_case_notifications_workspace_id_key")),
    )
    op.create_index("ix_case_notifications_due", "case_notifications", ["status", "next_attempt_at"], unique=False)
    op.create_table(
        "case_delivery_attempts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("notification_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["case_notifications.id"],
            name=op.f("fk_case_delivery_attempts_notification_id_case_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_case_delivery_attempts_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_delivery_attempts")),
    )
    op.create_index(
        "ix_case_delivery_attempts_notification", "case_delivery_attempts", ["notification_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_case_delivery_attempts_notification", table_name="case_delivery_attempts")
    op.drop_table("case_delivery_attempts")
    op.drop_index("ix_case_notifications_due", table_name="case_notifications")
    op.drop_table("case_notifications")
    op.drop_index("ix_case_links_event", table_name="case_links")
    op.drop_table("case_links")
    op.drop_index("ix_case_history_case", table_name="case_history")
    op.drop_table("case_history")
    op.drop_index("ix_cases_workspace_status", table_name="cases")
    op.drop_index("ix_cases_workspace_opened", table_name="cases")
    op.drop_index(
        "ix_cases_one_open",
        table_name="cases",
        sqlite_where=sa.text("status IN ('new', 'in_progress', 'waiting_customer')"),
        postgresql_where=sa.text("status IN ('new', 'in_progress', 'waiting_customer')"),
    )
    op.drop_index("ix_cases_customer", table_name="cases")
    op.drop_table("cases")
    op.drop_table("case_settings")
    op.drop_index("ix_case_rules_current", table_name="case_rules")
    op.drop_table("case_rules")
