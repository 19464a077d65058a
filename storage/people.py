"""Queries on people: Telegram users the bot has seen."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person


async def get_person(session: AsyncSession, *, telegram_user_id: int) -> Person | None:
    return (await session.exec(select(Person).where(Person.telegram_user_id == telegram_user_id))).first()


async def remember_person(
    session: AsyncSession,
    *,
    telegram_user_id: int,
    display_name: str,
    username: str | None,
    started_bot: bool = False,
) -> Person:
    """Create or refresh a person from what Telegram tells us; ``started_bot`` only ever turns on."""
    person = await get_person(session, telegram_user_id=telegram_user_id)
    if person is None:
        person = Person(telegram_user_id=telegram_user_id)
    person.display_name = display_name[:128]
    person.username = username
    person.started_bot = person.started_bot or started_bot
    session.add(person)
    await session.flush()
    return person
