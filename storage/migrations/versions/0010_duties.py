"""the rest of the grid's work (issue #14): pairings (结对帮困), disinfection points, an order's receiver

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pairings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("helper_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("helper_id", sa.BigInteger(), nullable=True),
        sa.Column("helper_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=True),
        sa.Column("paired_on", sa.Date(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("household_id", "helper_key"),
    )
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pairings_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairings_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pairings_helper_id"), ["helper_id"], unique=False)
    op.create_table(
        "disinfection_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("grid_id", "place"),
    )
    with op.batch_alter_table("disinfection_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disinfection_points_grid_id"), ["grid_id"], unique=False)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receiver", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("receiver")
    with op.batch_alter_table("disinfection_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disinfection_points_grid_id"))
    op.drop_table("disinfection_points")
    with op.batch_alter_table("pairings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pairings_helper_id"))
        batch_op.drop_index(batch_op.f("ix_pairings_household_id"))
        batch_op.drop_index(batch_op.f("ix_pairings_grid_id"))
    op.drop_table("pairings")
