"""/start, /help and /whoami: what the bot is, and what this person may do where they are."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ChatType, ParseMode

from bot.commands import DOWNWARD_ONLY, LEADER_ONLY, help_lines
from core import texts
from handlers.context import GridContext
from services.identity import Identity, identify
from services.people import greet_person
from storage.models import UnitLevel


def _unit_label(identity: Identity) -> str:
    unit = identity.chat_unit
    return f"{escape(unit.name)}（{escape(unit.code)}）" if unit is not None else ""


async def start(update: Update, context: GridContext) -> None:
    """Greet; in private, remember that this person can now be written to."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    if message.chat.type == ChatType.PRIVATE:
        await greet_person(context.services.sessions, user_id=user.id, name=user.full_name, username=user.username)
        await message.reply_html(texts.START_PRIVATE.format(name=escape(user.first_name)))
    else:
        await message.reply_html(texts.START_GROUP.format(bind_hint=texts.BIND_HINT))


async def help_command(update: Update, context: GridContext) -> None:
    """List what the sender may do in this chat, by role."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    is_group = message.chat.type != ChatType.PRIVATE
    identity = await identify(
        services.sessions,
        user_id=user.id,
        chat_id=message.chat_id if is_group else None,
        admin_ids=services.admin_ids,
    )
    lines = [texts.HELP_HEADER, texts.HELP_RESIDENT]
    if identity.manages_chat or identity.is_admin or (not is_group and identity.led_units):
        in_grid = identity.chat_unit is not None and identity.chat_unit.level == UnitLevel.GRID
        lines += help_lines([c for c in LEADER_ONLY if not (in_grid and c.command in DOWNWARD_ONLY)])
    if identity.is_admin:
        lines.append(texts.HELP_ADMIN)
    if is_group:
        bound = (
            texts.HELP_BOUND_GROUP.format(unit=_unit_label(identity))
            if identity.chat_unit
            else texts.HELP_UNBOUND_GROUP
        )
        lines.insert(0, bound)
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


async def whoami(update: Update, context: GridContext) -> None:
    """Show the sender's id and roles; the linked household only in a private chat."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    services = context.services
    identity = await identify(services.sessions, user_id=user.id, chat_id=None, admin_ids=services.admin_ids)
    roles = [texts.ROLE_ADMIN] if identity.is_admin else []
    roles += [texts.ROLE_LEADER.format(unit=escape(unit.name)) for unit in identity.led_units]
    text = texts.WHOAMI.format(user_id=user.id, roles=texts.ROLE_SEPARATOR.join(roles or [texts.ROLE_RESIDENT]))
    if identity.household is not None and message.chat.type == ChatType.PRIVATE:
        text += texts.WHOAMI_HOUSEHOLD.format(address=escape(identity.household.address))
    await message.reply_html(text)
