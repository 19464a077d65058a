"""Writes and reads of what residents post: messages, the day's check-ins, new orders, returnees, nudges.

Every function receives a session and never opens one: the ingest service makes one message one
unit of work. Rows that must stay single under concurrency (a household's check-in of a day, a
grid's order numbers, a nudge of a day) are written with dialect-aware statements that are atomic
on both SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import and_, col, delete, func, insert, or_, select, tuple_
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc, dialect_of, insert_for, upsert
from storage.models import (
    BindingStatus,
    ChatBinding,
    CheckIn,
    Household,
    MessageHousehold,
    MessageRecord,
    Nudge,
    OrderItem,
    Person,
    Returnee,
    SupplyOrder,
    Unit,
    utcnow,
)

#: The kinds of message that become records: of a household, or of a place (a disinfection).
RECORD_KINDS = ("checkin", "order", "returnee", "visit", "disinfection")


async def commit_without_waiting(session: AsyncSession) -> None:
    """On PostgreSQL, let this transaction's commit return before its WAL reaches the disk.

    Safe for records derived from the inbox: the update is marked processed by a later, ordinary
    commit, and WAL is flushed in order, so once that mark is durable so is this transaction; a
    server crash in between loses both, and the inbox hands the update over again. The inbox's own
    writes must never use this. SQLite (WAL, synchronous=NORMAL) needs nothing."""
    if dialect_of(session) == "postgresql":
        await (await session.connection()).exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


# --- messages -------------------------------------------------------------------------------


async def messages_at(session: AsyncSession, *, keys: Collection[tuple[int, int]]) -> Sequence[MessageRecord]:
    """The stored messages among these (chat_id, message_id) pairs: edits and replays find theirs."""
    if not keys:
        return []
    query = select(MessageRecord).where(tuple_(col(MessageRecord.chat_id), col(MessageRecord.message_id)).in_(keys))
    return (await session.exec(query)).all()


async def insert_messages(session: AsyncSession, *, new: Sequence[MessageRecord]) -> None:
    """Insert new messages in one round trip (a flush sends one statement per row) and give each
    its id; from then on they belong to the session like any loaded row, so changes are saved."""
    if not new:
        return
    table = MessageRecord.__table__  # type: ignore[attr-defined]
    columns = [column.key for column in table.columns if column.key != "id"]
    # Core, not the ORM's bulk machinery; ids matched by the unique (chat, message) key, since
    # asking for them in parameter order makes SQLite fall back to a statement per row.
    statement = insert(table).returning(table.c.chat_id, table.c.message_id, table.c.id)
    rows = [{key: getattr(record, key) for key in columns} for record in new]
    ids = {(chat_id, message_id): id_ for chat_id, message_id, id_ in await session.exec(statement, params=rows)}
    for record in new:
        record.id = ids[(record.chat_id, record.message_id)]
        make_transient_to_detached(record)
        session.add(record)


async def unassigned_messages(
    session: AsyncSession, *, sender_id: int, grid_id: int, day: date, kind: str
) -> Sequence[MessageRecord]:
    """A sender's messages of a day that named no household yet, in this grid or in private."""
    query = select(MessageRecord).where(
        MessageRecord.sender_id == sender_id,
        MessageRecord.day == day,
        MessageRecord.kind == kind,
        col(MessageRecord.household_id).is_(None),
        or_(col(MessageRecord.grid_id).is_(None), MessageRecord.grid_id == grid_id),
    )
    return (await session.exec(query)).all()


async def seen_grid_ids(session: AsyncSession, *, sender_id: int) -> list[int]:
    """The grids whose groups this person has written records in: where their household may be."""
    query = select(MessageRecord.grid_id).where(
        MessageRecord.sender_id == sender_id, col(MessageRecord.grid_id).is_not(None)
    )
    return [grid_id for grid_id in (await session.exec(query.distinct())).all() if grid_id is not None]


# --- chats, people and households ---------------------------------------------------------------


async def grids_of_chats(session: AsyncSession, *, chat_ids: Collection[int]) -> dict[int, Unit]:
    """The unit each of these chats is actively bound to (chats bound to nothing are left out)."""
    if not chat_ids:
        return {}
    query = (
        select(ChatBinding.chat_id, Unit)
        .join(Unit, col(Unit.id) == col(ChatBinding.unit_id))
        .where(col(ChatBinding.chat_id).in_(chat_ids), ChatBinding.status == BindingStatus.ACTIVE)
    )
    return {chat_id: unit for chat_id, unit in await session.exec(query)}


async def people_by_ids(session: AsyncSession, *, user_ids: Collection[int]) -> Sequence[Person]:
    if not user_ids:
        return []
    return (await session.exec(select(Person).where(col(Person.telegram_user_id).in_(user_ids)))).all()


async def households_for(
    session: AsyncSession, *, addresses: Collection[tuple[int, str]], ids: Collection[int]
) -> Sequence[Household]:
    """Active households at these (grid_id, address_key) pairs, and those with these ids; locked
    like ``lock_household``, all at once and in id order, so that two writers never deadlock."""
    if not addresses and not ids:
        return []
    named = and_(
        tuple_(col(Household.grid_id), col(Household.address_key)).in_(addresses), col(Household.active).is_(True)
    )
    query = select(Household).where(or_(named, col(Household.id).in_(ids)) if addresses else col(Household.id).in_(ids))
    return (await session.exec(query.order_by(col(Household.id)).with_for_update(key_share=True))).all()


async def households_at(
    session: AsyncSession, *, address_key: str, grid_ids: Sequence[int] | None
) -> Sequence[Household]:
    """Active households with this address key, in the given grids (``None``: in any grid); locked
    like ``lock_household``. At most two: one is the answer, two mean the address is ambiguous."""
    query = (
        select(Household)
        .where(Household.address_key == address_key, col(Household.active).is_(True))
        .with_for_update(key_share=True)
    )
    if grid_ids is not None:
        query = query.where(col(Household.grid_id).in_(grid_ids))
    return (await session.exec(query.limit(2))).all()


async def lock_household(session: AsyncSession, *, household_id: int) -> Household | None:
    """The household, locked until commit on PostgreSQL so that two messages of one household
    (a group and a private chat at once) recompute its day one after the other. SQLite has a
    single writer and needs no lock.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: every row written with a foreign key to it takes a
    KEY SHARE lock, which ``FOR UPDATE`` would wait on, and two such writers would deadlock."""
    query = select(Household).where(Household.id == household_id).with_for_update(key_share=True)
    return (await session.exec(query)).first()


async def example_address(session: AsyncSession, *, grid_id: int) -> str | None:
    """An address as this grid's roster writes them: the form to ask residents for."""
    query = select(Household.address).where(Household.grid_id == grid_id, col(Household.active).is_(True))
    return (await session.exec(query.order_by(col(Household.id)).limit(1))).first()


async def claim_household(session: AsyncSession, *, person: Person, household_id: int) -> None:
    """Record that the person wrote this household's address: a link a grid leader may confirm."""
    person.claimed_household_id = household_id
    session.add(person)


# --- check-ins --------------------------------------------------------------------------------


async def checkin_messages(
    session: AsyncSession, *, days: Collection[tuple[int, date]]
) -> Sequence[tuple[int, date, int, str]]:
    """(household_id, day, message id, parse result) of every check-in message of these household
    days, each day's as sent (an edit keeps its place); a message that reports on several
    households counts for each with its part (``message_households``)."""
    if not days:
        return []
    first = sa.select(
        col(MessageRecord.household_id),
        col(MessageRecord.day),
        col(MessageRecord.id),
        col(MessageRecord.parsed),
        col(MessageRecord.sent_at),
    ).where(
        tuple_(col(MessageRecord.household_id), col(MessageRecord.day)).in_(days), col(MessageRecord.kind) == "checkin"
    )
    others = (
        sa.select(
            col(MessageHousehold.household_id), col(MessageHousehold.day), col(MessageRecord.id),
            col(MessageHousehold.parsed), col(MessageRecord.sent_at),
        )
        .join(MessageRecord, col(MessageRecord.id) == col(MessageHousehold.message_id))
        .where(
            tuple_(col(MessageHousehold.household_id), col(MessageHousehold.day)).in_(days),
            col(MessageRecord.kind) == "checkin",
        )
    )  # fmt: skip
    await session.flush()  # a connection's statements do not autoflush the session
    connection = await session.connection()  # five columns: more than sqlmodel's select types
    rows = [*(await connection.execute(first)), *(await connection.execute(others))]
    rows.sort(key=lambda row: (as_utc(row[4]), row[2] or 0))
    return [(int(h or 0), d, int(i or 0), p) for h, d, i, p, _sent in rows]


async def replace_message_households(
    session: AsyncSession, *, message_id: int, rows: Sequence[MessageHousehold]
) -> list[tuple[int, date, str]]:
    """The further households of a message, as its latest version names them; returns the
    (household_id, day, part) its earlier version had, whose days must be recomputed too."""
    query = select(MessageHousehold).where(MessageHousehold.message_id == message_id)
    old = list(await session.exec(query))
    await session.exec(delete(MessageHousehold).where(col(MessageHousehold.message_id) == message_id))
    session.add_all(rows)
    await session.flush()
    return [(row.household_id, row.day, row.parsed) for row in old]


async def checkins_of(session: AsyncSession, *, days: Collection[tuple[int, date]]) -> dict[tuple[int, date], CheckIn]:
    """The stored check-ins of these household days, by (household_id, day)."""
    if not days:
        return {}
    query = select(CheckIn).where(tuple_(col(CheckIn.household_id), col(CheckIn.day)).in_(days))
    return {(row.household_id, row.day): row for row in await session.exec(query)}


#: The columns ``put_checkins`` writes besides the key (household_id, day).
CHECKIN_COLUMNS = ("grid_id", "persons", "temperature", "symptoms", "test_type", "test_result", "abnormal",
                   "message_count", "last_message_id", "updated_at")  # fmt: skip


@functools.cache
def _checkin_upsert(dialect: str) -> Any:
    """Built once per dialect: building ``excluded`` columns costs more than running the statement."""
    table = CheckIn.__table__  # type: ignore[attr-defined]  # Core: one executemany, not the ORM's per-row upserts
    statement = insert_for(dialect, table)
    return statement.on_conflict_do_update(
        index_elements=["household_id", "day"], set_={key: statement.excluded[key] for key in CHECKIN_COLUMNS}
    )


async def put_checkins(session: AsyncSession, *, rows: Sequence[dict[str, Any]]) -> None:
    """Create or overwrite these households' check-ins of a day, each row atomically, in one round
    trip. Each row holds household_id, day and the ``CHECKIN_COLUMNS`` but updated_at."""
    if not rows:
        return
    now = utcnow()
    statement = _checkin_upsert(dialect_of(session))
    await session.exec(statement, params=[{**row, "updated_at": now} for row in rows])


async def drop_checkin(session: AsyncSession, *, household_id: int, day: date) -> None:
    """No check-in message is left for that day (an edit took it away)."""
    await session.exec(delete(CheckIn).where(col(CheckIn.household_id) == household_id, col(CheckIn.day) == day))


async def abnormal_checkins(
    session: AsyncSession, *, grid_ids: Sequence[int], day: date
) -> Sequence[tuple[CheckIn, Household, Unit]]:
    """The day's abnormal check-ins in these grids, for a leader who just opened private alerts."""
    query = (
        select(CheckIn, Household, Unit)
        .join(Household, col(Household.id) == col(CheckIn.household_id))
        .join(Unit, col(Unit.id) == col(CheckIn.grid_id))
        .where(col(CheckIn.grid_id).in_(grid_ids), CheckIn.day == day, col(CheckIn.abnormal).is_(True))
        .order_by(col(Unit.path), col(Household.address))
    )
    return (await session.exec(query)).all()


# --- orders -----------------------------------------------------------------------------------


async def order_of_message(session: AsyncSession, *, message_id: int) -> SupplyOrder | None:
    return (await session.exec(select(SupplyOrder).where(SupplyOrder.message_id == message_id))).first()


Items = Sequence[tuple[str, float | None, str | None]]


async def create_orders(session: AsyncSession, *, orders: Sequence[tuple[SupplyOrder, Items]]) -> list[list[OrderItem]]:
    """Insert new open orders, numbering each after its grid's highest number (#17), and their
    lines (name, qty, unit); sets each order's id and number, returns each one's lines.

    Numbers stay unique and gapless under concurrency: on PostgreSQL the grids' rows are locked
    first (``FOR NO KEY UPDATE``, in id order; see ``lock_household``), so writers of one grid
    queue up; on SQLite the caller has written already in this transaction, so it holds the
    database's single write lock while it reads the highest numbers.
    """
    grid_ids = sorted({order.grid_id for order, _items in orders})
    if dialect_of(session) == "postgresql":  # SQLite has no row locks (nor needs them)
        locked = select(Unit.id).where(col(Unit.id).in_(grid_ids)).order_by(col(Unit.id))
        await session.exec(locked.with_for_update(key_share=True))
    highest = select(SupplyOrder.grid_id, func.max(SupplyOrder.number)).where(col(SupplyOrder.grid_id).in_(grid_ids))
    numbers: dict[int, int] = dict((await session.exec(highest.group_by(col(SupplyOrder.grid_id)))).all())
    for order, _items in orders:
        order.number = numbers[order.grid_id] = numbers.get(order.grid_id, 0) + 1
    table = SupplyOrder.__table__  # type: ignore[attr-defined]  # ids by the unique (grid, number), as for messages
    statement = insert(table).returning(table.c.grid_id, table.c.number, table.c.id)
    rows = [order.model_dump(exclude={"id"}) for order, _items in orders]
    ids = {(grid_id, number): id_ for grid_id, number, id_ in await session.exec(statement, params=rows)}
    lines = []
    for order, items in orders:
        order.id = order_id = ids[(order.grid_id, order.number)]
        lines.append([OrderItem(order_id=order_id, name=name[:64], qty=qty, unit=unit) for name, qty, unit in items])
    await _insert_items(session, lines=[line for order_lines in lines for line in order_lines])
    return lines


async def _insert_items(session: AsyncSession, *, lines: Sequence[OrderItem]) -> None:
    if lines:
        await session.exec(insert(OrderItem), params=[line.model_dump(exclude={"id"}) for line in lines])


async def replace_items(session: AsyncSession, *, order_id: int, items: Items) -> list[OrderItem]:
    """Make the order's lines exactly ``items`` (name, qty, unit), in the order written."""
    await session.exec(delete(OrderItem).where(col(OrderItem.order_id) == order_id))
    lines = [OrderItem(order_id=order_id, name=name[:64], qty=qty, unit=unit) for name, qty, unit in items]
    await _insert_items(session, lines=lines)
    return lines


# --- returnees --------------------------------------------------------------------------------


async def returnee_of_message(session: AsyncSession, *, message_id: int) -> Returnee | None:
    return (await session.exec(select(Returnee).where(Returnee.message_id == message_id))).first()


def add_returnee(session: AsyncSession, *, returnee: Returnee) -> None:
    session.add(returnee)


# --- nudges -----------------------------------------------------------------------------------


async def claim_nudge(session: AsyncSession, *, telegram_user_id: int, reason: str, day: date) -> bool:
    """Record that this person is asked about ``reason`` today; False if they already were."""
    statement = (
        upsert(session, Nudge)
        .values(telegram_user_id=telegram_user_id, reason=reason, day=day)
        .on_conflict_do_nothing(index_elements=["telegram_user_id", "reason", "day"])
    )
    result = await session.exec(statement)
    return bool(result.rowcount)
