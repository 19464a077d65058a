"""Queries behind the leaders' views of a unit's day: counts per grid, who has not checked in,
who is under monitoring, and one household's recent history.

Every query takes the unit whose group asked (``root``) and covers the grids below it, so the
same function answers in a grid group, a village group and a town group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    CheckIn,
    Household,
    OrderStatus,
    Person,
    Returnee,
    SupplyOrder,
    Unit,
    UnitLevel,
    UnitSettings,
)

#: Orders still waiting for someone to act on them.
PENDING_ORDER = (OrderStatus.OPEN, OrderStatus.ACCEPTED)


def in_subtree(root: Unit) -> Any:
    """A condition on ``Unit``: the unit is ``root`` or below it (by the materialised path)."""
    return or_(col(Unit.path) == root.path, col(Unit.path).startswith(root.path + "/", autoescape=True))


def subtree_grid_ids(root: Unit) -> Any:
    """A subquery of the ids of the grids at or below ``root``."""
    return select(Unit.id).where(Unit.level == UnitLevel.GRID, in_subtree(root)).scalar_subquery()


async def subtree_grids(session: AsyncSession, *, root: Unit) -> Sequence[Unit]:
    query = select(Unit).where(Unit.level == UnitLevel.GRID, in_subtree(root)).order_by(col(Unit.path))
    return (await session.exec(query)).all()


async def children(session: AsyncSession, *, unit: Unit) -> Sequence[Unit]:
    query = select(Unit).where(Unit.parent_id == unit.id).order_by(col(Unit.path))
    return (await session.exec(query)).all()


@dataclass(frozen=True)
class GridCounts:
    """One grid's day in numbers."""

    households: int = 0
    checked_in: int = 0
    abnormal: int = 0
    open_orders: int = 0
    urgent_orders: int = 0
    monitoring: int = 0

    def __add__(self, other: GridCounts) -> GridCounts:
        return GridCounts(
            households=self.households + other.households,
            checked_in=self.checked_in + other.checked_in,
            abnormal=self.abnormal + other.abnormal,
            open_orders=self.open_orders + other.open_orders,
            urgent_orders=self.urgent_orders + other.urgent_orders,
            monitoring=self.monitoring + other.monitoring,
        )


def _under_monitoring(day: date) -> Any:
    """Arrived (or reported) on or before ``day`` and still within the monitoring period."""
    started = func.coalesce(col(Returnee.arrival), col(Returnee.day))
    return sa.and_(col(Returnee.monitor_until) >= day, started <= day)


async def grid_counts(session: AsyncSession, *, root: Unit, day: date) -> dict[int, GridCounts]:
    """Counts for each grid below ``root`` on ``day``, keyed by grid id, each a SQL GROUP BY."""
    grids = subtree_grid_ids(root)
    households = await session.exec(
        select(Household.grid_id, func.count())
        .where(col(Household.active).is_(True), col(Household.grid_id).in_(grids))
        .group_by(col(Household.grid_id))
    )
    abnormal = func.sum(sa.case((col(CheckIn.abnormal).is_(True), 1), else_=0))
    checkins = await session.exec(
        select(CheckIn.grid_id, func.count(), abnormal)
        .join(Household, col(Household.id) == col(CheckIn.household_id))
        .where(CheckIn.day == day, col(Household.active).is_(True), col(CheckIn.grid_id).in_(grids))
        .group_by(col(CheckIn.grid_id))
    )
    urgent = func.sum(sa.case((col(SupplyOrder.urgent).is_(True), 1), else_=0))
    orders = await session.exec(
        select(SupplyOrder.grid_id, func.count(), urgent)
        .where(col(SupplyOrder.status).in_(PENDING_ORDER), col(SupplyOrder.grid_id).in_(grids))
        .group_by(col(SupplyOrder.grid_id))
    )
    returnees = await session.exec(
        select(Returnee.grid_id, func.count())
        .where(_under_monitoring(day), col(Returnee.grid_id).in_(grids))
        .group_by(col(Returnee.grid_id))
    )
    counts: dict[int, dict[str, int]] = {}
    for grid_id, households_count in households:
        counts.setdefault(grid_id, {})["households"] = households_count
    for grid_id, checked, abnormal_count in checkins:
        counts.setdefault(grid_id, {}).update(checked_in=checked, abnormal=int(abnormal_count or 0))
    for grid_id, open_count, urgent_count in orders:
        counts.setdefault(grid_id, {}).update(open_orders=open_count, urgent_orders=int(urgent_count or 0))
    for grid_id, monitoring in returnees:
        counts.setdefault(grid_id, {})["monitoring"] = monitoring
    return {grid_id: GridCounts(**values) for grid_id, values in counts.items()}


async def abnormal_checkins(
    session: AsyncSession, *, root: Unit, day: date
) -> Sequence[tuple[CheckIn, Household, Unit]]:
    """The day's abnormal check-ins below ``root``, by grid, in roster order."""
    query = (
        select(CheckIn, Household, Unit)
        .join(Household, col(Household.id) == col(CheckIn.household_id))
        .join(Unit, col(Unit.id) == col(CheckIn.grid_id))
        .where(CheckIn.day == day, col(CheckIn.abnormal).is_(True), in_subtree(root))
        .order_by(col(Unit.path), col(Household.id))
    )
    return (await session.exec(query)).all()


async def households_without_checkin(
    session: AsyncSession, *, root: Unit, day: date
) -> Sequence[tuple[Household, Unit]]:
    """Active households below ``root`` with no check-in on ``day``, by grid, in roster order."""
    checked = select(CheckIn.household_id).where(CheckIn.day == day)
    query = (
        select(Household, Unit)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(col(Household.active).is_(True), in_subtree(root), col(Household.id).not_in(checked))
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
        .where(_under_monitoring(day), in_subtree(root))
        .order_by(col(Unit.path), func.coalesce(col(Returnee.arrival), col(Returnee.day)), col(Returnee.id))
    )
    return (await session.exec(query)).all()


async def households_at(session: AsyncSession, *, root: Unit, address_key: str) -> Sequence[tuple[Household, Unit]]:
    """Households at this address in the grids below ``root`` (one per grid at most)."""
    query = (
        select(Household, Unit)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(Household.address_key == address_key, in_subtree(root))
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
