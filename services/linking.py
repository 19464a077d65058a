"""Confirmed links: ``/link`` by a leader, a leader's 关联 on a claim, or a shared contact.

A link lets its person cancel the household's orders and read its records, so it is never made by
writing an address (anyone in the group can): that only records a claim (``Person.claimed_household_id``)
which the grid's leaders confirm with one tap, unless the person shares their own Telegram contact
and its phone is the roster's phone of that household.

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

from services.identity import may_manage
from services.leader_scope import Denial, Denied, leader_unit
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
    #: A leader's 不关联 on a claim.
    DECLINED = auto()
    #: The claim was answered already (or replaced by another), or the contact matched nothing.
    NO_CLAIM = auto()


@dataclass(frozen=True)
class LinkOutcome:
    result: Link
    person: Person | None = None
    household: Household | None = None
    #: The household the person was linked to before, when this moved them.
    previous: Household | None = None


#: Asks Telegram whether a user is in the group now.
MemberCheck = Callable[[int], Awaitable[bool]]


async def grid_household(
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
    household = await grid_household(factory, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids, address=address)
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


async def answer_claim(
    factory: SessionFactory, *, user_id: int, admin_ids: frozenset[int], claimant: int, household_id: int, link: bool
) -> LinkOutcome | Denied:
    """A leader's 关联 (``link``) or 不关联 on a claim: leaders of the household's grid (or above)
    only, and only while that claim is still the person's pending one."""
    async with transaction(factory) as session:
        found = await status.household_with_grid(session, household_id=household_id)
        if found is None:
            return LinkOutcome(Link.NOT_FOUND)
        household, grid = found
        if not await may_manage(session, unit=grid, user_id=user_id, admin_ids=admin_ids):
            return Denied(Denial.REFUSED, grid)
        person = await people.get_person(session, telegram_user_id=claimant)
        if person is None or person.claimed_household_id != household_id:
            return LinkOutcome(Link.NO_CLAIM, person, household)
        await links.set_household(session, person=person, household_id=household_id if link else person.household_id)
        return LinkOutcome(Link.LINKED if link else Link.DECLINED, person, household)


def same_phone(a: str, b: str) -> bool:
    """Phones as written in a roster and as Telegram gives them (+86 138..., 86138..., 138...)."""
    digits_a, digits_b = "".join(filter(str.isdigit, a))[-11:], "".join(filter(str.isdigit, b))[-11:]
    return len(digits_a) == 11 and digits_a == digits_b


async def link_by_contact(factory: SessionFactory, *, user_id: int, phone: str) -> LinkOutcome:
    """The person shared their own contact: if its phone is the roster's phone of the household they
    claimed, the link is confirmed at once (Telegram vouches for the phone, the roster for the home)."""
    async with transaction(factory) as session:
        person = await people.get_person(session, telegram_user_id=user_id)
        if person is None or person.claimed_household_id is None:
            return LinkOutcome(Link.NO_CLAIM, person)
        found = await status.household_with_grid(session, household_id=person.claimed_household_id)
        if found is None or not found[0].active or not same_phone(found[0].phone or "", phone):
            return LinkOutcome(Link.NO_CLAIM, person)
        await links.set_household(session, person=person, household_id=person.claimed_household_id)
        return LinkOutcome(Link.LINKED, person, found[0])
