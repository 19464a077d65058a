"""Supply orders after they are posted: /orders, /deliver N, /cancel N and the 接单 and 送达 buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ParseMode

from core import texts
from core.callbacks import OrderAction, OrderPress, parse_id
from core.domain import OrderStatus
from core.formatting import mention
from handlers import leader_format as view
from handlers.context import GridContext
from handlers.leader import leader_request, leader_view, send_privately, undated
from services.alert_texts import items_text, order_keyboard
from services.leader_scope import Denied
from services.orders import Change, Hand, OrderChange, cancel_order, change_order_by_id, deliver_order, list_orders
from services.sender import keyboard


@dataclass(frozen=True)
class _Button:
    """What one of the order notice's buttons does (its data: ``core.callbacks.OrderPress``; its
    label: ``services.alert_texts.order_keyboard``)."""

    status: OrderStatus
    refused: str
    answers: dict[Change, str]


_COMMON_ANSWERS = {
    Change.ALREADY_DELIVERED: texts.ORDER_BUTTON_ALREADY_DELIVERED,
    Change.ALREADY_CANCELLED: texts.ORDER_BUTTON_ALREADY_CANCELLED,
    Change.UNKNOWN: texts.ORDER_BUTTON_UNKNOWN,
}
_BUTTONS = {
    OrderAction.ACCEPT: _Button(
        OrderStatus.ACCEPTED,
        texts.ORDER_BUTTON_ACCEPT_REFUSED,
        {Change.DONE: texts.ORDER_BUTTON_ACCEPTED, Change.ALREADY_ACCEPTED: texts.ORDER_BUTTON_ALREADY_ACCEPTED}
        | _COMMON_ANSWERS,
    ),
    OrderAction.DELIVER: _Button(
        OrderStatus.DELIVERED,
        texts.ORDER_BUTTON_REFUSED,
        {Change.DONE: texts.ORDER_BUTTON_DONE} | _COMMON_ANSWERS,
    ),
}

_REFUSALS = {
    Change.ALREADY_DELIVERED: texts.ORDER_ALREADY_DELIVERED,
    Change.ALREADY_CANCELLED: texts.ORDER_ALREADY_CANCELLED,
    Change.NOT_YOURS: texts.ORDER_NOT_YOURS,
    Change.UNKNOWN: texts.ORDER_UNKNOWN,
}


def notice_buttons(order_id: int, *, accepted: bool = False) -> InlineKeyboardMarkup:
    """接单 while nobody has taken the order, then 已送达 only."""
    markup = keyboard(order_keyboard(order_id, accepted=accepted))
    assert markup is not None
    return markup


async def orders(update: Update, context: GridContext) -> None:
    """/orders: pending orders by household and the shopping list for all of them."""
    await leader_view(update, context, list_orders, view.orders_messages, undated)


def _number(args: list[str] | None) -> int | None:
    """The order number from ``/deliver 17`` or ``/deliver #17``."""
    if not args or len(args) != 1:
        return None
    return parse_id(args[0].removeprefix("#").removeprefix("＃"))


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
    items = items_text(change.items)
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
    hand = Hand(user.id, user.full_name, services.clock(), services.settings.tz)
    outcome = await change(services.sessions, chat_id=message.chat_id, hand=hand, admin_ids=services.admin_ids,
                           number=number)  # fmt: skip
    if isinstance(outcome, OrderChange) and outcome.result is Change.DONE:
        services.outbox_due.set()  # the order's notice is edited with it: now
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


async def _fix_buttons(query: CallbackQuery, change: OrderChange) -> None:
    """A press that changed nothing: the notice offers what is left to press (nothing once the
    order is closed). A change edits the notice through the outbox (``services.order_notices``)."""
    notice, order = query.message, change.order
    if not isinstance(notice, Message) or change.result is Change.DONE:
        return
    buttons = None  # a delivered or cancelled order offers nothing more
    if order is not None and order.status == OrderStatus.ACCEPTED:
        buttons = notice_buttons(order.id or 0, accepted=True)
    if notice.reply_markup != buttons:
        await notice.edit_reply_markup(reply_markup=buttons)


async def _announce_acceptance(context: GridContext, change: OrderChange) -> None:
    """The resident hears privately, if they started the bot; the group sees the notice change."""
    if change.order is not None and change.resident is not None and change.resident.started_bot:
        items = items_text(change.items)
        private = texts.ORDER_ACCEPTED_PRIVATE.format(number=change.order.number, items=items)
        await send_privately(context, change.resident.telegram_user_id, [private])


async def order_button(query: CallbackQuery, chat_id: int, press: OrderPress, context: GridContext) -> None:
    """接单 or 已送达 pressed on an order notice: leaders of its grid only, and only on that order's notice."""
    button = _BUTTONS[press.action]
    services = context.services
    notice_id = query.message.message_id if isinstance(query.message, Message) else None
    hand = Hand(query.from_user.id, query.from_user.full_name, services.clock(), services.settings.tz, notice_id)
    change = await change_order_by_id(
        services.sessions, order_id=press.order_id, chat_id=chat_id, status=button.status, hand=hand,
        admin_ids=services.admin_ids,
    )  # fmt: skip
    if isinstance(change, Denied):
        await query.answer(button.refused)
        return
    answer = button.answers.get(change.result, "")
    if change.result is Change.DONE and button.status is OrderStatus.DELIVERED:  # 领取人 is optional, asked lightly
        answer = texts.ORDER_DELIVERED_RECEIVER_HINT.format(number=change.number)
    await query.answer(answer)
    await _fix_buttons(query, change)
    if change.result is Change.DONE:
        services.outbox_due.set()  # the notice's edit was written with the change: send it now
        await (_announce_acceptance if button.status is OrderStatus.ACCEPTED else announce_delivery)(context, change)
