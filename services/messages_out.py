"""What the bot will post, as plain data: rendered by pure functions, sent by whoever delivers.

A message carries no Telegram objects, so the renderer stays testable without PTB and the
durable outbox can store a message as JSON (``content`` as base64) and send it after a restart.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MessageKind(StrEnum):
    TEXT = "text"
    PHOTO = "photo"
    DOCUMENT = "document"


#: Inline keyboard rows of (label, callback_data).
Keyboard = tuple[tuple[tuple[str, str], ...], ...]


@dataclass(frozen=True)
class OutgoingMessage:
    """One Telegram message in HTML parse mode: ``text`` for text, ``caption`` for a photo or file."""

    kind: MessageKind
    text: str = ""
    caption: str = ""
    filename: str = ""
    content: bytes | None = None
    reply_markup: Keyboard = ()
    #: The message this one answers, in the same chat; sent anyway if it was deleted meanwhile.
    reply_to: int | None = None
    #: The bot's own message, in the same chat, whose text and buttons this one replaces (an
    #: order's notice once the order is taken, delivered or cancelled; a live digest, see
    #: ``services.outbox.enqueue_edits``): edited, not posted.
    edit_of: int | None = None

    @classmethod
    def of_text(cls, text: str, reply_markup: Keyboard = (), reply_to: int | None = None) -> OutgoingMessage:
        return cls(kind=MessageKind.TEXT, text=text, reply_markup=reply_markup, reply_to=reply_to)

    @classmethod
    def of_file(cls, kind: MessageKind, *, filename: str, content: bytes, caption: str) -> OutgoingMessage:
        return cls(kind=kind, filename=filename, content=content, caption=caption)
