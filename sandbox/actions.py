"""What simulated users (and the test driving them) can do, as Telegram would report it.

Each action changes the world and queues the updates Telegram would send the
bot -- a message, a service message, ``my_chat_member``/``chat_member``, a
``callback_query`` -- honouring membership, privacy mode and ``allowed_updates``.
Misuse (unknown ids, acting in a chat one is not in) raises :class:`ControlError`:
that is a bug in the test, not something Telegram would let happen.
"""

from __future__ import annotations

from typing import Any, Literal

from sandbox.errors import ControlError
from sandbox.faults import InjectedFailure
from sandbox.limits import RateLimits
from sandbox.models import Chat, SentMessage, User
from sandbox.state import (
    ACTIVE_STATUSES,
    ADMIN_STATUSES,
    ANONYMOUS_ADMIN,
    CallbackQueryRecord,
    ChatRecord,
    MessageRecord,
    SandboxState,
    UserRecord,
)
from sandbox.text import detect_entities, utf16_slice
from sandbox.wire import callback_query_json, member_updated_json, message_json, user_json

# -- users and groups ---------------------------------------------------------------------------


def create_user(
    state: SandboxState,
    *,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = "zh-hans",
    user_id: int | None = None,
) -> User:
    if user_id is not None and (user_id in state.users or user_id <= 0):
        raise ControlError(f"user id {user_id} is taken or not positive")
    if username is not None and any((u.username or "").lower() == username.lower() for u in state.users.values()):
        raise ControlError(f"username @{username} is taken")
    user = UserRecord(
        id=state.next_user_id() if user_id is None else user_id,
        first_name=first_name,
        last_name=last_name,
        username=username,
        language_code=language_code,
    )
    state.users[user.id] = user
    return user.to_model()


def create_group(
    state: SandboxState,
    *,
    title: str,
    members: list[int] | None = None,
    admins: list[int] | None = None,
    kind: Literal["group", "supergroup"] = "supergroup",
) -> Chat:
    """A group without the bot; the first admin is its creator.  Admins are members too."""
    if kind not in ("group", "supergroup"):
        raise ControlError(f"kind must be 'group' or 'supergroup', not {kind!r}")
    admins = admins or []
    chat = ChatRecord(id=state.next_group_id(kind), type=kind, title=title)
    for user_id in [*(members or []), *admins]:
        state.user(user_id)
        chat.members[user_id] = "member"
    for position, user_id in enumerate(admins):
        chat.members[user_id] = "creator" if position == 0 else "administrator"
    state.chats[chat.id] = chat
    return chat.to_model()


def _group(state: SandboxState, chat_id: int) -> ChatRecord:
    chat = state.chat(chat_id)
    if chat.type == "private":
        raise ControlError(f"chat {chat_id} is a private chat, not a group")
    return chat


def _require_member(chat: ChatRecord, user_id: int, *, admin: bool = False) -> None:
    status = chat.members.get(user_id, "left")
    if status not in (ADMIN_STATUSES if admin else ACTIVE_STATUSES):
        role = "an administrator" if admin else "a member"
        raise ControlError(f"user {user_id} is not {role} of chat {chat.id}")


# -- delivering to the bot ----------------------------------------------------------------------


def _addressed_to_bot(state: SandboxState, record: MessageRecord) -> bool:
    """What a bot in privacy mode still receives: commands for it, mentions, replies to it."""
    reply = None if record.reply_to is None else state.message(record.chat_id, record.reply_to)
    if reply is not None and reply.sender_id == state.bot.id:
        return True
    username = (state.bot.username or "").lower()
    for entity in record.entities:
        fragment = utf16_slice(record.text or "", entity["offset"], entity["length"]).lower()
        if entity["type"] == "bot_command" and ("@" not in fragment or fragment.endswith(f"@{username}")):
            return True
        if entity["type"] == "mention" and fragment == f"@{username}":
            return True
    return False


def _deliver(state: SandboxState, chat: ChatRecord, record: MessageRecord, kind: str) -> int | None:
    """Queue ``record`` as a ``kind`` update if the bot would see it."""
    if not state.bot_is_member(chat):
        return None
    sees_everything = chat.type == "private" or not state.privacy_mode or chat.bot_status == "administrator"
    if not (sees_everything or record.service or _addressed_to_bot(state, record)):
        return None
    return state.emit(kind, message_json(state, record))


def _member_changed(state: SandboxState, chat: ChatRecord, actor: UserRecord, subject: UserRecord, old: str) -> None:
    """``chat_member`` goes only to admin bots that asked for it, as documented."""
    if chat.bot_status == "administrator" and state.updates.accepts("chat_member"):
        payload = member_updated_json(state, chat, actor, subject, old, chat.members[subject.id])
        state.emit("chat_member", payload)


# -- membership ---------------------------------------------------------------------------------


def add_member(state: SandboxState, chat_id: int, user_id: int, *, by: int | None = None) -> SentMessage:
    """``user_id`` joins (``by=None``) or is added by ``by``; emits the service message."""
    chat = _group(state, chat_id)
    user = state.user(user_id)
    if chat.members.get(user_id) in ACTIVE_STATUSES:
        raise ControlError(f"user {user_id} is already in chat {chat_id}")
    actor = user if by is None else state.user(by)
    if by is not None:
        _require_member(chat, by)
    old = chat.members.get(user_id, "left")
    chat.members[user_id] = "member"
    record = state.store_message(chat, actor.id, service={"new_chat_members": [user_json(user)]})
    update_id = _deliver(state, chat, record, "message")
    _member_changed(state, chat, actor, user, old)
    state.log_event("joined", chat, sender_id=user_id, message_id=record.message_id, by=by)
    return SentMessage(record.message_id, update_id)


def remove_member(state: SandboxState, chat_id: int, user_id: int, *, by: int | None = None) -> SentMessage:
    """``user_id`` leaves (``by=None``) or is banned by admin ``by``."""
    chat = _group(state, chat_id)
    user = state.user(user_id)
    _require_member(chat, user_id)
    actor = user if by is None else state.user(by)
    if by is not None:
        _require_member(chat, by, admin=True)
    old = chat.members[user_id]
    chat.members[user_id] = "left" if by is None else "kicked"
    record = state.store_message(chat, actor.id, service={"left_chat_member": user_json(user)})
    update_id = _deliver(state, chat, record, "message")
    _member_changed(state, chat, actor, user, old)
    state.log_event("left", chat, sender_id=user_id, message_id=record.message_id, by=by)
    return SentMessage(record.message_id, update_id)


def _set_bot_status(state: SandboxState, chat: ChatRecord, actor: UserRecord, new: str) -> int | None:
    old, chat.bot_status = chat.bot_status, new
    return state.emit("my_chat_member", member_updated_json(state, chat, actor, state.bot, old, new))


def add_bot_to_group(state: SandboxState, chat_id: int, *, by: int, as_admin: bool = False) -> SentMessage:
    """Member ``by`` adds the bot: ``my_chat_member`` (-> member/administrator), then the service message."""
    chat = _group(state, chat_id)
    _require_member(chat, by, admin=as_admin)
    if chat.bot_status in ACTIVE_STATUSES:
        raise ControlError(f"the bot is already in chat {chat_id}")
    actor = state.user(by)
    _set_bot_status(state, chat, actor, "administrator" if as_admin else "member")
    record = state.store_message(chat, actor.id, service={"new_chat_members": [user_json(state.bot)]})
    update_id = _deliver(state, chat, record, "message")
    state.log_event("bot_added", chat, sender_id=by, message_id=record.message_id, as_admin=as_admin)
    return SentMessage(record.message_id, update_id)


def remove_bot_from_group(state: SandboxState, chat_id: int, *, by: int) -> int | None:
    """Admin ``by`` removes the bot; it gets ``my_chat_member`` (-> kicked) and then 403 on sending."""
    chat = _group(state, chat_id)
    _require_member(chat, by, admin=True)
    if chat.bot_status not in ACTIVE_STATUSES:
        raise ControlError(f"the bot is not in chat {chat_id}")
    actor = state.user(by)
    update_id = _set_bot_status(state, chat, actor, "kicked")
    state.store_message(chat, actor.id, service={"left_chat_member": user_json(state.bot)})
    state.log_event("bot_removed", chat, sender_id=by)
    return update_id


def set_bot_admin(state: SandboxState, chat_id: int, admin: bool) -> int | None:
    """The group's creator promotes or demotes the bot (``my_chat_member``); no-op if unchanged."""
    chat = _group(state, chat_id)
    if chat.bot_status not in ACTIVE_STATUSES:
        raise ControlError(f"the bot is not in chat {chat_id}")
    new = "administrator" if admin else "member"
    if chat.bot_status == new:
        return None
    creator = next((uid for uid, status in chat.members.items() if status == "creator"), None)
    if creator is None:
        raise ControlError(f"chat {chat_id} has no creator to change the bot's rights (create it with admins)")
    update_id = _set_bot_status(state, chat, state.user(creator), new)
    state.log_event("bot_promoted" if admin else "bot_demoted", chat, sender_id=creator)
    return update_id


def _set_blocked(state: SandboxState, user_id: int, blocked: bool) -> int | None:
    user = state.user(user_id)
    if user.blocked == blocked:
        return None
    user.blocked = blocked
    chat = state.chat(user_id)
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    update_id = state.emit("my_chat_member", member_updated_json(state, chat, user, state.bot, old, new))
    state.log_event("blocked" if blocked else "unblocked", chat, sender_id=user_id)
    return update_id


def block_bot(state: SandboxState, user_id: int) -> int | None:
    """The user blocks the bot: ``my_chat_member`` (member -> kicked); sends then get 403."""
    return _set_blocked(state, user_id, True)


def unblock_bot(state: SandboxState, user_id: int) -> int | None:
    return _set_blocked(state, user_id, False)


# -- messages and buttons -----------------------------------------------------------------------


def send_message(
    state: SandboxState,
    *,
    user_id: int,
    chat_id: int,
    text: str,
    reply_to: int | None = None,
    sender_chat_id: int | None = None,
) -> SentMessage:
    """A user writes ``text``; commands, mentions, hashtags and URLs get their entities.

    ``chat_id == user_id`` is the user's private chat with the bot; writing there
    counts as having started the bot.  ``sender_chat_id`` (the group's own id)
    posts as an anonymous administrator: ``from`` is GroupAnonymousBot and
    ``sender_chat`` the group.
    """
    user = state.user(user_id)
    chat = state.chat(chat_id)
    if not text.strip():
        raise ControlError("a message needs non-empty text")
    if chat.type == "private":
        if chat_id != user_id:
            raise ControlError("a user's private chat with the bot has the user's id as chat_id")
        if user.blocked:
            raise ControlError(f"user {user_id} blocked the bot; unblock_bot first")
        user.started = True
    else:
        _require_member(chat, user_id)
    sender_id = user_id
    if sender_chat_id is not None:
        if sender_chat_id != chat_id or chat.type == "private":
            raise ControlError("sender_chat_id must be the group itself (anonymous admin)")
        _require_member(chat, user_id, admin=True)
        sender_id = ANONYMOUS_ADMIN.id
    if reply_to is not None and state.message(chat_id, reply_to) is None:
        raise ControlError(f"no message {reply_to} in chat {chat_id} to reply to")
    record = state.store_message(
        chat, sender_id, sender_chat_id=sender_chat_id, text=text, entities=detect_entities(text), reply_to=reply_to
    )
    update_id = _deliver(state, chat, record, "message")
    state.log_event("message", chat, sender_id=sender_id, text=text, message_id=record.message_id, reply_to=reply_to)
    return SentMessage(record.message_id, update_id)


def share_contact(state: SandboxState, *, user_id: int, chat_id: int, phone_number: str) -> SentMessage:
    """A user shares their own contact (the 📎 → Contact → "share my number" button): a message
    with ``contact`` whose ``user_id`` is theirs, as Telegram sends it."""
    user = state.user(user_id)
    chat = state.chat(chat_id)
    if chat.type == "private":
        if chat_id != user_id:
            raise ControlError("a user's private chat with the bot has the user's id as chat_id")
        user.started = True
    else:
        _require_member(chat, user_id)
    contact = {"phone_number": phone_number, "first_name": user.first_name, "user_id": user_id}
    record = state.store_message(chat, user_id, service={"contact": contact})
    update_id = _deliver(state, chat, record, "message")
    state.log_event("contact", chat, sender_id=user_id, text=phone_number, message_id=record.message_id)
    return SentMessage(record.message_id, update_id)


def edit_message(state: SandboxState, *, chat_id: int, message_id: int, text: str) -> int | None:
    """The author edits a message: ``edited_message`` with ``edit_date``."""
    chat = state.chat(chat_id)
    record = state.message(chat_id, message_id)
    if record is None or record.sender_id == state.bot.id or record.service:
        raise ControlError(f"no user message {message_id} in chat {chat_id}")
    record.text, record.entities, record.edit_date = text, detect_entities(text), state.now()
    update_id = _deliver(state, chat, record, "edited_message")
    state.log_event("edited_message", chat, sender_id=record.sender_id, text=text, message_id=message_id)
    return update_id


def _press(state: SandboxState, user_id: int, chat_id: int, message_id: int) -> tuple[UserRecord, MessageRecord]:
    """Who presses, on which bot message with an inline keyboard: what any press needs."""
    user = state.user(user_id)
    chat = state.chat(chat_id)
    if chat.type == "private" and chat_id != user_id:
        raise ControlError("only the chat's user can press buttons in a private chat")
    if chat.type != "private":
        _require_member(chat, user_id)
    record = state.message(chat_id, message_id)
    if record is None or record.sender_id != state.bot.id or record.reply_markup is None:
        raise ControlError(f"bot message {message_id} in chat {chat_id} has no inline keyboard")
    return user, record


def _emit_press(state: SandboxState, user: UserRecord, record: MessageRecord, data: str, label: str) -> str:
    chat = state.chat(record.chat_id)
    query_id = state.next_callback_id()
    state.callback_queries[query_id] = CallbackQueryRecord(query_id, user.id, chat.id, record.message_id, data)
    if state.bot_is_member(chat):
        state.emit("callback_query", callback_query_json(state, query_id, user, record, data))
    state.log_event("button", chat, sender_id=user.id, text=label, message_id=record.message_id, data=data)
    return query_id


def press_button(state: SandboxState, *, user_id: int, chat_id: int, message_id: int, data: str) -> str:
    """Press the inline button carrying ``data`` on a bot message; returns the callback query id."""
    user, record = _press(state, user_id, chat_id, message_id)
    rows = record.reply_markup["inline_keyboard"] if record.reply_markup else []
    button = next((b for row in rows for b in row if b.get("callback_data") == data), None)
    if button is None:
        raise ControlError(f"bot message {message_id} in chat {chat_id} has no button with data {data!r}")
    return _emit_press(state, user, record, data, button["text"])


def forge_press(state: SandboxState, *, user_id: int, chat_id: int, message_id: int, data: str) -> str:
    """A modified client presses a button of a bot message sending ``data`` of its own choosing.

    Telegram does not hold a press to the data of the message's buttons: it passes on any 1-64
    bytes from a client (``messages.getBotCallbackAnswer``) for a message with an inline keyboard.
    Returns the callback query id.
    """
    if not 1 <= len(data.encode()) <= 64:
        raise ControlError("callback data must be 1-64 bytes")
    user, record = _press(state, user_id, chat_id, message_id)
    return _emit_press(state, user, record, data, "")


# -- test control -------------------------------------------------------------------------------


def redeliver(state: SandboxState, update_id: int) -> None:
    """Hand an already confirmed update to the bot again, under the same ``update_id``."""
    state.updates.redeliver(update_id)
    state.changes.fire()


def set_rate_limits(state: SandboxState, **limits: Any) -> None:
    """Replace the flood limits (fields of :class:`RateLimits`) and forget past traffic."""
    try:
        state.limiter.limits = RateLimits.from_json(limits)
    except (TypeError, ValueError) as exc:
        raise ControlError(f"bad rate limits: {exc}") from None


def inject_failures(
    state: SandboxState,
    method: str,
    *,
    status: int,
    count: int = 1,
    retry_after: int | None = None,
    description: str | None = None,
    delay: float | None = None,
) -> None:
    state.failures.inject(method, InjectedFailure(status, description, retry_after, delay), count)


async def wait_until_idle(state: SandboxState, *, timeout: float = 5.0, settle: float = 0.05) -> bool:
    return await state.wait_until_idle(timeout, settle)


def reset(state: SandboxState) -> None:
    state.reset()
