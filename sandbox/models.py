"""Plain records the control API returns, shared by the server and :mod:`client`.

The in-process state hands out these same objects, so a test can assert against
``sandbox.state`` or against :class:`~sandbox.client.SandboxClient` results
interchangeably.  All are JSON round-trippable via ``to_json``/``from_json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Self

JSON = dict[str, Any]


class _Record:
    def to_json(self) -> JSON:
        return asdict(self)  # type: ignore[call-overload, no-any-return]

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        return cls(**data)


@dataclass(frozen=True)
class User(_Record):
    """A simulated Telegram user."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True)
class Chat(_Record):
    """A chat as the sandbox knows it; ``type`` is ``private``, ``group`` or ``supergroup``."""

    id: int
    type: str
    title: str | None = None


@dataclass(frozen=True)
class SentMessage(_Record):
    """A message a simulated user produced; ``update_id`` is ``None`` if the bot won't see it.

    The bot does not see a message when it is not in the chat, when privacy mode
    hides it, or when ``allowed_updates`` excludes ``message``.
    """

    message_id: int
    update_id: int | None


@dataclass(frozen=True)
class FileInfo(_Record):
    """A file the bot uploaded (or re-sent by ``file_id``)."""

    file_id: str
    file_unique_id: str
    kind: Literal["photo", "document"]
    file_size: int
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class BotMessage(_Record):
    """The current state of one message the bot sent, with edit/delete flags.

    ``text``/``caption`` are the plain text after entity parsing, exactly what a
    user sees; ``entities`` carry the formatting.
    """

    chat_id: int
    message_id: int
    method: str
    date: int
    text: str | None = None
    caption: str | None = None
    entities: list[JSON] = field(default_factory=list)
    parse_mode: str | None = None
    reply_markup: JSON | None = None
    reply_to: int | None = None
    file: FileInfo | None = None
    disable_notification: bool = False
    edited: bool = False
    deleted: bool = False

    @classmethod
    def from_json(cls, data: JSON) -> Self:
        file = data.get("file")
        return cls(**{**data, "file": FileInfo.from_json(file) if file else None})


@dataclass(frozen=True)
class Reaction(_Record):
    """The bot's reaction(s) on a message after a ``setMessageReaction`` call (empty = removed)."""

    chat_id: int
    message_id: int
    emoji: list[str]
    is_big: bool = False


@dataclass(frozen=True)
class CallbackAnswer(_Record):
    """An ``answerCallbackQuery`` call, joined with the button press it answered."""

    callback_query_id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    text: str | None = None
    show_alert: bool = False
    url: str | None = None
    cache_time: int = 0


@dataclass(frozen=True)
class CommandSet(_Record):
    """The command list stored by ``setMyCommands`` for one scope and language."""

    scope: JSON
    language_code: str
    commands: list[JSON]


@dataclass(frozen=True)
class ApiCall(_Record):
    """One Bot API request as the sandbox answered it."""

    seq: int
    method: str
    status: int
    params: JSON
    description: str | None = None
    retry_after: int | None = None


@dataclass(frozen=True)
class TranscriptEvent(_Record):
    """One line of the human-readable conversation log, in global order.

    ``kind`` is one of: ``message`` / ``edited_message`` (a user's), ``bot_message``,
    ``bot_edit``, ``deleted``, ``reaction``, ``button``, ``callback_answer``,
    ``joined``, ``left``, ``bot_added``, ``bot_removed``, ``bot_promoted``,
    ``bot_demoted``, ``bot_left``, ``blocked``, ``unblocked``.
    """

    seq: int
    date: int
    kind: str
    chat_id: int
    chat_title: str
    sender_id: int | None = None
    sender_name: str | None = None
    text: str | None = None
    message_id: int | None = None
    details: JSON = field(default_factory=dict)
