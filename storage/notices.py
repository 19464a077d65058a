"""Queries on notices sent down the chain (上级通知) and their acknowledgements (收到).

A notice's targets are its outbox rows (kind ``notice:<id>``): the groups it was addressed to.
A resident's press is not the unit's receipt: receipts are counted by household reached (a member
linked to one of the grid's households pressed 收到 in the grid's group) and, separately, by the
unit's own leaders (网格长已确认). Both are derived from the presses and the person → household
and leader links; nothing else is stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc, upsert
from storage.models import (
    Household,
    Notice,
    NoticeAck,
    OutboxMessage,
    OutboxStatus,
    Person,
    Unit,
    UnitLeader,
    UnitLevel,
)
from storage.reports import in_subtree

KIND_PREFIX = "notice:"


def notice_kind(notice_id: int) -> str:
    """The outbox kind of a notice's messages."""
    return f"{KIND_PREFIX}{notice_id}"


def _kind_of(notice_id: Any) -> Any:
    return sa.literal(KIND_PREFIX) + sa.cast(notice_id, sa.String)


@dataclass(frozen=True)
class Receipt:
    """How far a notice got among some of the units it was sent to."""

    #: Active households of the grids among them, and how many a linked member acknowledged for.
    households: int = 0
    households_acked: int = 0
    units: int = 0
    grids: int = 0
    #: Units one of whose own leaders pressed 收到.
    leaders_acked: int = 0

    def __add__(self, other: Receipt) -> Receipt:
        return Receipt(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class UnitAck:
    """One unit a notice was sent to: did its group get it, and its receipt."""

    unit_id: int
    name: str
    delivered: bool
    receipt: Receipt


@dataclass(frozen=True)
class NoticeAckCount:
    """For a digest: one notice, where it came from, and its receipt among the units of the subtree it reached."""

    notice_id: int
    #: The unit that sent it, and its name.
    unit_id: int
    origin: str
    created_at: datetime
    text: str
    receipt: Receipt


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


def _households() -> Any:
    """Per target row: the active households of the target (a grid; none for a village or town)."""
    return (
        sa.select(func.count())
        .select_from(Household)
        .where(col(Household.grid_id) == col(OutboxMessage.unit_id), col(Household.active).is_(True))
        .scalar_subquery()
    )


def _households_acked() -> Any:
    """Per target row: households of the target a linked member pressed 收到 for, in its group."""
    return (
        sa.select(func.count(sa.distinct(col(Household.id))))
        .select_from(NoticeAck)
        .join(Person, col(Person.telegram_user_id) == col(NoticeAck.telegram_user_id))
        .join(Household, col(Household.id) == col(Person.household_id))
        .where(
            col(NoticeAck.notice_id) == col(Notice.id),
            col(NoticeAck.unit_id) == col(OutboxMessage.unit_id),
            col(Household.grid_id) == col(OutboxMessage.unit_id),
            col(Household.active).is_(True),
        )
        .scalar_subquery()
    )


def _leader_acked() -> Any:
    """Per target row: one of the target's own leaders pressed 收到 in its group."""
    return sa.exists(
        sa.select(sa.literal(1))
        .select_from(NoticeAck)
        .join(
            UnitLeader,
            sa.and_(
                col(UnitLeader.unit_id) == col(NoticeAck.unit_id),
                col(UnitLeader.telegram_user_id) == col(NoticeAck.telegram_user_id),
            ),
        )
        .where(col(NoticeAck.notice_id) == col(Notice.id), col(NoticeAck.unit_id) == col(OutboxMessage.unit_id))
    )


def _targets(*conditions: Any) -> Any:
    """Every (notice, target unit) row matching ``conditions``, with the target's receipt, in notice and tree order."""
    return (
        sa.select(
            col(Notice.id),
            col(Notice.unit_id),
            col(Notice.created_at),
            col(Notice.text),
            col(Unit.id),
            col(Unit.name),
            col(Unit.level),
            col(OutboxMessage.status),
            _households(),
            _households_acked(),
            _leader_acked(),
        )
        .select_from(Notice)
        .join(OutboxMessage, col(OutboxMessage.kind) == _kind_of(col(Notice.id)))
        .join(Unit, col(Unit.id) == col(OutboxMessage.unit_id))
        .where(*conditions)
        .order_by(col(Notice.id), col(Unit.path))
    )


def _receipt(level: str, households: int, acked: int, leader: bool) -> Receipt:
    grid = level == UnitLevel.GRID
    return Receipt(
        households=int(households) if grid else 0,
        households_acked=int(acked) if grid else 0,
        units=1,
        grids=int(grid),
        leaders_acked=int(bool(leader)),
    )


async def unit_acks(session: AsyncSession, *, notice_id: int) -> list[UnitAck]:
    """Every unit the notice was addressed to, in tree order, with its receipt."""
    rows: Sequence[Any] = (await session.exec(_targets(col(Notice.id) == notice_id))).all()
    return [
        UnitAck(
            unit_id=unit_id,
            name=name,
            delivered=status == OutboxStatus.SENT,
            receipt=_receipt(level, households, acked, leader),
        )
        for _n, _o, _c, _t, unit_id, name, level, status, households, acked, leader in rows
    ]


async def notice_ack_counts(
    session: AsyncSession, *, unit_path: str | None, since: datetime, until: datetime
) -> list[NoticeAckCount]:
    """Notices created in [``since``, ``until``] that reached units of the subtree at ``unit_path`` (None: all).

    For each: where it came from, and its receipt among the units of the subtree it was addressed
    to — for the digests, which show how far each notice got. ``until`` keeps a digest of a past day
    to that day's notices.
    """
    origin = aliased(Unit, name="origin")
    query = (
        _targets(
            col(Notice.created_at) >= as_utc(since),
            col(Notice.created_at) <= as_utc(until),
            in_subtree(col(Unit.path), unit_path),
        )
        .add_columns(col(origin.name))
        .join(origin, col(origin.id) == col(Notice.unit_id))
    )
    counts: dict[int, NoticeAckCount] = {}
    rows: Sequence[Any] = (await session.exec(query)).all()
    for notice_id, unit_id, created_at, text, _u, _name, level, _s, households, acked, leader, origin_name in rows:
        receipt = _receipt(level, households, acked, leader)
        if notice_id in counts:
            receipt = counts[notice_id].receipt + receipt
        counts[notice_id] = NoticeAckCount(
            notice_id=notice_id,
            unit_id=unit_id,
            origin=origin_name,
            created_at=as_utc(created_at),
            text=text,
            receipt=receipt,
        )
    return list(counts.values())
