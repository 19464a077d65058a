"""a digest's chart and ledger as links for DingTalk and Feishu robots (issue #15): shared_files

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "shared_files",
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token"),
        sa.UniqueConstraint("outbox_id"),
    )
    with op.batch_alter_table("shared_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shared_files_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("shared_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shared_files_expires_at"))
    op.drop_table("shared_files")
