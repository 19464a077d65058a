"""The application factory: all wiring of handlers, command menus and state, in one place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram import (
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot.intake import retried_later
from bot.ratelimit import PacedRateLimiter, PacingClock
from bot.transport import AiohttpRequest
from handlers import binding, buttons, claims, errors, leader, messages
from handlers.commands import COMMANDS, Menu, menu
from handlers.context import BotData, GridApplication, GridContext, Services

#: What residents write, new or edited, in groups or privately; commands stay with their handlers.
RESIDENT_TEXT = filters.TEXT & ~filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)


#: Where each menu of ``handlers.commands`` is published.
MENU_SCOPES: dict[Menu, BotCommandScope] = {
    Menu.PRIVATE: BotCommandScopeDefault(),
    Menu.GROUP: BotCommandScopeAllGroupChats(),
    Menu.ADMIN: BotCommandScopeAllChatAdministrators(),
}


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menus in Chinese; leader commands only where group admins look."""
    for which, scope in MENU_SCOPES.items():
        await application.bot.set_my_commands(menu(which), scope=scope)


def _handlers() -> list[BaseHandler[Any, GridContext, Any]]:
    """The /start deep links first (they take precedence over plain /start), then the command table, then the rest."""
    deep_links = [
        CommandHandler("start", leader.household_start, filters.ChatType.PRIVATE & leader.HOUSEHOLD_LINK),
        CommandHandler("start", messages.start_alerts, filters.ChatType.PRIVATE & messages.ALERTS_LINK),
    ]
    table = [CommandHandler(c.name, c.callback, c.filter) for c in COMMANDS]
    return [
        *deep_links,
        *table,
        CallbackQueryHandler(buttons.on_press),
        ChatMemberHandler(binding.membership, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(RESIDENT_TEXT, messages.on_text),
        MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, messages.on_members),
        MessageHandler(filters.CONTACT, claims.on_contact),
    ]


def build_application(
    services: Services, *, on_status: Callable[[int], None] | None = None, pacing_clock: PacingClock | None = None
) -> GridApplication:
    """A PTB application with no Updater: updates come in through ``bot.intake``'s durable inbox;
    its paced sender on ``pacing_clock`` (the loop's monotonic time unless a test moves one)."""
    telegram = services.settings.telegram
    application: GridApplication = (
        ApplicationBuilder()
        .token(services.settings.require_token())
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .defaults(Defaults(tzinfo=services.settings.tz))
        .context_types(ContextTypes(context=GridContext, bot_data=BotData))
        .request(AiohttpRequest(on_status=on_status))
        .get_updates_request(AiohttpRequest(connection_pool_size=1, on_status=on_status))
        .rate_limiter(PacedRateLimiter(telegram.flood, clock=pacing_clock))
        .updater(None)
        .post_init(register_commands)
        .build()
    )
    application.bot_data.wire(services)
    application.add_handlers(_handlers())
    application.add_error_handler(retried_later)  # first: a database outage is retried, not reported
    application.add_error_handler(errors.on_error)
    return application
