"""Queries behind the leaders' views of a unit's day: who has not checked in, who is under
monitoring, and one household's recent history (the day's counts are the reports' own queries,
so /status and the daily report never disagree).

Every query takes the unit whose group asked (``root``) and covers the grids below it, so the
same function answers in a grid group, a village group and a town group.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import CheckIn, Household, Person, Returnee, Unit, UnitSettings
from storage.reports import in_subtree


def _below(root: Unit) -> Any:
    return in_subtree(col(Unit.path), root.path)


async def active_households(session: AsyncSession, *, root: Unit) -> int:
    """How many active households the grids below ``root`` have."""
    query = (
        select(func.count())
        .select_from(Household)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(col(Household.active).is_(True), _below(root))
    )
    return (await session.exec(query)).one()


def _under_monitoring(day: date) -> Any:
    """Arrived (or reported) on or before ``day`` and still within the monitoring period."""
    started = func.coalesce(col(Returnee.arrival), col(Returnee.day))
    return sa.and_(col(Returnee.monitor_until) >= day, started <= day)


async def households_without_checkin(
    session: AsyncSession, *, root: Unit, day: date
) -> Sequence[tuple[Household, Unit]]:
    """Active households below ``root`` with no check-in on ``day``, by grid, in roster order."""
    checked = select(CheckIn.household_id).where(CheckIn.day == day)
    query = (
        select(Household, Unit)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(col(Household.active).is_(True), _below(root), col(Household.id).not_in(checked))
        .order_by(col(Unit.path), col(Household.id))
    )
    return (await session.exec(query)).all()


async def linked_people(session: AsyncSession, *, household_ids: Sequence[int]) -> Sequence[Person]:
    """People linked to any of the households, oldest link first."""
    if not household_ids:
        return []
    query = select(Person).where(col(Person.household_id).in_(household_ids)).order_by(col(Person.id))
    return (await session.exec(query)).all()


async def mentions_allowed(session: AsyncSession, *, unit_id: int) -> bool:
    """A unit's leader may have switched @mentions off (``/remind``); on by default."""
    settings = await session.get(UnitSettings, unit_id)
    return settings is None or settings.mentions


async def monitored_returnees(
    session: AsyncSession, *, root: Unit, day: date
) -> Sequence[tuple[Returnee, Household, Unit]]:
    """Returnees below ``root`` under monitoring on ``day``, earliest arrival first."""
    query = (
        select(Returnee, Household, Unit)
        .join(Household, col(Household.id) == col(Returnee.household_id))
        .join(Unit, col(Unit.id) == col(Returnee.grid_id))
        .where(_under_monitoring(day), _below(root))
        .order_by(col(Unit.path), func.coalesce(col(Returnee.arrival), col(Returnee.day)), col(Returnee.id))
    )
    return (await session.exec(query)).all()


async def households_at(session: AsyncSession, *, root: Unit, address_key: str) -> Sequence[tuple[Household, Unit]]:
    """Households at this address in the grids below ``root`` (one per grid at most)."""
    query = (
        select(Household, Unit)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(Household.address_key == address_key, _below(root))
        .order_by(col(Unit.path))
    )
    return (await session.exec(query)).all()


async def household_with_grid(session: AsyncSession, *, household_id: int) -> tuple[Household, Unit] | None:
    query = (
        select(Household, Unit).join(Unit, col(Unit.id) == col(Household.grid_id)).where(Household.id == household_id)
    )
    return (await session.exec(query)).first()


async def recent_checkins(session: AsyncSession, *, household_id: int, since: date) -> Sequence[CheckIn]:
    query = (
        select(CheckIn)
        .where(CheckIn.household_id == household_id, CheckIn.day >= since)
        .order_by(col(CheckIn.day).desc())
    )
    return (await session.exec(query)).all()


async def recent_returnees(session: AsyncSession, *, household_id: int, since: date) -> Sequence[Returnee]:
    """Returnees reported since ``since`` or still under monitoring then."""
    query = (
        select(Returnee)
        .where(
            Returnee.household_id == household_id,
            or_(col(Returnee.day) >= since, col(Returnee.monitor_until) >= since),
        )
        .order_by(col(Returnee.day).desc(), col(Returnee.id).desc())
    )
    return (await session.exec(query)).all()
