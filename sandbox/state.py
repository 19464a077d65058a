"""The simulated Telegram world one sandbox instance holds.

Everything lives on one :class:`SandboxState` created by the app factory (no
module-level state), mutated synchronously from aiohttp handlers on one event
loop, so no locks are needed.  Both sides of the conversation act on it: the
Bot API methods (:mod:`sandbox.methods`) for the bot, the control API
(:mod:`sandbox.actions`) for the simulated users.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox.errors import ChatKind, ControlError
from sandbox.faults import FailureInjector
from sandbox.limits import Clock, RateLimiter, RateLimits
from sandbox.models import (
    JSON,
    ApiCall,
    BotMessage,
    CallbackAnswer,
    Chat,
    CommandSet,
    FileInfo,
    Reaction,
    TranscriptEvent,
    User,
)
from sandbox.notify import Changes
from sandbox.updates import UpdateQueue

ACTIVE_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
ADMIN_STATUSES = frozenset({"creator", "administrator"})


@dataclass
class UserRecord:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    started: bool = False  # opened the private chat with the bot, so the bot may write first
    blocked: bool = False  # blocked the bot

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_model(self) -> User:
        return User(self.id, self.first_name, self.last_name, self.username, self.language_code)


# Telegram's stand-in sender for messages an anonymous administrator posts "as the group".
ANONYMOUS_ADMIN = UserRecord(id=1087968824, first_name="Group", username="GroupAnonymousBot", is_bot=True)


@dataclass
class ChatRecord:
    id: int
    type: ChatKind
    title: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> ChatMember status (groups)
    bot_status: str = "left"  # groups only; a private chat's access derives from the user
    next_message_id: int = 1

    def to_model(self) -> Chat:
        return Chat(self.id, self.type, self.title)


@dataclass
class StoredFile:
    info: FileInfo
    data: bytes
    file_path: str  # relative, as getFile reports it
    photo_sizes: list[StoredFile] | None = None  # every size of the same photo, smallest first


@dataclass
class MessageRecord:
    chat_id: int
    message_id: int
    sender_id: int
    date: int
    sender_chat_id: int | None = None
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    photo: list[JSON] | None = None
    document: JSON | None = None
    reply_markup: JSON | None = None  # inline keyboards only, as Message.reply_markup
    reply_to: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    service: JSON = field(default_factory=dict)  # new_chat_members, left_chat_member
    # Bookkeeping for messages the bot sent:
    method: str | None = None
    parse_mode: str | None = None
    file: FileInfo | None = None
    disable_notification: bool = False

    def to_bot_message(self) -> BotMessage:
        assert self.method is not None
        return BotMessage(
            chat_id=self.chat_id,
            message_id=self.message_id,
            method=self.method,
            date=self.date,
            text=self.text,
            caption=self.caption,
            entities=list(self.entities),
            parse_mode=self.parse_mode,
            reply_markup=self.reply_markup,
            reply_to=self.reply_to,
            file=self.file,
            disable_notification=self.disable_notification,
            edited=self.edit_date is not None,
            deleted=self.deleted,
        )


@dataclass
class CallbackQueryRecord:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class WebhookConfig:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


class SandboxState:
    """All mutable sandbox data plus the helpers both API sides share."""

    def __init__(
        self,
        *,
        token: str,
        bot_username: str,
        bot_name: str,
        rate_limits: RateLimits,
        clock: Clock,
        privacy_mode: bool,
        call_log_size: int = 10_000,
        wall_clock: Clock = time.time,
    ) -> None:
        self.token = token
        self._wall_clock = wall_clock
        self.bot = UserRecord(id=int(token.split(":", 1)[0]), first_name=bot_name, username=bot_username, is_bot=True)
        self.privacy_mode = privacy_mode
        self.default_limits = rate_limits
        self.limiter = RateLimiter(rate_limits, clock)
        self.failures = FailureInjector()
        self.changes = Changes()
        self.closing = False
        # Id counters survive reset(): a running bot may keep ids (and its update offset).
        self._user_ids = itertools.count(1_000_000_001)
        self._supergroup_ids = itertools.count(1_000_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._callback_ids = itertools.count(4_611_686_018_427_387_905)
        self._file_ids = itertools.count(1)
        self._seq = itertools.count(1)
        self.updates = UpdateQueue(first_update_id=100_000_001)
        self.calls: deque[ApiCall] = deque(maxlen=call_log_size)
        self.poll_generation = 0
        self._in_flight = 0
        self._last_activity = 0.0
        self._init_world()

    def _init_world(self) -> None:
        self.users: dict[int, UserRecord] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.messages: dict[tuple[int, int], MessageRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, CallbackQueryRecord] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.reactions: list[Reaction] = []
        self.commands: dict[tuple[str, str], CommandSet] = {}
        self.transcript: list[TranscriptEvent] = []
        self.webhook = WebhookConfig()

    def reset(self) -> None:
        """Forget the world, logs, webhook, scripted failures and limiter traffic."""
        self._init_world()
        self.updates.reset()
        self.calls.clear()
        self.failures.clear()
        self.limiter.limits = self.default_limits
        self.changes.fire()

    # -- ids and clocks -------------------------------------------------------------------------

    def now(self) -> int:
        """Telegram dates are unix seconds, UTC (from ``wall_clock``: a demo may play a day of its own)."""
        return int(self._wall_clock())

    def next_user_id(self) -> int:
        return next(self._user_ids)

    def next_group_id(self, kind: ChatKind) -> int:
        if kind == "supergroup":
            return -1_000_000_000_000 - next(self._supergroup_ids)
        return -next(self._group_ids)

    def next_callback_id(self) -> str:
        return str(next(self._callback_ids))

    def next_file_number(self) -> int:
        return next(self._file_ids)

    def next_seq(self) -> int:
        return next(self._seq)

    # -- lookups --------------------------------------------------------------------------------

    def user(self, user_id: int) -> UserRecord:
        """A simulated user, for the control API (a missing one is a test bug)."""
        try:
            return self.users[user_id]
        except KeyError:
            raise ControlError(f"unknown user {user_id}", status=404) from None

    def sender(self, user_id: int) -> UserRecord:
        """Whoever may appear in ``from``: users, the bot, GroupAnonymousBot."""
        if user_id == self.bot.id:
            return self.bot
        if user_id == ANONYMOUS_ADMIN.id:
            return ANONYMOUS_ADMIN
        return self.users[user_id]

    def find_chat(self, chat_id: int) -> ChatRecord | None:
        """A group by id, or the private chat with a known user (created on first use)."""
        chat = self.chats.get(chat_id)
        if chat is None and chat_id in self.users:
            chat = self.chats[chat_id] = ChatRecord(id=chat_id, type="private")
        return chat

    def chat(self, chat_id: int) -> ChatRecord:
        """A chat for the control API."""
        chat = self.find_chat(chat_id)
        if chat is None:
            raise ControlError(f"unknown chat {chat_id}", status=404)
        return chat

    def chat_title(self, chat: ChatRecord) -> str:
        return chat.title if chat.title is not None else self.users[chat.id].full_name

    def message(self, chat_id: int, message_id: int) -> MessageRecord | None:
        """A message that exists and was not deleted."""
        record = self.messages.get((chat_id, message_id))
        return None if record is None or record.deleted else record

    def bot_is_member(self, chat: ChatRecord) -> bool:
        if chat.type == "private":
            return not self.users[chat.id].blocked
        return chat.bot_status in ACTIVE_STATUSES

    # -- changes --------------------------------------------------------------------------------

    def store_message(self, chat: ChatRecord, sender_id: int, **fields: Any) -> MessageRecord:
        record = MessageRecord(chat_id=chat.id, message_id=chat.next_message_id, sender_id=sender_id,
                               date=self.now(), **fields)  # fmt: skip
        chat.next_message_id += 1
        self.messages[(chat.id, record.message_id)] = record
        return record

    def emit(self, kind: str, payload: JSON) -> int | None:
        """Queue an update for the bot (subject to ``allowed_updates``)."""
        update_id = self.updates.push(kind, payload)
        self.changes.fire()
        return update_id

    def log_event(
        self,
        kind: str,
        chat: ChatRecord,
        *,
        sender_id: int | None = None,
        text: str | None = None,
        message_id: int | None = None,
        **details: Any,
    ) -> None:
        self.transcript.append(
            TranscriptEvent(
                seq=self.next_seq(),
                date=self.now(),
                kind=kind,
                chat_id=chat.id,
                chat_title=self.chat_title(chat),
                sender_id=sender_id,
                sender_name=None if sender_id is None else self.sender(sender_id).full_name,
                text=text,
                message_id=message_id,
                details={k: v for k, v in details.items() if v is not None},
            )
        )
        self.changes.fire()

    def log_call(self, call: ApiCall) -> None:
        self.calls.append(call)

    # -- activity and idleness ------------------------------------------------------------------

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()
        self.changes.fire()

    def api_started(self) -> None:
        self._in_flight += 1
        self._touch()

    def api_finished(self) -> None:
        self._in_flight -= 1
        self._touch()

    def updates_confirmed(self) -> None:
        self._touch()

    def is_idle(self, settle: float) -> bool:
        quiet_for = asyncio.get_running_loop().time() - self._last_activity
        return not self.updates and self._in_flight == 0 and quiet_for >= settle

    async def wait_until_idle(self, timeout: float, settle: float) -> bool:
        """Wait until every update is confirmed and the bot has been quiet for ``settle`` s.

        Confirmation alone is not enough: PTB confirms a batch on its next
        ``getUpdates``, *before* the handlers ran.  So idle also requires that no
        Bot API request (other than ``getUpdates``) is in flight and none started
        during the last ``settle`` seconds -- a handler that is still computing
        without calling the API is indistinguishable from a finished one.  Waits
        for a specific effect are exact: use the transcript for those.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.is_idle(settle):
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            quiet_for = loop.time() - self._last_activity
            step = settle - quiet_for if not self.updates and self._in_flight == 0 else remaining
            await self.changes.wait(max(0.001, min(step, remaining)))

    # -- queries (control API and in-process assertions) ----------------------------------------

    def bot_messages(self, chat_id: int | None = None) -> list[BotMessage]:
        return [
            m.to_bot_message()
            for m in self.messages.values()
            if m.sender_id == self.bot.id and m.method is not None and chat_id in (None, m.chat_id)
        ]

    def reaction_log(self, chat_id: int | None = None) -> list[Reaction]:
        return [r for r in self.reactions if chat_id in (None, r.chat_id)]

    def command_sets(self) -> list[CommandSet]:
        return list(self.commands.values())

    def api_calls(self, method: str | None = None) -> list[ApiCall]:
        return [c for c in self.calls if method is None or c.method.lower() == method.lower()]

    def events_after(self, seq: int) -> list[TranscriptEvent]:
        return [e for e in self.transcript if e.seq > seq]

    async def wait_events(self, after: int, timeout: float) -> list[TranscriptEvent]:
        """Long-poll the transcript: return new events as soon as there are any."""
        await self.changes.wait_for(lambda: self.closing or bool(self.events_after(after)), timeout)
        return self.events_after(after)

    def group_members(self, chat: ChatRecord) -> Iterator[tuple[int, str]]:
        """Members with an active status, the bot included, in join order."""
        yield from ((uid, status) for uid, status in chat.members.items() if status in ACTIVE_STATUSES)
        if chat.bot_status in ACTIVE_STATUSES:
            yield self.bot.id, chat.bot_status


STATE_KEY = web.AppKey("sandbox_state", SandboxState)
