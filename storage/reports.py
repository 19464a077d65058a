"""The SQL behind daily reports: per-grid aggregates for one day, and the few detail rows digests list.

Every figure is one GROUP BY over the rows of one table, restricted to a unit subtree by the
materialised path; villages and towns are sums of their grids (done by the caller, over at
most a few thousand grid rows). Nothing here loops over households or records in Python.

Instants are compared in UTC (both databases store them so); ``start`` is the local midnight
that began the day and ``as_of`` the instant the report describes (the cutoff, or the day's end).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import returnee_plan
from storage.dialect import as_utc, dialect_of, upsert
from storage.models import (
    BindingStatus,
    ChatBinding,
    CheckIn,
    DayOff,
    Household,
    OrderItem,
    OrderStatus,
    Person,
    Returnee,
    SupplyOrder,
    Unit,
    UnitLevel,
    UnitReport,
)

OPEN_STATUSES = (OrderStatus.OPEN, OrderStatus.ACCEPTED)
#: An order still open this long after it was placed is overdue (超时).
OVERDUE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Counts:
    """What a report counts for one unit and day; a parent's counts are the sum of its grids'."""

    households: int = 0
    checked_in: int = 0
    abnormal: int = 0
    returnees_new: int = 0
    returnees_monitoring: int = 0
    returnees_ending: int = 0
    returnees_tests_due: int = 0
    orders_new: int = 0
    orders_delivered: int = 0
    orders_open: int = 0
    orders_overdue: int = 0
    orders_urgent_open: int = 0
    #: A testing campaign's persons to test (应检), tested (已检), and 需上门 households still missing
    #: someone; all 0 where no campaign runs that day.
    tests_due: int = 0
    tested: int = 0
    tests_at_home: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class ReportUnit:
    id: int
    code: str
    name: str
    level: UnitLevel
    parent_id: int | None
    path: str
    chat_id: int | None


@dataclass(frozen=True)
class Confirmation:
    unit_id: int
    zero: bool
    confirmed_by: int
    confirmed_at: datetime
    #: The confirming leader's Telegram name if the bot has seen them, else their id.
    name: str
    #: The grid's counts as confirmed (None for confirmations stored before they were kept).
    counts: Counts | None = None


def counts_json(counts: Counts) -> dict[str, int]:
    """Counts as stored with a confirmation (``unit_reports.figures``)."""
    return asdict(counts)


def counts_of(stored: dict[str, int] | None) -> Counts | None:
    """Stored counts back; a figure added to ``Counts`` since reads 0, one since dropped is ignored."""
    if stored is None:
        return None
    return Counts(**{f.name: int(stored.get(f.name, 0)) for f in fields(Counts)})


@dataclass(frozen=True)
class AbnormalRow:
    """A household reported abnormal that day; ``head`` is as stored (the caller masks it)."""

    grid_id: int
    address: str
    head: str | None
    temperature: float | None
    symptoms: str | None
    test_type: str | None
    test_result: str | None


@dataclass(frozen=True)
class NewReturneeRow:
    grid_id: int
    address: str
    name: str | None
    origin: str | None
    arrival: date | None
    transport_mode: str | None
    transport_number: str | None
    monitor_until: date | None


def in_subtree(path_column: Any, root_path: str | None) -> ColumnElement[bool]:
    """``path`` is the root's or lies below it; everything when there is no root."""
    if root_path is None:
        return sa.true()
    return or_(path_column == root_path, path_column.startswith(root_path + "/", autoescape=True))


def grids_in_subtree(root_path: str | None) -> Any:
    """A subquery of the ids of the units in the subtree, to filter record tables by ``grid_id``."""
    return sa.select(col(Unit.id)).where(in_subtree(col(Unit.path), root_path)).scalar_subquery()


async def _rows(session: AsyncSession, query: Any) -> Sequence[Any]:
    """Run a core ``select`` (sqlmodel's typed one stops at four columns) and return its rows."""
    rows: Sequence[Any] = (await session.exec(query)).all()
    return rows


def _restrict(query: Any, grid_column: Any, root_path: str | None) -> Any:
    return query if root_path is None else query.where(grid_column.in_(grids_in_subtree(root_path)))


def _count_if(condition: ColumnElement[bool]) -> Any:
    return func.sum(sa.case((condition, 1), else_=0))


async def report_units(session: AsyncSession, *, root_path: str | None) -> list[ReportUnit]:
    """The subtree's units, parents before children, each with its active group (if bound)."""
    query = (
        sa.select(
            col(Unit.id),
            col(Unit.code),
            col(Unit.name),
            col(Unit.level),
            col(Unit.parent_id),
            col(Unit.path),
            col(ChatBinding.chat_id),
        )
        .outerjoin(
            ChatBinding,
            sa.and_(col(ChatBinding.unit_id) == col(Unit.id), col(ChatBinding.status) == BindingStatus.ACTIVE),
        )
        .where(in_subtree(col(Unit.path), root_path))
        .order_by(col(Unit.path))
    )
    return [
        ReportUnit(id=r[0], code=r[1], name=r[2], level=UnitLevel(r[3]), parent_id=r[4], path=r[5], chat_id=r[6])
        for r in await _rows(session, query)
    ]


_Merge = Callable[[Sequence[Any], Sequence[str]], None]


async def grid_counts(
    session: AsyncSession, *, root_path: str | None, day: date, start: datetime, as_of: datetime
) -> dict[int, Counts]:
    """Per grid: households, check-ins, returnees and orders for ``day`` as of ``as_of`` (one GROUP BY each)."""
    counts: dict[int, dict[str, int]] = {}

    def merge(rows: Sequence[Any], names: Sequence[str]) -> None:
        for grid_id, *values in rows:
            counts.setdefault(grid_id, {}).update({n: int(v or 0) for n, v in zip(names, values, strict=True)})

    await _household_counts(session, merge, root_path=root_path, day=day)
    await _returnee_counts(session, merge, root_path=root_path, day=day)
    await _order_counts(session, merge, root_path=root_path, day=day, start=start, as_of=as_of)
    return {grid_id: Counts(**values) for grid_id, values in counts.items()}


async def _household_counts(session: AsyncSession, merge: _Merge, *, root_path: str | None, day: date) -> None:
    active = col(Household.active).is_(True)
    households = sa.select(col(Household.grid_id), func.count()).where(active).group_by(col(Household.grid_id))
    merge((await _rows(session, _restrict(households, col(Household.grid_id), root_path))), ["households"])
    checkins = (
        sa.select(col(CheckIn.grid_id), func.count(), _count_if(col(CheckIn.abnormal).is_(True)))
        .join(Household, col(Household.id) == col(CheckIn.household_id))
        .where(col(CheckIn.day) == day, active)
        .group_by(col(CheckIn.grid_id))
    )
    merge((await _rows(session, _restrict(checkins, col(CheckIn.grid_id), root_path))), ["checked_in", "abnormal"])


async def _returnee_counts(session: AsyncSession, merge: _Merge, *, root_path: str | None, day: date) -> None:
    """New, monitored, ending and due a test, by the monitoring plan's own conditions."""
    returnees = (
        sa.select(
            col(Returnee.grid_id),
            _count_if(col(Returnee.day) == day),
            _count_if(returnee_plan.monitored_on(day)),
            _count_if(col(Returnee.monitor_until) == day),
            _count_if(returnee_plan.test_due_on(dialect_of(session), day)),
        )
        .where(or_(col(Returnee.day) == day, col(Returnee.monitor_until) >= day))
        .group_by(col(Returnee.grid_id))
    )
    merge(
        (await _rows(session, _restrict(returnees, col(Returnee.grid_id), root_path))),
        ["returnees_new", "returnees_monitoring", "returnees_ending", "returnees_tests_due"],
    )


async def _order_counts(
    session: AsyncSession, merge: _Merge, *, root_path: str | None, day: date, start: datetime, as_of: datetime
) -> None:
    status, created = col(SupplyOrder.status), col(SupplyOrder.created_at)
    delivered_at, cancelled_at = col(SupplyOrder.delivered_at), col(SupplyOrder.cancelled_at)
    still_open = sa.and_(
        created <= as_of,
        or_(
            status.in_(OPEN_STATUSES),
            sa.and_(status == OrderStatus.DELIVERED, delivered_at > as_of),
            sa.and_(status == OrderStatus.CANCELLED, cancelled_at > as_of),
        ),
    )
    orders = (
        sa.select(
            col(SupplyOrder.grid_id),
            _count_if(col(SupplyOrder.day) == day),
            _count_if(sa.and_(status == OrderStatus.DELIVERED, delivered_at >= start, delivered_at <= as_of)),
            _count_if(still_open),
            _count_if(sa.and_(still_open, created < as_of - OVERDUE_AFTER)),
            _count_if(sa.and_(still_open, col(SupplyOrder.urgent).is_(True))),
        )
        .where(
            created <= as_of,
            or_(col(SupplyOrder.day) == day, status.in_(OPEN_STATUSES), delivered_at >= start, cancelled_at > as_of),
        )
        .group_by(col(SupplyOrder.grid_id))
    )
    merge(
        (await _rows(session, _restrict(orders, col(SupplyOrder.grid_id), root_path))),
        ["orders_new", "orders_delivered", "orders_open", "orders_overdue", "orders_urgent_open"],
    )


async def confirmations(session: AsyncSession, *, day: date, as_of: datetime) -> dict[int, Confirmation]:
    """Units whose report for ``day`` was confirmed by ``as_of`` (a later confirmation is still 未报 then)."""
    query = (
        sa.select(
            col(UnitReport.unit_id),
            col(UnitReport.zero),
            col(UnitReport.confirmed_by),
            col(UnitReport.confirmed_at),
            col(Person.display_name),
            col(UnitReport.figures),
        )
        .outerjoin(Person, col(Person.telegram_user_id) == col(UnitReport.confirmed_by))
        .where(col(UnitReport.day) == day, col(UnitReport.confirmed_at) <= as_of)
    )
    return {
        row[0]: Confirmation(
            unit_id=row[0],
            zero=row[1],
            confirmed_by=row[2],
            confirmed_at=as_utc(row[3]),
            name=row[4] or str(row[2]),
            counts=counts_of(row[5]),
        )
        for row in await _rows(session, query)
    }


async def days_off(session: AsyncSession, *, day: date) -> list[int | None]:
    """Units (``None`` = everyone) that declared ``day`` a day off."""
    return [row[0] for row in await _rows(session, sa.select(col(DayOff.unit_id)).where(col(DayOff.day) == day))]


async def abnormal_rows(session: AsyncSession, *, root_path: str | None, day: date) -> list[AbnormalRow]:
    query = (
        sa.select(
            col(CheckIn.grid_id),
            col(Household.address),
            col(Household.head),
            col(CheckIn.temperature),
            col(CheckIn.symptoms),
            col(CheckIn.test_type),
            col(CheckIn.test_result),
        )
        .join(Household, col(Household.id) == col(CheckIn.household_id))
        .where(col(CheckIn.day) == day, col(CheckIn.abnormal).is_(True), col(Household.active).is_(True))
        .order_by(col(CheckIn.grid_id), col(Household.address))
    )
    return [AbnormalRow(*row) for row in await _rows(session, _restrict(query, col(CheckIn.grid_id), root_path))]


async def new_returnee_rows(session: AsyncSession, *, root_path: str | None, day: date) -> list[NewReturneeRow]:
    query = (
        sa.select(
            col(Returnee.grid_id),
            col(Household.address),
            col(Returnee.name),
            col(Returnee.origin),
            col(Returnee.arrival),
            col(Returnee.transport_mode),
            col(Returnee.transport_number),
            col(Returnee.monitor_until),
        )
        .join(Household, col(Household.id) == col(Returnee.household_id))
        .where(col(Returnee.day) == day)
        .order_by(col(Returnee.grid_id), col(Returnee.id))
    )
    return [NewReturneeRow(*row) for row in await _rows(session, _restrict(query, col(Returnee.grid_id), root_path))]


async def record_confirmation(
    session: AsyncSession, *, unit_id: int, day: date, zero: bool, user_id: int, at: datetime, counts: Counts
) -> bool:
    """Store a unit's confirmation, with the counts confirmed, unless one exists (two leaders pressing at once):
    True if this one counted."""
    statement = (
        upsert(session, UnitReport)
        .values(
            unit_id=unit_id,
            day=day,
            zero=zero,
            confirmed_by=user_id,
            confirmed_at=as_utc(at),
            figures=counts_json(counts),
        )
        .on_conflict_do_nothing(index_elements=["unit_id", "day"])
    )
    return bool((await session.exec(statement)).rowcount)


async def confirmation_of(session: AsyncSession, *, unit_id: int, day: date) -> UnitReport | None:
    query = select(UnitReport).where(col(UnitReport.unit_id) == unit_id, col(UnitReport.day) == day)
    return (await session.exec(query)).first()


async def add_days_off(session: AsyncSession, *, unit_id: int, days: Sequence[date]) -> None:
    """Mark ``days`` off for the unit (and so for everything below it); days already off stay as they are."""
    statement = (
        upsert(session, DayOff)
        .values([{"unit_id": unit_id, "day": day} for day in days])
        .on_conflict_do_nothing(index_elements=["unit_id", "day"])
    )
    await session.exec(statement)


# --- the ledger (台账): rows streamed for a subtree and a date range --------------------------

_GRID, _VILLAGE = aliased(Unit, name="grid"), aliased(Unit, name="village")


def _with_places(query: Any, grid_column: Any) -> Any:
    """Join the grid and its village, for the ledger's place columns."""
    return query.join(_GRID, col(_GRID.id) == grid_column).join(_VILLAGE, col(_VILLAGE.id) == col(_GRID.parent_id))


#: For the other ledger queries (``storage.duties``): the grid and village aliases and their join.
GRID_ALIAS, VILLAGE_ALIAS, with_places = _GRID, _VILLAGE, _with_places


async def stream_rows(session: AsyncSession, query: Any) -> AsyncIterator[Sequence[Any]]:
    """Rows in batches from the server, so a county-wide ledger never sits in memory at once."""
    result = await session.stream(query.execution_options(yield_per=2000))
    async for row in result:
        yield row


def checkin_ledger(root_path: str | None, day: date) -> Any:
    """Every active household of the subtree with its check-in that day, if any.

    Rows come by grid; the last column of this and the other household ledgers is the address key,
    from which the services order each grid's rows (SQL can only order the address as text)."""
    checkin = aliased(CheckIn, name="checkin")
    query = sa.select(
        col(_VILLAGE.name),
        col(_GRID.name),
        col(_GRID.path),
        col(Household.address),
        col(Household.head),
        col(Household.members),
        col(checkin.id).is_not(None),
        col(checkin.persons),
        col(checkin.temperature),
        col(checkin.symptoms),
        col(checkin.test_type),
        col(checkin.test_result),
        col(checkin.abnormal),
        col(Household.address_key),
    ).outerjoin(checkin, sa.and_(col(checkin.household_id) == col(Household.id), col(checkin.day) == day))
    query = _with_places(query, col(Household.grid_id)).where(col(Household.active).is_(True))
    return _restrict(query, col(Household.grid_id), root_path).order_by(col(_GRID.path), col(Household.address))


def order_ledger(root_path: str | None, start: date, end: date) -> Any:
    query = sa.select(
        col(SupplyOrder.id),
        col(SupplyOrder.day),
        col(_VILLAGE.name),
        col(_GRID.name),
        col(SupplyOrder.number),
        col(Household.address),
        col(Household.head),
        func.coalesce(col(SupplyOrder.phone), col(Household.phone)),
        col(SupplyOrder.urgent),
        col(SupplyOrder.status),
        col(SupplyOrder.created_at),
        col(SupplyOrder.delivered_at),
    ).join(Household, col(Household.id) == col(SupplyOrder.household_id))
    query = _with_places(query, col(SupplyOrder.grid_id)).where(col(SupplyOrder.day).between(start, end))
    return _restrict(query, col(SupplyOrder.grid_id), root_path).order_by(
        col(SupplyOrder.day), col(_GRID.path), col(SupplyOrder.number)
    )


def order_item_ledger(root_path: str | None, start: date, end: date) -> Any:
    """The items of the orders ``order_ledger`` lists: (order id, name, qty, unit)."""
    query = (
        sa.select(col(OrderItem.order_id), col(OrderItem.name), col(OrderItem.qty), col(OrderItem.unit))
        .join(SupplyOrder, col(SupplyOrder.id) == col(OrderItem.order_id))
        .where(col(SupplyOrder.day).between(start, end))
        .order_by(col(OrderItem.id))
    )
    return _restrict(query, col(SupplyOrder.grid_id), root_path)


def returnee_ledger(root_path: str | None, start: date, end: date) -> Any:
    """Returnees reported in the range, or under monitoring during it."""
    query = sa.select(
        col(Returnee.day),
        col(_VILLAGE.name),
        col(_GRID.name),
        col(Household.address),
        col(Returnee.name),
        col(Returnee.origin),
        col(Returnee.arrival),
        col(Returnee.transport_mode),
        col(Returnee.transport_number),
        col(Returnee.id_last4),
        col(Returnee.phone),
        col(Returnee.test_type),
        col(Returnee.test_result),
        col(Returnee.monitor_until),
        col(Household.address_key),
    ).join(Household, col(Household.id) == col(Returnee.household_id))
    query = _with_places(query, col(Returnee.grid_id)).where(
        or_(col(Returnee.day).between(start, end), returnee_plan.monitored_between(start, end))
    )
    return _restrict(query, col(Returnee.grid_id), root_path).order_by(
        col(Returnee.day), col(_GRID.path), col(Returnee.id)
    )


def abnormal_ledger(root_path: str | None, start: date, end: date) -> Any:
    query = sa.select(
        col(CheckIn.day),
        col(_VILLAGE.name),
        col(_GRID.name),
        col(Household.address),
        col(Household.head),
        col(CheckIn.temperature),
        col(CheckIn.symptoms),
        col(CheckIn.test_type),
        col(CheckIn.test_result),
        col(Household.address_key),
    ).join(Household, col(Household.id) == col(CheckIn.household_id))
    query = _with_places(query, col(CheckIn.grid_id)).where(
        col(CheckIn.day).between(start, end), col(CheckIn.abnormal).is_(True)
    )
    return _restrict(query, col(CheckIn.grid_id), root_path).order_by(
        col(CheckIn.day), col(_GRID.path), col(Household.address)
    )


async def day_off_codes(session: AsyncSession, *, day: date) -> set[str | None]:
    """Codes of the units off on ``day`` (None: everyone), to mark a grid off when a code is on its path."""
    query = sa.select(col(Unit.code)).select_from(DayOff).outerjoin(Unit, col(Unit.id) == col(DayOff.unit_id))
    return {row[0] for row in await _rows(session, query.where(col(DayOff.day) == day))}
