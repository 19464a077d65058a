"""What residents write: every text in a grid group or in private, edits, and people joining.

The ingest service decides; this module only translates. It acknowledges with a reaction, not a
reply, so a busy group is not flooded; it replies only when the person must act (the address is
missing, a quantity is unclear, an abnormal check-in needs advice), and it never repeats health
details in a residents' group: those go to leaders privately and, masked, to the village group.
"""

from __future__ import annotations

from datetime import date
from html import escape

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import filters

from core import texts
from core.formatting import mask_name
from handlers import leader_format as view
from handlers import orders
from handlers.context import GridContext
from handlers.leader import local_day, send_privately
from handlers.senders import from_a_person
from services import alerts
from services.ingest import Ack, IncomingMessage, Ingested, OrderNotice, Sender, ingest_messages, remember_people

#: ``/start alerts``: the deep link offered to a leader the bot could not write to.
ALERTS_LINK = filters.Regex(rf"^/start {alerts.START_PAYLOAD}$")


def _sender(user: User) -> Sender:
    return Sender(user_id=user.id, name=user.full_name, username=user.username)


def _incoming(update: Update, message: Message, user: User) -> IncomingMessage:
    return IncomingMessage(
        chat_id=message.chat_id,
        private=message.chat.type == ChatType.PRIVATE,
        message_id=message.message_id,
        update_id=update.update_id,
        sender=_sender(user),
        text=message.text or "",
        sent_at=message.date,
        edited_at=message.edit_date,
    )


async def on_text(update: Update, context: GridContext) -> None:
    """A text, new or edited: store what it says, acknowledge it, tell whoever must know."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot or not message.text:
        return
    if not from_a_person(message):
        return  # an anonymous admin or a channel is nobody's household
    services = context.services

    async def answer(outcome: Ingested) -> None:
        await _acknowledge(message, outcome)
        await _alert(context, outcome)

    # Queued in update order and stored with the messages queued meanwhile (group commit): the
    # chat's next message need not wait for this one's reaction or reply.
    await services.stored_then_answered(
        ingest_messages,
        lambda batch: ingest_messages(services.sessions, settings=services.settings, messages=batch),
        _incoming(update, message, user),
        answer,
    )


async def on_members(update: Update, context: GridContext) -> None:
    """People joining a group are remembered: a bot cannot list a group's members."""
    message = update.effective_message
    if message is not None and message.new_chat_members:
        joined = [_sender(user) for user in message.new_chat_members if not user.is_bot]
        await remember_people(context.services.sessions, senders=joined)


async def start_alerts(update: Update, context: GridContext) -> None:
    """``/start alerts``: a leader opened private alerts; send what they missed today."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    missed = await alerts.open_alerts(
        services.sessions,
        user_id=user.id,
        name=user.full_name,
        username=user.username,
        day=local_day(message, services),
    )
    lines = [texts.ALERTS_ON]
    if missed:
        lines.append(texts.ALERTS_TODAY.format(count=len(missed)))
    lines += [
        texts.ALERTS_TODAY_LINE.format(
            grid=escape(grid.name), address=escape(household.address), name=escape(household.head or ""),
            details=view.checkin_details(checkin),
        )
        for checkin, household, grid in missed
    ]  # fmt: skip
    await message.reply_html("\n".join(lines))


async def _acknowledge(message: Message, outcome: Ingested) -> None:
    match outcome.ack:
        case Ack.STORED:
            await _react(message)
            if outcome.order is not None:
                await _order_notice(message, outcome.order)
            if outcome.checkin_alert is not None:
                await message.reply_html(texts.ABNORMAL_ADVICE)
        case Ack.ASK_ADDRESS | Ack.UNKNOWN_ADDRESS:
            await message.reply_html(_ask_address(outcome))
        case Ack.ORDER_CLOSED if outcome.order is not None:
            order = outcome.order.order
            status = texts.ORDER_STATUS_LABELS.get(order.status, order.status)
            await message.reply_html(texts.ORDER_EDIT_TOO_LATE.format(number=order.number, status=status))


async def _react(message: Message) -> None:
    """✍ on the message; where reactions are refused, a silent one-line reply instead."""
    try:
        await message.set_reaction(texts.ACK_REACTION)
    except TelegramError:
        await message.reply_html(texts.ACK_FALLBACK, disable_notification=True)


def _ask_address(outcome: Ingested) -> str:
    example = escape(outcome.example or texts.ADDRESS_EXAMPLE)
    if outcome.ack is Ack.UNKNOWN_ADDRESS:
        return texts.ASK_ADDRESS_UNKNOWN.format(address=escape(outcome.written or ""), example=example)
    template = texts.ASK_ADDRESS_CHECKIN if outcome.kind == "checkin" else texts.ASK_ADDRESS_RESEND
    return template.format(example=example)


async def _order_notice(message: Message, notice: OrderNotice) -> None:
    """The order's number (to cancel by) and the 已送达 button; asks for quantities left out."""
    order = notice.order
    text = (texts.ORDER_NOTICE_EDITED if notice.edited else texts.ORDER_NOTICE).format(
        number=order.number,
        urgent=texts.ORDER_NOTICE_URGENT if order.urgent else "",
        items=view.items_text(notice.items) or texts.ORDER_NOTICE_NO_ITEMS,
    )
    unclear = [escape(item.name) for item in notice.items if item.qty is None]
    if unclear:
        text += texts.ORDER_ASK_QUANTITY.format(names=texts.LIST_SEPARATOR.join(unclear))
    buttons = None if notice.edited else orders.notice_buttons(order.id or 0)
    await message.reply_html(text, reply_markup=buttons)


def _phone(phone: str | None) -> str:
    return texts.ALERT_PHONE.format(phone=escape(phone)) if phone else ""


async def _alert(context: GridContext, outcome: Ingested) -> None:
    """Leaders privately and in full; the village group masked; never details in the grid group."""
    if outcome.checkin_alert is not None:
        alert = outcome.checkin_alert
        where = {"grid": escape(alert.grid.name), "address": escape(alert.household.address)}
        details = view.checkin_details(alert.checkin)
        private = texts.ALERT_CHECKIN_LEADER.format(
            **where,
            name=escape(alert.name),
            phone=_phone(alert.household.phone),
            details=details,
            text=escape(alert.text),
        )
        await _to_leaders(context, alert.audience, private, outcome.day)
        if alert.audience.village_chat_id is not None:
            masked = texts.ALERT_CHECKIN_VILLAGE.format(**where, name=escape(mask_name(alert.name)), details=details)
            await context.bot.send_message(alert.audience.village_chat_id, masked, parse_mode="HTML")
    if outcome.order_alert is not None:
        urgent = outcome.order_alert
        private = texts.ALERT_ORDER_LEADER.format(
            number=urgent.order.number, grid=escape(urgent.grid.name), address=escape(urgent.household.address),
            name=escape(urgent.name), phone=_phone(urgent.order.phone), items=view.items_text(urgent.items),
        )  # fmt: skip
        await _to_leaders(context, urgent.audience, private, outcome.day)


async def _to_leaders(context: GridContext, audience: alerts.Audience, text: str, day: date | None) -> None:
    """Write to each leader; for those the bot cannot reach, a Start link in the grid group, once a day."""
    unreachable = [leader for leader in audience.leaders if not await send_privately(context, leader, [text])]
    if not unreachable or audience.grid_chat_id is None or day is None:
        return
    if await alerts.claim_alert_links(context.services.sessions, user_ids=unreachable, day=day):
        link = f"https://t.me/{context.bot.username}?start={alerts.START_PAYLOAD}"
        await context.bot.send_message(
            audience.grid_chat_id, texts.ALERT_START_LINK.format(link=escape(link)), parse_mode="HTML"
        )
