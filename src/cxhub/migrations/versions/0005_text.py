"""text

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cxhub.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_analyses",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("touchpoint", sa.String(length=128), nullable=False),
        sa.Column("metric", sa.String(length=32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("sentiment_label", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.Column("emotions", sa.JSON(), nullable=False),
        sa.Column("effort", sa.JSON(), nullable=False),
        sa.Column("pii", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("redacted_text", sa.Text(), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("taxonomy_version", sa.Integer(), nullable=False),
        sa.Column("analyzed_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_text_analyses_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_analyses")),
        sa.UniqueConstraint("workspace_id", "event_id", name=op.f("uq_text_analyses_workspace_id_event_id")),
    )
    with op.batch_alter_table("text_analyses", schema=None) as batch_op:
        batch_op.create_index("ix_text_analyses_workspace_time", ["workspace_id", "occurred_at"], unique=False)
        batch_op.create_index(
            "ix_text_analyses_sentiment", ["workspace_id", "sentiment_label", "occurred_at"], unique=False
        )

    op.create_table(
        "text_mentions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("touchpoint", sa.String(length=128), nullable=False),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("sentiment_label", sa.String(length=16), nullable=False),
        sa.Column("sentiment_score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_text_mentions_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_text_mentions")),
    )
    with op.batch_alter_table("text_mentions", schema=None) as batch_op:
        batch_op.create_index("ix_text_mentions_path_time", ["workspace_id", "path", "occurred_at"], unique=False)
        batch_op.create_index("ix_text_mentions_event", ["workspace_id", "event_id"], unique=False)

    op.create_table(
        "taxonomies",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_taxonomies_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_taxonomies")),
    )


def downgrade() -> None:
    op.drop_table("taxonomies")
    with op.batch_alter_table("text_mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_text_mentions_event")
        batch_op.drop_index("ix_text_mentions_path_time")
    op.drop_table("text_mentions")
    with op.batch_alter_table("text_analyses", schema=None) as batch_op:
        batch_op.drop_index("ix_text_analyses_sentiment")
        batch_op.drop_index("ix_text_analyses_workspace_time")
    op.drop_table("text_analyses")
