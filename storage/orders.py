"""Queries on supply orders (你点单、我送单): the open list, the shopping list, status changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Household, MessageRecord, OrderItem, OrderStatus, SupplyOrder, Unit
from storage.reports import OPEN_STATUSES
from storage.status import below


@dataclass(frozen=True)
class ShoppingLine:
    """One line of the shopping list: an item in one unit of measure, summed over open orders."""

    name: str
    unit: str | None
    total: float | None
    households: int


async def pending_orders(session: AsyncSession, *, root: Unit) -> Sequence[tuple[SupplyOrder, Household, Unit]]:
    """Open and accepted orders below ``root``, by grid, urgent first, then by number."""
    query = (
        select(SupplyOrder, Household, Unit)
        .join(Household, col(Household.id) == col(SupplyOrder.household_id))
        .join(Unit, col(Unit.id) == col(SupplyOrder.grid_id))
        .where(col(SupplyOrder.status).in_(OPEN_STATUSES), below(col(SupplyOrder.grid_id), root))
        .order_by(col(Unit.path), col(SupplyOrder.urgent).desc(), col(SupplyOrder.number))
    )
    return (await session.exec(query)).all()


async def urgent_orders(
    session: AsyncSession, *, grid_ids: Sequence[int], day: date
) -> Sequence[tuple[SupplyOrder, Household, Unit]]:
    """The day's urgent orders in these grids still to deliver, for a leader who just opened private alerts."""
    query = (
        select(SupplyOrder, Household, Unit)
        .join(Household, col(Household.id) == col(SupplyOrder.household_id))
        .join(Unit, col(Unit.id) == col(SupplyOrder.grid_id))
        .where(
            col(SupplyOrder.grid_id).in_(grid_ids),
            SupplyOrder.day == day,
            col(SupplyOrder.urgent).is_(True),
            col(SupplyOrder.status).in_(OPEN_STATUSES),
        )
        .order_by(col(Unit.path), col(SupplyOrder.number))
    )
    return (await session.exec(query)).all()


async def items_of(session: AsyncSession, *, order_ids: Sequence[int]) -> dict[int, list[OrderItem]]:
    """Each order's items, in the order they were written."""
    items: dict[int, list[OrderItem]] = {order_id: [] for order_id in order_ids}
    if order_ids:
        query = select(OrderItem).where(col(OrderItem.order_id).in_(order_ids)).order_by(col(OrderItem.id))
        for item in await session.exec(query):
            items[item.order_id].append(item)
    return items


async def shopping_list(session: AsyncSession, *, root: Unit) -> list[ShoppingLine]:
    """What to buy for all pending orders below ``root``: GROUP BY item name and unit of measure.

    Most-wanted first, then in the order first asked for (the same on both databases, unlike
    a collation-dependent sort by name).
    """
    households = func.count(func.distinct(SupplyOrder.household_id))
    query = (
        select(OrderItem.name, OrderItem.unit, func.sum(OrderItem.qty), households)
        .join(SupplyOrder, col(SupplyOrder.id) == col(OrderItem.order_id))
        .where(col(SupplyOrder.status).in_(OPEN_STATUSES), below(col(SupplyOrder.grid_id), root))
        .group_by(col(OrderItem.name), col(OrderItem.unit))
        .order_by(households.desc(), func.min(OrderItem.id))
    )
    return [
        ShoppingLine(name=name, unit=unit, total=None if total is None else float(total), households=count)
        for name, unit, total, count in await session.exec(query)
    ]


async def orders_numbered(session: AsyncSession, *, root: Unit, number: int) -> Sequence[tuple[SupplyOrder, Unit]]:
    """Orders with this short number below ``root``: one in a grid, maybe several in a village."""
    query = (
        select(SupplyOrder, Unit)
        .join(Unit, col(Unit.id) == col(SupplyOrder.grid_id))
        .where(SupplyOrder.number == number, below(col(SupplyOrder.grid_id), root))
        .order_by(col(Unit.path))
    )
    return (await session.exec(query)).all()


async def order_with_grid(session: AsyncSession, *, order_id: int) -> tuple[SupplyOrder, Unit] | None:
    query = (
        select(SupplyOrder, Unit).join(Unit, col(Unit.id) == col(SupplyOrder.grid_id)).where(SupplyOrder.id == order_id)
    )
    return (await session.exec(query)).first()


async def source_message(session: AsyncSession, *, order: SupplyOrder) -> MessageRecord | None:
    """The resident's message the order came from: who wrote it, and where to reply."""
    return await session.get(MessageRecord, order.message_id)


_STAMPS = {
    OrderStatus.ACCEPTED: "accepted_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


async def change_status(session: AsyncSession, *, order_id: int, status: OrderStatus, by: int, at: datetime) -> bool:
    """Accept an open order, or deliver or cancel a pending one; False if it was past that already.

    A conditional UPDATE, so two leaders pressing 接单 or 送达 at once change the order exactly once.
    """
    before = (OrderStatus.OPEN,) if status is OrderStatus.ACCEPTED else OPEN_STATUSES
    statement = (
        update(SupplyOrder)
        .where(col(SupplyOrder.id) == order_id, col(SupplyOrder.status).in_(before))
        .values({"status": status, "handled_by": by, _STAMPS[status]: at})
    )
    result = await session.exec(statement)
    return bool(result.rowcount)


async def recent_orders(session: AsyncSession, *, household_id: int, since: date) -> Sequence[SupplyOrder]:
    """A household's orders placed since ``since``, or still pending from before."""
    query = (
        select(SupplyOrder)
        .where(
            SupplyOrder.household_id == household_id,
            (col(SupplyOrder.day) >= since) | col(SupplyOrder.status).in_(OPEN_STATUSES),
        )
        .order_by(col(SupplyOrder.day).desc(), col(SupplyOrder.number).desc())
    )
    return (await session.exec(query)).all()
