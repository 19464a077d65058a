"""领取记录: who took delivery of a delivered order, written by a leader after delivering
(``/received 17 王阿姨``); the ledger's 领取记录 sheet lists it with the delivery's time."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from services.leader_scope import Denied, leader_unit
from storage import duties, orders
from storage.db import SessionFactory, transaction


class Receipt(Enum):
    DONE = auto()
    UNKNOWN = auto()
    AMBIGUOUS = auto()
    NOT_DELIVERED = auto()


@dataclass(frozen=True)
class ReceiptOutcome:
    result: Receipt
    number: int
    receiver: str = ""


async def record_receiver(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int], number: int, receiver: str
) -> ReceiptOutcome | Denied:
    """Record ``receiver`` on order #``number`` of the group's units, if it was delivered."""
    async with transaction(factory) as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        found = await orders.orders_numbered(session, root=unit, number=number)
        if len(found) != 1:
            return ReceiptOutcome(Receipt.UNKNOWN if not found else Receipt.AMBIGUOUS, number)
        order_id = found[0][0].id
        assert order_id is not None
        if not await duties.set_receiver(session, order_id=order_id, receiver=receiver):
            return ReceiptOutcome(Receipt.NOT_DELIVERED, number)
    return ReceiptOutcome(Receipt.DONE, number, receiver[:64])
