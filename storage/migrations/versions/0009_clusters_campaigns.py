"""the grid's further work (issue #14): 联户 (clusters) and testing campaigns

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_clusters_code"), ["code"], unique=True)
        batch_op.create_index(batch_op.f("ix_clusters_grid_id"), ["grid_id"], unique=False)
    op.create_table(
        "cluster_leaders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["cluster_id"], ["clusters.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cluster_id", "telegram_user_id"),
    )
    with op.batch_alter_table("cluster_leaders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cluster_leaders_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cluster_leaders_telegram_user_id"), ["telegram_user_id"], unique=False)
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_households_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_foreign_key("fk_households_cluster_id", "clusters", ["cluster_id"], ["id"])
    op.create_table(
        "testing_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("testing_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_testing_campaigns_start"), ["start"], unique=False)
        batch_op.create_index(batch_op.f("ix_testing_campaigns_until"), ["until"], unique=False)
        batch_op.create_index(batch_op.f("ix_testing_campaigns_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "campaign_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["testing_campaigns.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "household_id"),
    )
    with op.batch_alter_table("campaign_tests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_tests_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaign_tests_household_id"), ["household_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("campaign_tests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_tests_household_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_tests_campaign_id"))
    op.drop_table("campaign_tests")
    with op.batch_alter_table("testing_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_testing_campaigns_unit_id"))
        batch_op.drop_index(batch_op.f("ix_testing_campaigns_until"))
        batch_op.drop_index(batch_op.f("ix_testing_campaigns_start"))
    op.drop_table("testing_campaigns")
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_constraint("fk_households_cluster_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_households_cluster_id"))
        batch_op.drop_column("cluster_id")
    with op.batch_alter_table("cluster_leaders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cluster_leaders_telegram_user_id"))
        batch_op.drop_index(batch_op.f("ix_cluster_leaders_cluster_id"))
    op.drop_table("cluster_leaders")
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clusters_grid_id"))
        batch_op.drop_index(batch_op.f("ix_clusters_code"))
    op.drop_table("clusters")
