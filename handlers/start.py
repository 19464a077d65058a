"""/start, /whoami and /privacy: what the bot is, who this person is to it, and what it keeps
(/help is in ``handlers.commands``)."""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.constants import ChatType

from core import texts
from core.config import Settings
from handlers.context import GridContext
from services.identity import identify
from services.people import greet_person


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


def privacy_notice(settings: Settings) -> str:
    """The notice to residents (告知), with this deployment's retention."""
    return texts.PRIVACY_NOTICE.format(days=settings.privacy.retain_days)


async def privacy(update: Update, context: GridContext) -> None:
    """/privacy, anywhere, from anyone: what is recorded, why, who sees it, for how long, how to get a copy or erasure."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(privacy_notice(context.services.settings))
