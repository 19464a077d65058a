"""The application factory: all wiring of handlers, commands and state, in one place."""

from __future__ import annotations

from typing import Any

from telegram import (
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    filters,
)

from bot import commands
from bot.ratelimit import PacedRateLimiter
from bot.transport import AiohttpRequest
from handlers import binding, errors, leader, messages, notices, orders, reports, settings, start
from handlers.context import BotData, GridApplication, GridContext, Services

#: What residents write, new or edited, in groups or privately; commands stay with their handlers.
RESIDENT_TEXT = filters.TEXT & ~filters.COMMAND & (filters.UpdateType.MESSAGE | filters.UpdateType.EDITED_MESSAGE)


async def register_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Publish the command menu in Chinese; leader commands only where group admins look."""
    bot = application.bot
    await bot.set_my_commands(commands.PRIVATE_MENU, scope=BotCommandScopeDefault())
    await bot.set_my_commands(commands.GROUP_MENU, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_commands(commands.ADMIN_MENU, scope=BotCommandScopeAllChatAdministrators())


def build_application(services: Services) -> GridApplication:
    """A PTB application with no Updater: updates come in through ``bot.intake``'s durable inbox."""
    telegram = services.settings.telegram
    application: GridApplication = (
        ApplicationBuilder()
        .token(services.settings.require_token())
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .defaults(Defaults(tzinfo=services.settings.tz))
        .context_types(ContextTypes(context=GridContext, bot_data=BotData))
        .request(AiohttpRequest())
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .rate_limiter(PacedRateLimiter(telegram.flood))
        .updater(None)
        .post_init(register_commands)
        .build()
    )
    application.bot_data.wire(services)
    application.add_handlers(
        [
            CommandHandler("start", leader.household_start, filters.ChatType.PRIVATE & leader.HOUSEHOLD_LINK),
            CommandHandler("start", messages.start_alerts, filters.ChatType.PRIVATE & messages.ALERTS_LINK),
            CommandHandler("start", start.start),
            CommandHandler("help", start.help_command),
            CommandHandler("whoami", start.whoami),
            CommandHandler("bind", binding.bind),
            CommandHandler("unbind", binding.unbind),
            CommandHandler("status", leader.status),
            CommandHandler("missing", leader.missing),
            CommandHandler("returnees", leader.returnees),
            CommandHandler("link", leader.link),
            CommandHandler("household", leader.household),
            CommandHandler("orders", orders.orders),
            CommandHandler("deliver", orders.deliver),
            CommandHandler("cancel", orders.cancel),
            CallbackQueryHandler(orders.order_button, pattern=r"^order:"),
            CommandHandler("zero", reports.zero),
            CommandHandler("dayoff", reports.dayoff),
            CallbackQueryHandler(reports.confirm_button, pattern=r"^report:confirm:"),
            CommandHandler("remind", settings.remind),
            CommandHandler("notice", notices.notice),
            CommandHandler("notice_status", notices.notice_status_command),
            CallbackQueryHandler(notices.notice_ack, pattern=r"^notice:ack:"),
            ChatMemberHandler(binding.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            MessageHandler(RESIDENT_TEXT, messages.on_text),
            MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, messages.on_members),
        ]
    )
    application.add_error_handler(errors.on_error)
    return application
