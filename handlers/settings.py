"""/remind: a group's leaders switch its check-in reminders, or their @mentions, on and off."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ChatType

from core import texts
from handlers.context import GridContext
from handlers.senders import from_a_person
from services.reminders import RemindOutcome, RemindResult, remind_settings

_ON = {"开", "on", "打开", "开启"}
_OFF = {"关", "off", "关闭"}
_MENTIONS = ("点名", "mention", "mentions", "@")


def parse_remind(args: list[str]) -> tuple[bool | None, bool | None] | None:
    """(reminders, mentions) to set — None where unchanged — or None when the words make no sense."""
    words = "".join(args).strip().lower()
    if not words:
        return None, None
    target = next((prefix for prefix in _MENTIONS if words.startswith(prefix)), None)
    switch = words.removeprefix(target) if target else words
    value = True if switch in _ON else False if switch in _OFF else None
    if value is None:
        return None
    return (None, value) if target else (value, None)


def describe(outcome: RemindOutcome) -> str:
    unit = outcome.unit
    match outcome.result:
        case RemindResult.UNBOUND:
            return texts.REMIND_UNBOUND
        case RemindResult.REFUSED:
            return texts.REMIND_REFUSED.format(unit=escape(unit.name if unit else ""))
    assert unit is not None
    text = texts.REMIND_STATUS.format(
        unit=escape(unit.name),
        reminders=texts.REMIND_SWITCH[outcome.own.reminders],
        mentions=texts.REMIND_SWITCH[outcome.own.mentions],
    )
    for above, what in (
        (outcome.reminders_off_above, texts.REMIND_WHAT_REMINDERS),
        (outcome.mentions_off_above, texts.REMIND_WHAT_MENTIONS),
    ):
        if above is not None:
            text += texts.REMIND_INHERITED.format(unit=escape(above.name), what=what)
    return text


async def remind(update: Update, context: GridContext) -> None:
    """Show or switch this group's reminders (/remind 开|关, /remind 点名开|点名关)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.chat.type == ChatType.PRIVATE:
        return
    wanted = parse_remind(context.args or [])
    if wanted is None or (wanted != (None, None) and not from_a_person(message)):
        await message.reply_html(texts.REMIND_USAGE if wanted is None else texts.ANONYMOUS_LEADER)
        return
    services = context.services
    outcome = await remind_settings(
        services.sessions,
        chat_id=message.chat_id,
        user_id=user.id,
        admin_ids=services.admin_ids,
        reminders=wanted[0],
        mentions=wanted[1],
    )
    await message.reply_html(describe(outcome))
