"""Queries on units' group robots (``RobotTarget``): WeCom, DingTalk and Feishu webhooks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import BindingStatus, ChatBinding, RobotTarget, Unit

ACTIVE = "active"
BROKEN = "broken"
_ERROR_LENGTH = 512


async def upsert_target(
    session: AsyncSession, *, unit_id: int, platform: str, url: str, secret: str | None
) -> tuple[RobotTarget, bool]:
    """Add the robot to the unit, or mend the one with this URL (new secret, active again).

    Returns the target and whether anything changed.
    """
    query = select(RobotTarget).where(RobotTarget.unit_id == unit_id, RobotTarget.url == url)
    target = (await session.exec(query)).first()
    if target is not None and (target.platform, target.secret, target.status) == (platform, secret, ACTIVE):
        return target, False
    target = target or RobotTarget(unit_id=unit_id, platform=platform, url=url)
    target.platform, target.secret, target.status, target.last_error = platform, secret, ACTIVE, None
    session.add(target)
    await session.flush()
    return target, True


async def targets_by_id(session: AsyncSession, *, target_ids: Sequence[int]) -> dict[int, RobotTarget]:
    if not target_ids:
        return {}
    query = select(RobotTarget).where(col(RobotTarget.id).in_(set(target_ids)))
    return {target.id: target for target in await session.exec(query) if target.id is not None}


async def targets_with_units(session: AsyncSession, *, unit_id: int | None = None) -> list[tuple[RobotTarget, Unit]]:
    """Every robot (of one unit, if given) with its unit, by unit code."""
    query = select(RobotTarget, Unit).join(Unit, col(Unit.id) == RobotTarget.unit_id)
    if unit_id is not None:
        query = query.where(RobotTarget.unit_id == unit_id)
    rows = await session.exec(query.order_by(col(Unit.code), col(RobotTarget.id)))
    return [(target, unit) for target, unit in rows]


async def active_targets_of_chats(session: AsyncSession, *, chat_ids: Sequence[int]) -> dict[int, list[RobotTarget]]:
    """The working robots of the units actively bound to these groups, by chat id."""
    if not chat_ids:
        return {}
    query = (
        select(ChatBinding.chat_id, RobotTarget)
        .join(RobotTarget, col(RobotTarget.unit_id) == ChatBinding.unit_id)
        .where(
            col(ChatBinding.chat_id).in_(set(chat_ids)),
            ChatBinding.status == BindingStatus.ACTIVE,
            RobotTarget.status == ACTIVE,
        )
        .order_by(col(RobotTarget.id))
    )
    found: dict[int, list[RobotTarget]] = {}
    for chat_id, target in await session.exec(query):
        found.setdefault(chat_id, []).append(target)
    return found


async def mark_broken(session: AsyncSession, *, target_id: int, error: str) -> bool:
    """The platform refused the robot's key or signature; True when it was working until now."""
    target = await session.get(RobotTarget, target_id)
    if target is None or target.status == BROKEN:
        return False
    target.status, target.last_error = BROKEN, error[:_ERROR_LENGTH]
    session.add(target)
    return True
