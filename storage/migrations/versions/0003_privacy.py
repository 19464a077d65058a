"""privacy: the audit trail, when a record's personal details were purged, the notice to residents

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 14:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Tables whose rows hold a resident's personal details, each marked once retention or an erasure cleared them.
PURGEABLE = ("messages", "checkins", "orders", "returnees")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_household_id"), ["household_id"], unique=False)
    for table in PURGEABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("chat_bindings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("privacy_notice_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("chat_bindings", schema=None) as batch_op:
        batch_op.drop_column("privacy_notice_at")
    for table in reversed(PURGEABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("purged_at")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_household_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_unit_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
    op.drop_table("audit_log")
