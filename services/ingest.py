"""Residents' messages into records, exactly once, whatever Telegram does with them.

Every text in a bound grid group, and every private text to the bot, is parsed. Check-ins, orders
and returnee reports are stored against a household: the address written in the message, else
the sender's linked household; the first message with an address links its sender. A message
whose household is unknown is kept, and its sender asked once a day for the address; when they
answer (even with a bare "3-2-501"), their earlier check-ins of the day join that household.

Exactly once: a message is one ``messages`` row (unique chat and message id), so an edit
rewrites it and a replay after a crash finds it; a household's check-in of a day is recomputed
from all of that day's messages (``services.checkin_day``), never incremented.

Messages come in batches (the intake's group commit): one transaction reads what the whole batch
needs up front, handles the messages one after another in their order, and recomputes each
check-in day it touched once at the end. A batch of one is simply a message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core.config import Settings
from services import alerts
from services.checkin_day import DayCheckin, merge
from storage import people, records, returnee_plan, units
from storage.db import SessionFactory, transaction
from storage.dialect import as_utc
from storage.models import (
    CheckIn,
    Household,
    MessageRecord,
    OrderItem,
    OrderStatus,
    Person,
    Returnee,
    SupplyOrder,
    Unit,
    UnitLevel,
)
from understanding import Address, normalise_address, parse_message

#: The nudge reason of "which household is this?" (asked at most once per person and day).
ADDRESS_REASON = "address"
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])|(?<!\d)\d{15}(?!\d)")


@dataclass(frozen=True)
class Sender:
    user_id: int
    name: str
    username: str | None = None


@dataclass(frozen=True)
class IncomingMessage:
    """A text message as Telegram gave it, edits included (``edited_at`` set)."""

    chat_id: int
    private: bool
    message_id: int
    update_id: int
    sender: Sender
    text: str
    sent_at: datetime
    edited_at: datetime | None = None


class Ack(StrEnum):
    """What the sender should see."""

    NONE = "none"  # not a record, or not a grid's message, or asked already today: say nothing
    STORED = "stored"  # a reaction
    ASK_ADDRESS = "ask_address"  # kept, but whose is it? ask for the address
    UNKNOWN_ADDRESS = "unknown_address"  # the address written is no household of the grid
    ORDER_CLOSED = "order_closed"  # an edit of an order already delivered or cancelled


@dataclass(frozen=True)
class OrderNotice:
    order: SupplyOrder
    items: tuple[OrderItem, ...]
    edited: bool


@dataclass(frozen=True)
class Ingested:
    ack: Ack
    kind: str = "other"
    day: date | None = None
    #: An address as this grid writes them, to show the form asked for; None outside a grid.
    example: str | None = None
    #: The address as written, when no household has it.
    written: str | None = None
    order: OrderNotice | None = None
    checkin_alert: alerts.CheckinAlert | None = None
    order_alert: alerts.OrderAlert | None = None


@dataclass
class _Work:
    """One message on its way in."""

    index: int
    settings: Settings
    message: IncomingMessage
    day: date
    parsed: dict[str, Any]
    grid: Unit | None = None
    person: Person | None = None
    previous: MessageRecord | None = None
    #: The stored version this message replaces, as it was before (an edit, or a replay).
    old: dict[str, Any] = field(default_factory=dict)
    #: A newer version of a stored message, not the same update replayed after a crash.
    is_edit: bool = False

    @property
    def kind(self) -> str:
        return str(self.parsed.get("kind", "other"))

    @property
    def address(self) -> Address | None:
        written = self.parsed.get("address")
        return Address(**written) if isinstance(written, dict) and written else None


@dataclass
class _Day:
    """A household's check-in day touched by the batch: what "before the batch" means for it."""

    household: Household
    #: Recompute from all the day's messages (an edit, a replay, a move, a join); else the new
    #: messages are folded into the stored row, which costs the same however chatty the household.
    full: bool = False
    #: Messages new to this day in this batch, and earlier versions of messages edited in it.
    fresh: list[MessageRecord] = field(default_factory=list)
    edited: list[tuple[MessageRecord, dict[str, Any]]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    #: The message whose outcome carries an alert, if the day got worse.
    last: _Work | None = None


@dataclass
class _NewOrder:
    """An order its batch creates at the end, when all its numbers are taken at once."""

    order: SupplyOrder
    items: list[tuple[str, float | None, str | None]]
    household: Household
    record: MessageRecord
    #: The message that placed it, and later versions of that message in the same batch.
    work: _Work
    edits: list[_Work] = field(default_factory=list)


def mask_identity_numbers(text: str) -> str:
    """Keep only the last four characters of an identity number: the work never needs more."""
    return _ID_NUMBER.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


async def ingest_messages(
    factory: SessionFactory, *, settings: Settings, messages: Sequence[IncomingMessage]
) -> list[Ingested]:
    """Store what each message says (or ignore it), in order, in one transaction; for each, what
    its sender and others must be told."""
    works = []
    for index, message in enumerate(messages):
        day = message.sent_at.astimezone(settings.tz).date()
        works.append(
            _Work(
                index=index,
                settings=settings,
                message=message,
                day=day,
                parsed=parse_message(message.text, day).to_contract(),
            )
        )
    async with transaction(factory) as session:
        await records.commit_without_waiting(session)  # the inbox's done mark makes it durable
        batch = _Batch(session)
        await batch.prefetch(works)
        outcomes = [await batch.ingest(work) for work in works]
        for index, changes in (await batch.settle()).items():
            outcomes[index] = replace(outcomes[index], **changes)
    return outcomes


async def ingest_message(factory: SessionFactory, *, settings: Settings, message: IncomingMessage) -> Ingested:
    """One message: a batch of one."""
    return (await ingest_messages(factory, settings=settings, messages=[message]))[0]


async def remember_people(factory: SessionFactory, *, senders: Sequence[Sender]) -> None:
    """People who joined a group: a bot cannot list members, so it learns them as they appear."""
    async with transaction(factory) as session:
        for sender in senders:
            await _remember(session, await people.get_person(session, telegram_user_id=sender.user_id), sender)


async def _remember(session: AsyncSession, person: Person | None, sender: Sender) -> Person:
    if person is None or (person.display_name, person.username) != (sender.name[:128], sender.username):
        person = await people.remember_person(
            session, telegram_user_id=sender.user_id, display_name=sender.name, username=sender.username
        )
    return person


def _items(parsed: Mapping[str, Any]) -> list[tuple[str, float | None, str | None]]:
    return [(str(item["name"]), item.get("qty"), item.get("unit")) for item in parsed.get("items") or []]


def _older(message: IncomingMessage, stored: MessageRecord) -> bool:
    """Is ``message`` an earlier version than the one stored? By edit time first (update ids may
    restart lower after a quiet week), by update id within the same second."""
    mine, theirs = message.edited_at or message.sent_at, stored.edited_at or stored.sent_at
    return (mine, message.update_id) < (as_utc(theirs), stored.update_id)


def _written(address: Address) -> str:
    """An address as residents write it back: 3-2-501, or 五组12号 as 5组12号."""
    if address.group is not None:
        return f"{address.group}组{address.number}号" if address.number else f"{address.group}组"
    return "-".join(address.as_dict().values())


def _name(work: _Work, household: Household) -> str:
    return str(work.parsed.get("name") or household.head or work.message.sender.name)


@dataclass
class _Batch:
    """One transaction's worth of messages, with what they need read once for all of them."""

    session: AsyncSession
    grids: dict[int, Unit] = field(default_factory=dict)
    stored: dict[tuple[int, int], MessageRecord] = field(default_factory=dict)
    people: dict[int, Person] = field(default_factory=dict)
    by_address: dict[tuple[int, str], Household] = field(default_factory=dict)
    by_id: dict[int, Household] = field(default_factory=dict)
    days: dict[tuple[int, date], _Day] = field(default_factory=dict)
    #: New messages not inserted yet: written together, before anything needs them in the table.
    pending: list[MessageRecord] = field(default_factory=list)
    #: New orders, by their message (identity, since new messages get ids only when inserted).
    orders: dict[int, _NewOrder] = field(default_factory=dict)

    async def prefetch(self, works: Sequence[_Work]) -> None:
        """Bound grids, stored versions, senders and the households named or linked, in four reads.

        The households are locked in id order (on PostgreSQL), so two batches never deadlock.
        """
        session = self.session
        chats = {work.message.chat_id for work in works if not work.message.private}
        self.grids = await records.grids_of_chats(session, chat_ids=chats)
        keys = [(work.message.chat_id, work.message.message_id) for work in works]
        self.stored = {(m.chat_id, m.message_id): m for m in await records.messages_at(session, keys=keys)}
        senders = {work.message.sender.user_id for work in works}
        self.people = {p.telegram_user_id: p for p in await records.people_by_ids(session, user_ids=senders)}
        named = {
            (grid.id, address.key())
            for work in works
            if (grid := self.grids.get(work.message.chat_id)) is not None
            and grid.id is not None
            and (address := work.address) is not None
        }
        linked = {p.household_id for p in self.people.values() if p.household_id is not None}
        linked |= {m.household_id for m in self.stored.values() if m.household_id is not None}
        for household in await records.households_for(session, addresses=named, ids=linked):
            self.by_id[household.id or 0] = household
            if household.active:  # a linked household may have left the roster: no address finds it
                self.by_address[(household.grid_id, household.address_key)] = household

    async def ingest(self, work: _Work) -> Ingested:
        message = work.message
        if not message.private:
            work.grid = self.grids.get(message.chat_id)
            if work.grid is None or work.grid.level != UnitLevel.GRID:
                return Ingested(Ack.NONE)
        work.previous = self.stored.get((message.chat_id, message.message_id))
        if work.previous is not None and _older(message, work.previous):
            return Ingested(Ack.NONE)  # an older version arriving late: the newer one stands
        work.is_edit = work.previous is not None and work.previous.update_id != message.update_id
        if work.previous is not None:
            work.old = {"household_id": work.previous.household_id, "day": work.previous.day,
                        "kind": work.previous.kind, "parsed": json.loads(work.previous.parsed)}  # fmt: skip
        if work.kind not in records.RECORD_KINDS:
            if work.previous is None:
                return await self._answer_to_nudge(work)
            self._save(work, None)
            self._leave_old_day(work)
            return Ingested(Ack.NONE)
        work.person = await self._person(message.sender)
        household, written = await self._household(work)
        record = self._save(work, household)
        if household is None:
            self._leave_old_day(work)
            return await self._ask_address(work, written)
        joined = await self._link(work, household, by_address=written is not None)
        if work.kind != "checkin" or self._day_of(work) != (household.id, work.day):
            self._leave_old_day(work)
        match work.kind:
            case "checkin":
                return self._checkin(work, household, record, joined=joined)
            case "order":
                return await self._order(work, household, record)
            case _:
                return await self._returnee(work, household, record)

    # --- who and where ------------------------------------------------------------------------

    async def _person(self, sender: Sender) -> Person:
        person = await _remember(self.session, self.people.get(sender.user_id), sender)
        self.people[sender.user_id] = person
        return person

    async def _household_by_id(self, household_id: int) -> Household | None:
        if household_id not in self.by_id:
            household = await records.lock_household(self.session, household_id=household_id)
            if household is None:
                return None
            self.by_id[household_id] = household
        return self.by_id[household_id]

    async def _household(self, work: _Work) -> tuple[Household | None, str | None]:
        """The household the message is about, and the address as written (None if none was)."""
        address, person = work.address, work.person
        assert person is not None
        if address is None:
            if person.household_id is None:
                return None, None
            household = await self._household_by_id(person.household_id)
            fits = (
                household is not None and household.active and (work.grid is None or work.grid.id == household.grid_id)
            )
            return (household if fits else None), None
        written = _written(address)
        if work.grid is not None and work.grid.id is not None:
            return self.by_address.get((work.grid.id, address.key())), written
        found = await records.households_at(self.session, address_key=address.key(), grid_ids=await self._grids(work))
        return (found[0] if len(found) == 1 else None), written

    async def _grids(self, work: _Work) -> list[int] | None:
        """Where a private message's address is looked up: the grids its sender is known in."""
        person = work.person
        if person is not None and person.household_id is not None:
            household = await self._household_by_id(person.household_id)
            if household is not None:
                return [household.grid_id]
        await self._sync()
        return await records.seen_grid_ids(self.session, sender_id=work.message.sender.user_id) or None

    async def _grid_of(self, work: _Work, household: Household) -> Unit:
        if work.grid is not None:
            return work.grid
        grid = await units.get_unit(self.session, unit_id=household.grid_id)
        assert grid is not None
        return grid

    async def _link(self, work: _Work, household: Household, *, by_address: bool) -> list[MessageRecord]:
        """The first message with an address links its sender (never a leader writing for others);
        their check-ins of the day that named no household join this one. Returns those joined."""
        person = work.person
        if not by_address or person is None or person.household_id is not None:
            return []
        if await units.leader_unit_ids(self.session, telegram_user_id=person.telegram_user_id):
            return []
        assert household.id is not None
        await records.link_person(self.session, person=person, household_id=household.id)
        await self._sync()
        joining = await records.unassigned_messages(
            self.session, sender_id=person.telegram_user_id, grid_id=household.grid_id, day=work.day, kind="checkin"
        )
        for earlier in joining:
            earlier.household_id, earlier.grid_id = household.id, household.grid_id
        return list(joining)

    async def _answer_to_nudge(self, work: _Work) -> Ingested:
        """A bare address ("3-2-501") from someone asked for it: link them and file their day's check-ins."""
        address = normalise_address(work.message.text)
        if address is None or work.grid is None or work.grid.id is None:
            return Ingested(Ack.NONE)
        await self._sync()
        waiting = await records.unassigned_messages(
            self.session, sender_id=work.message.sender.user_id, grid_id=work.grid.id, day=work.day, kind="checkin"
        )
        found = await records.households_at(self.session, address_key=address.key(), grid_ids=[work.grid.id])
        if not waiting or len(found) != 1:
            return Ingested(Ack.NONE)
        work.person = await self._person(work.message.sender)
        joined = await self._link(work, found[0], by_address=True)
        if not joined:
            return Ingested(Ack.NONE)
        return self._checkin(work, found[0], None, joined=joined)

    async def _ask_address(self, work: _Work, written: str | None) -> Ingested:
        asked = await records.claim_nudge(
            self.session, telegram_user_id=work.message.sender.user_id, reason=ADDRESS_REASON, day=work.day
        )
        if not asked:
            return Ingested(Ack.NONE, kind=work.kind, day=work.day)
        grid_id = work.grid.id if work.grid is not None else None
        example = None if grid_id is None else await records.example_address(self.session, grid_id=grid_id)
        ack = Ack.UNKNOWN_ADDRESS if written is not None else Ack.ASK_ADDRESS
        return Ingested(ack, kind=work.kind, day=work.day, example=example, written=written)

    # --- the message and its records -----------------------------------------------------------

    def _save(self, work: _Work, household: Household | None) -> MessageRecord:
        """The message row, new or rewritten; written with the batch (ids come at the next flush)."""
        message = work.message
        record = work.previous or MessageRecord(
            chat_id=message.chat_id,
            message_id=message.message_id,
            sender_id=message.sender.user_id,
            day=work.day,
            sent_at=message.sent_at.astimezone(UTC),  # SQLite keeps no zone: store UTC, as everywhere
            update_id=message.update_id,
            kind=work.kind,
            text="",
            parsed="",
        )
        record.update_id = message.update_id
        record.kind = work.kind
        record.text = mask_identity_numbers(message.text)
        record.parsed = json.dumps(work.parsed, ensure_ascii=False)
        record.edited_at = message.edited_at.astimezone(UTC) if message.edited_at else record.edited_at
        if work.kind in records.RECORD_KINDS:
            record.household_id = None if household is None else household.id
            record.grid_id = household.grid_id if household is not None else (work.grid.id if work.grid else None)
        if work.previous is None:
            self.pending.append(record)
        self.stored[(message.chat_id, message.message_id)] = record
        return record

    async def _sync(self) -> None:
        """Insert the batch's new messages so far: before a query or a row that refers to them."""
        await records.insert_messages(self.session, new=self.pending)
        self.pending.clear()

    def _day_of(self, work: _Work) -> tuple[int | None, date] | None:
        old = work.old
        return (old["household_id"], old["day"]) if old and old["kind"] == "checkin" else None

    def _day(self, household: Household, day: date) -> _Day:
        assert household.id is not None
        return self.days.setdefault((household.id, day), _Day(household=household))

    def _leave_old_day(self, work: _Work) -> None:
        """An edited check-in that moved to another household or kind leaves its old day to recompute."""
        key = self._day_of(work)
        if key is None or key[0] is None:
            return
        household = self.by_id.get(key[0])
        if household is not None:
            day = self._day(household, key[1])
            day.removed.append(work.old["parsed"])
            day.full = True

    def _checkin(
        self, work: _Work, household: Household, record: MessageRecord | None, *, joined: Sequence[MessageRecord]
    ) -> Ingested:
        """Mark the household's day for recomputing; whether it got worse is known at ``settle``."""
        day = self._day(household, work.day)
        day.fresh += joined
        day.full = day.full or bool(joined) or work.previous is not None
        if record is not None:
            same_day = self._day_of(work) == (household.id, work.day)
            if work.is_edit and same_day and all(record is not f for f in day.fresh):
                day.edited.append((record, work.old["parsed"]))
            elif not any(record is f for f in day.fresh):
                day.fresh.append(record)
        day.last = work
        return Ingested(Ack.STORED, kind="checkin", day=work.day)

    async def settle(self) -> dict[int, dict[str, Any]]:
        """Write what the batch left for its end: new messages, new orders (numbered together) and
        every check-in day it touched (one read, one write). Returns what the outcomes still lack
        (order notices, alerts), by the index of their message."""
        await self._sync()
        changes = await self._create_orders()
        if not self.days:
            return changes
        full = [key for key, day in self.days.items() if day.full]
        stored = await records.checkins_of(self.session, days=[key for key in self.days if key not in full])
        found: dict[tuple[int, date], list[tuple[int, str]]] = {}
        for household_id, on, message_id, parsed in await records.checkin_messages(self.session, days=full):
            found.setdefault((household_id, on), []).append((message_id, parsed))
        values = []
        for key, day in self.days.items():
            if day.full:
                messages = found.get(key, [])
                fresh = {record.id for record in day.fresh}
                earlier = {record.id: version for record, version in day.edited}
                after = merge(json.loads(parsed) for _id, parsed in messages)
                before = merge(
                    [*(earlier.get(i) or json.loads(p) for i, p in messages if i not in fresh), *day.removed]
                )
                last = messages[-1][0] if messages else None
            else:
                row = stored.get(key)
                before = DayCheckin() if row is None else DayCheckin.from_columns(row.model_dump())
                after = merge((json.loads(record.parsed) for record in day.fresh), start=before)
                last = day.fresh[-1].id
            if last is None:
                await records.drop_checkin(self.session, household_id=key[0], day=key[1])
                continue
            columns = after.columns() | {"last_message_id": last}
            values.append({"household_id": key[0], "grid_id": day.household.grid_id, "day": key[1], **columns})
            if day.last is not None and after.worse_than(before):
                checkin = CheckIn(household_id=key[0], grid_id=day.household.grid_id, day=key[1], **columns)
                alert = await self._checkin_alert(day.last, day.household, checkin)
                changes.setdefault(day.last.index, {})["checkin_alert"] = alert
        await records.put_checkins(self.session, rows=values)
        return changes

    async def _create_orders(self) -> dict[int, dict[str, Any]]:
        if not self.orders:
            return {}
        entries = list(self.orders.values())
        for entry in entries:
            assert entry.record.id is not None  # inserted by ``_sync``
            entry.order.message_id = entry.record.id
        lines = await records.create_orders(self.session, orders=[(entry.order, entry.items) for entry in entries])
        changes: dict[int, dict[str, Any]] = {}
        for entry, items in zip(entries, lines, strict=True):
            alert = (
                await self._order_alert(entry.work, entry.household, entry.order, tuple(items))
                if entry.order.urgent
                else None
            )
            changes[entry.work.index] = {
                "order": OrderNotice(entry.order, tuple(items), edited=False),
                "order_alert": alert,
            }
            for edit in entry.edits:
                changes[edit.index] = {"order": OrderNotice(entry.order, tuple(items), edited=True)}
        return changes

    async def _checkin_alert(self, work: _Work, household: Household, checkin: CheckIn) -> alerts.CheckinAlert:
        grid = await self._grid_of(work, household)
        return alerts.CheckinAlert(
            audience=await alerts.audience(self.session, grid=grid),
            grid=grid,
            household=household,
            checkin=checkin,
            name=_name(work, household),
            text=work.message.text,
        )

    async def _order(self, work: _Work, household: Household, record: MessageRecord) -> Ingested:
        """A new order is numbered with the batch's others at its end; an edit rewrites an order
        while it is open. A replay after a crash announces it again: its notice may never have
        gone out."""
        urgent = bool(work.parsed.get("urgent"))
        phone = work.parsed.get("phone") or household.phone
        wanted = _items(work.parsed)
        new = self.orders.get(id(record))
        if new is not None:  # edited before the batch that placed it has ended
            new.order.urgent, new.order.phone, new.order.household_id = urgent, phone, household.id or 0
            new.items, new.household = wanted, household
            new.edits.append(work)
            return Ingested(Ack.STORED, kind="order", day=work.day)
        order = None if record.id is None else await records.order_of_message(self.session, message_id=record.id)
        if order is None:
            assert household.id is not None
            self.orders[id(record)] = _NewOrder(
                order=SupplyOrder(grid_id=household.grid_id, household_id=household.id, message_id=0, number=0,
                                  urgent=urgent, phone=phone, day=work.day),
                items=wanted, household=household, record=record, work=work,
            )  # fmt: skip
            return Ingested(Ack.STORED, kind="order", day=work.day)
        edited = work.is_edit
        if edited and order.status != OrderStatus.OPEN:
            return Ingested(Ack.ORDER_CLOSED, kind="order", day=work.day, order=OrderNotice(order, (), edited=True))
        became_urgent = urgent and not (edited and order.urgent)
        order.urgent, order.phone, order.household_id = urgent, phone, household.id or 0
        assert order.id is not None
        items = tuple(await records.replace_items(self.session, order_id=order.id, items=wanted))
        alert = await self._order_alert(work, household, order, items) if became_urgent else None
        return Ingested(
            Ack.STORED, kind="order", day=work.day, order=OrderNotice(order, items, edited=edited), order_alert=alert
        )

    async def _order_alert(
        self, work: _Work, household: Household, order: SupplyOrder, items: tuple[OrderItem, ...]
    ) -> alerts.OrderAlert:
        grid = await self._grid_of(work, household)
        return alerts.OrderAlert(
            audience=await alerts.audience(self.session, grid=grid),
            grid=grid,
            household=household,
            order=order,
            items=items,
            name=_name(work, household),
        )

    async def _returnee(self, work: _Work, household: Household, record: MessageRecord) -> Ingested:
        session = self.session
        await self._sync()
        assert household.id is not None and record.id is not None
        parsed, policy = work.parsed, work.settings.policy.returnee
        returnee = await records.returnee_of_message(session, message_id=record.id) or Returnee(
            grid_id=household.grid_id, household_id=household.id, message_id=record.id, day=work.day
        )
        arrival = date.fromisoformat(parsed["arrival"]) if parsed.get("arrival") else None
        test = parsed.get("test") or {}
        transport = parsed.get("transport") or {}
        returnee.grid_id, returnee.household_id = household.grid_id, household.id
        returnee.name = parsed.get("name")
        returnee.origin = parsed.get("origin")
        returnee.arrival = arrival
        returnee.transport_mode = transport.get("mode")
        returnee.transport_number = transport.get("number")
        returnee.id_last4 = parsed.get("id_last4")
        returnee.phone = parsed.get("phone")
        returnee.test_type, returnee.test_result = test.get("type"), test.get("result")
        plan = returnee_plan.plan_for(policy, arrival=arrival, reported=returnee.day)
        returnee.monitor_until, returnee.test_days = plan.monitor_until, plan.test_days
        records.add_returnee(session, returnee=returnee)
        return Ingested(Ack.STORED, kind="returnee", day=work.day)
