"""governance map: departments, touchpoints, journey stages, RACI ownerships, the map's version

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import cxhub.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governance_maps",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_governance_maps_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_governance_maps")),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("lead_email", sa.String(length=320), nullable=True),
        sa.Column("kpis", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_departments_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_departments_workspace_id_key")),
    )
    op.create_table(
        "touchpoints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_touchpoints_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoints")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_touchpoints_workspace_id_key")),
    )
    op.create_table(
        "journey_stages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("updated_at", cxhub.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_journey_stages_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journey_stages")),
        sa.UniqueConstraint("workspace_id", "key", name=op.f("uq_journey_stages_workspace_id_key")),
    )
    op.create_table(
        "ownerships",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("touchpoint_id", sa.Uuid(), nullable=True),
        sa.Column("stage_id", sa.Uuid(), nullable=True),
        sa.Column("department_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=1), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("role IN ('R', 'A', 'C', 'I')", name=op.f("ck_ownerships_role")),
        sa.CheckConstraint("(touchpoint_id IS NULL) <> (stage_id IS NULL)", name=op.f("ck_ownerships_one_target")),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_ownerships_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["stage_id"], ["journey_stages.id"], name=op.f("fk_ownerships_stage_id_journey_stages")
        ),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"], ["touchpoints.id"], name=op.f("fk_ownerships_touchpoint_id_touchpoints")
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_ownerships_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ownerships")),
        sa.UniqueConstraint(
            "stage_id", "department_id", "role", name=op.f("uq_ownerships_stage_id_department_id_role")
        ),
        sa.UniqueConstraint(
            "touchpoint_id", "department_id", "role", name=op.f("uq_ownerships_touchpoint_id_department_id_role")
        ),
    )
    with op.batch_alter_table("ownerships", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ownerships_department_id"), ["department_id"], unique=False)
        batch_op.create_index("ix_ownerships_workspace_role", ["workspace_id", "role"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ownerships", schema=None) as batch_op:
        batch_op.drop_index("ix_ownerships_workspace_role")
        batch_op.drop_index(batch_op.f("ix_ownerships_department_id"))

    op.drop_table("ownerships")
    op.drop_table("journey_stages")
    op.drop_table("touchpoints")
    op.drop_table("departments")
    op.drop_table("governance_maps")
