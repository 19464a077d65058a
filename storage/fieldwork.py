"""Reads and writes of field work reported in the groups: visits to households and disinfections.

Each is one row per message (unique ``message_id``), found again by its message when the message
is edited or redelivered.
"""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import DisinfectionRecord, VisitRecord


async def visit_of_message(session: AsyncSession, *, message_id: int) -> VisitRecord | None:
    return (await session.exec(select(VisitRecord).where(VisitRecord.message_id == message_id))).first()


async def disinfection_of_message(session: AsyncSession, *, message_id: int) -> DisinfectionRecord | None:
    query = select(DisinfectionRecord).where(DisinfectionRecord.message_id == message_id)
    return (await session.exec(query)).first()


def keep(session: AsyncSession, *, row: VisitRecord | DisinfectionRecord) -> None:
    """Add a new row or keep the changes to a stored one (written at the next flush)."""
    session.add(row)
