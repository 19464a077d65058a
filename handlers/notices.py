"""/notice, the 收到 button and /notice_status."""

from __future__ import annotations

from html import escape

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType, MessageEntityType

from core import texts
from core.callbacks import NoticeAck, parse_id
from core.formatting import split_message
from handlers.context import GridContext
from handlers.senders import from_a_person
from services.notices import (
    MAX_LENGTH,
    AckResult,
    NoticeOutcome,
    NoticeResult,
    NoticeStatus,
    acknowledge,
    notice_status,
    publish_notice,
    receipt_text,
)

_ACK_ANSWERS = {
    AckResult.ACKED: texts.NOTICE_ACKED,
    AckResult.AGAIN: texts.NOTICE_ACK_AGAIN,
    AckResult.UNKNOWN: texts.NOTICE_ACK_UNKNOWN,
}


def notice_text(message: Message) -> str:
    """The text after the command, line breaks kept (``context.args`` would lose them)."""
    text = message.text or ""
    command = next((e for e in message.entities if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), None)
    return text[command.length if command else 0 :].strip()


def describe(outcome: NoticeOutcome) -> str:
    unit = escape(outcome.unit.name) if outcome.unit else ""
    match outcome.result:
        case NoticeResult.SENT:
            assert outcome.notice is not None
            return texts.NOTICE_SENT.format(id=outcome.notice.id, count=outcome.targets)
        case NoticeResult.UNBOUND:
            return texts.REMIND_UNBOUND
        case NoticeResult.NOT_UPPER:
            return texts.NOTICE_ONLY_UPPER
        case NoticeResult.REFUSED:
            return texts.NOTICE_REFUSED.format(unit=unit)
        case NoticeResult.TOO_LONG:
            return texts.NOTICE_TOO_LONG.format(limit=MAX_LENGTH)
        case NoticeResult.NO_TARGETS:
            return texts.NOTICE_NO_TARGETS.format(unit=unit)
        case NoticeResult.UNKNOWN:
            return texts.NOTICE_STATUS_NONE.format(unit=unit)
    raise AssertionError(outcome.result)


def status_lines(status: NoticeStatus, context: GridContext) -> list[str]:
    notice = status.outcome.notice
    if notice is None:
        return [describe(status.outcome)]
    at = f"{notice.created_at.astimezone(context.services.settings.tz):%m-%d %H:%M}"
    lines = [texts.NOTICE_STATUS_HEADER.format(id=notice.id, at=at, text=escape(notice.text))]
    lines.extend(
        texts.NOTICE_STATUS_UNIT.format(unit=escape(unit.name), receipt=receipt_text(unit.receipt))
        for unit in status.units
    )
    if len(status.units) > 1:
        lines.append(texts.NOTICE_STATUS_TOTAL.format(receipt=receipt_text(status.total)))
    return lines


async def notice(update: Update, context: GridContext) -> None:
    """Send a notice from this town or village group to every group below it."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_html(texts.NOTICE_ONLY_UPPER)
        return
    if not from_a_person(message):
        await message.reply_html(texts.ANONYMOUS_LEADER)
        return
    text = notice_text(message)
    if not text:
        await message.reply_html(texts.NOTICE_USAGE)
        return
    services = context.services
    outcome = await publish_notice(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        text=text,
        settings=services.settings,
        now=services.clock(),
    )
    await message.reply_html(describe(outcome))


async def notice_ack(query: CallbackQuery, chat_id: int, press: NoticeAck, context: GridContext) -> None:
    """A press of 收到 under a notice: count it for this group's unit (if the notice was sent here)."""
    services = context.services
    result = await acknowledge(
        services.sessions, notice_id=press.notice_id, chat_id=chat_id, user_id=query.from_user.id, now=services.clock()
    )
    await query.answer(_ACK_ANSWERS[result])


async def notice_status_command(update: Update, context: GridContext) -> None:
    """Show, unit by unit, who has acknowledged this group's latest notice (or /notice_status N)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.chat.type == ChatType.PRIVATE:
        return
    args = context.args or []
    notice_id = parse_id(args[0].lstrip("#")) if args else None
    services = context.services
    status = await notice_status(
        services.sessions, chat_id=message.chat_id, user_id=user.id, admin_ids=services.admin_ids, notice_id=notice_id
    )
    if status.outcome.result is NoticeResult.UNKNOWN and notice_id is not None:
        await message.reply_html(texts.NOTICE_STATUS_UNKNOWN.format(id=notice_id))
        return
    if status.outcome.result is NoticeResult.REFUSED:
        unit = escape(status.outcome.unit.name) if status.outcome.unit else ""
        await message.reply_html(texts.NOTICE_STATUS_REFUSED.format(unit=unit))
        return
    for part in split_message(status_lines(status, context)):
        await message.reply_html(part)
