"""Orders: a new order is numbered with its batch's others at the batch's end; an edit rewrites an
order while it is open (the batch refuses edits of orders taken on, before the message moves). A replay after a crash announces it again: its notice may never have gone
out. An urgent order alerts the grid's leaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC

from services import alerts
from services.records.kind import Shell
from services.records.work import Ack, Ingested, Later, OrderNotice, Work
from storage import records
from storage.models import Household, MessageRecord, OrderItem, SupplyOrder
from understanding import Order

_Lines = list[tuple[str, float | None, str | None]]


@dataclass
class _NewOrder:
    """An order its batch creates at the end, when all its numbers are taken at once."""

    order: SupplyOrder
    items: _Lines
    household: Household
    record: MessageRecord
    #: The message that placed it, and later versions of that message in the same batch.
    work: Work
    edits: list[Work] = field(default_factory=list)


def _order(work: Work) -> Order:
    assert isinstance(work.parsed, Order)
    return work.parsed


@dataclass
class Orders:
    """The orders of one batch."""

    shell: Shell
    #: New orders, by their message (identity, since new messages get ids only when inserted).
    new: dict[int, _NewOrder] = field(default_factory=dict)

    async def apply(
        self, work: Work, household: Household, record: MessageRecord, *, joined: Sequence[MessageRecord]
    ) -> Ingested:
        parsed = _order(work)
        urgent, phone = parsed.urgent, parsed.phone or household.phone
        wanted = [(goods.name, goods.qty, goods.unit) for goods in parsed.items]
        new = self.new.get(id(record))
        if new is not None:  # edited before the batch that placed it has ended
            new.order.urgent, new.order.phone, new.order.household_id = urgent, phone, household.id or 0
            new.items, new.household = wanted, household
            new.edits.append(work)
            return Ingested(Ack.STORED, kind="order", day=work.day)
        session = self.shell.session
        order = None if record.id is None else await records.order_of_message(session, message_id=record.id)
        if order is None:
            assert household.id is not None
            self.new[id(record)] = _NewOrder(
                order=SupplyOrder(grid_id=household.grid_id, household_id=household.id, message_id=0, number=0,
                                  urgent=urgent, phone=phone, day=work.day,
                                  created_at=work.message.sent_at.astimezone(UTC)),  # placed when it was sent
                items=wanted, household=household, record=record, work=work,
            )  # fmt: skip
            return Ingested(Ack.STORED, kind="order", day=work.day)
        edited = work.is_edit  # an edit of an order taken on already changed nothing (Batch._closed)
        became_urgent = urgent and not (edited and order.urgent)
        order.urgent, order.phone, order.household_id = urgent, phone, household.id or 0
        assert order.id is not None
        items = tuple(await records.replace_items(session, order_id=order.id, items=wanted))
        alert = await self._alert(work, household, order, items) if became_urgent else None
        return Ingested(
            Ack.STORED, kind="order", day=work.day, order=OrderNotice(order, items, edited=edited), order_alert=alert
        )

    def leave(self, work: Work) -> None:
        """An order stays what it was when its message turns into something else."""

    async def settle(self) -> list[Later]:
        """Create the batch's new orders, numbered together (the messages are inserted by now)."""
        if not self.new:
            return []
        entries = list(self.new.values())
        for entry in entries:
            assert entry.record.id is not None
            entry.order.message_id = entry.record.id
        lines = await records.create_orders(
            self.shell.session, orders=[(entry.order, entry.items) for entry in entries]
        )
        later = []
        for entry, created in zip(entries, lines, strict=True):
            items = tuple(created)
            alert = await self._alert(entry.work, entry.household, entry.order, items) if entry.order.urgent else None
            later.append(
                Later(entry.work.index, order=OrderNotice(entry.order, items, edited=False), order_alert=alert)
            )
            later += [Later(edit.index, order=OrderNotice(entry.order, items, edited=True)) for edit in entry.edits]
        return later

    async def _alert(
        self, work: Work, household: Household, order: SupplyOrder, items: tuple[OrderItem, ...]
    ) -> alerts.OrderAlert:
        grid, audience = await self.shell.households.audience_of(work, household, about="urgent order")
        return alerts.OrderAlert(
            audience=audience,
            grid=grid,
            household=household,
            order=order,
            items=items,
            name=work.name_for(household),
        )
