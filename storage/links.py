"""Queries for linking people to households (``/link``)."""

from __future__ import annotations

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Person


async def person_by_username(session: AsyncSession, *, username: str) -> Person | None:
    """The person last seen with this @username (Telegram usernames are case-insensitive)."""
    query = (
        select(Person)
        .where(func.lower(col(Person.username)) == username.lower())
        .order_by(col(Person.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def set_household(session: AsyncSession, *, person: Person, household_id: int | None) -> None:
    """Confirm (or, with None, drop) the person's link; any pending claim is settled by it."""
    person.household_id = household_id
    person.claimed_household_id = None
    session.add(person)
    await session.flush()
