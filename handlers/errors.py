"""The one error handler: log with context, apologise briefly where a person is waiting."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError

from core import texts
from core.supervise import describe
from handlers.context import GridContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: GridContext) -> None:
    """Log every handler failure; tell the person only when the failure is ours, not Telegram's.

    Telegram being unreachable or failing (5xx, timeouts, a 429 past the pacer's retries) is not a
    fault of the bot: one WARNING line with a running count, no traceback. Anything else is an
    ERROR with its traceback.
    """
    update_id = getattr(update, "update_id", "?")
    if isinstance(context.error, NetworkError | RetryAfter):
        context.bot_data.telegram_failures += 1
        log.warning(
            "update %s: Telegram failed (%s); %d such failures since start",
            update_id,
            describe(context.error),
            context.bot_data.telegram_failures,
        )
        return
    log.error("update %s failed", update_id, exc_info=context.error)
    if isinstance(context.error, TelegramError) or not isinstance(update, Update):
        return
    if update.callback_query is not None:  # a press: the answer says it, the group hears nothing
        try:
            await update.callback_query.answer(texts.BUTTON_FAILED)
        except TelegramError:
            log.warning("could not answer the failed press of update %s", update.update_id)
        return
    message = update.effective_message
    if message is not None:
        try:
            await message.reply_html(texts.INTERNAL_ERROR)
        except TelegramError:
            log.warning("could not send the apology for update %s", update.update_id)
