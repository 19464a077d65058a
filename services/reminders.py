"""Check-in reminders (打卡提醒) in each grid group, and the leaders' switches for them (/remind).

A reminder counts the grid's households and those not yet checked in, and @mentions the people
linked to the missing ones (those without a linked Telegram account are counted instead). It
carries no health detail at all. Nothing is posted in a grid where everyone has checked in, on
a day off, or where the grid or a unit above it switched reminders off; a switched-off @mention
leaves the counts. Switches set in a village or town group apply to every grid below it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum, auto

from core import texts
from core.config import Settings
from core.formatting import split_message
from services import switches
from services.cluster_reminders import plan_cluster_reminders
from services.identity import may_manage
from services.mentions import mentions
from services.messages_out import OutgoingMessage
from services.outbox import Envelope
from services.reports import UnitDayFigures, compile_reports
from storage import bindings, units
from storage import schedules as store
from storage.db import SessionFactory, transaction
from storage.models import Unit, UnitLevel
from storage.schedules import LinkedPerson, Switches

#: Mentions per line: a long list then splits into messages between lines, never inside a link.
MENTIONS_PER_LINE = 10


def _mention_lines(people: Sequence[LinkedPerson], *, switched_on: bool) -> tuple[list[str], int]:
    """The mentions, ``MENTIONS_PER_LINE`` to a line, and how many households they reach."""
    households: dict[int, list[LinkedPerson]] = {}
    for person in people:
        households.setdefault(person.household_id, []).append(person)
    reached = [links for group in households.values() if (links := mentions(group, switched_on=switched_on))]
    links = [link for household in reached for link in household]
    lines = [
        texts.MENTION_SEPARATOR.join(links[start : start + MENTIONS_PER_LINE])
        for start in range(0, len(links), MENTIONS_PER_LINE)
    ]
    return lines, len(reached)


def reminder_lines(
    *, slot: time, total: int, missing: int, people: Sequence[LinkedPerson], mentions_on: bool
) -> list[str]:
    """The reminder's lines: counts, then mentions of the linked people (or a general call)."""
    lines = [
        texts.REMINDER_HEADER.format(time=slot.strftime("%H:%M"), total=total, done=total - missing, missing=missing)
    ]
    mention_lines, reached = _mention_lines(people, switched_on=mentions_on)
    if not mention_lines:
        return [*lines, texts.REMINDER_CALL]
    lines.append(texts.REMINDER_MENTIONS.format(mentions=mention_lines[0]))
    lines.extend(mention_lines[1:])
    if missing > reached:
        lines.append(texts.REMINDER_UNLINKED.format(count=missing - reached))
    return lines


async def plan_reminders(
    factory: SessionFactory, *, settings: Settings, day: date, now: datetime, slot: time, kind: str
) -> list[Envelope]:
    """The reminder of slot ``slot`` for every bound grid that has households still to check in, and
    each 联户长's private list (``services.cluster_reminders``)."""
    reports = await compile_reports(factory, day=day, settings=settings, now=now)
    grids = [
        figures
        for figures in reports
        if figures.unit.level == UnitLevel.GRID
        and figures.unit.chat_id is not None
        and not figures.day_off
        and figures.counts.households > figures.counts.checked_in
    ]
    async with factory() as session:
        acting = await switches.in_force(session, paths={grid.unit.id: grid.unit.path for grid in grids})
        people = await store.unchecked_people(session, grid_ids=[grid.unit.id for grid in grids], day=day)
    by_grid: dict[int, list[LinkedPerson]] = {}
    for person in people:
        by_grid.setdefault(person.grid_id, []).append(person)
    private = await plan_cluster_reminders(factory, reports=reports, day=day, slot=slot, kind=kind)
    return private + [
        envelope
        for grid in grids
        if acting[grid.unit.id].reminders
        for envelope in _reminder(
            grid, by_grid.get(grid.unit.id, []), slot=slot, kind=kind, mentions_on=acting[grid.unit.id].mentions
        )
    ]


def _reminder(
    grid: UnitDayFigures, people: Sequence[LinkedPerson], *, slot: time, kind: str, mentions_on: bool
) -> list[Envelope]:
    """One grid's reminder, split into messages under Telegram's limit."""
    lines = reminder_lines(
        slot=slot,
        total=grid.counts.households,
        missing=grid.counts.households - grid.counts.checked_in,
        people=people,
        mentions_on=mentions_on,
    )
    assert grid.unit.chat_id is not None
    return [
        Envelope(
            unit_id=grid.unit.id, chat_id=grid.unit.chat_id, kind=kind, part=part, message=OutgoingMessage.of_text(text)
        )
        for part, text in enumerate(split_message(lines))
    ]


# --- /remind -------------------------------------------------------------------------------------


class RemindResult(Enum):
    SHOWN = auto()
    CHANGED = auto()
    UNBOUND = auto()
    REFUSED = auto()


@dataclass(frozen=True)
class RemindOutcome:
    result: RemindResult
    unit: Unit | None = None
    own: Switches = field(default_factory=Switches)
    #: The nearest unit above that switched reminders (or mentions) off, overriding this one.
    reminders_off_above: Unit | None = None
    mentions_off_above: Unit | None = None


async def remind_settings(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    reminders: bool | None = None,
    mentions: bool | None = None,
) -> RemindOutcome:
    """Show, or (for its leaders and admins) change, the switches of the unit this group is bound to."""
    async with transaction(factory) as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
        if unit is None or unit.id is None:
            return RemindOutcome(RemindResult.UNBOUND)
        above_ids = [unit_id for unit_id in await units.ancestor_ids(session, unit=unit) if unit_id != unit.id]
        above = [u for unit_id in above_ids if (u := await units.get_unit(session, unit_id=unit_id)) is not None]
        own_rows = await store.switches(session, unit_ids=[unit.id, *above_ids])
        own = own_rows.get(unit.id, Switches())
        result = RemindResult.SHOWN
        if reminders is not None or mentions is not None:
            if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
                return RemindOutcome(RemindResult.REFUSED, unit=unit, own=own)
            own = Switches(
                reminders=own.reminders if reminders is None else reminders,
                mentions=own.mentions if mentions is None else mentions,
            )
            await store.set_switches(session, unit_id=unit.id, reminders=own.reminders, mentions=own.mentions)
            result = RemindResult.CHANGED
    nearest_first = sorted(above, key=lambda u: -len(u.path))
    return RemindOutcome(
        result,
        unit=unit,
        own=own,
        reminders_off_above=next((u for u in nearest_first if not own_rows.get(u.id or 0, Switches()).reminders), None),
        mentions_off_above=next((u for u in nearest_first if not own_rows.get(u.id or 0, Switches()).mentions), None),
    )
