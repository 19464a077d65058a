"""Sending, editing and deleting messages; reactions; callback answers; files."""

from __future__ import annotations

from typing import Any

from sandbox import media
from sandbox.errors import bad_request
from sandbox.formatting import format_text
from sandbox.methods.common import (
    Handlers,
    button_labels,
    inline_keyboard,
    own_message,
    reply_markup,
    writable_chat,
)
from sandbox.models import JSON, CallbackAnswer, Reaction
from sandbox.params import Params, Upload
from sandbox.state import ADMIN_STATUSES, ChatRecord, SandboxState, StoredFile
from sandbox.wire import message_json

# The emoji the Bot API accepts in ReactionTypeEmoji (https://core.telegram.org/bots/api#reactiontypeemoji).
REACTION_EMOJI = frozenset(
    (
        "👍", "👎", "❤", "🔥", "🥰", "👏", "😁", "🤔", "🤯", "😱", "🤬", "😢", "🎉", "🤩",
        "🤮", "💩", "🙏", "👌", "🕊", "🤡", "🥱", "🥴", "😍", "🐳", "🌚", "🌭", "💯", "🤣",
        "⚡", "🍌", "🏆", "💔", "🤨", "😐", "🍓", "🍾", "💋", "🖕", "😈", "😴", "😭", "🤓",
        "👻", "👀", "🎃", "🙈", "😇", "😨", "🤝", "✍", "🤗", "🫡", "🎅", "🎄", "☃", "💅",
        "🤪", "🗿", "🆒", "💘", "🙉", "🦄", "😘", "💊", "🙊", "😎", "👾", "🤷", "😡", "\u2764\ufe0f\u200d\U0001f525",
        "\U0001f468\u200d\U0001f4bb", "\U0001f937\u200d\u2642\ufe0f", "\U0001f937\u200d\u2640\ufe0f",
    )
)  # fmt: skip
_INVALID_QUERY = "query is too old and response timeout expired or query ID is invalid"


def _reply_target(state: SandboxState, chat: ChatRecord, params: Params) -> int | None:
    """The message to reply to, from ``reply_parameters`` or the legacy ``reply_to_message_id``."""
    reply = params.object("reply_parameters", what="reply parameters")
    if reply is None:
        message_id = params.integer("reply_to_message_id")
        allow_without = params.boolean("allow_sending_without_reply")
    elif isinstance(reply, dict) and isinstance(reply.get("message_id"), int):
        message_id, allow_without = reply["message_id"], bool(reply.get("allow_sending_without_reply"))
    else:
        raise bad_request("can't parse reply parameters JSON object")
    if message_id is None or state.message(chat.id, message_id) is not None:
        return message_id
    if allow_without:
        return None
    raise bad_request("message to be replied not found")


def _deliver(state: SandboxState, chat: ChatRecord, params: Params, method: str, **content: Any) -> JSON:
    """The common tail of every send method: reply, markup, flood control, store, log."""
    reply_to = _reply_target(state, chat, params)
    markup = reply_markup(params)
    state.limiter.acquire(chat.id, private=chat.type == "private")
    record = state.store_message(
        chat,
        state.bot.id,
        reply_to=reply_to,
        reply_markup=inline_keyboard(markup),
        method=method,
        parse_mode=params.string("parse_mode"),
        disable_notification=params.boolean("disable_notification"),
        **content,
    )
    file = record.file
    state.log_event(
        "bot_message",
        chat,
        sender_id=state.bot.id,
        text=record.text if record.text is not None else record.caption,
        message_id=record.message_id,
        reply_to=reply_to,
        buttons=button_labels(markup),
        file=None if file is None else file.file_name or file.kind,
    )
    return message_json(state, record)


async def send_message(state: SandboxState, params: Params) -> JSON:
    chat = writable_chat(state, params)
    text, entities = format_text(
        params.string("text"),
        params.string("parse_mode"),
        params.object("entities", what="message entities"),
        caption=False,
    )
    return _deliver(state, chat, params, "sendMessage", text=text, entities=entities)


def _caption(params: Params) -> tuple[str | None, list[JSON]]:
    caption, entities = format_text(
        params.string("caption"),
        params.string("parse_mode"),
        params.object("caption_entities", what="caption entities"),
        caption=True,
    )
    return caption or None, entities


def _input_file(params: Params, name: str) -> Upload | str:
    source = params.input_file(name)
    if source is None:
        raise bad_request(f"there is no {name} in the request")
    return source


async def send_photo(state: SandboxState, params: Params) -> JSON:
    chat = writable_chat(state, params)
    source = _input_file(params, "photo")
    caption, entities = _caption(params)
    if isinstance(source, Upload):
        ladder = media.store_photo(state, source)
    else:
        ladder = media.known_file(state, source, "photo").photo_sizes or []
    return _deliver(
        state,
        chat,
        params,
        "sendPhoto",
        caption=caption,
        entities=entities,
        photo=[media.photo_size_json(size.info) for size in ladder],
        file=ladder[-1].info,
    )


async def send_document(state: SandboxState, params: Params) -> JSON:
    chat = writable_chat(state, params)
    source = _input_file(params, "document")
    caption, entities = _caption(params)
    if isinstance(source, Upload):
        stored = media.store_document(state, source)
    else:
        stored = media.known_file(state, source, "document")
    return _deliver(
        state,
        chat,
        params,
        "sendDocument",
        caption=caption,
        entities=entities,
        document=media.document_json(stored.info),
        file=stored.info,
    )


def _not_modified() -> Exception:
    return bad_request(
        "message is not modified: specified new message content and reply markup are exactly the same "
        "as a current content and reply markup of the message"
    )


def _reject_inline_message(params: Params) -> None:
    if "inline_message_id" in params:
        raise bad_request("inline_message_id is not supported by the sandbox (the bot has no inline mode)")


async def edit_message_text(state: SandboxState, params: Params) -> JSON:
    _reject_inline_message(params)
    chat = writable_chat(state, params)
    record = own_message(state, chat, params, verb="edit")
    if record.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = format_text(
        params.string("text"),
        params.string("parse_mode"),
        params.object("entities", what="message entities"),
        caption=False,
    )
    # Leaving out reply_markup removes the keyboard, as on Telegram.
    markup = reply_markup(params, inline_only=True)
    if (text, entities, markup) == (record.text, record.entities, record.reply_markup):
        raise _not_modified()
    state.limiter.acquire(chat.id, private=chat.type == "private")
    record.text, record.entities, record.reply_markup = text, entities, markup
    record.parse_mode = params.string("parse_mode")
    record.edit_date = state.now()
    state.log_event(
        "bot_edit", chat, sender_id=state.bot.id, text=text, message_id=record.message_id,
        buttons=button_labels(markup),
    )  # fmt: skip
    return message_json(state, record)


async def edit_message_reply_markup(state: SandboxState, params: Params) -> JSON:
    _reject_inline_message(params)
    chat = writable_chat(state, params)
    record = own_message(state, chat, params, verb="edit")
    markup = reply_markup(params, inline_only=True)
    if markup == record.reply_markup:
        raise _not_modified()
    state.limiter.acquire(chat.id, private=chat.type == "private")
    record.reply_markup = markup
    record.edit_date = state.now()
    state.log_event(
        "bot_edit", chat, sender_id=state.bot.id, message_id=record.message_id, buttons=button_labels(markup) or []
    )
    return message_json(state, record)


async def delete_message(state: SandboxState, params: Params) -> bool:
    """Bots delete their own messages anywhere, users' messages in private chats or as admins."""
    chat = writable_chat(state, params)
    message_id = params.integer("message_id", missing="message identifier is not specified")
    assert message_id is not None
    record = state.message(chat.id, message_id)
    if record is None:
        raise bad_request("message to delete not found")
    may_delete = record.sender_id == state.bot.id or chat.type == "private" or chat.bot_status in ADMIN_STATUSES
    if not may_delete:
        raise bad_request("message can't be deleted")
    record.deleted = True
    state.log_event(
        "deleted", chat, sender_id=state.bot.id, message_id=message_id,
        text=record.text if record.text is not None else record.caption,
    )  # fmt: skip
    return True


def _reaction_emoji(reactions: Any) -> list[str]:
    if reactions is None:
        return []
    if not isinstance(reactions, list):
        raise bad_request("expected an Array of ReactionType")
    emoji = []
    for reaction in reactions:
        if not isinstance(reaction, dict):
            raise bad_request("can't parse ReactionType: expected an Object")
        kind = reaction.get("type")
        if kind == "emoji":
            if reaction.get("emoji") not in REACTION_EMOJI:
                raise bad_request("REACTION_INVALID")
            emoji.append(reaction["emoji"])
        elif kind in ("custom_emoji", "paid"):
            raise bad_request("REACTION_INVALID")
        else:
            raise bad_request("can't parse ReactionType: invalid reaction type specified")
    return emoji


async def set_message_reaction(state: SandboxState, params: Params) -> bool:
    """Replace the bot's reactions on a message (an empty list removes them)."""
    emoji = _reaction_emoji(params.object("reaction", what="reaction types"))
    chat = writable_chat(state, params)
    message_id = params.integer("message_id")
    record = None if message_id is None else state.message(chat.id, message_id)
    if record is None:
        raise bad_request("message to react not found")
    if record.service:
        raise bad_request("REACTION_INVALID")
    if len(emoji) > 1:
        raise bad_request("REACTIONS_TOO_MANY")
    state.reactions.append(Reaction(chat.id, record.message_id, emoji, params.boolean("is_big")))
    state.log_event(
        "reaction", chat, sender_id=state.bot.id, message_id=record.message_id, text=" ".join(emoji), emoji=emoji
    )
    return True


async def answer_callback_query(state: SandboxState, params: Params) -> bool:
    """Answer a button press; each query can be answered once."""
    query_id = params.string("callback_query_id", missing=_INVALID_QUERY)
    query = state.callback_queries.get(query_id or "")
    if query is None or query.answered:
        raise bad_request(_INVALID_QUERY)
    text = params.string("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    answer = CallbackAnswer(
        callback_query_id=query.id,
        user_id=query.user_id,
        chat_id=query.chat_id,
        message_id=query.message_id,
        data=query.data,
        text=text,
        show_alert=params.boolean("show_alert"),
        url=params.string("url"),
        cache_time=params.integer("cache_time") or 0,
    )
    state.callback_answers.append(answer)
    state.log_event(
        "callback_answer", state.chats[query.chat_id], sender_id=state.bot.id, text=text,
        message_id=query.message_id, show_alert=answer.show_alert or None,
    )  # fmt: skip
    return True


def _file_json(stored: StoredFile) -> JSON:
    return {
        "file_id": stored.info.file_id,
        "file_unique_id": stored.info.file_unique_id,
        "file_size": stored.info.file_size,
        "file_path": stored.file_path,
    }


async def get_file(state: SandboxState, params: Params) -> JSON:
    stored = state.files.get(params.string("file_id", missing="file_id is empty") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return _file_json(stored)


HANDLERS: Handlers = {
    "sendMessage": send_message,
    "sendPhoto": send_photo,
    "sendDocument": send_document,
    "editMessageText": edit_message_text,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "setMessageReaction": set_message_reaction,
    "answerCallbackQuery": answer_callback_query,
    "getFile": get_file,
}
