"""Who wrote and about which household: the batch's people, grids and households, read once.

A message's household is the address written in it, else its sender's linked household. Writing
an address never links its sender: it files their check-ins of the day that named no household
under it, and records a claim that the grid's leaders are asked to confirm (``LinkClaim``); a
leader's 关联, a shared contact with the roster's phone, or ``/link`` confirm a link.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from services import alerts
from services.records.work import LinkClaim, Sender, Work
from storage import clusters, people, records, units
from storage.models import Household, MessageRecord, Person, Unit
from understanding import Address


async def remember(session: AsyncSession, person: Person | None, sender: Sender) -> Person:
    """The sender as a person, written only when new or renamed."""
    if person is None or (person.display_name, person.username) != (sender.name[:128], sender.username):
        person = await people.remember_person(
            session, telegram_user_id=sender.user_id, display_name=sender.name, username=sender.username
        )
    return person


def written(address: Address) -> str:
    """An address as residents write it back: 3-2-501, or 五组12号 as 5组12号."""
    if address.group is not None:
        return f"{address.group}组{address.number}号" if address.number else f"{address.group}组"
    return "-".join(address.as_dict().values())


@dataclass
class Households:
    """The bound grids, senders and households a batch needs, read up front and kept current."""

    session: AsyncSession
    #: Inserts the batch's new message rows: before a query or a row that refers to them.
    sync: Callable[[], Awaitable[None]]
    grids: dict[int, Unit] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    by_address: dict[tuple[int, str], Household] = field(default_factory=dict)
    by_id: dict[int, Household] = field(default_factory=dict)

    async def prefetch(self, works: Sequence[Work], stored: Iterable[MessageRecord]) -> None:
        """Bound grids, senders and the households named or linked (by a sender or a stored
        message), in three reads. The households are locked in id order (on PostgreSQL), so two
        batches never deadlock."""
        session = self.session
        chats = {work.message.chat_id for work in works if not work.message.private}
        self.grids = await records.grids_of_chats(session, chat_ids=chats)
        senders = {work.message.sender.user_id for work in works}
        self.people = {p.telegram_user_id: p for p in await records.people_by_ids(session, user_ids=senders)}
        named = {
            (grid.id, address.key())
            for work in works
            if (grid := self.grids.get(work.message.chat_id)) is not None and grid.id is not None
            for address in work.addresses
        }
        linked = {p.household_id for p in self.people.values() if p.household_id is not None}
        linked |= {m.household_id for m in stored if m.household_id is not None}
        for household in await records.households_for(session, addresses=named, ids=linked):
            self.by_id[household.id or 0] = household
            if household.active:  # a linked household may have left the roster: no address finds it
                self.by_address[(household.grid_id, household.address_key)] = household

    async def person(self, sender: Sender) -> Person:
        person = await remember(self.session, self.people.get(sender.user_id), sender)
        self.people[sender.user_id] = person
        return person

    async def by_household_id(self, household_id: int) -> Household | None:
        if household_id not in self.by_id:
            household = await records.lock_household(self.session, household_id=household_id)
            if household is None:
                return None
            self.by_id[household_id] = household
        return self.by_id[household_id]

    async def at(self, grid_id: int, address: Address) -> Household | None:
        """A further household a message names (代报), in the grid of its first household."""
        found = self.by_address.get((grid_id, address.key()))
        if found is None:
            rows = await records.households_at(self.session, address_key=address.key(), grid_ids=[grid_id])
            if len(rows) != 1:
                return None
            found = self.by_address[(grid_id, address.key())] = self.by_id[rows[0].id or 0] = rows[0]
        return found

    async def find(self, work: Work) -> tuple[Household | None, str | None]:
        """The household the message is about, and the address as written (None if none was)."""
        address, person = work.address, work.person
        assert person is not None
        if address is None:
            if person.household_id is None or not work.about_own_household:
                return None, None
            household = await self.by_household_id(person.household_id)
            fits = (
                household is not None and household.active and (work.grid is None or work.grid.id == household.grid_id)
            )
            return (household if fits else None), None
        as_written = written(address)
        if work.grid is not None and work.grid.id is not None:
            return self.by_address.get((work.grid.id, address.key())), as_written
        found = await records.households_at(self.session, address_key=address.key(), grid_ids=await self._grids(work))
        return (found[0] if len(found) == 1 else None), as_written

    async def _grids(self, work: Work) -> list[int] | None:
        """Where a private message's address is looked up: the grids its sender is known in."""
        person = work.person
        if person is not None and person.household_id is not None:
            household = await self.by_household_id(person.household_id)
            if household is not None:
                return [household.grid_id]
        await self.sync()
        return await records.seen_grid_ids(self.session, sender_id=work.message.sender.user_id) or None

    async def audience_of(
        self, work: Work, household: Household, *, about: str, village: bool = False
    ) -> tuple[Unit, alerts.Audience]:
        """The household's grid and who hears of an alert (``about``: what it is) about it: its
        leaders, and its village's group too where that group is told (``village``)."""
        grid = await self.grid_of(work, household)
        return grid, await alerts.audience(self.session, grid=grid, household=household, about=about, village=village)

    async def grid_of(self, work: Work, household: Household) -> Unit:
        grid = work.grid if work.grid is not None else await units.get_unit(self.session, unit_id=household.grid_id)
        assert grid is not None
        return grid

    async def link(self, work: Work, household: Household, *, by_address: bool) -> list[MessageRecord]:
        """An address from someone without a confirmed link (never a leader writing for others,
        nor a 联户长, nor anyone reporting on several households: 代报 is for neighbours, not for oneself):
        their check-ins of the day that named no household join this one (returned), and a new
        claim on it is put to the grid's leaders (``work.claim``). Anyone may write an address,
        so writing one must not hand over the household's orders and records. A claim stands until
        a leader answers it: other addresses written meanwhile are reports for other households
        (a neighbour's 代报), which neither move the claim nor cost a lookup per message."""
        person = work.person
        if not by_address or person is None or person.household_id is not None:
            return []
        if work.for_several or not work.about_own_household:
            return []
        if person.claimed_household_id not in (None, household.id):
            return []  # a claim on another household is pending: this address is written for someone else
        if await units.leader_unit_ids(self.session, telegram_user_id=person.telegram_user_id):
            return []
        if await clusters.led_clusters(self.session, telegram_user_id=person.telegram_user_id):
            return []  # a 联户长 writes for the households of their 联户
        assert household.id is not None
        if person.claimed_household_id is None:
            await records.claim_household(self.session, person=person, household_id=household.id)
            grid, audience = await self.audience_of(work, household, about="household claim")
            work.claim = LinkClaim(
                audience, grid, household, person.telegram_user_id, work.message.sender.name, work.kind
            )
        await self.sync()
        joining = await records.unassigned_messages(
            self.session, sender_id=person.telegram_user_id, grid_id=household.grid_id, day=work.day, kind="checkin"
        )
        for earlier in joining:
            earlier.household_id, earlier.grid_id = household.id, household.grid_id
        return list(joining)
