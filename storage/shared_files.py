"""Files shared by link with group robots that take none (``SharedFile``): written once per robot
row, read while unexpired, deleted by the retention purge once expired."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, delete, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc
from storage.models import SharedFile


async def share_once(session: AsyncSession, *, shared: SharedFile) -> SharedFile:
    """``shared``, or the file already shared for its outbox row (a retried send keeps its link)."""
    existing = (await session.exec(select(SharedFile).where(SharedFile.outbox_id == shared.outbox_id))).first()
    if existing is not None:
        return existing
    session.add(shared)
    await session.flush()
    return shared


async def valid_file(session: AsyncSession, *, token: str, now: datetime) -> SharedFile | None:
    """The file behind ``token`` while it has not expired; None otherwise (unknown or expired alike)."""
    shared = await session.get(SharedFile, token)
    return shared if shared is not None and as_utc(shared.expires_at) > now else None


async def delete_expired(session: AsyncSession, *, now: datetime, dry_run: bool = False) -> int:
    """Delete the files whose links have expired (``dry_run``: only count them); returns how many."""
    expired = col(SharedFile.expires_at) <= now
    if dry_run:
        return int((await session.exec(select(func.count()).select_from(SharedFile).where(expired))).one())
    deleted = await session.exec(delete(SharedFile).where(expired))
    return int(deleted.rowcount or 0)
