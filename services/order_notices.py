"""An order's notice follows its order: taken, delivered or cancelled, the notice posted with its
buttons says so (who took it, who delivered or cancelled it) and offers only what is left to press.

The new text is an outbox row written with the order's change (both, or neither), so the edit is
retried like any message that must arrive. The notice is found by its own outbox row (kind
``order:<message>.<update>``, the first one for the order's message); the text it grows is the
latest of that row and the edits after it (kind ``orderedit:<order>:<status>``). A notice not posted
yet is rewritten in place instead, so it goes out already saying what became of its order. One
narrow case is left open: a notice whose sending is under way at that very moment goes out as it
was read; a press of its stale buttons then answers that the order is closed, and removes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from services import alert_texts
from services.messages_out import OutgoingMessage
from services.outbox import decode, encode
from storage import outbox
from storage.models import MessageRecord, OrderItem, OrderStatus, SupplyOrder, utcnow

#: Outbox kind of a notice's edits: ``orderedit:<order id>:<status>`` (one per status an order reaches).
EDIT_KIND = "orderedit"

_LINES = {
    OrderStatus.ACCEPTED: texts.ORDER_NOTICE_ACCEPTED,
    OrderStatus.DELIVERED: texts.ORDER_NOTICE_DELIVERED,
    OrderStatus.CANCELLED: texts.ORDER_NOTICE_CANCELLED,
}


async def follow(
    session: AsyncSession,
    *,
    order: SupplyOrder,
    items: Sequence[OrderItem],
    source: MessageRecord,
    by: str,
    day: date,
    notice_id: int | None = None,
) -> None:
    """The order just reached ``order.status`` by ``by`` (a display name; the notice is in the
    order's own grid group or private chat, where names are shown): its notice is to say so.
    ``notice_id``: the notice a button was pressed on, when it was."""
    assert order.id is not None
    posted = await outbox.rows_like(session, unit_id=order.grid_id, chat_id=source.chat_id,
                                    like=f"order:{source.message_id}.%")  # fmt: skip
    first = posted[0] if posted else None
    edits = await outbox.rows_like(session, unit_id=order.grid_id, chat_id=source.chat_id,
                                   like=f"{EDIT_KIND}:{order.id}:%")  # fmt: skip
    latest = ([first] if first is not None else []) + list(edits)
    base = decode(latest[-1].payload).text if latest else alert_texts.order_notice(order, items, edited=False)
    text = base + _LINES[order.status].format(leader=escape(by))
    buttons = alert_texts.order_keyboard(order.id, accepted=True) if order.status == OrderStatus.ACCEPTED else ()
    if notice_id is None and first is not None and first.id is not None and first.telegram_message_id is None:
        rewritten = replace(decode(first.payload), text=text, reply_markup=buttons)
        if await outbox.rewrite_pending(session, row_id=first.id, payload=encode(rewritten)):
            return
        await session.refresh(first)  # sent meanwhile: edited after all
    target = notice_id or (first.telegram_message_id if first is not None else None)
    if target is None:
        return  # never posted (given up on): nothing to edit
    message = replace(OutgoingMessage.of_text(text, reply_markup=buttons), edit_of=target)
    row = {"unit_id": order.grid_id, "day": day, "kind": f"{EDIT_KIND}:{order.id}:{order.status}", "part": 0,
           "chat_id": source.chat_id, "payload": encode(message)}  # fmt: skip
    await outbox.add_if_absent(session, rows=[row], now=utcnow())
