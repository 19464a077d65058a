"""Who someone is to the bot: admin (from config), leader of units (from the roster), or resident."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage import bindings, people, units
from storage.db import SessionFactory
from storage.models import Household, Unit, UnitLevel

#: Telegram's GroupAnonymousBot: messages "sent as the group" carry this user, who is nobody.
ANONYMOUS_ADMIN_ID = 1087968824


@dataclass(frozen=True)
class Identity:
    user_id: int
    is_admin: bool
    led_units: tuple[Unit, ...]
    household: Household | None
    #: The unit the chat being spoken in is bound to, and whether this user may manage it.
    chat_unit: Unit | None = None
    manages_chat: bool = False

    @property
    def in_grid_chat(self) -> bool:
        """Spoken in a grid's own group, where nothing lies below to send notices down to."""
        return self.chat_unit is not None and self.chat_unit.level == UnitLevel.GRID


def is_trusted_sender(user_id: int | None, sender_chat_id: int | None) -> bool:
    """An anonymous admin or a channel speaks as a chat, not a person: never trust it as anyone."""
    return user_id is not None and user_id != ANONYMOUS_ADMIN_ID and sender_chat_id is None


async def identify(
    factory: SessionFactory, *, user_id: int, chat_id: int | None, admin_ids: frozenset[int]
) -> Identity:
    """Everything /help and /whoami need to know about a user, in the chat they speak in."""
    async with factory() as session:
        chat_unit = await bindings.bound_unit(session, chat_id=chat_id) if chat_id is not None else None
        manages = chat_unit is not None and await may_manage(
            session, unit=chat_unit, user_id=user_id, admin_ids=admin_ids
        )
        identity = await _identify(session, user_id=user_id, admin_ids=admin_ids)
    return replace(identity, chat_unit=chat_unit, manages_chat=manages)


async def _identify(session: AsyncSession, *, user_id: int, admin_ids: frozenset[int]) -> Identity:
    led_ids = await units.leader_unit_ids(session, telegram_user_id=user_id)
    led = (await session.exec(select(Unit).where(col(Unit.id).in_(led_ids)).order_by(col(Unit.path)))).all()
    person = await people.get_person(session, telegram_user_id=user_id)
    household = None
    if person is not None and person.household_id is not None:
        household = await session.get(Household, person.household_id)
    return Identity(user_id=user_id, is_admin=user_id in admin_ids, led_units=tuple(led), household=household)


async def may_manage(session: AsyncSession, *, unit: Unit, user_id: int, admin_ids: frozenset[int]) -> bool:
    """Admins, and leaders of the unit or of any unit above it."""
    return user_id in admin_ids or await units.is_leader_of(session, unit=unit, telegram_user_id=user_id)
