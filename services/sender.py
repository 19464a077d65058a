"""Posting an ``OutgoingMessage``: the one place a plain message becomes a Bot API call.

Every request still passes the application's paced rate limiter (``bot.ratelimit``); callers that
send in bulk wrap their sends in ``bulk_sending()`` so replies to people go first.
"""

from __future__ import annotations

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest

from core.formatting import CAPTION_LIMIT, fit
from services.messages_out import Keyboard, MessageKind, OutgoingMessage


def keyboard(rows: Keyboard) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def send(bot: Bot, chat_id: int, message: OutgoingMessage, *, timeout: float = 30.0) -> Message:
    """Send ``message`` in HTML, waiting up to ``timeout`` seconds to write it and for the answer.

    A generous timeout matters: Telegram may still deliver a message whose answer the client gave
    up waiting for, and resending it then posts it twice. Text and captions are cut to Telegram's
    limits (``fit``): a message that must arrive is never refused for its length.
    """
    markup = keyboard(message.reply_markup)
    reply = (
        None
        if message.reply_to is None
        else ReplyParameters(message_id=message.reply_to, allow_sending_without_reply=True)
    )
    match message.kind:
        case MessageKind.TEXT:
            return await bot.send_message(
                chat_id,
                fit(message.text),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                reply_parameters=reply,
                read_timeout=timeout,
                write_timeout=timeout,
            )
        case MessageKind.PHOTO | MessageKind.DOCUMENT:
            post = bot.send_photo if message.kind is MessageKind.PHOTO else bot.send_document
            return await post(
                chat_id,
                InputFile(message.content or b"", filename=message.filename),
                caption=fit(message.caption, CAPTION_LIMIT) or None,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                reply_parameters=reply,
                read_timeout=timeout,
                write_timeout=timeout,
            )
    raise AssertionError(message.kind)


async def edit(bot: Bot, chat_id: int, message: OutgoingMessage, *, timeout: float = 30.0) -> int:
    """Replace the text and buttons of the bot's message ``message.edit_of`` (no buttons: none
    left); its id. A message already so (an edit retried after its answer was lost) is done."""
    assert message.edit_of is not None and message.kind is MessageKind.TEXT
    try:
        await bot.edit_message_text(
            fit(message.text),
            chat_id=chat_id,
            message_id=message.edit_of,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(message.reply_markup),
            read_timeout=timeout,
            write_timeout=timeout,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise
    return message.edit_of
