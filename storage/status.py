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

from storage import returnee_plan
from storage.models import CheckIn, Household, Person, Returnee, Unit
from storage.reports import grids_in_subtree


def below(grid_id: Any, root: Unit) -> Any:
    """``grid_id`` is ``root`` or a unit below it: an IN over the subtree's ids, so the planner
    probes the record table's grid index instead of scanning it to join on paths."""
    return grid_id.in_(grids_in_subtree(root.path))


async def active_households(session: AsyncSession, *, root: Unit) -> int:
    """How many active households the grids below ``root`` have."""
    query = (
        select(func.count())
        .select_from(Household)
        .where(col(Household.active).is_(True), below(col(Household.grid_id), root))
    )
    return (await session.exec(query)).one()


async def households_without_checkin(
    session: AsyncSession, *, root: Unit, day: date
) -> Sequence[tuple[Household, Unit]]:
    """Active households below ``root`` with no check-in on ``day``, by grid, in roster order."""
    # Correlated NOT EXISTS: one probe of the (household_id, day) unique index per household,
    # rather than materialising the whole town's check-ins of the day.
    checked = sa.exists().where(col(CheckIn.household_id) == col(Household.id), col(CheckIn.day) == day)
    query = (
        select(Household, Unit)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(col(Household.active).is_(True), below(col(Household.grid_id), root), ~checked)
        .order_by(col(Unit.path), col(Household.id))
    )
    return (await session.exec(query)).all()


async def linked_people(session: AsyncSession, *, household_ids: Sequence[int]) -> Sequence[Person]:
    """People linked to any of the households, oldest link first."""
    if not household_ids:
        return []
    query = select(Person).where(col(Person.household_id).in_(household_ids)).order_by(col(Person.id))
    return (await session.exec(query)).all()


async def monitored_returnees(
    session: AsyncSession, *, root: Unit, day: date
) -> Sequence[tuple[Returnee, Household, Unit]]:
    """Returnees below ``root`` under monitoring on ``day``, earliest arrival first."""
    query = (
        select(Returnee, Household, Unit)
        .join(Household, col(Household.id) == col(Returnee.household_id))
        .join(Unit, col(Unit.id) == col(Returnee.grid_id))
        .where(returnee_plan.monitored_on(day), below(col(Returnee.grid_id), root))
        .order_by(col(Unit.path), returnee_plan.start_column(), col(Returnee.id))
    )
    return (await session.exec(query)).all()


async def households_at(session: AsyncSession, *, root: Unit, address_key: str) -> Sequence[tuple[Household, Unit]]:
    """Households at this address in the grids below ``root`` (one per grid at most)."""
    query = (
        select(Household, Unit)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(Household.address_key == address_key, below(col(Household.grid_id), root))
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
