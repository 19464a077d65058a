"""What residents write: every text in a grid group or in private, edits, and people joining.

The ingest service decides; this module only translates. It acknowledges a report it fully
understood with a reaction, not a reply, so a busy group is not flooded; it replies only when the
person must act (the address or another needed part is missing, a quantity is unclear, an abnormal
check-in needs advice) or when a reaction cannot say enough (a report on several households gets
the list of what was recorded), and it never repeats health details in a residents' group: those go
to leaders privately and, masked, to the village group.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from html import escape

from telegram import Message, Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest, TelegramError
from telegram.ext import filters

from core import texts
from handlers import claims
from handlers.context import GridContext
from handlers.leader import local_day
from handlers.senders import from_a_person
from services import alerts
from services.alert_texts import checkin_details, items_text
from services.ingest import Ack, Filed, IncomingMessage, Ingested, Sender, ingest_messages, remember_people

#: Seconds to wait before each new try of a reaction that failed for a moment.
REACTION_RETRIES = (0.2, 1.0)
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
    await ingest_text(update, context, message, user, message.text)


async def ingest_text(update: Update, context: GridContext, message: Message, user: User, text: str) -> None:
    """Store what ``text`` says as the message's record, and answer as for any message: also what
    ``/visit`` and ``/disinfect`` run, with the words a message would have."""
    services = context.services

    async def answer(outcome: Ingested) -> None:
        if outcome.posts:
            services.outbox_due.set()  # its alerts and notices were committed with it: send them now
        await _acknowledge(message, outcome)
        if outcome.claim is not None:
            await claims.ask_leaders(context, outcome.claim)

    # Queued in update order and stored with the messages queued meanwhile (group commit): the
    # chat's next message need not wait for this one's reaction or reply.
    await services.stored_then_answered(
        ingest_messages,
        lambda batch: ingest_messages(
            services.sessions, settings=services.settings, messages=batch, bot_username=context.bot.username
        ),
        replace(_incoming(update, message, user), text=text),
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
    if missed.checkins:
        lines.append(texts.ALERTS_TODAY.format(count=len(missed.checkins)))
    lines += [
        texts.ALERTS_TODAY_LINE.format(
            grid=escape(grid.name), address=escape(household.address), name=escape(household.head or ""),
            details=checkin_details(checkin),
        )
        for checkin, household, grid in missed.checkins
    ]  # fmt: skip
    if missed.orders:
        lines.append(texts.ALERTS_TODAY_ORDERS.format(count=len(missed.orders)))
    lines += [
        texts.ALERTS_TODAY_ORDER_LINE.format(
            grid=escape(grid.name), number=order.number, address=escape(household.address),
            name=escape(household.head or ""), items=items_text(items),
        )
        for order, household, grid, items in missed.orders
    ]  # fmt: skip
    await message.reply_html("\n".join(lines))


async def _acknowledge(message: Message, outcome: Ingested) -> None:
    match outcome.ack:
        case Ack.STORED if outcome.filed:  # several households: a reaction cannot say which
            await message.reply_html(_filed(outcome.filed), disable_notification=True)
        case Ack.STORED:
            if not outcome.missing:  # an order lacking a part: its notice asks instead of ✍
                await _react(message)
        case Ack.ASK_MISSING:
            await message.reply_html(_ask_missing(outcome))
        case Ack.ASK_ADDRESS | Ack.UNKNOWN_ADDRESS:
            await message.reply_html(_ask_address(outcome))
        case Ack.PAST_CLOSED:
            await message.reply_html(texts.EDIT_PAST_CLOSED.format(day=f"{outcome.day:%m-%d}" if outcome.day else ""))
        case Ack.ORDER_CLOSED if outcome.order is not None:
            order = outcome.order.order
            status = texts.ORDER_STATUS_LABELS.get(order.status, order.status)
            await message.reply_html(texts.ORDER_EDIT_TOO_LATE.format(number=order.number, status=status))
    if outcome.checkin_alerts:
        await message.reply_html(texts.ABNORMAL_ADVICE)


async def _react(message: Message) -> None:
    """✍ on the message, tried again after a momentary error (a 5xx, a timeout); where reactions
    are refused, or keep failing, a silent one-line reply instead. Best-effort: a reaction that
    came minutes late would mean nothing, so it does not go through the outbox."""
    for wait in (*REACTION_RETRIES, None):
        try:
            await message.set_reaction(texts.ACK_REACTION)
            return
        except BadRequest:
            break  # refused in this chat: trying again changes nothing
        except TelegramError:
            if wait is None:
                break
            await asyncio.sleep(wait)
    await message.reply_html(texts.ACK_FALLBACK, disable_notification=True)


def _filed(filed: tuple[Filed, ...]) -> str:
    """ "已登记 3 户：3-2-501 2人 36.4；3-2-502 36.8；…": each household and what was recorded for it."""
    lines = []
    for household in filed:
        if not household.found:
            lines.append(texts.FILED_UNKNOWN.format(address=escape(household.address)))
            continue
        persons = None if household.persons is None else texts.FILED_PERSONS.format(persons=household.persons)
        temperature = None if household.temperature is None else f"{household.temperature:g}"
        lines.append(" ".join(part for part in (escape(household.address), persons, temperature) if part))
    count = sum(household.found for household in filed)
    return texts.FILED_HOUSEHOLDS.format(count=count, lines=texts.FILED_SEPARATOR.join(lines))


def _ask_missing(outcome: Ingested) -> str:
    if outcome.named is not None and "whose" in outcome.missing:
        return texts.ASK_MISSING_WHOSE.format(name=escape(outcome.named), example=texts.ADDRESS_EXAMPLE)
    parts = [texts.MISSING_LABELS.get(part, part) for part in outcome.missing]
    return texts.ASK_MISSING.format(parts=texts.ASK_MISSING_SEPARATOR.join(parts))


def _ask_address(outcome: Ingested) -> str:
    example = escape(outcome.example or texts.ADDRESS_EXAMPLE)
    if outcome.ack is Ack.UNKNOWN_ADDRESS:
        return texts.ASK_ADDRESS_UNKNOWN.format(address=escape(outcome.written or ""), example=example)
    templates = {"checkin": texts.ASK_ADDRESS_CHECKIN, "visit": texts.ASK_ADDRESS_VISIT}
    template = templates.get(outcome.kind, texts.ASK_ADDRESS_RESEND)
    return template.format(example=example)
