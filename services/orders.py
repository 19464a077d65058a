"""The life of a supply order after it is posted: listed, accepted, delivered or cancelled.

Open → (accepted →) delivered, or cancelled. Leaders accept (接单), deliver and cancel any order
of the units they manage; a resident may cancel only their own household's. A status change is
one conditional UPDATE, so a double press or two leaders at once change an order exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import Enum, auto

from sqlmodel.ext.asyncio.session import AsyncSession

from services import order_notices
from services.identity import may_manage
from services.leader_scope import Denial, Denied, leader_unit
from storage import bindings, orders, people
from storage.db import SessionFactory, transaction
from storage.models import Household, MessageRecord, OrderItem, OrderStatus, Person, SupplyOrder, Unit
from storage.orders import ShoppingLine


@dataclass(frozen=True)
class PendingOrder:
    order: SupplyOrder
    household: Household
    grid: Unit
    items: list[OrderItem]


@dataclass(frozen=True)
class OrdersReport:
    unit: Unit
    orders: list[PendingOrder]
    shopping: list[ShoppingLine]


async def list_orders(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int]
) -> OrdersReport | Denied:
    """Pending orders below the group's unit, and what to buy for all of them together."""
    async with factory() as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        rows = await orders.pending_orders(session, root=unit)
        items = await orders.items_of(session, order_ids=[order.id for order, _, _ in rows if order.id is not None])
        shopping = await orders.shopping_list(session, root=unit)
    pending = [PendingOrder(order, household, grid, items[order.id or 0]) for order, household, grid in rows]
    return OrdersReport(unit=unit, orders=pending, shopping=shopping)


class Change(Enum):
    DONE = auto()
    UNKNOWN = auto()
    #: The number exists in several grids below a village or town group.
    AMBIGUOUS = auto()
    ALREADY_ACCEPTED = auto()
    ALREADY_DELIVERED = auto()
    ALREADY_CANCELLED = auto()
    NOT_YOURS = auto()


@dataclass(frozen=True)
class OrderChange:
    """What became of a /deliver, /cancel or a 接单 or 送达 press, with what the replies need."""

    result: Change
    number: int
    order: SupplyOrder | None = None
    grid: Unit | None = None
    items: Sequence[OrderItem] = ()
    #: The resident's order message (where to tell them) and the person who wrote it.
    source: MessageRecord | None = None
    resident: Person | None = None
    grids: Sequence[Unit] = ()


_ALREADY = {
    OrderStatus.ACCEPTED: Change.ALREADY_ACCEPTED,
    OrderStatus.DELIVERED: Change.ALREADY_DELIVERED,
    OrderStatus.CANCELLED: Change.ALREADY_CANCELLED,
}


@dataclass(frozen=True)
class Hand:
    """Who changes an order (their display name, for its notice), when, and the zone of its day."""

    user_id: int
    name: str
    now: datetime
    tz: tzinfo
    #: The order's notice, when the change is a press of one of its buttons.
    notice_id: int | None = None


async def _move(
    session: AsyncSession, *, order: SupplyOrder, grid: Unit, status: OrderStatus, hand: Hand
) -> OrderChange:
    """Move an order on to ``status``, or say why it could not be (it was past that already); its
    notice follows, in the same transaction."""
    assert order.id is not None
    moved = await orders.change_status(session, order_id=order.id, status=status, by=hand.user_id, at=hand.now)
    if moved:
        await session.refresh(order)
    source = await orders.source_message(session, order=order)
    resident = await people.get_person(session, telegram_user_id=source.sender_id) if source else None
    items = (await orders.items_of(session, order_ids=[order.id]))[order.id]
    if moved and source is not None:
        day = hand.now.astimezone(hand.tz).date()
        await order_notices.follow(
            session, order=order, items=items, source=source, by=hand.name, day=day, notice_id=hand.notice_id
        )
    result = Change.DONE if moved else _ALREADY.get(order.status, Change.ALREADY_DELIVERED)
    return OrderChange(result, order.number, order, grid, items, source, resident)


def _single(found: Sequence[tuple[SupplyOrder, Unit]], number: int) -> tuple[SupplyOrder, Unit] | OrderChange:
    """The one order a short number names, or why it names none (or several, above a grid)."""
    if not found:
        return OrderChange(Change.UNKNOWN, number)
    if len(found) > 1:
        return OrderChange(Change.AMBIGUOUS, number, grids=[grid for _, grid in found])
    return found[0]


async def deliver_order(
    factory: SessionFactory, *, chat_id: int, hand: Hand, admin_ids: frozenset[int], number: int
) -> OrderChange | Denied:
    """``/deliver N`` in a group: a leader marks order #N of the group's units delivered."""
    async with transaction(factory) as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=hand.user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        chosen = _single(await orders.orders_numbered(session, root=unit, number=number), number)
        if isinstance(chosen, OrderChange):
            return chosen
        order, grid = chosen
        return await _move(session, order=order, grid=grid, status=OrderStatus.DELIVERED, hand=hand)


async def change_order_by_id(
    factory: SessionFactory,
    *,
    order_id: int,
    chat_id: int,
    status: OrderStatus,
    hand: Hand,
    admin_ids: frozenset[int],
) -> OrderChange | Denied:
    """The 接单 and 送达 buttons on an order notice: the order's own grid decides who may press them.

    The notice answers the order's message, so a press counts only in that message's chat: a
    button's data is the client's to forge, and an order of another grid pressed here must not
    change (nor rewrite this chat's notice into) that order.
    """
    async with transaction(factory) as session:
        found = await orders.order_with_grid(session, order_id=order_id)
        source = None if found is None else await orders.source_message(session, order=found[0])
        if found is None or source is None or source.chat_id != chat_id:
            return OrderChange(Change.UNKNOWN, 0)
        order, grid = found
        if not await may_manage(session, unit=grid, user_id=hand.user_id, admin_ids=admin_ids):
            return Denied(Denial.REFUSED, grid)
        return await _move(session, order=order, grid=grid, status=status, hand=hand)


async def _own(session: AsyncSession, *, order: SupplyOrder, user_id: int) -> bool:
    """The order is the user's household's, or the user wrote it (before anyone linked them)."""
    person = await people.get_person(session, telegram_user_id=user_id)
    if person is not None and person.household_id == order.household_id:
        return True
    source = await orders.source_message(session, order=order)
    return source is not None and source.sender_id == user_id


async def cancel_order(
    factory: SessionFactory, *, chat_id: int, hand: Hand, admin_ids: frozenset[int], number: int
) -> OrderChange | Denied:
    """``/cancel N``: a resident cancels their own household's order; a leader any of their units'."""
    async with transaction(factory) as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
        if unit is None:
            return Denied(Denial.NOT_BOUND)
        found = await orders.orders_numbered(session, root=unit, number=number)
        if found and not await may_manage(session, unit=unit, user_id=hand.user_id, admin_ids=admin_ids):
            found = [(order, grid) for order, grid in found if await _own(session, order=order, user_id=hand.user_id)]
            if not found:
                return OrderChange(Change.NOT_YOURS, number)
        chosen = _single(found, number)
        if isinstance(chosen, OrderChange):
            return chosen
        order, grid = chosen
        return await _move(session, order=order, grid=grid, status=OrderStatus.CANCELLED, hand=hand)
