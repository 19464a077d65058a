"""Residents' messages into records, exactly once, whatever Telegram does with them.

Every text in a bound grid group, and every private text to the bot, is parsed. Check-ins, orders
and returnee reports are stored against a household: the address written in the message, else
the sender's linked household; the first message with an address links its sender. A message
whose household is unknown is kept, and its sender asked once a day for the address; when they
answer (even with a bare "3-2-501"), their earlier check-ins of the day join that household.

Exactly once: a message is one ``messages`` row (unique chat and message id), so an edit
rewrites it and a replay after a crash finds it; a household's check-in of a day is recomputed
from all of that day's messages (``services.checkin_day``), never incremented. A message about several
households (代报) counts for each with its part (``message_households``); visits and disinfections
are one row per message, rewritten by its edits.

Messages come in batches (the intake's group commit): see ``services.records.batch`` for the
transaction, and ``services.records`` for the kinds of record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from core.config import Settings
from services.records import outgoing
from services.records.batch import Batch
from services.records.households import remember
from services.records.nudges import ADDRESS_REASON
from services.records.work import Ack, Filed, IncomingMessage, Ingested, LinkClaim, OrderNotice, Sender, Work
from storage import people, records
from storage.db import SessionFactory, transaction
from understanding import mask_identifiers, parse_message

__all__ = [
    "ADDRESS_REASON",
    "Ack",
    "Filed",
    "IncomingMessage",
    "Ingested",
    "LinkClaim",
    "OrderNotice",
    "Sender",
    "ingest_message",
    "ingest_messages",
    "remember_people",
]


async def ingest_messages(
    factory: SessionFactory, *, settings: Settings, messages: Sequence[IncomingMessage], bot_username: str = ""
) -> list[Ingested]:
    """Store what each message says (or ignore it), in order, in one transaction; for each, what
    its sender must be told. What others must be told (alerts, order notices) is written to the
    outbox in the same transaction (``services.records.outgoing``): it arrives if the records do."""
    works = []
    for index, given in enumerate(messages):
        # The intake masked the update already; callers that bypass it (the CLI, benchmarks) too.
        message = replace(given, text=mask_identifiers(given.text))
        day = message.sent_at.astimezone(settings.tz).date()
        works.append(
            Work(index=index, settings=settings, message=message, day=day, parsed=parse_message(message.text, day))
        )
    async with transaction(factory) as session:
        await records.commit_without_waiting(session)  # the inbox's done mark makes it durable
        batch = Batch(session)
        await batch.prefetch(works)
        outcomes = await batch.settle([await batch.ingest(work) for work in works])
        await outgoing.write(session, messages=messages, outcomes=outcomes, bot_username=bot_username)
        return outcomes


async def ingest_message(factory: SessionFactory, *, settings: Settings, message: IncomingMessage) -> Ingested:
    """One message: a batch of one."""
    return (await ingest_messages(factory, settings=settings, messages=[message]))[0]


async def remember_people(factory: SessionFactory, *, senders: Sequence[Sender]) -> None:
    """People who joined a group: a bot cannot list members, so it learns them as they appear."""
    async with transaction(factory) as session:
        for sender in senders:
            await remember(session, await people.get_person(session, telegram_user_id=sender.user_id), sender)
