"""Each helper's weekly private list of their paired households still due a visit this week
(``[schedule] visit_reminder`` on ``visit_reminder_weekday``), through the outbox like every message
that must arrive. Helpers the bot may not write to (never pressed Start) get none; their households
stay on the leaders' ``/visits``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from core import texts
from core.config import Settings
from core.formatting import split_message
from services.messages_out import OutgoingMessage
from services.outbox import Envelope
from services.visits import PairedHousehold, load_paired
from storage import duties, units
from storage.db import SessionFactory

#: Outbox kind of a helper's list: ``visits:<telegram id>``.
KIND = "visits"


def _short(day: date) -> str:
    return texts.SHORT_DAY.format(month=day.month, day=day.day)


def reminder_lines(households: Sequence[PairedHousehold], grid_names: dict[int, str]) -> list[str]:
    lines = [texts.VISIT_REMINDER_HEADER.format(count=len(households))]
    lines += [
        texts.VISIT_REMINDER_LINE.format(
            grid=escape(grid_names.get(h.grid_id, "")), address=escape(h.address), head=escape(h.head or ""),
            last=_short(h.rhythm.last_visit) if h.rhythm.last_visit else texts.VISITS_NEVER, deadline=_short(h.rhythm.deadline),
        )
        for h in households
    ]  # fmt: skip
    lines.append(texts.VISIT_REMINDER_FOOTER)
    return lines


async def plan_visit_reminders(factory: SessionFactory, *, settings: Settings, day: date) -> list[Envelope]:
    """The week's list for every helper with a paired household still due a visit by Sunday (the schedule
    runs this on ``visit_reminder_weekday`` only)."""
    by_helper: dict[int, list[PairedHousehold]] = {}
    for household in await load_paired(factory, root_path=None, day=day, settings=settings):
        if household.rhythm.still_due(day):
            for helper in household.helpers:
                if helper.user_id is not None:
                    by_helper.setdefault(helper.user_id, []).append(household)
    async with factory() as session:
        reachable = await duties.started_people(session, user_ids=list(by_helper))
        grid_ids = {h.grid_id for households in by_helper.values() for h in households}
        grid_names = {g: unit.name for g in grid_ids if (unit := await units.get_unit(session, unit_id=g))}
    envelopes = []
    for helper_id in sorted(reachable):
        households = sorted(by_helper[helper_id], key=lambda h: (h.rhythm.deadline, h.address_key))
        for part, text in enumerate(split_message(reminder_lines(households, grid_names))):
            envelopes.append(
                Envelope(
                    unit_id=households[0].grid_id, chat_id=helper_id, kind=f"{KIND}:{helper_id}", part=part,
                    message=OutgoingMessage.of_text(text),
                )
            )  # fmt: skip
    return envelopes
