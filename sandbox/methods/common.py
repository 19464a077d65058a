"""Checks every Bot API method shares: which chat is meant and may the bot act there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sandbox.errors import bad_request, chat_not_found, forbidden, kicked_from, not_a_member
from sandbox.models import JSON
from sandbox.params import Params
from sandbox.state import ACTIVE_STATUSES, ChatRecord, MessageRecord, SandboxState

Handler = Callable[[SandboxState, Params], Awaitable[Any]]
Handlers = Mapping[str, Handler]

_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay",
)  # fmt: skip


def target_chat(state: SandboxState, params: Params) -> ChatRecord:
    """The chat ``chat_id`` names.  Simulated chats have no public @usernames."""
    ref = params.chat_id()
    chat = None if isinstance(ref, str) else state.find_chat(ref)
    if chat is None:
        raise chat_not_found()
    return chat


def require_group_access(chat: ChatRecord) -> None:
    if chat.bot_status == "kicked":
        raise kicked_from(chat.type)
    if chat.bot_status not in ACTIVE_STATUSES:
        raise not_a_member(chat.type)


def writable_chat(state: SandboxState, params: Params) -> ChatRecord:
    """A chat the bot may post to, or Telegram's 403 explaining why not."""
    chat = target_chat(state, params)
    if chat.type == "private":
        user = state.users[chat.id]
        if user.blocked:
            raise forbidden("bot was blocked by the user")
        if not user.started:
            raise forbidden("bot can't initiate conversation with a user")
    else:
        require_group_access(chat)
    return chat


def readable_chat(state: SandboxState, params: Params) -> ChatRecord:
    """A chat the bot may look at: any known user, or a group it belongs to."""
    chat = target_chat(state, params)
    if chat.type != "private":
        if chat.bot_status == "kicked":
            raise kicked_from(chat.type)
        if chat.bot_status not in ACTIVE_STATUSES:
            raise chat_not_found()
    return chat


def own_message(state: SandboxState, chat: ChatRecord, params: Params, *, verb: str) -> MessageRecord:
    """The bot's message ``message_id`` for editing; ``verb`` words the not-found error."""
    message_id = params.integer("message_id", missing="message identifier is not specified")
    assert message_id is not None
    record = state.message(chat.id, message_id)
    if record is None:
        raise bad_request(f"message to {verb} not found")
    if record.sender_id != state.bot.id:
        raise bad_request("message can't be edited")
    return record


def reply_markup(params: Params, *, inline_only: bool = False) -> JSON | None:
    """``reply_markup``, validated; inline keyboards are checked button by button."""
    markup = params.object("reply_markup", what="reply keyboard markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
        return markup
    if inline_only or not any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
        raise bad_request("can't parse inline keyboard markup JSON object")
    return markup


def _check_inline_keyboard(rows: Any) -> None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays')
    for button in (button for row in rows for button in row):
        if not isinstance(button, dict) or not isinstance(button.get("text"), str):
            raise bad_request('can\'t parse inline keyboard button: Field "text" must be of type String')
        if not any(action in button for action in _BUTTON_ACTIONS):
            raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")


def inline_keyboard(markup: JSON | None) -> JSON | None:
    """What ``Message.reply_markup`` shows: only inline keyboards are attached to a message."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def button_labels(markup: JSON | None) -> list[list[str]] | None:
    """Button captions per row, for the transcript."""
    keyboard = inline_keyboard(markup)
    if keyboard is None:
        return None
    return [[button["text"] for button in row] for row in keyboard["inline_keyboard"]]
