"""``/link``: a leader ties a Telegram user to their household, so reminders can @mention them.

A bot cannot list a group's members, so the person is named either by replying to one of their
messages (the surest way: Telegram tells us who they are) or by an @username the bot has
already seen them use.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from services.leader_scope import Denied, leader_unit
from storage import links, people, status
from storage.db import SessionFactory, transaction
from storage.models import Household, Person, UnitLevel
from understanding import normalise_address


@dataclass(frozen=True)
class KnownUser:
    """A user Telegram described to us (the author of a replied-to message, a text mention)."""

    user_id: int
    name: str
    username: str | None


class Link(Enum):
    LINKED = auto()
    ALREADY = auto()
    UNKNOWN_USERNAME = auto()
    BAD_ADDRESS = auto()
    NOT_FOUND = auto()
    NOT_A_GRID = auto()


@dataclass(frozen=True)
class LinkOutcome:
    result: Link
    person: Person | None = None
    household: Household | None = None
    #: The household the person was linked to before, when this moved them.
    previous: Household | None = None


async def link_person(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    target: KnownUser | str,
    address: str,
) -> LinkOutcome | Denied:
    """Link ``target`` (a known user, or an @username) to the household at ``address`` in this grid."""
    async with transaction(factory) as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        if unit.level != UnitLevel.GRID:
            return LinkOutcome(Link.NOT_A_GRID)
        parsed = normalise_address(address)
        if parsed is None:
            return LinkOutcome(Link.BAD_ADDRESS)
        found = await status.households_at(session, root=unit, address_key=parsed.key())
        household = next((h for h, _ in found if h.active), None)
        if household is None or household.id is None:
            return LinkOutcome(Link.NOT_FOUND)
        if isinstance(target, KnownUser):
            person: Person | None = await people.remember_person(
                session, telegram_user_id=target.user_id, display_name=target.name, username=target.username
            )
        else:
            person = await links.person_by_username(session, username=target)
        if person is None:
            return LinkOutcome(Link.UNKNOWN_USERNAME)
        if person.household_id == household.id:
            return LinkOutcome(Link.ALREADY, person, household)
        previous = None
        if person.household_id is not None:
            previous = await status.household_with_grid(session, household_id=person.household_id)
        await links.set_household(session, person=person, household_id=household.id)
        return LinkOutcome(Link.LINKED, person, household, previous[0] if previous else None)
