"""People the bot meets: remembered from their messages, since a bot cannot list a group's members."""

from __future__ import annotations

from storage import people
from storage.db import SessionFactory, transaction


async def greet_person(factory: SessionFactory, *, user_id: int, name: str, username: str | None) -> None:
    """A private /start: the person exists, and has opened the door for private messages."""
    async with transaction(factory) as session:
        await people.remember_person(
            session, telegram_user_id=user_id, display_name=name, username=username, started_bot=True
        )
