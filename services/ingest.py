"""Residents' messages into records: one message, one unit of work, whatever Telegram does with it.

Every text in a bound grid group, and every private text to the bot, is parsed. Check-ins, orders
and returnee reports are stored against a household: the address written in the message, else
the sender's linked household; the first message with an address links its sender. A message
whose household is unknown is kept, and its sender asked once a day for the address; when they
answer (even with a bare "3-2-501"), their earlier check-ins of the day join that household.

Exactly once: a message is one ``messages`` row (unique chat and message id), so an edit
rewrites it and a replay after a crash finds it; a household's check-in of a day is recomputed
from all of that day's messages (``services.checkin_day``), never incremented.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.config import Settings
from handlers.understanding import parse_message
from handlers.understanding.address import Address, normalise_address
from services import alerts
from services.checkin_day import DayCheckin, merge
from storage import bindings, people, records, units
from storage.db import SessionFactory, transaction
from storage.models import (
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


def mask_identity_numbers(text: str) -> str:
    """Keep only the last four characters of an identity number: the work never needs more."""
    return _ID_NUMBER.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)


def _address(parsed: Mapping[str, Any]) -> Address | None:
    written = parsed.get("address")
    return Address(**written) if isinstance(written, dict) and written else None


async def ingest_message(factory: SessionFactory, *, settings: Settings, message: IncomingMessage) -> Ingested:
    """Store what ``message`` says (or ignore it) and say what the sender and others must be told."""
    day = message.sent_at.astimezone(settings.tz).date()
    parsed = parse_message(message.text, day)
    async with transaction(factory) as session:
        return await _ingest(session, _Work(settings=settings, message=message, day=day, parsed=parsed))


async def remember_people(factory: SessionFactory, *, senders: Sequence[Sender]) -> None:
    """People who joined a group: a bot cannot list members, so it learns them as they appear."""
    async with transaction(factory) as session:
        for sender in senders:
            await _person(session, sender)


async def _person(session: AsyncSession, sender: Sender) -> Person:
    person = await people.get_person(session, telegram_user_id=sender.user_id)
    if person is None or (person.display_name, person.username) != (sender.name[:128], sender.username):
        person = await people.remember_person(
            session, telegram_user_id=sender.user_id, display_name=sender.name, username=sender.username
        )
    return person


async def _ingest(session: AsyncSession, work: _Work) -> Ingested:
    message = work.message
    if not message.private:
        work.grid = await bindings.bound_unit(session, chat_id=message.chat_id)
        if work.grid is None or work.grid.level != UnitLevel.GRID:
            return Ingested(Ack.NONE)
    work.previous = await records.get_message(session, chat_id=message.chat_id, message_id=message.message_id)
    if work.previous is not None and work.previous.update_id > message.update_id:
        return Ingested(Ack.NONE)  # an older version arriving late: the newer one stands
    work.is_edit = work.previous is not None and work.previous.update_id != message.update_id
    if work.kind not in records.RECORD_KINDS:
        if work.previous is None:
            return await _answer_to_nudge(session, work)
        await _unrecord(session, work)
        return Ingested(Ack.NONE)
    work.person = await _person(session, message.sender)
    if work.previous is not None:
        work.old = {"household_id": work.previous.household_id, "day": work.previous.day,
                    "kind": work.previous.kind, "parsed": json.loads(work.previous.parsed)}  # fmt: skip
    household, written = await _household(session, work)
    record = await _save(session, work, household)
    if household is None:
        return await _ask_address(session, work, written)
    joined = await _link(session, work, household, by_address=written is not None)
    return await _file(session, work, household, record, joined=joined)


async def _household(session: AsyncSession, work: _Work) -> tuple[Household | None, str | None]:
    """The household the message is about, and the address as written (None if none was)."""
    address = _address(work.parsed)
    person = work.person
    assert person is not None
    if address is None:
        if person.household_id is None:
            return None, None
        household = await records.lock_household(session, household_id=person.household_id)
        fits = household is not None and household.active and (work.grid is None or work.grid.id == household.grid_id)
        return (household if fits else None), None
    found = await records.households_at(session, address_key=address.key(), grid_ids=await _grids(session, work))
    written = "-".join(address.as_dict().values())
    return (found[0] if len(found) == 1 else None), written


async def _grids(session: AsyncSession, work: _Work) -> list[int] | None:
    """Where to look an address up: the group's grid; in private, the grids the sender is known in."""
    if work.grid is not None:
        assert work.grid.id is not None
        return [work.grid.id]
    person = work.person
    if person is not None and person.household_id is not None:
        household = await records.lock_household(session, household_id=person.household_id)
        if household is not None:
            return [household.grid_id]
    return await records.seen_grid_ids(session, sender_id=work.message.sender.user_id) or None


async def _save(session: AsyncSession, work: _Work, household: Household | None) -> MessageRecord:
    message = work.message
    record = work.previous or MessageRecord(
        chat_id=message.chat_id,
        message_id=message.message_id,
        sender_id=message.sender.user_id,
        day=work.day,
        sent_at=message.sent_at,
        update_id=message.update_id,
        kind=work.kind,
        text="",
        parsed="",
    )
    record.update_id = message.update_id
    record.kind = work.kind
    record.text = mask_identity_numbers(message.text)
    record.parsed = json.dumps(work.parsed, ensure_ascii=False)
    record.edited_at = message.edited_at or record.edited_at
    record.household_id = None if household is None else household.id
    record.grid_id = household.grid_id if household is not None else (work.grid.id if work.grid else None)
    return await records.save_message(session, record=record)


async def _unrecord(session: AsyncSession, work: _Work) -> None:
    """An edit turned a record into chat: keep the text, and take it out of its day's check-in."""
    previous = work.previous
    assert previous is not None
    old_kind, household_id = previous.kind, previous.household_id
    previous.kind = work.kind
    previous.text = mask_identity_numbers(work.message.text)
    previous.parsed = json.dumps(work.parsed, ensure_ascii=False)
    previous.update_id = work.message.update_id
    previous.edited_at = work.message.edited_at
    await records.save_message(session, record=previous)
    if old_kind == "checkin" and household_id is not None and previous.grid_id is not None:
        await _recompute(session, household_id=household_id, grid_id=previous.grid_id, day=previous.day)


async def _ask_address(session: AsyncSession, work: _Work, written: str | None) -> Ingested:
    await _recompute_old(session, work)
    asked = await records.claim_nudge(
        session, telegram_user_id=work.message.sender.user_id, reason=ADDRESS_REASON, day=work.day
    )
    if not asked:
        return Ingested(Ack.NONE, kind=work.kind, day=work.day)
    grid_id = work.grid.id if work.grid is not None else None
    example = None if grid_id is None else await records.example_address(session, grid_id=grid_id)
    ack = Ack.UNKNOWN_ADDRESS if written is not None else Ack.ASK_ADDRESS
    return Ingested(ack, kind=work.kind, day=work.day, example=example, written=written)


async def _link(session: AsyncSession, work: _Work, household: Household, *, by_address: bool) -> list[int]:
    """The first message with an address links its sender (never a leader writing for others);
    their check-ins of the day that named no household join this one. Returns those joined."""
    person = work.person
    if not by_address or person is None or person.household_id is not None:
        return []
    if await units.leader_unit_ids(session, telegram_user_id=person.telegram_user_id):
        return []
    assert household.id is not None
    await records.link_person(session, person=person, household_id=household.id)
    joining = await records.unassigned_messages(
        session, sender_id=person.telegram_user_id, grid_id=household.grid_id, day=work.day, kind="checkin"
    )
    for earlier in joining:
        earlier.household_id, earlier.grid_id = household.id, household.grid_id
        await records.save_message(session, record=earlier)
    return [earlier.id for earlier in joining if earlier.id is not None]


async def _answer_to_nudge(session: AsyncSession, work: _Work) -> Ingested:
    """A bare address ("3-2-501") from someone asked for it: link them and file their day's check-ins."""
    address = normalise_address(work.message.text)
    if address is None or work.grid is None:
        return Ingested(Ack.NONE)
    assert work.grid.id is not None
    waiting = await records.unassigned_messages(
        session, sender_id=work.message.sender.user_id, grid_id=work.grid.id, day=work.day, kind="checkin"
    )
    found = await records.households_at(session, address_key=address.key(), grid_ids=[work.grid.id])
    if not waiting or len(found) != 1:
        return Ingested(Ack.NONE)
    work.person = await _person(session, work.message.sender)
    joined = await _link(session, work, found[0], by_address=True)
    if not joined:
        return Ingested(Ack.NONE)
    work.parsed = {"kind": "checkin"}
    return await _file(session, work, found[0], waiting[-1], joined=joined)


async def _file(
    session: AsyncSession, work: _Work, household: Household, record: MessageRecord, *, joined: Sequence[int]
) -> Ingested:
    """The message belongs to ``household``: update the record its kind makes."""
    await _recompute_old(session, work, unless=(household.id, work.day))
    match work.kind:
        case "checkin":
            return await _checkin(session, work, household, record, joined=joined)
        case "order":
            return await _order(session, work, household, record)
        case _:
            return await _returnee(session, work, household, record)


async def _recompute_old(session: AsyncSession, work: _Work, unless: tuple[int | None, date] | None = None) -> None:
    """An edited check-in that moved to another household or kind leaves its old day to recompute."""
    old = work.old
    if not old or old["kind"] != "checkin" or old["household_id"] is None:
        return
    if (old["household_id"], old["day"]) == unless and work.kind == "checkin":
        return
    household = await records.lock_household(session, household_id=old["household_id"])
    if household is not None:
        await _recompute(session, household_id=old["household_id"], grid_id=household.grid_id, day=old["day"])


async def _recompute(
    session: AsyncSession,
    *,
    household_id: int,
    grid_id: int,
    day: date,
    fresh: Collection[int] = (),
    edited: tuple[int | None, Mapping[str, Any]] | None = None,
) -> tuple[DayCheckin, DayCheckin]:
    """Derive the household's day from its messages; returns (before this step, after it).

    "Before" leaves out the messages this step brought (``fresh``) and reads an edited message as
    it was (``edited``), so a replay after a crash decides exactly as the first run did.
    """
    rows = await records.checkin_messages(session, household_id=household_id, day=day)
    after = merge(json.loads(row.parsed) for row in rows)
    before = merge(
        edited[1] if edited is not None and row.id == edited[0] else json.loads(row.parsed)
        for row in rows
        if row.id not in fresh
    )
    if not rows:
        await records.drop_checkin(session, household_id=household_id, day=day)
    else:
        values = after.columns() | {"last_message_id": rows[-1].id}
        await records.put_checkin(session, household_id=household_id, grid_id=grid_id, day=day, values=values)
    return before, after


async def _checkin(
    session: AsyncSession, work: _Work, household: Household, record: MessageRecord, *, joined: Sequence[int]
) -> Ingested:
    assert household.id is not None and record.id is not None
    old = work.old
    same_day = bool(old) and old["kind"] == "checkin" and (old["household_id"], old["day"]) == (household.id, work.day)
    edited = (record.id, old["parsed"]) if same_day and work.is_edit else None
    before, after = await _recompute(
        session,
        household_id=household.id,
        grid_id=household.grid_id,
        day=work.day,
        fresh={*joined, *([] if edited else [record.id])},
        edited=edited,
    )
    alert = await _checkin_alert(session, work, household) if after.worse_than(before) else None
    return Ingested(Ack.STORED, kind="checkin", day=work.day, checkin_alert=alert)


def _name(work: _Work, household: Household) -> str:
    return str(work.parsed.get("name") or household.head or work.message.sender.name)


async def _grid_of(session: AsyncSession, work: _Work, household: Household) -> Unit:
    if work.grid is not None:
        return work.grid
    grid = await units.get_unit(session, unit_id=household.grid_id)
    assert grid is not None
    return grid


async def _checkin_alert(session: AsyncSession, work: _Work, household: Household) -> alerts.CheckinAlert:
    assert household.id is not None
    grid = await _grid_of(session, work, household)
    checkin = await records.get_checkin(session, household_id=household.id, day=work.day)
    assert checkin is not None
    return alerts.CheckinAlert(
        audience=await alerts.audience(session, grid=grid),
        grid=grid,
        household=household,
        checkin=checkin,
        name=_name(work, household),
        text=work.message.text,
    )


def _items(parsed: Mapping[str, Any]) -> list[tuple[str, float | None, str | None]]:
    return [(str(item["name"]), item.get("qty"), item.get("unit")) for item in parsed.get("items") or []]


async def _order(session: AsyncSession, work: _Work, household: Household, record: MessageRecord) -> Ingested:
    """A new order gets the grid's next number; an edit rewrites it while it is open. A replay
    after a crash announces it again, since its notice may never have gone out."""
    assert household.id is not None and record.id is not None
    urgent = bool(work.parsed.get("urgent"))
    phone = work.parsed.get("phone") or household.phone
    order = await records.order_of_message(session, message_id=record.id)
    edited = order is not None and work.is_edit
    if order is None:
        order = await records.create_order(
            session,
            grid_id=household.grid_id,
            household_id=household.id,
            message_id=record.id,
            day=work.day,
            urgent=urgent,
            phone=phone,
        )
    elif edited and order.status != OrderStatus.OPEN:
        return Ingested(Ack.ORDER_CLOSED, kind="order", day=work.day, order=OrderNotice(order, (), edited=True))
    became_urgent = urgent and not (edited and order.urgent)
    order.urgent, order.phone, order.household_id = urgent, phone, household.id
    await records.save_order(session, order=order)
    assert order.id is not None
    items = tuple(await records.replace_items(session, order_id=order.id, items=_items(work.parsed)))
    alert = None
    if became_urgent:
        grid = await _grid_of(session, work, household)
        alert = alerts.OrderAlert(
            audience=await alerts.audience(session, grid=grid),
            grid=grid,
            household=household,
            order=order,
            items=items,
            name=_name(work, household),
        )
    notice = OrderNotice(order, items, edited=edited)
    return Ingested(Ack.STORED, kind="order", day=work.day, order=notice, order_alert=alert)


async def _returnee(session: AsyncSession, work: _Work, household: Household, record: MessageRecord) -> Ingested:
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
    returnee.monitor_until = (arrival or returnee.day) + timedelta(days=policy.monitor_days)
    returnee.test_days = ",".join(str(day) for day in policy.test_days)
    await records.save_returnee(session, returnee=returnee)
    return Ingested(Ack.STORED, kind="returnee", day=work.day)
