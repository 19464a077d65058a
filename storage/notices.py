"""Queries on notices sent down the chain (上级通知) and their acknowledgements (收到).

A notice's targets are its outbox rows (kind ``notice:<id>``): the groups it was addressed to.
A unit has received the notice once anyone in its group pressed 收到.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc, upsert
from storage.models import Notice, NoticeAck, OutboxMessage, OutboxStatus, Unit
from storage.reports import in_subtree

KIND_PREFIX = "notice:"


def notice_kind(notice_id: int) -> str:
    """The outbox kind of a notice's messages."""
    return f"{KIND_PREFIX}{notice_id}"


def _kind_of(notice_id: Any) -> Any:
    return sa.literal(KIND_PREFIX) + sa.cast(notice_id, sa.String)


@dataclass(frozen=True)
class UnitAck:
    """One unit a notice was sent to: did its group get it, and how many people pressed 收到."""

    unit_id: int
    name: str
    delivered: bool
    people: int


@dataclass(frozen=True)
class NoticeAckCount:
    """For a digest: one notice, the units of the subtree it reached, and how many of them acknowledged."""

    notice_id: int
    unit_id: int
    created_at: datetime
    text: str
    targets: int
    acked: int


async def create_notice(session: AsyncSession, *, unit_id: int, text: str, created_by: int, now: datetime) -> Notice:
    notice = Notice(unit_id=unit_id, text=text, created_by=created_by, created_at=as_utc(now))
    session.add(notice)
    await session.flush()
    return notice


async def get_notice(session: AsyncSession, *, notice_id: int) -> Notice | None:
    return await session.get(Notice, notice_id)


async def latest_notice(session: AsyncSession, *, unit_id: int) -> Notice | None:
    query = select(Notice).where(Notice.unit_id == unit_id).order_by(col(Notice.id).desc()).limit(1)
    return (await session.exec(query)).first()


async def target_in_chat(session: AsyncSession, *, notice_id: int, chat_id: int) -> int | None:
    """The unit whose group ``chat_id`` received the notice, if it did."""
    query = select(OutboxMessage.unit_id).where(
        OutboxMessage.kind == notice_kind(notice_id), OutboxMessage.chat_id == chat_id
    )
    return (await session.exec(query)).first()


async def add_ack(session: AsyncSession, *, notice_id: int, unit_id: int, telegram_user_id: int, at: datetime) -> bool:
    """Record a press of 收到 made ``at``; False if this person had pressed it for this unit before."""
    statement = (
        upsert(session, NoticeAck)
        .values(notice_id=notice_id, unit_id=unit_id, telegram_user_id=telegram_user_id, acked_at=as_utc(at))
        .on_conflict_do_nothing(index_elements=["notice_id", "unit_id", "telegram_user_id"])
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def unit_acks(session: AsyncSession, *, notice_id: int) -> list[UnitAck]:
    """Every unit the notice was addressed to, in tree order, with its count of 收到."""
    query: Any = (
        sa.select(col(Unit.id), col(Unit.name), col(OutboxMessage.status), func.count(col(NoticeAck.id)))
        .select_from(OutboxMessage)
        .join(Unit, col(Unit.id) == col(OutboxMessage.unit_id))
        .outerjoin(
            NoticeAck,
            sa.and_(col(NoticeAck.notice_id) == notice_id, col(NoticeAck.unit_id) == col(OutboxMessage.unit_id)),
        )
        .where(col(OutboxMessage.kind) == notice_kind(notice_id))
        .group_by(col(Unit.id), col(Unit.name), col(Unit.path), col(OutboxMessage.status))
        .order_by(col(Unit.path))
    )
    rows: Sequence[Any] = (await session.exec(query)).all()
    return [
        UnitAck(unit_id=unit_id, name=name, delivered=status == OutboxStatus.SENT, people=int(people))
        for unit_id, name, status, people in rows
    ]


async def notice_ack_counts(session: AsyncSession, *, unit_path: str | None, since: datetime) -> list[NoticeAckCount]:
    """Notices created since ``since`` that reached units of the subtree at ``unit_path`` (None: all).

    For each: how many units of the subtree it was addressed to, and how many of those acknowledged
    — for the digests, which show how far each notice got.
    """
    query: Any = (
        sa.select(
            col(Notice.id),
            col(Notice.unit_id),
            col(Notice.created_at),
            col(Notice.text),
            func.count(sa.distinct(col(OutboxMessage.unit_id))),
            func.count(sa.distinct(col(NoticeAck.unit_id))),
        )
        .select_from(Notice)
        .join(OutboxMessage, col(OutboxMessage.kind) == _kind_of(col(Notice.id)))
        .join(Unit, col(Unit.id) == col(OutboxMessage.unit_id))
        .outerjoin(
            NoticeAck,
            sa.and_(col(NoticeAck.notice_id) == col(Notice.id), col(NoticeAck.unit_id) == col(OutboxMessage.unit_id)),
        )
        .where(col(Notice.created_at) >= as_utc(since), in_subtree(col(Unit.path), unit_path))
        .group_by(col(Notice.id), col(Notice.unit_id), col(Notice.created_at), col(Notice.text))
        .order_by(col(Notice.id))
    )
    rows: Sequence[Any] = (await session.exec(query)).all()
    return [
        NoticeAckCount(
            notice_id=notice_id,
            unit_id=unit_id,
            created_at=as_utc(created_at),
            text=text,
            targets=int(targets),
            acked=int(acked),
        )
        for notice_id, unit_id, created_at, text, targets, acked in rows
    ]
