"""Queries on the unit tree (town → village → grid) and its leaders."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import ChatBinding, Household, Unit, UnitLeader


async def get_unit_by_code(session: AsyncSession, *, code: str) -> Unit | None:
    return (await session.exec(select(Unit).where(Unit.code == code))).first()


async def get_unit(session: AsyncSession, *, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def units_by_code(session: AsyncSession) -> dict[str, Unit]:
    return {unit.code: unit for unit in await session.exec(select(Unit))}


async def subtree(session: AsyncSession, *, root: Unit | None) -> Sequence[Unit]:
    """The unit and everything below it (or the whole forest), parents before children."""
    query = select(Unit).order_by(col(Unit.path))
    if root is not None:
        query = query.where(or_(col(Unit.path) == root.path, col(Unit.path).startswith(root.path + "/")))
    return (await session.exec(query)).all()


async def chains(session: AsyncSession, *, paths: Sequence[str]) -> dict[str, list[int]]:
    """For each materialised path, the ids of its unit and every unit above it, top first (one query)."""
    codes = {code for path in paths for code in path.split("/")}
    ids = {
        code: unit_id
        for code, unit_id in await session.exec(select(Unit.code, Unit.id).where(col(Unit.code).in_(codes)))
        if unit_id is not None
    }
    return {path: [ids[code] for code in path.split("/") if code in ids] for path in paths}


async def ancestor_ids(session: AsyncSession, *, unit: Unit) -> list[int]:
    """Ids of the unit and all units above it, from the materialised path."""
    return (await chains(session, paths=[unit.path]))[unit.path]


async def leader_unit_ids(session: AsyncSession, *, telegram_user_id: int) -> list[int]:
    rows = await session.exec(select(UnitLeader.unit_id).where(UnitLeader.telegram_user_id == telegram_user_id))
    return list(rows)


async def is_leader_of(session: AsyncSession, *, unit: Unit, telegram_user_id: int) -> bool:
    """True for a leader of the unit or of any unit above it (a village's 书记 leads its grids)."""
    ids = await ancestor_ids(session, unit=unit)
    query = (
        select(func.count())
        .select_from(UnitLeader)
        .where(col(UnitLeader.unit_id).in_(ids), UnitLeader.telegram_user_id == telegram_user_id)
    )
    return bool((await session.exec(query)).one())


async def leaders_of(session: AsyncSession, *, unit_id: int) -> list[int]:
    rows = await session.exec(select(UnitLeader.telegram_user_id).where(UnitLeader.unit_id == unit_id))
    return sorted(rows)


async def set_leaders(session: AsyncSession, *, unit_id: int, telegram_user_ids: Sequence[int]) -> bool:
    """Make the unit's leaders exactly ``telegram_user_ids`` (the roster is the source of truth);
    True when that changed anything (a re-import reports only what it changed)."""
    existing = (await session.exec(select(UnitLeader).where(UnitLeader.unit_id == unit_id))).all()
    added = await replace_leaders(session, existing=existing, telegram_user_ids=telegram_user_ids)
    for user_id in added:
        session.add(UnitLeader(unit_id=unit_id, telegram_user_id=user_id))
    return bool(added) or len(existing) != len(set(telegram_user_ids) - set(added))


class _Leader(Protocol):
    telegram_user_id: int


async def replace_leaders(
    session: AsyncSession, *, existing: Sequence[_Leader], telegram_user_ids: Sequence[int]
) -> set[int]:
    """Delete the ``existing`` leader rows not among ``telegram_user_ids``; the ids still to add."""
    wanted = set(telegram_user_ids)
    for leader in existing:
        if leader.telegram_user_id not in wanted:
            await session.delete(leader)
    return wanted - {leader.telegram_user_id for leader in existing}


async def tree_summary(session: AsyncSession, *, root: Unit | None) -> list[tuple[Unit, int, int | None]]:
    """Each unit of the subtree with its active-household count (summed over grids below) and bound chat."""
    units = await subtree(session, root=root)
    grid_counts = dict(
        (
            await session.exec(
                select(Household.grid_id, func.count())
                .where(col(Household.active).is_(True))
                .group_by(col(Household.grid_id))
            )
        ).all()
    )
    chats = dict(
        (
            await session.exec(select(ChatBinding.unit_id, ChatBinding.chat_id).where(ChatBinding.status == "active"))
        ).all()
    )
    totals: dict[str, int] = {}
    for unit in units:
        count = grid_counts.get(unit.id or 0, 0)
        if count:
            prefix = ""
            for code in unit.path.split("/"):
                prefix = f"{prefix}/{code}" if prefix else code
                totals[prefix] = totals.get(prefix, 0) + count
    return [(unit, totals.get(unit.path, 0), chats.get(unit.id or 0)) for unit in units]
