"""The one error handler: log with context, apologise briefly where a person is waiting."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from core import texts
from handlers.context import GridContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: GridContext) -> None:
    """Log every handler failure; tell the person only when the failure is ours, not Telegram's."""
    log.error("update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)
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
