"""Queries on the outbox of scheduled messages (see ``OutboxMessage``).

Instants are bound as UTC: SQLite keeps no offset, so a local time written there would compare
wrongly with the UTC times beside it; values read back from SQLite get their UTC zone again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc, upsert
from storage.models import TELEGRAM, BindingStatus, ChatBinding, OutboxMessage, OutboxStatus, Person

_ERROR_LENGTH = 512
#: PostgreSQL binds at most 32,767 values in one statement: a county's reports (and their robots'
#: copies) are written in slices well under it.
_ROWS_PER_INSERT = 2000


async def add_if_absent(session: AsyncSession, *, rows: Sequence[dict[str, Any]], now: datetime) -> int:
    """Insert rows (unit_id, day, kind, part, chat_id, payload[, channel, robot_id]); an existing key keeps its row.

    Returns how many were new. The first writer of a key wins, so a job re-run after a restart
    cannot replace, or add to, what was already due.
    """
    if not rows:
        return 0
    at = as_utc(now)
    values = [
        {
            "channel": TELEGRAM,
            "robot_id": 0,
            **row,
            "status": OutboxStatus.PENDING,
            "next_attempt_at": at,
            "created_at": at,
        }
        for row in rows
    ]
    added = 0
    for start in range(0, len(values), _ROWS_PER_INSERT):
        statement = (
            upsert(session, OutboxMessage)
            .values(values[start : start + _ROWS_PER_INSERT])
            .on_conflict_do_nothing(index_elements=["unit_id", "day", "kind", "part", "robot_id"])
        )
        added += int((await session.exec(statement)).rowcount or 0)
    return added


async def put_edit(session: AsyncSession, *, row: dict[str, Any], now: datetime, spacing: timedelta) -> None:
    """Write the edit row keyed like ``row`` (one per edited message), or give the one there the new payload.

    Coalesced: a pending edit just takes the newer text; one already sent is due again ``spacing``
    after it was sent (or now, if that is later), so a message is edited at most once per ``spacing``.
    """
    key = (
        col(OutboxMessage.unit_id) == row["unit_id"],
        col(OutboxMessage.day) == row["day"],
        col(OutboxMessage.kind) == row["kind"],
        col(OutboxMessage.part) == row["part"],
        col(OutboxMessage.robot_id) == 0,  # edits are Telegram's only: a robot cannot edit what it posted
    )
    existing = (await session.exec(select(OutboxMessage.status, OutboxMessage.sent_at).where(*key))).first()
    if existing is None:
        await add_if_absent(session, rows=[row], now=now)
        return
    status, sent_at = existing
    values: dict[str, Any] = {"payload": row["payload"], "chat_id": row["chat_id"]}
    if status != OutboxStatus.PENDING:
        due = as_utc(now) if sent_at is None else max(as_utc(now), as_utc(sent_at) + spacing)
        values.update(status=OutboxStatus.PENDING, next_attempt_at=due, last_error=None)
    await session.exec(update(OutboxMessage).where(*key).values(**values))


async def rows_of_kinds(session: AsyncSession, *, day: date, kinds: Collection[str]) -> Sequence[OutboxMessage]:
    """Every Telegram row of ``day`` of these kinds, whatever its status, by unit and part (robots' copies left out)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.day == day, col(OutboxMessage.kind).in_(kinds), OutboxMessage.robot_id == 0)
        .order_by(col(OutboxMessage.unit_id), col(OutboxMessage.part))
    )
    return (await session.exec(query)).all()


async def pending(session: AsyncSession) -> Sequence[OutboxMessage]:
    """Every row still to send, in the order it was written (the parts of one message in order)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .order_by(col(OutboxMessage.day), col(OutboxMessage.id))
    )
    return (await session.exec(query)).all()


async def chats_of_kinds(session: AsyncSession, *, unit_id: int, day: date, like: str) -> list[tuple[str, int]]:
    """(kind, chat) of a unit's rows of ``day`` whose kind is ``like`` (SQL LIKE) and that were
    sent or are still to be: whom a message went to, for a correction to follow it."""
    query = select(OutboxMessage.kind, OutboxMessage.chat_id).where(
        OutboxMessage.unit_id == unit_id,
        OutboxMessage.day == day,
        col(OutboxMessage.kind).like(like),
        OutboxMessage.status != OutboxStatus.FAILED,
        OutboxMessage.robot_id == 0,  # a group robot's copy follows its Telegram row (``ROBOT_KINDS``)
    )
    return [(kind, chat_id) for kind, chat_id in await session.exec(query)]


async def rows_like(session: AsyncSession, *, unit_id: int, chat_id: int, like: str) -> Sequence[OutboxMessage]:
    """A unit's rows to one chat whose kind is ``like`` (SQL LIKE), oldest first, whatever their day."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.unit_id == unit_id, OutboxMessage.chat_id == chat_id, col(OutboxMessage.kind).like(like))
        .order_by(col(OutboxMessage.id))
    )
    return (await session.exec(query)).all()


async def rewrite_pending(session: AsyncSession, *, row_id: int, payload: str) -> bool:
    """A row not sent yet is to say something else; False if it is no longer pending."""
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id, col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(payload=payload)
    )
    return bool((await session.exec(statement)).rowcount)


async def next_attempt_by_target(session: AsyncSession) -> dict[tuple[int, int], datetime]:
    """When each target's (robot, chat) earliest pending row becomes due: the sender's loop leaves
    out the targets being sent, whose due rows would otherwise wake it at once, again and again."""
    query = (
        select(OutboxMessage.robot_id, OutboxMessage.chat_id, func.min(OutboxMessage.next_attempt_at))
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .group_by(col(OutboxMessage.robot_id), col(OutboxMessage.chat_id))
    )
    return {(robot_id, chat_id): as_utc(at) for robot_id, chat_id, at in await session.exec(query)}


async def mark_sent(session: AsyncSession, *, row_id: int, message_id: int | None, at: datetime) -> None:
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id)
        .values(
            status=OutboxStatus.SENT,
            sent_at=as_utc(at),
            telegram_message_id=message_id,
            attempts=OutboxMessage.attempts + 1,
            last_error=None,
        )
    )
    await session.exec(statement)


async def mark_retry(session: AsyncSession, *, row_id: int, at: datetime, error: str, chat_id: int) -> None:
    """A failed attempt: try again at ``at`` (to ``chat_id``, which a migrated group changes)."""
    statement = (
        update(OutboxMessage)
        .where(col(OutboxMessage.id) == row_id)
        .values(
            next_attempt_at=as_utc(at),
            attempts=OutboxMessage.attempts + 1,
            last_error=error[:_ERROR_LENGTH],
            chat_id=chat_id,
        )
    )
    await session.exec(statement)


async def postpone(session: AsyncSession, *, row_ids: Sequence[int], at: datetime) -> None:
    """Rows not tried because their chat failed just before them wait for that chat's next try."""
    if row_ids:
        statement = update(OutboxMessage).where(col(OutboxMessage.id).in_(row_ids)).values(next_attempt_at=as_utc(at))
        await session.exec(statement)


async def mark_failed(session: AsyncSession, *, row_ids: Sequence[int], error: str, attempted: bool) -> None:
    """Give up on rows; ``attempted`` counts this as an attempt (not for rows that expired unsent)."""
    values: dict[str, Any] = {"status": OutboxStatus.FAILED, "last_error": error[:_ERROR_LENGTH]}
    if attempted:
        values["attempts"] = OutboxMessage.attempts + 1
    await session.exec(update(OutboxMessage).where(col(OutboxMessage.id).in_(row_ids)).values(**values))


#: ``last_error`` prefix of rows that failed because their chat could not be written to (403, chat not found).
UNREACHABLE = "unreachable: "


async def resend_to_rebound_group(session: AsyncSession, *, unit_id: int, day: date, chat_id: int, at: datetime) -> int:
    """The unit's group is bound again: its messages of ``day`` that failed because the group was
    unreachable are due again, to ``chat_id``; returns how many."""
    statement = (
        update(OutboxMessage)
        .where(
            col(OutboxMessage.unit_id) == unit_id,
            col(OutboxMessage.day) == day,
            col(OutboxMessage.chat_id) < 0,
            col(OutboxMessage.status) == OutboxStatus.FAILED,
            col(OutboxMessage.last_error).startswith(UNREACHABLE),
        )
        .values(status=OutboxStatus.PENDING, chat_id=chat_id, next_attempt_at=as_utc(at), last_error=None)
    )
    result = await session.exec(statement)
    return int(result.rowcount or 0)


async def pending_ids_for_robot(session: AsyncSession, *, robot_id: int) -> list[int]:
    query = select(OutboxMessage.id).where(
        OutboxMessage.robot_id == robot_id, OutboxMessage.status == OutboxStatus.PENDING
    )
    return [row_id for row_id in await session.exec(query) if row_id is not None]


async def pending_ids_for_chat(session: AsyncSession, *, chat_id: int) -> list[int]:
    query = select(OutboxMessage.id).where(
        OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.PENDING
    )
    return [row_id for row_id in await session.exec(query) if row_id is not None]


async def sent_kinds(session: AsyncSession, *, day: date) -> dict[str, int]:
    """How many rows of each kind were sent for ``day`` (for status output and tests)."""
    query = (
        select(OutboxMessage.kind, func.count())
        .where(OutboxMessage.day == day, OutboxMessage.status == OutboxStatus.SENT)
        .group_by(col(OutboxMessage.kind))
    )
    return {kind: int(count) for kind, count in await session.exec(query)}


async def count_kinds(session: AsyncSession, *, unit_id: int, day: date, prefix: str) -> int:
    """How many different kinds starting with ``prefix`` the unit has for ``day`` (numbered kinds: corrections)."""
    query = select(func.count(func.distinct(OutboxMessage.kind))).where(
        OutboxMessage.unit_id == unit_id, OutboxMessage.day == day, col(OutboxMessage.kind).startswith(prefix)
    )
    return int((await session.exec(query)).one())


async def counts_by_kind(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Rows by (kind, status) over the whole outbox; a kind's ``:<id>`` suffix is left out."""
    query = select(OutboxMessage.kind, OutboxMessage.status, func.count()).group_by(
        col(OutboxMessage.kind), col(OutboxMessage.status)
    )
    counts: dict[tuple[str, str], int] = {}
    for kind, status, count in await session.exec(query):
        key = (kind.split(":")[0], str(status))
        counts[key] = counts.get(key, 0) + int(count)
    return counts


async def break_binding(session: AsyncSession, *, chat_id: int) -> int | None:
    """The bot may no longer write to this group: an active binding becomes ``broken``.

    Returns the unit it was bound to, or None when the binding was not active (already removed
    by the bot's own removal update, or unbound on purpose: nobody needs telling twice).
    """
    binding = (
        await session.exec(
            select(ChatBinding).where(ChatBinding.chat_id == chat_id, ChatBinding.status == BindingStatus.ACTIVE)
        )
    ).first()
    if binding is None:
        return None
    binding.status = BindingStatus.BROKEN
    session.add(binding)
    return binding.unit_id


async def move_chat(session: AsyncSession, *, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup under a new id: its binding and pending rows follow it."""
    await session.exec(update(ChatBinding).where(col(ChatBinding.chat_id) == old_chat_id).values(chat_id=new_chat_id))
    await session.exec(
        update(OutboxMessage)
        .where(col(OutboxMessage.chat_id) == old_chat_id, col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(chat_id=new_chat_id)
    )


async def stop_private_chat(session: AsyncSession, *, telegram_user_id: int) -> None:
    """The person blocked the bot: stop writing privately until they press Start again."""
    await session.exec(update(Person).where(col(Person.telegram_user_id) == telegram_user_id).values(started_bot=False))
