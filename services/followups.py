"""Returnee follow-ups (返乡随访): who is due a test today, told privately where possible.

A returnee's tests fall on the days after arrival listed in ``returnees.test_days`` (or the
policy's ``test_days`` when the record has none), while they are monitored. The household is
told privately when someone there has started the bot (the reporter first, then anyone linked
to the household): only that private message names the test. Otherwise the grid group gets one
line @mentioning the household's people with no health detail at all, and a count for households
nobody can be mentioned for (the grid's mention switch turns the mentions into that count too).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from core.config import Settings
from core.formatting import mention, split_message
from services.messages_out import OutgoingMessage
from services.outbox import Envelope
from services.reminders import effective
from storage import schedules as store
from storage import units
from storage.db import SessionFactory
from storage.schedules import Contact, TestDue

#: Outbox kinds: the private message per returnee (part = returnee id), the grid group's line.
PRIVATE_KIND = "followup:dm"
GROUP_KIND = "followup"


def test_due(returnee: TestDue, *, day: date, default_days: Sequence[int]) -> int | None:
    """Days since arrival if a test falls on ``day``, else None."""
    listed = [int(part) for part in returnee.test_days.split(",") if part.strip().isdigit()]
    elapsed = (day - returnee.arrival).days
    return elapsed if elapsed in (listed or default_days) else None


def private_message(returnee: TestDue, days: int) -> OutgoingMessage:
    name = escape(returnee.name) if returnee.name else texts.FOLLOWUP_SOMEONE
    return OutgoingMessage.of_text(
        texts.FOLLOWUP_PRIVATE.format(
            name=name,
            arrival=f"{returnee.arrival.month}月{returnee.arrival.day}日",
            days=days,
            example=texts.FOLLOWUP_EXAMPLE.format(name=name),
        )
    )


def _recipient(returnee: TestDue, contacts: Sequence[Contact]) -> Contact | None:
    """Who is told privately: the reporter if they started the bot, else anyone of the household who did."""
    reporter = [c for c in contacts if c.telegram_user_id == returnee.reporter_id and c.started_bot]
    linked = [c for c in contacts if c.household_id == returnee.household_id and c.started_bot]
    return next(iter(reporter + linked), None)


def _to_mention(returnee: TestDue, contacts: Sequence[Contact]) -> list[Contact]:
    reporter = [c for c in contacts if c.telegram_user_id == returnee.reporter_id]
    return reporter or [c for c in contacts if c.household_id == returnee.household_id]


async def plan_followups(
    factory: SessionFactory, *, settings: Settings, day: date, bot_username: str
) -> list[Envelope]:
    """Today's follow-ups: a private message per returnee due a test, one line per grid for the rest."""
    async with factory() as session:
        candidates = await store.monitored_returnees(session, day=day)
        due = [
            (returnee, days)
            for returnee in candidates
            if (days := test_due(returnee, day=day, default_days=settings.policy.returnee.test_days)) is not None
        ]
        contacts = await store.contacts(
            session,
            household_ids=[returnee.household_id for returnee, _ in due],
            user_ids=[returnee.reporter_id for returnee, _ in due],
        )
        grid_ids = sorted({returnee.grid_id for returnee, _ in due})
        chains = {grid_id: await _chain(session, grid_id) for grid_id in grid_ids}
        switches = await store.switches(session, unit_ids=sorted({u for chain in chains.values() for u in chain}))
    envelopes: list[Envelope] = []
    in_group: dict[int, list[tuple[TestDue, list[Contact]]]] = {}
    for returnee, days in due:
        recipient = _recipient(returnee, contacts)
        if recipient is not None:
            envelopes.append(
                Envelope(
                    unit_id=returnee.grid_id,
                    chat_id=recipient.telegram_user_id,
                    kind=PRIVATE_KIND,
                    part=returnee.returnee_id,
                    message=private_message(returnee, days),
                )
            )
        elif returnee.grid_chat_id is not None:
            in_group.setdefault(returnee.grid_id, []).append((returnee, _to_mention(returnee, contacts)))
    for grid_id, entries in in_group.items():
        chat_id = entries[0][0].grid_chat_id
        assert chat_id is not None
        lines = _group_lines(entries, bot_username=bot_username, mentions=effective(chains[grid_id], switches).mentions)
        envelopes.extend(
            Envelope(
                unit_id=grid_id, chat_id=chat_id, kind=GROUP_KIND, part=part, message=OutgoingMessage.of_text(text)
            )
            for part, text in enumerate(split_message(lines))
        )
    return envelopes


def _group_lines(entries: Sequence[tuple[TestDue, list[Contact]]], *, bot_username: str, mentions: bool) -> list[str]:
    """One line per household with someone to mention, then a count of the rest."""
    lines: list[str] = []
    unreached: set[int] = set()
    seen: set[int] = set()
    for returnee, people in entries:
        if returnee.household_id in seen:
            continue
        seen.add(returnee.household_id)
        if not mentions or not people:
            unreached.add(returnee.household_id)
            continue
        names = texts.MENTION_SEPARATOR.join(mention(p.telegram_user_id, p.display_name) for p in people)
        lines.append(texts.FOLLOWUP_GROUP.format(mentions=names, bot=escape(bot_username)))
    if unreached:
        lines.append(texts.FOLLOWUP_GROUP_UNLINKED.format(count=len(unreached)))
    return lines


async def _chain(session: AsyncSession, grid_id: int) -> list[int]:
    """The grid and the units above it, whose switches it obeys."""
    grid = await units.get_unit(session, unit_id=grid_id)
    return [] if grid is None else await units.ancestor_ids(session, unit=grid)
