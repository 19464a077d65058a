"""/bind, /unbind and the bot joining or leaving a group."""

from __future__ import annotations

from html import escape

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode

from core import texts
from handlers.context import GridContext
from handlers.leader import local_day
from handlers.senders import from_a_person
from handlers.start import privacy_notice
from services.binding import BindOutcome, BindResult, bind_chat, record_removal, unbind_chat

_PRESENT = {ChatMemberStatus.MEMBER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER}


def _describe(outcome: BindOutcome, code: str = "", refused: str = texts.BIND_REFUSED) -> str:
    unit = outcome.unit
    name = escape(unit.name) if unit else ""
    unit_code = escape(unit.code) if unit else ""
    match outcome.result:
        case BindResult.BOUND:
            text = texts.BIND_DONE.format(unit=name, code=unit_code)
            return text + (texts.BIND_MOVED.format(unit=name) if outcome.replaced_chat_id is not None else "")
        case BindResult.ALREADY:
            return texts.BIND_ALREADY.format(unit=name, code=unit_code)
        case BindResult.UNKNOWN_CODE:
            return texts.BIND_UNKNOWN_CODE.format(code=escape(code))
        case BindResult.REFUSED:
            return refused.format(unit=name)
        case BindResult.BOUND_ELSEWHERE:
            previous = outcome.previous_unit
            assert previous is not None
            return texts.BIND_ELSEWHERE.format(unit=escape(previous.name), code=escape(previous.code))
        case BindResult.UNBOUND:
            return texts.UNBIND_DONE.format(unit=name)
        case BindResult.NOT_BOUND:
            return texts.UNBIND_NOT_BOUND
    raise AssertionError(outcome.result)


async def bind(update: Update, context: GridContext) -> None:
    """Bind this group to the unit named by the code, if the sender leads it (or is an admin)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if message.chat.type == ChatType.PRIVATE:
        await message.reply_html(texts.BIND_ONLY_GROUPS)
        return
    if not from_a_person(message):
        await message.reply_html(texts.BIND_ANONYMOUS)
        return
    if len(context.args or []) != 1:
        await message.reply_html(texts.BIND_USAGE)
        return
    code = (context.args or [""])[0].strip()
    services = context.services
    outcome = await bind_chat(
        services.sessions,
        chat_id=message.chat_id,
        title=message.chat.title or "",
        code=code,
        user_id=user.id,
        admin_ids=services.admin_ids,
        day=local_day(message, services),
    )
    await message.reply_html(_describe(outcome, code))
    if outcome.privacy_notice:
        await message.chat.send_message(privacy_notice(services.settings), parse_mode=ParseMode.HTML)


async def unbind(update: Update, context: GridContext) -> None:
    """Release this group from its unit (a leader of it, or an admin)."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.chat.type == ChatType.PRIVATE:
        return
    if not from_a_person(message):
        await message.reply_html(texts.BIND_ANONYMOUS)
        return
    services = context.services
    outcome = await unbind_chat(
        services.sessions, chat_id=message.chat_id, user_id=user.id, admin_ids=services.admin_ids
    )
    await message.reply_html(_describe(outcome, refused=texts.UNBIND_REFUSED))


async def membership(update: Update, context: GridContext) -> None:
    """The bot was added to a group (say how to bind) or removed (stop the binding)."""
    change: ChatMemberUpdated | None = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    was_present = change.old_chat_member.status in _PRESENT
    is_present = change.new_chat_member.status in _PRESENT
    if is_present and not was_present:
        await context.bot.send_message(change.chat.id, texts.ADDED_TO_GROUP, parse_mode="HTML")
    elif was_present and not is_present:
        await record_removal(context.services.sessions, chat_id=change.chat.id)
