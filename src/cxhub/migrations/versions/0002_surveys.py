"""surveys: definitions, invitations, contact policy; privacy: consents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cxhub.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_consents_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint(
            "workspace_id", "customer_id", "purpose", name=op.f("uq_consents_workspace_id_customer_id_purpose")
        ),
    )
    op.create_table(
        "survey_policies",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("min_days_between_invitations", sa.Integer(), nullable=False),
        sa.Column("suppress_while_complaint_open", sa.Boolean(), nullable=False),
        sa.Column("complaint_window_days", sa.Integer(), nullable=False),
        sa.Column("link_ttl_days", sa.Integer(), nullable=False),
        sa.Column("max_trigger_age_days", sa.Integer(), nullable=False),
        sa.Column("quiet_hours_start", sa.Integer(), nullable=True),
        sa.Column("quiet_hours_end", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_survey_policies_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_survey_policies")),
    )
    op.create_table(
        "surveys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["workspace_id"], ["workspaces.id"], name=op.f("fk_surveys_workspace_id_workspaces")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("workspace_id", "slug", name=op.f("uq_surveys_workspace_id_slug")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index("ix_surveys_workspace_status", ["workspace_id", "status"], unique=False)

    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("survey_id", sa.Uuid(), nullable=False),
        sa.Column("survey_version", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=True),
        sa.Column("trigger_event_id", sa.String(length=128), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("due_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("responded_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", cxhub.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("created_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"], name=op.f("fk_survey_invitations_survey_id_surveys")),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_survey_invitations_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitations")),
        sa.UniqueConstraint(
            "workspace_id",
            "survey_id",
            "trigger_event_id",
            name=op.f("uq_survey_invitations_workspace_id_survey_id_trigger_event_id"),
        ),
    )
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.create_index("ix_survey_invitations_customer", ["workspace_id", "customer_id", "due_at"], unique=False)
        batch_op.create_index("ix_survey_invitations_due", ["status", "due_at"], unique=False)
        batch_op.create_index("ix_survey_invitations_survey", ["workspace_id", "survey_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_survey_invitations_survey")
        batch_op.drop_index("ix_survey_invitations_due")
        batch_op.drop_index("ix_survey_invitations_customer")

    op.drop_table("survey_invitations")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index("ix_surveys_workspace_status")

    op.drop_table("surveys")
    op.drop_table("survey_policies")
    op.drop_table("consents")
