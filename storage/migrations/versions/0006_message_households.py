"""records you can trust (issue #12): message_households, visits, disinfections

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_households",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("parsed", sa.Text(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "household_id"),
    )
    with op.batch_alter_table("message_households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_households_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_households_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_households_message_id"), ["message_id"], unique=False)
    op.create_table(
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("visitor_id", sa.BigInteger(), nullable=False),
        sa.Column("visitor_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("help", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("concern", sa.Boolean(), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_visitor_id"), ["visitor_id"], unique=False)
    op.create_table(
        "disinfections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reporter_id", sa.BigInteger(), nullable=False),
        sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("agent", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["grid_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id"),
    )
    with op.batch_alter_table("disinfections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disinfections_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_disinfections_grid_id"), ["grid_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("disinfections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disinfections_grid_id"))
        batch_op.drop_index(batch_op.f("ix_disinfections_day"))
    op.drop_table("disinfections")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_visitor_id"))
        batch_op.drop_index(batch_op.f("ix_visits_household_id"))
        batch_op.drop_index(batch_op.f("ix_visits_grid_id"))
        batch_op.drop_index(batch_op.f("ix_visits_day"))
    op.drop_table("visits")
    with op.batch_alter_table("message_households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_households_message_id"))
        batch_op.drop_index(batch_op.f("ix_message_households_household_id"))
        batch_op.drop_index(batch_op.f("ix_message_households_day"))
    op.drop_table("message_households")
