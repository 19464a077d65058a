"""Queries behind the scheduled reminders and follow-ups, and the per-unit switches (/remind)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import returnee_plan
from storage.dialect import dialect_of, upsert
from storage.models import (
    BindingStatus,
    ChatBinding,
    CheckIn,
    Household,
    MessageRecord,
    Person,
    Returnee,
    Unit,
    UnitSettings,
)


@dataclass(frozen=True)
class Switches:
    """A unit's own switches; a unit without a row has both on."""

    reminders: bool = True
    mentions: bool = True


@dataclass(frozen=True)
class LinkedPerson:
    """A Telegram user linked to a household that has not checked in."""

    grid_id: int
    household_id: int
    telegram_user_id: int
    display_name: str


@dataclass(frozen=True)
class TestDue:
    """A returnee due a test, with who posted the report, their grid's place and group."""

    returnee: Returnee
    reporter_id: int
    grid_path: str
    grid_chat_id: int | None


@dataclass(frozen=True)
class Contact:
    """A person who may be told about a household's follow-up."""

    household_id: int
    telegram_user_id: int
    display_name: str
    started_bot: bool


async def switches(session: AsyncSession, *, unit_ids: Sequence[int]) -> dict[int, Switches]:
    """The switches of those of ``unit_ids`` that have a row."""
    query = select(UnitSettings).where(col(UnitSettings.unit_id).in_(unit_ids))
    return {row.unit_id: Switches(reminders=row.reminders, mentions=row.mentions) for row in await session.exec(query)}


async def set_switches(session: AsyncSession, *, unit_id: int, reminders: bool, mentions: bool) -> None:
    values = {"reminders": reminders, "mentions": mentions}
    statement = (
        upsert(session, UnitSettings)
        .values(unit_id=unit_id, **values)
        .on_conflict_do_update(index_elements=["unit_id"], set_=values)
    )
    await session.exec(statement)


async def unchecked_people(session: AsyncSession, *, grid_ids: Sequence[int], day: date) -> list[LinkedPerson]:
    """People linked to active households of ``grid_ids`` that have no check-in for ``day``."""
    checked = select(CheckIn.household_id).where(CheckIn.day == day).scalar_subquery()
    query = (
        select(Household.grid_id, Household.id, Person.telegram_user_id, Person.display_name)
        .join(Person, col(Person.household_id) == col(Household.id))
        .where(
            col(Household.grid_id).in_(grid_ids),
            col(Household.active).is_(True),
            col(Household.id).not_in(checked),
        )
        .order_by(col(Household.grid_id), col(Household.address), col(Person.id))
    )
    return [
        LinkedPerson(grid_id=grid, household_id=household or 0, telegram_user_id=user, display_name=name)
        for grid, household, user, name in await session.exec(query)
    ]


async def tests_due(session: AsyncSession, *, day: date) -> list[TestDue]:
    """Returnees whose plan has a test on ``day`` (``returnee_plan.test_due_on``), with their grid's group."""
    query: Any = (
        sa.select(Returnee, col(MessageRecord.sender_id), col(Unit.path), col(ChatBinding.chat_id))
        .join(MessageRecord, col(MessageRecord.id) == col(Returnee.message_id))
        .join(Unit, col(Unit.id) == col(Returnee.grid_id))
        .outerjoin(
            ChatBinding,
            sa.and_(col(ChatBinding.unit_id) == col(Returnee.grid_id), col(ChatBinding.status) == BindingStatus.ACTIVE),
        )
        .where(returnee_plan.test_due_on(dialect_of(session), day))
        .order_by(col(Returnee.grid_id), col(Returnee.id))
    )
    rows: Sequence[Any] = (await session.exec(query)).all()
    return [
        TestDue(returnee=returnee, reporter_id=reporter, grid_path=path, grid_chat_id=chat)
        for returnee, reporter, path, chat in rows
    ]


async def contacts(session: AsyncSession, *, household_ids: Sequence[int], user_ids: Sequence[int]) -> list[Contact]:
    """People linked to the households, and the given users wherever they belong (reporters)."""
    query = (
        select(Person)
        .where(or_(col(Person.household_id).in_(household_ids), col(Person.telegram_user_id).in_(user_ids)))
        .order_by(col(Person.id))
    )
    return [
        Contact(
            household_id=person.household_id or 0,
            telegram_user_id=person.telegram_user_id,
            display_name=person.display_name,
            started_bot=person.started_bot,
        )
        for person in await session.exec(query)
    ]
