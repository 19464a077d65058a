"""One report run: compile once, render every unit's messages, hand them on (the scheduler's job).

The scheduler (grid reports at the cutoff, village and town digests later), ``gridbot report run``
and the demo all call ``run_reports``: one code path, so a dry run shows exactly what the
scheduled run would send. Charts and ledgers are CPU work (matplotlib, openpyxl): they run in a
worker thread or stream in batches so the bot keeps answering while a county's digests are drawn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.config import Settings
from services import report_render
from services.charts import unit_chart
from services.ledger import ledger_xlsx
from services.messages_out import OutgoingMessage
from services.outbox import Envelope, enqueue_all
from services.reports import ReportSet, compile_reports
from storage.db import SessionFactory
from storage.models import UnitLevel
from storage.notices import notice_ack_counts

#: The outbox ``kind`` of each level's report: (unit, day, kind, part) is sent once.
REPORT_KINDS = {
    UnitLevel.GRID: "grid_report",
    UnitLevel.VILLAGE: "village_digest",
    UnitLevel.TOWN: "town_digest",
}
ALL_LEVELS = frozenset(UnitLevel)
NOTICE_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Delivery:
    """One unit's report messages for one day, addressed to its group (None: the unit has no group)."""

    unit_id: int
    unit_code: str
    unit_name: str
    chat_id: int | None
    day: date
    kind: str
    messages: tuple[OutgoingMessage, ...]


async def build_deliveries(
    factory: SessionFactory,
    *,
    settings: Settings,
    day: date,
    root_code: str | None = None,
    levels: Collection[UnitLevel] = ALL_LEVELS,
    now: datetime | None = None,
    attachments: bool = True,
) -> list[Delivery]:
    """Every report of ``levels`` in the subtree for ``day``: grid reports, then digests with chart and ledger."""
    reports = await compile_reports(factory, day=day, root_code=root_code, settings=settings, now=now)
    deliveries = []
    for figures in reports:
        unit = figures.unit
        if unit.level not in levels:
            continue
        if unit.level == UnitLevel.GRID:
            messages = [report_render.grid_report(figures, day, tz=settings.tz)]
        else:
            messages = await _digest(factory, reports, unit.id, unit.code, settings=settings, attachments=attachments)
        deliveries.append(
            Delivery(
                unit_id=unit.id,
                unit_code=unit.code,
                unit_name=unit.name,
                chat_id=unit.chat_id,
                day=day,
                kind=REPORT_KINDS[unit.level],
                messages=tuple(messages),
            )
        )
    return deliveries


async def _digest(
    factory: SessionFactory, reports: ReportSet, unit_id: int, unit_code: str, *, settings: Settings, attachments: bool
) -> list[OutgoingMessage]:
    chart = ledger = None
    if attachments:
        chart = await asyncio.to_thread(unit_chart, reports, unit_id)
        ledger = await ledger_xlsx(factory, unit_code=unit_code, start=reports.day, end=reports.day, settings=settings)
    async with factory() as session:
        # Notices of the day before the report's instant (not after it: a past day's digest shows that day's).
        notices = await notice_ack_counts(
            session,
            unit_path=reports.figures[unit_id].unit.path,
            since=reports.as_of - NOTICE_WINDOW,
            until=reports.as_of,
        )
    return report_render.digest(reports, unit_id, tz=settings.tz, chart=chart, ledger=ledger, notices=notices)


async def run_reports(
    factory: SessionFactory,
    *,
    settings: Settings,
    day: date,
    root_code: str | None = None,
    levels: Collection[UnitLevel] = ALL_LEVELS,
    now: datetime | None = None,
) -> tuple[list[Delivery], int]:
    """Compile and render the reports, then write those addressed to a group into the durable outbox.

    Returns the deliveries and how many messages were newly queued: a re-run of the same day and
    level queues nothing twice (the outbox keys on unit, day, kind and part).
    """
    deliveries = await build_deliveries(
        factory, settings=settings, day=day, root_code=root_code, levels=levels, now=now
    )
    envelopes = [
        Envelope(unit_id=d.unit_id, chat_id=d.chat_id, kind=d.kind, part=part, message=message)
        for d in deliveries
        if d.chat_id is not None
        for part, message in enumerate(d.messages)
    ]
    return deliveries, await enqueue_all(factory, day=day, envelopes=envelopes, now=now)
