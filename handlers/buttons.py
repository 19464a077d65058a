"""Every inline button press: checked, parsed once and strictly (``core.callbacks``), handed to its kind.

A client may send any data with a press. Telegram shows us the message pressed, keyboard
included, so a press counts only when one of that message's buttons carries its data: another
unit's id or another day cannot be pressed on this message. A press that fails either check gets
a short refusal as the callback's answer and nothing else: a bad press never posts in the group.
"""

from __future__ import annotations

from telegram import Message, Update

from core import texts
from core.callbacks import ClaimAnswer, NoticeAck, OrderPress, ReportConfirm, ReportZero, parse_press
from handlers import claims, notices, orders, reports
from handlers.context import GridContext


def _carries(message: Message, data: str | None) -> bool:
    """One of the message's own buttons carries ``data`` (an inaccessible message shows none)."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return any(button.callback_data == data for row in rows for button in row)


async def on_press(update: Update, context: GridContext) -> None:
    """Route a press by what its data names; refuse it when the data names nothing of ours."""
    query = update.callback_query
    if query is None:
        return
    services = context.services
    today = services.clock().astimezone(services.settings.tz).date()  # the demo's day when it plays one
    press = parse_press(query.data or "", today=today)
    message = query.message
    if press is None or not isinstance(message, Message) or not _carries(message, query.data):
        await query.answer(texts.BUTTON_INVALID)
        return
    chat_id = message.chat.id
    match press:
        case OrderPress():
            await orders.order_button(query, chat_id, press, context)
        case ReportConfirm() | ReportZero():
            await reports.confirm_button(query, chat_id, press, context)
        case NoticeAck():
            await notices.notice_ack(query, chat_id, press, context)
        case ClaimAnswer():
            await claims.claim_button(query, press, context)
