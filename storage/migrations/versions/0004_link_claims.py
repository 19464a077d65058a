"""people.claimed_household_id: a pending link, confirmed by a grid leader or a matching contact

Writing an address no longer links a person to its household: it records a claim that a grid leader
confirms with one tap (or a shared contact whose phone is the roster's). Links made before this
revision, by the old rule (the first address written), stay as they are: they count as confirmed.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.add_column(sa.Column('claimed_household_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(
            'fk_people_claimed_household_id_households', 'households', ['claimed_household_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.drop_constraint('fk_people_claimed_household_id_households', type_='foreignkey')
        batch.drop_column('claimed_household_id')
