"""The durable inbox of raw Telegram updates (see ``InboxUpdate``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc, upsert
from storage.models import InboxUpdate, utcnow


async def store_updates(session: AsyncSession, *, updates: Sequence[tuple[int, str]]) -> list[int]:
    """Insert (update_id, payload) pairs, ignoring ids already stored; returns the ids that were new."""
    if not updates:
        return []
    now = utcnow()
    rows = [{"update_id": update_id, "payload": payload, "received_at": now} for update_id, payload in updates]
    statement = (
        upsert(session, InboxUpdate)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(col(InboxUpdate.update_id))
    )
    return list((await session.exec(statement)).scalars())


async def pending_updates(
    session: AsyncSession, *, after: int | None = None, limit: int = 500
) -> Sequence[InboxUpdate]:
    """Stored but not yet processed, oldest first; ``after`` skips those already handed out."""
    query = select(InboxUpdate).where(col(InboxUpdate.processed_at).is_(None))
    if after is not None:
        query = query.where(col(InboxUpdate.update_id) > after)
    return (await session.exec(query.order_by(col(InboxUpdate.update_id)).limit(limit))).all()


async def latest_update_id(session: AsyncSession) -> int | None:
    """The highest update id stored (processed or not): where Telegram's ids continue."""
    return (await session.exec(select(func.max(InboxUpdate.update_id)))).one()


async def backlog(session: AsyncSession) -> tuple[int, datetime | None]:
    """How many updates are stored but not processed, and when the oldest of them was received."""
    query = select(func.count(), func.min(InboxUpdate.received_at)).where(col(InboxUpdate.processed_at).is_(None))
    count, oldest = (await session.exec(query)).one()
    return int(count), None if oldest is None else as_utc(oldest)


async def mark_processed(session: AsyncSession, *, update_ids: Sequence[int]) -> None:
    statement = update(InboxUpdate).where(col(InboxUpdate.update_id).in_(update_ids)).values(processed_at=utcnow())
    await session.exec(statement)


async def prune_processed(session: AsyncSession, *, before: datetime) -> int:
    """Forget processed updates received before ``before``; returns how many.

    Only recent ids are needed to recognise a redelivery, and Telegram may restart its ids at random
    after a week without updates: an old id kept forever could one day swallow a new update.
    """
    statement = delete(InboxUpdate).where(
        col(InboxUpdate.processed_at).is_not(None), col(InboxUpdate.received_at) < before
    )
    result = await session.exec(statement)
    return int(result.rowcount or 0)
