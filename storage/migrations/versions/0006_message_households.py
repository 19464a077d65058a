"""several households per message: message_households (issue #12)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 16:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
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
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("message_id", "household_id"),
    )
    with op.batch_alter_table("message_households", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_households_day"), ["day"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_households_household_id"), ["household_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_households_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message_households", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_households_message_id"))
        batch_op.drop_index(batch_op.f("ix_message_households_household_id"))
        batch_op.drop_index(batch_op.f("ix_message_households_day"))
    op.drop_table("message_households")
