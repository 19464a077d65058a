"""``/link``: a leader ties a Telegram user to their household, so reminders can @mention them.

A bot cannot list a group's members, so the person is named either by replying to one of their
messages (the surest way: Telegram tells us who they are) or by an @username the bot has
already seen them use. Either way only a member of the grid's own group, asked of Telegram at
the time (``getChatMember``), and only to a household of that grid: a leader may not move a
resident of another grid, whom their group never sees.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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
    #: The person is not (or no longer) in the grid's group.
    NOT_A_MEMBER = auto()


@dataclass(frozen=True)
class LinkOutcome:
    result: Link
    person: Person | None = None
    household: Household | None = None
    #: The household the person was linked to before, when this moved them.
    previous: Household | None = None


#: Asks Telegram whether a user is in the group now.
MemberCheck = Callable[[int], Awaitable[bool]]


async def _household(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int], address: str
) -> Household | LinkOutcome | Denied:
    """The active household at ``address`` in the grid this group is bound to, or why there is none."""
    async with factory() as session:
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
    return LinkOutcome(Link.NOT_FOUND) if household is None or household.id is None else household


async def link_person(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    target: KnownUser | str,
    address: str,
    is_member: MemberCheck,
) -> LinkOutcome | Denied:
    """Link ``target`` (a known user, or an @username) to the household at ``address`` in this grid,
    if ``is_member`` says they are in this grid's group."""
    household = await _household(factory, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids, address=address)
    if not isinstance(household, Household):
        return household
    assert household.id is not None
    if isinstance(target, KnownUser):
        target_id: int | None = target.user_id
    else:
        async with factory() as session:
            known = await links.person_by_username(session, username=target)
        target_id = known.telegram_user_id if known else None
    if target_id is None:
        return LinkOutcome(Link.UNKNOWN_USERNAME)
    if not await is_member(target_id):  # asked outside any transaction: it is a call to Telegram
        return LinkOutcome(Link.NOT_A_MEMBER)
    async with transaction(factory) as session:
        if isinstance(target, KnownUser):
            person: Person | None = await people.remember_person(
                session, telegram_user_id=target.user_id, display_name=target.name, username=target.username
            )
        else:
            person = await people.get_person(session, telegram_user_id=target_id)
        if person is None:
            return LinkOutcome(Link.UNKNOWN_USERNAME)
        if person.household_id == household.id:
            return LinkOutcome(Link.ALREADY, person, household)
        previous = None
        if person.household_id is not None:
            previous = await status.household_with_grid(session, household_id=person.household_id)
        await links.set_household(session, person=person, household_id=household.id)
        return LinkOutcome(Link.LINKED, person, household, previous[0] if previous else None)
