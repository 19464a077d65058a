"""Returnee follow-ups (返乡随访): who is due a test today, told privately where possible.

Who is due is the monitoring plan's to say (``storage.returnee_plan``), the same rule the daily
report and /status count by. The household is told privately when someone there has started the
bot (the reporter first, then anyone linked to the household): only that private message names
the test. Otherwise the grid group gets one line @mentioning the household's people
(``services.mentions``) with no health detail at all, and a count for households nobody can be
mentioned for (the grid's mention switch turns the mentions into that count too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from core import texts
from core.formatting import split_message
from services import switches
from services.mentions import mentions
from services.messages_out import OutgoingMessage
from services.outbox import Envelope
from storage import returnee_plan
from storage import schedules as store
from storage.db import SessionFactory
from storage.schedules import Contact, Switches, TestDue

#: Outbox kinds: the private message per returnee (part = returnee id), the grid group's line.
PRIVATE_KIND = "followup:dm"
GROUP_KIND = "followup"


def private_message(due: TestDue, day: date) -> OutgoingMessage:
    """The test, by name and day of the plan; counted from the report when it gave no arrival date."""
    returnee = due.returnee
    name = escape(returnee.name) if returnee.name else texts.FOLLOWUP_SOMEONE
    start = returnee_plan.start(returnee)
    template = texts.FOLLOWUP_PRIVATE if returnee.arrival else texts.FOLLOWUP_PRIVATE_REPORTED
    return OutgoingMessage.of_text(
        template.format(
            name=name,
            start=texts.DAY.format(month=start.month, day=start.day),
            days=returnee_plan.day_number(returnee, day),
            example=texts.FOLLOWUP_EXAMPLE.format(name=name),
        )
    )


def _recipient(due: TestDue, contacts: Sequence[Contact]) -> Contact | None:
    """Who is told privately: the reporter if they started the bot, else anyone of the household who did."""
    reporter = [c for c in contacts if c.telegram_user_id == due.reporter_id and c.started_bot]
    linked = [c for c in contacts if c.household_id == due.returnee.household_id and c.started_bot]
    return next(iter(reporter + linked), None)


@dataclass(frozen=True)
class _Known:
    """What the job reads before it writes anything: who is due, who to reach, which switches act."""

    due: list[TestDue]
    contacts: list[Contact]
    acting: dict[int, Switches]


async def _read(factory: SessionFactory, *, day: date) -> _Known:
    async with factory() as session:
        due = await store.tests_due(session, day=day)
        contacts = await store.contacts(
            session,
            household_ids=[d.returnee.household_id for d in due],
            user_ids=[d.reporter_id for d in due],
        )
        acting = await switches.in_force(session, paths={d.returnee.grid_id: d.grid_path for d in due})
    return _Known(due=due, contacts=contacts, acting=acting)


async def plan_followups(factory: SessionFactory, *, day: date, bot_username: str) -> list[Envelope]:
    """Today's follow-ups: a private message per returnee due a test, one line per grid for the rest."""
    known = await _read(factory, day=day)
    envelopes: list[Envelope] = []
    in_group: dict[int, list[TestDue]] = {}
    for due in known.due:
        recipient = _recipient(due, known.contacts)
        if recipient is not None:
            envelopes.append(
                Envelope(
                    unit_id=due.returnee.grid_id,
                    chat_id=recipient.telegram_user_id,
                    kind=PRIVATE_KIND,
                    part=due.returnee.id or 0,
                    message=private_message(due, day),
                )
            )
        elif due.grid_chat_id is not None:
            in_group.setdefault(due.returnee.grid_id, []).append(due)
    for grid_id, entries in in_group.items():
        lines = _group_lines(
            entries, known.contacts, bot_username=bot_username, mentions_on=known.acting[grid_id].mentions
        )
        envelopes.extend(_group_envelopes(entries[0], lines))
    return envelopes


def _group_envelopes(first: TestDue, lines: list[str]) -> list[Envelope]:
    chat_id = first.grid_chat_id
    assert chat_id is not None
    return [
        Envelope(
            unit_id=first.returnee.grid_id,
            chat_id=chat_id,
            kind=GROUP_KIND,
            part=part,
            message=OutgoingMessage.of_text(text),
        )
        for part, text in enumerate(split_message(lines))
    ]


def _group_lines(
    entries: Sequence[TestDue], contacts: Sequence[Contact], *, bot_username: str, mentions_on: bool
) -> list[str]:
    """One line per household with someone to mention, then a count of the rest."""
    lines: list[str] = []
    unreached: set[int] = set()
    seen: set[int] = set()
    for due in entries:
        household_id = due.returnee.household_id
        if household_id in seen:
            continue
        seen.add(household_id)
        links = mentions(
            [c for c in contacts if c.household_id == household_id],
            switched_on=mentions_on,
            reporter=[c for c in contacts if c.telegram_user_id == due.reporter_id],
        )
        if not links:
            unreached.add(household_id)
            continue
        lines.append(
            texts.FOLLOWUP_GROUP.format(mentions=texts.MENTION_SEPARATOR.join(links), bot=escape(bot_username))
        )
    if unreached:
        lines.append(texts.FOLLOWUP_GROUP_UNLINKED.format(count=len(unreached)))
    return lines
