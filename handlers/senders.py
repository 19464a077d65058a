"""Who a message is really from, as every command and the ingest must judge it the same way."""

from __future__ import annotations

from telegram import Message

from services.identity import is_trusted_sender


def from_a_person(message: Message) -> bool:
    """False for an anonymous admin or a channel speaking as a chat: they are never trusted as anyone."""
    sender = message.from_user
    return is_trusted_sender(sender.id if sender else None, message.sender_chat.id if message.sender_chat else None)
