"""Reads and writes of the grid's standing duties: pairings (结对帮困) and their visits, disinfection
points (消杀点位) and the disinfection log, and who took delivery of an order (领取人).

Subtree queries take a root path like ``storage.reports`` (None: everything) and return plain rows;
what is due, overdue or outstanding is the services' to decide (``services.visits``,
``services.disinfection_log``), since frequencies come from configuration as well as from rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import (
    DisinfectionPoint,
    DisinfectionRecord,
    Household,
    OrderStatus,
    Pairing,
    Person,
    Returnee,
    SupplyOrder,
    VisitRecord,
)
from storage.reports import GRID_ALIAS as _GRID
from storage.reports import VILLAGE_ALIAS as _VILLAGE
from storage.reports import grids_in_subtree, with_places


def _in(grid_column: Any, root_path: str | None) -> Any:
    return sa.true() if root_path is None else grid_column.in_(grids_in_subtree(root_path))


async def _rows(session: AsyncSession, query: Any) -> Sequence[Any]:
    """A core ``select``'s rows through the connection: no ORM loading for the many plain rows here."""
    rows: Sequence[Any] = (await (await session.connection()).execute(query)).all()
    return rows


# --- pairings ---------------------------------------------------------------------------------


def helper_key(*, helper_id: int | None, helper_name: str) -> str:
    """What makes a helper one per household: their Telegram id, else the name a roster gave."""
    return f"tg:{helper_id}" if helper_id is not None else f"name:{helper_name}"


async def add_pairing(session: AsyncSession, *, pairing: Pairing) -> bool:
    """Store a pairing, or update the frequency of the same helper's pairing: True if it is new."""
    existing = (
        await session.exec(
            select(Pairing).where(
                col(Pairing.household_id) == pairing.household_id, col(Pairing.helper_key) == pairing.helper_key
            )
        )
    ).first()
    if existing is None:
        session.add(pairing)
        return True
    existing.every_days, existing.helper_name = pairing.every_days, pairing.helper_name or existing.helper_name
    session.add(existing)
    return False


async def sync_roster_pairings(session: AsyncSession, *, grid_ids: Sequence[int], pairings: Sequence[Pairing]) -> None:
    """The roster's pairings of these grids become ``pairings``: a pairing kept keeps the day it was
    made (its first visit is due from then), one gone is dropped; pairings made by ``/pair`` stay."""
    stored = {
        (p.household_id, p.helper_key): p
        for p in await session.exec(
            select(Pairing).where(col(Pairing.grid_id).in_(grid_ids), col(Pairing.source) == "roster")
        )
    }
    wanted = {(p.household_id, p.helper_key) for p in pairings}
    for key, pairing in stored.items():
        if key not in wanted:
            await session.delete(pairing)
    await session.flush()
    for pairing in pairings:
        await add_pairing(session, pairing=pairing)


@dataclass(frozen=True)
class PairingRow:
    """A pairing with its household, and the household's visits: the last one before the week began
    and the last one up to the day asked about."""

    grid_id: int
    household_id: int
    address: str
    head: str | None
    tags: str
    address_key: str
    helper_id: int | None
    helper_name: str
    every_days: int | None
    paired_on: date
    last_before_week: date | None
    last_visit: date | None


#: The longest a pairing may go between visits (``[policy.visits]`` allows 365 days): older visits decide nothing.
LONGEST_RHYTHM = timedelta(days=366)


def _visited(root_path: str | None, monday: date, day: date) -> Any:
    """Per household: its last visit before ``monday`` and its last up to ``day``."""
    before_week = sa.case((col(VisitRecord.day) < monday, col(VisitRecord.day)), else_=None)
    return (
        sa.select(
            col(VisitRecord.household_id).label("household_id"),
            func.max(before_week, type_=sa.Date).label("before_week"),
            func.max(col(VisitRecord.day), type_=sa.Date).label("last"),
        )
        .where(col(VisitRecord.day).between(day - LONGEST_RHYTHM, day), _in(col(VisitRecord.grid_id), root_path))
        .group_by(col(VisitRecord.household_id))
        .subquery()
    )


async def pairing_rows(session: AsyncSession, *, root_path: str | None, monday: date, day: date) -> list[PairingRow]:
    """Every pairing of the subtree's active households, with their visit dates (one GROUP BY over visits)."""
    visited = _visited(root_path, monday, day)
    query = (
        sa.select(
            col(Pairing.grid_id),
            col(Pairing.household_id),
            col(Household.address),
            col(Household.head),
            col(Household.tags),
            col(Household.address_key),
            col(Pairing.helper_id),
            func.coalesce(func.nullif(col(Person.display_name), ""), col(Pairing.helper_name)),
            col(Pairing.every_days),
            col(Pairing.paired_on),
            visited.c.before_week,
            visited.c.last,
        )
        .join(Household, col(Household.id) == col(Pairing.household_id))
        .outerjoin(visited, visited.c.household_id == col(Pairing.household_id))
        .outerjoin(Person, col(Person.telegram_user_id) == col(Pairing.helper_id))
        .where(col(Household.active).is_(True), _in(col(Pairing.grid_id), root_path))
        .order_by(col(Pairing.grid_id), col(Pairing.household_id), col(Pairing.id))
    )
    return [PairingRow(*row) for row in await _rows(session, query)]


async def rhythm_rows(session: AsyncSession, *, root_path: str | None, monday: date, day: date) -> Sequence[Any]:
    """Per paired household of the subtree, for the reports' figures (no names, one row each):
    (grid id, tags, smallest pairing frequency, whether a pairing goes by the tags, first pairing day,
    last visit before ``monday``, last visit up to ``day``)."""
    visited = _visited(root_path, monday, day)
    query = (
        sa.select(
            col(Pairing.grid_id),
            col(Household.tags),
            func.min(col(Pairing.every_days)),
            func.max(sa.case((col(Pairing.every_days).is_(None), 1), else_=0)),
            func.min(col(Pairing.paired_on), type_=sa.Date),
            func.max(visited.c.before_week, type_=sa.Date),
            func.max(visited.c.last, type_=sa.Date),
        )
        .join(Household, col(Household.id) == col(Pairing.household_id))
        .outerjoin(visited, visited.c.household_id == col(Pairing.household_id))
        .where(col(Household.active).is_(True), _in(col(Pairing.grid_id), root_path))
        .group_by(col(Pairing.household_id), col(Pairing.grid_id), col(Household.tags))
    )
    return await _rows(session, query)


async def visit_counts(
    session: AsyncSession, *, root_path: str | None, start: date, end: date
) -> dict[int, tuple[int, int]]:
    """Per grid: visits made from ``start`` to ``end`` and how many of them found a concern."""
    query = (
        sa.select(
            col(VisitRecord.grid_id),
            func.count(),
            func.sum(sa.case((col(VisitRecord.concern).is_(True), 1), else_=0)),
        )
        .where(col(VisitRecord.day).between(start, end), _in(col(VisitRecord.grid_id), root_path))
        .group_by(col(VisitRecord.grid_id))
    )
    return {row[0]: (int(row[1]), int(row[2] or 0)) for row in await _rows(session, query)}


@dataclass(frozen=True)
class ConcernRow:
    grid_id: int
    day: date
    address: str
    head: str | None
    help: str | None
    visitor_name: str


async def concern_rows(session: AsyncSession, *, root_path: str | None, start: date, end: date) -> list[ConcernRow]:
    """Visits from ``start`` to ``end`` that found something needing a leader's follow-up."""
    query = (
        sa.select(
            col(VisitRecord.grid_id),
            col(VisitRecord.day),
            col(Household.address),
            col(Household.head),
            col(VisitRecord.help),
            col(VisitRecord.visitor_name),
        )
        .join(Household, col(Household.id) == col(VisitRecord.household_id))
        .where(
            col(VisitRecord.concern).is_(True),
            col(VisitRecord.day).between(start, end),
            _in(col(VisitRecord.grid_id), root_path),
        )
        .order_by(col(VisitRecord.grid_id), col(VisitRecord.day), col(VisitRecord.id))
    )
    return [ConcernRow(*row) for row in await _rows(session, query)]


# --- disinfection points and the log ------------------------------------------------------------


async def replace_points(
    session: AsyncSession, *, grid_ids: Sequence[int], points: Sequence[DisinfectionPoint]
) -> None:
    """The roster's disinfection points of these grids become ``points``."""
    if grid_ids:
        await session.exec(delete(DisinfectionPoint).where(col(DisinfectionPoint.grid_id).in_(grid_ids)))
        await session.flush()
    session.add_all(points)


async def roster_point_statuses(
    session: AsyncSession, *, root_path: str | None, start: date, end: date
) -> Sequence[Any]:
    """The roster's points of the subtree, each with the last day from ``start`` to ``end`` that a
    disinfection of its grid named it in its place (3号楼电梯 names 电梯), or None:
    (grid id, place, every days, last day), by grid."""
    done = sa.and_(
        col(DisinfectionRecord.grid_id) == col(DisinfectionPoint.grid_id),
        col(DisinfectionRecord.day).between(start, end),
        col(DisinfectionRecord.place).contains(col(DisinfectionPoint.place)),
    )
    query = (
        sa.select(
            col(DisinfectionPoint.grid_id),
            col(DisinfectionPoint.place),
            col(DisinfectionPoint.every_days),
            func.max(col(DisinfectionRecord.day), type_=sa.Date),
        )
        .select_from(DisinfectionPoint)
        .outerjoin(DisinfectionRecord, done)
        .where(_in(col(DisinfectionPoint.grid_id), root_path))
        .group_by(
            col(DisinfectionPoint.id),
            col(DisinfectionPoint.grid_id),
            col(DisinfectionPoint.place),
            col(DisinfectionPoint.every_days),
        )
        .order_by(col(DisinfectionPoint.grid_id), col(DisinfectionPoint.id))
    )
    return await _rows(session, query)


async def last_disinfections(session: AsyncSession, *, root_path: str | None, start: date, end: date) -> Sequence[Any]:
    """(grid id, place, last day from ``start`` to ``end``) of the subtree's disinfections: what the
    configured points are matched with."""
    query = (
        sa.select(
            col(DisinfectionRecord.grid_id),
            col(DisinfectionRecord.place),
            func.max(col(DisinfectionRecord.day), type_=sa.Date),
        )
        .where(
            col(DisinfectionRecord.grid_id).is_not(None),
            col(DisinfectionRecord.place).is_not(None),
            col(DisinfectionRecord.day).between(start, end),
            _in(col(DisinfectionRecord.grid_id), root_path),
        )
        .group_by(col(DisinfectionRecord.grid_id), col(DisinfectionRecord.place))
    )
    return await _rows(session, query)


@dataclass(frozen=True)
class DisinfectionRow:
    grid_id: int
    day: date
    place: str | None
    method: str | None
    agent: str | None
    operator: str | None


async def disinfection_rows(
    session: AsyncSession, *, root_path: str | None, start: date, end: date
) -> list[DisinfectionRow]:
    """The subtree's disinfections from ``start`` to ``end``, oldest first."""
    query = (
        sa.select(
            col(DisinfectionRecord.grid_id),
            col(DisinfectionRecord.day),
            col(DisinfectionRecord.place),
            col(DisinfectionRecord.method),
            col(DisinfectionRecord.agent),
            col(DisinfectionRecord.operator),
        )
        .where(
            col(DisinfectionRecord.grid_id).is_not(None),
            col(DisinfectionRecord.day).between(start, end),
            _in(col(DisinfectionRecord.grid_id), root_path),
        )
        .order_by(col(DisinfectionRecord.day), col(DisinfectionRecord.id))
    )
    return [DisinfectionRow(*row) for row in await _rows(session, query)]


# --- who took delivery --------------------------------------------------------------------------


async def set_receiver(session: AsyncSession, *, order_id: int, receiver: str) -> bool:
    """Record who took delivery of a delivered order: True if it was delivered (and so recorded)."""
    statement = (
        update(SupplyOrder)
        .where(col(SupplyOrder.id) == order_id, col(SupplyOrder.status) == OrderStatus.DELIVERED)
        .values(receiver=receiver[:64])
    )
    return bool((await session.exec(statement)).rowcount)


async def started_people(session: AsyncSession, *, user_ids: Sequence[int]) -> set[int]:
    """Those of ``user_ids`` who started the bot, so that it may write to them privately."""
    if not user_ids:
        return set()
    query = sa.select(col(Person.telegram_user_id)).where(
        col(Person.telegram_user_id).in_(user_ids), col(Person.started_bot).is_(True)
    )
    return {row[0] for row in await _rows(session, query)}


# --- the ledger's duty and population sheets (queries streamed by ``services.duty_ledger``) -----


def disinfection_ledger(root_path: str | None, start: date, end: date) -> Any:
    query = sa.select(
        col(DisinfectionRecord.day), col(_VILLAGE.name), col(_GRID.name), col(DisinfectionRecord.place),
        col(DisinfectionRecord.method), col(DisinfectionRecord.agent), col(DisinfectionRecord.operator),
    )  # fmt: skip
    query = with_places(query, col(DisinfectionRecord.grid_id)).where(col(DisinfectionRecord.day).between(start, end))
    return query.where(_in(col(DisinfectionRecord.grid_id), root_path)).order_by(
        col(DisinfectionRecord.day), col(_GRID.path), col(DisinfectionRecord.id)
    )


def household_ledger(root_path: str | None) -> Any:
    """The subtree's active households by grid (the last column is the address key, to order by)."""
    query = sa.select(
        col(_VILLAGE.name), col(_GRID.name), col(_GRID.path), col(Household.address), col(Household.head),
        col(Household.phone), col(Household.members), col(Household.tags), col(Household.address_key),
    )  # fmt: skip
    query = with_places(query, col(Household.grid_id)).where(col(Household.active).is_(True))
    return query.where(_in(col(Household.grid_id), root_path)).order_by(col(_GRID.path), col(Household.id))


def returnee_population_ledger(root_path: str | None, end: date) -> Any:
    """Every returnee reported by ``end``, monitored still or no longer."""
    query = sa.select(
        col(Returnee.day), col(_VILLAGE.name), col(_GRID.name), col(Household.address), col(Returnee.name),
        col(Returnee.origin), col(Returnee.arrival), col(Returnee.monitor_until), col(Household.phone),
        col(Household.members), col(Household.tags),
    ).join(Household, col(Household.id) == col(Returnee.household_id))  # fmt: skip
    query = with_places(query, col(Returnee.grid_id)).where(col(Returnee.day) <= end)
    return query.where(_in(col(Returnee.grid_id), root_path)).order_by(
        col(Returnee.day), col(_GRID.path), col(Returnee.id)
    )


def receipt_ledger(root_path: str | None, start: date, end: date) -> Any:
    """Delivered orders of the range: who took delivery and when (领取记录)."""
    query = sa.select(
        col(SupplyOrder.id), col(SupplyOrder.delivered_at), col(_VILLAGE.name), col(_GRID.name),
        col(SupplyOrder.number), col(Household.address), col(Household.head), col(SupplyOrder.receiver),
    ).join(Household, col(Household.id) == col(SupplyOrder.household_id))  # fmt: skip
    query = with_places(query, col(SupplyOrder.grid_id)).where(
        col(SupplyOrder.day).between(start, end), col(SupplyOrder.status) == OrderStatus.DELIVERED
    )
    return query.where(_in(col(SupplyOrder.grid_id), root_path)).order_by(
        col(SupplyOrder.day), col(_GRID.path), col(SupplyOrder.number)
    )
