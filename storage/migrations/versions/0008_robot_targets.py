"""robot targets (issue #15): WeCom, DingTalk and Feishu group robots; the outbox's target is channel + address

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KEY = ["unit_id", "day", "kind", "part"]
#: SQLite keeps the old key unnamed; batch mode names it by this convention so it can be dropped.
_CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_key_name() -> str:
    return "outbox_unit_id_day_kind_part_key" if op.get_bind().dialect.name == "postgresql" else "uq_outbox_unit_id"


def upgrade() -> None:
    op.create_table(
        "robot_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("platform", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "url"),
    )
    with op.batch_alter_table("robot_targets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_robot_targets_unit_id"), ["unit_id"], unique=False)
    with op.batch_alter_table("outbox", schema=None, naming_convention=_CONVENTION) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), server_default="telegram", nullable=False)
        )
        batch_op.add_column(sa.Column("robot_id", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint(_old_key_name(), type_="unique")
        batch_op.create_unique_constraint("uq_outbox_target", [*_OLD_KEY, "robot_id"])


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE robot_id <> 0")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint("uq_outbox_target", type_="unique")
        batch_op.create_unique_constraint(_old_key_name(), _OLD_KEY)
        batch_op.drop_column("robot_id")
        batch_op.drop_column("channel")
    with op.batch_alter_table("robot_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_robot_targets_unit_id"))
    op.drop_table("robot_targets")
