"""Supply orders after they are posted: /orders, /deliver N, /cancel N and the 送达 button."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from telegram import CallbackQuery, Message, ReplyParameters, Update
from telegram.constants import ParseMode

from bot import texts
from bot.formatting import mention
from bot.state import GridContext
from handlers import leader_format as view
from handlers.leader import leader_request, leader_view, send_privately, undated
from services.leader_scope import Denied
from services.orders import Change, OrderChange, cancel_order, deliver_order, deliver_order_by_id, list_orders
from storage.models import utcnow

#: Callback data of the button on an order notice: ``order:deliver:<order id>``.
DELIVER_ACTION = "deliver"

_REFUSALS = {
    Change.ALREADY_DELIVERED: texts.ORDER_ALREADY_DELIVERED,
    Change.ALREADY_CANCELLED: texts.ORDER_ALREADY_CANCELLED,
    Change.NOT_YOURS: texts.ORDER_NOT_YOURS,
    Change.UNKNOWN: texts.ORDER_UNKNOWN,
}
_BUTTON_ANSWERS = {
    Change.DONE: texts.ORDER_BUTTON_DONE,
    Change.ALREADY_DELIVERED: texts.ORDER_BUTTON_ALREADY_DELIVERED,
    Change.ALREADY_CANCELLED: texts.ORDER_BUTTON_ALREADY_CANCELLED,
    Change.UNKNOWN: texts.ORDER_BUTTON_UNKNOWN,
}


async def orders(update: Update, context: GridContext) -> None:
    """/orders: pending orders by household and the shopping list for all of them."""
    await leader_view(update, context, list_orders, view.orders_messages, undated)


def _number(args: list[str] | None) -> int | None:
    """The order number from ``/deliver 17`` or ``/deliver #17``."""
    if not args or len(args) != 1:
        return None
    text = args[0].removeprefix("#").removeprefix("＃")
    return int(text) if text.isdigit() and len(text) < 9 else None


def _change_text(change: OrderChange | Denied) -> str:
    """The reply to /cancel, and to a /deliver that changed nothing (a delivery is announced instead)."""
    if isinstance(change, Denied):
        return view.denied(change)
    if change.result is Change.AMBIGUOUS:
        return texts.ORDER_AMBIGUOUS.format(grids=view.unit_names(change.grids), number=change.number)
    if change.result is Change.DONE:
        return texts.ORDER_CANCELLED.format(number=change.number)
    return _REFUSALS[change.result].format(number=change.number)


async def announce_delivery(context: GridContext, change: OrderChange, *, command: Message | None = None) -> None:
    """Tell the resident, replying to their order in the grid group (and privately if they started
    the bot); confirm to a leader who delivered from another group."""
    source, order = change.source, change.order
    if source is None or order is None:
        return
    resident = change.resident
    name = resident.display_name if resident and resident.display_name else texts.RESIDENT_FALLBACK_NAME
    items = view.items_text(change.items)
    notice = texts.ORDER_DELIVERED_NOTICE.format(
        number=order.number, items=items, resident=mention(source.sender_id, name)
    )
    reply_to = ReplyParameters(message_id=source.message_id, allow_sending_without_reply=True)
    await context.bot.send_message(source.chat_id, notice, parse_mode=ParseMode.HTML, reply_parameters=reply_to)
    if command is not None and command.chat_id != source.chat_id:
        grid = escape(change.grid.name) if change.grid else ""
        await command.reply_html(texts.ORDER_DELIVERED_CONFIRM.format(grid=grid, number=order.number))
    if resident is not None and resident.started_bot:
        private = texts.ORDER_DELIVERED_PRIVATE.format(number=order.number, items=items)
        await send_privately(context, source.sender_id, [private])  # blocked since? the group reply told them


async def _change_numbered(
    update: Update, context: GridContext, command: str, change: Callable[..., Awaitable[OrderChange | Denied]]
) -> tuple[Message, OrderChange | Denied] | None:
    """Parse ``/command N`` and apply ``change`` to order #N; None once a usage hint was sent."""
    request = await leader_request(update)
    if request is None:
        return None
    message, user = request
    number = _number(context.args)
    if number is None:
        await message.reply_html(texts.ORDER_USAGE.format(command=command))
        return None
    services = context.services
    outcome = await change(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        number=number,
        now=utcnow(),
    )
    return message, outcome


async def deliver(update: Update, context: GridContext) -> None:
    """/deliver N: a leader marks order #N delivered; the resident is told."""
    done = await _change_numbered(update, context, "deliver", deliver_order)
    if done is None:
        return
    message, change = done
    if isinstance(change, OrderChange) and change.result is Change.DONE:
        await announce_delivery(context, change, command=message)
    else:
        await message.reply_html(_change_text(change))


async def cancel(update: Update, context: GridContext) -> None:
    """/cancel N: a resident cancels their own household's order, a leader any of their units'."""
    done = await _change_numbered(update, context, "cancel", cancel_order)
    if done is not None:
        message, change = done
        await message.reply_html(_change_text(change))


async def _close_notice(query: CallbackQuery, change: OrderChange) -> None:
    """The notice stops offering the button; a fresh delivery also says who delivered."""
    notice = query.message
    if not isinstance(notice, Message):
        return
    if change.result is Change.DONE:
        leader = escape(query.from_user.full_name)
        text = notice.text_html + texts.ORDER_NOTICE_DELIVERED.format(leader=leader)
        await notice.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=None)
    elif notice.reply_markup is not None:
        await notice.edit_reply_markup(reply_markup=None)


async def order_button(update: Update, context: GridContext) -> None:
    """``order:deliver:<id>`` pressed on an order notice: leaders of its grid only."""
    query = update.callback_query
    if query is None or query.data is None:
        return
    action, _, order_id = query.data.removeprefix("order:").partition(":")
    if action != DELIVER_ACTION or not order_id.isdigit():
        await query.answer()
        return
    services = context.services
    change = await deliver_order_by_id(
        services.sessions,
        order_id=int(order_id),
        user_id=query.from_user.id,
        admin_ids=services.admin_ids,
        now=utcnow(),
    )
    if isinstance(change, Denied):
        await query.answer(texts.ORDER_BUTTON_REFUSED)
        return
    await query.answer(_BUTTON_ANSWERS.get(change.result, ""))
    await _close_notice(query, change)
    if change.result is Change.DONE:
        await announce_delivery(context, change)
