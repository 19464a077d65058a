"""One report run: compile once, render every unit's messages, hand them on (the scheduler's job).

The scheduler (grid reports at the cutoff, village and town digests later), ``gridbot report run``
and the demo all call ``run_reports``: one code path, so a dry run shows exactly what the
scheduled run would send. Charts and ledgers are CPU work (matplotlib, openpyxl): they run in a
worker thread or stream in batches so the bot keeps answering while a county's digests are drawn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from core import texts
from core.config import Settings
from services import report_render
from services.charts import unit_chart
from services.ledger import ledger_xlsx
from services.messages_out import OutgoingMessage
from services.outbox import Envelope, enqueue_all
from services.reports import ReportSet, compile_reports
from storage import outbox as outbox_store
from storage.db import SessionFactory
from storage.models import UnitLevel
from storage.notices import NoticeAckCount, notice_ack_counts

#: The outbox ``kind`` of each level's report: (unit, day, kind, part) is sent once.
REPORT_KINDS = {
    UnitLevel.GRID: "grid_report",
    UnitLevel.VILLAGE: "village_digest",
    UnitLevel.TOWN: "town_digest",
}
ALL_LEVELS = frozenset(UnitLevel)
NOTICE_WINDOW = timedelta(days=1)


class Send(StrEnum):
    """Which run a report belongs to: each has its own outbox kinds, so one never consumes another's key."""

    #: The schedule's (and a manual ``--send`` after the scheduled time): ``village_digest``.
    SCHEDULED = "scheduled"
    #: By hand before the scheduled time, marked 预报: ``preliminary:village_digest``.
    PRELIMINARY = "preliminary"
    #: Sent again by hand, marked 更正: ``correction:village_digest:<n>``, numbered per unit and day.
    CORRECTION = "correction"


MARKS = {
    Send.SCHEDULED: "",
    Send.PRELIMINARY: texts.REPORT_MARK_PRELIMINARY,
    Send.CORRECTION: texts.REPORT_MARK_CORRECTION,
}


def outbox_kind(level: UnitLevel, send: Send = Send.SCHEDULED, number: int = 1) -> str:
    base = REPORT_KINDS[level]
    if send is Send.SCHEDULED:
        return base
    if send is Send.PRELIMINARY:
        return f"{send.value}:{base}"
    return f"{send.value}:{base}:{number}"


def scheduled_at(settings: Settings, level: UnitLevel, day: date) -> datetime:
    """When the schedule sends ``level``'s reports of ``day``."""
    return datetime.combine(day, getattr(settings.schedule, REPORT_KINDS[level]), settings.tz)


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
    send: Send = Send.SCHEDULED,
    only_root: bool = False,
) -> list[Delivery]:
    """Every report of ``levels`` in the subtree for ``day`` (``only_root``: of its root unit alone):
    grid reports, then digests with chart and ledger; marked and keyed as ``send`` says."""
    reports = await compile_reports(factory, day=day, root_code=root_code, settings=settings, now=now)
    mark = MARKS[send]
    deliveries = []
    for figures in reports:
        unit = figures.unit
        if unit.level not in levels or (only_root and unit.code != root_code):
            continue
        if unit.level == UnitLevel.GRID:
            messages = [report_render.grid_report(figures, day, tz=settings.tz, mark=mark)]
        else:
            heading = report_render.Heading(mark=mark)
            messages = await _digest(factory, reports, unit.id, unit.code, settings=settings, attachments=attachments,
                                     heading=heading)  # fmt: skip
        deliveries.append(
            Delivery(
                unit_id=unit.id,
                unit_code=unit.code,
                unit_name=unit.name,
                chat_id=unit.chat_id,
                day=day,
                kind=outbox_kind(unit.level, send),
                messages=tuple(messages),
            )
        )
    return deliveries


async def _digest(
    factory: SessionFactory,
    reports: ReportSet,
    unit_id: int,
    unit_code: str,
    *,
    settings: Settings,
    attachments: bool,
    heading: report_render.Heading,
) -> list[OutgoingMessage]:
    chart = ledger = None
    if attachments:
        chart = await asyncio.to_thread(unit_chart, reports, unit_id)
        ledger = await ledger_xlsx(factory, unit_code=unit_code, start=reports.day, end=reports.day, settings=settings)
    notices = await day_notices(factory, reports, unit_id)
    return report_render.digest(
        reports, unit_id, tz=settings.tz, chart=chart, ledger=ledger, notices=notices, heading=heading
    )


async def day_notices(factory: SessionFactory, reports: ReportSet, unit_id: int) -> list[NoticeAckCount]:
    """The notices a digest lists, with their receipts below the unit."""
    async with factory() as session:
        # Notices of the day before the report's instant (not after it: a past day's digest shows that day's).
        notices = await notice_ack_counts(
            session,
            unit_path=reports.figures[unit_id].unit.path,
            since=reports.as_of - NOTICE_WINDOW,
            until=reports.as_of,
        )
    return list(notices)


async def run_reports(
    factory: SessionFactory,
    *,
    settings: Settings,
    day: date,
    root_code: str | None = None,
    levels: Collection[UnitLevel] = ALL_LEVELS,
    now: datetime | None = None,
    send: Send = Send.SCHEDULED,
) -> tuple[list[Delivery], int]:
    """Compile and render the reports, then write those addressed to a group into the durable outbox.

    Returns the deliveries and how many messages were newly queued: a re-run of the same day and
    level queues nothing twice (the outbox keys on unit, day, kind and part).
    """
    deliveries = await build_deliveries(
        factory, settings=settings, day=day, root_code=root_code, levels=levels, now=now, send=send
    )
    links = settings.robots.public_url is not None
    return deliveries, await _queue(factory, deliveries, day=day, now=now, links=links)


async def _queue(
    factory: SessionFactory, deliveries: Sequence[Delivery], *, day: date, now: datetime | None, links: bool
) -> int:
    envelopes = [
        Envelope(unit_id=d.unit_id, chat_id=d.chat_id, kind=d.kind, part=part, message=message)
        for d in deliveries
        if d.chat_id is not None
        for part, message in enumerate(d.messages)
    ]
    return await enqueue_all(factory, day=day, envelopes=envelopes, now=now, links=links)


async def send_now(
    factory: SessionFactory, *, settings: Settings, day: date, root_code: str | None, now: datetime
) -> tuple[list[Delivery], int]:
    """``gridbot report run --send``: every report now. A level whose scheduled time is still to come
    is sent as 预报 under its own kind, so the schedule still sends it; the others as the schedule would."""
    early = {level for level in UnitLevel if now < scheduled_at(settings, level, day)}
    deliveries: list[Delivery] = []
    queued = 0
    for levels, send in ((early, Send.PRELIMINARY), (ALL_LEVELS - early, Send.SCHEDULED)):
        if levels:
            sent, new = await run_reports(
                factory, settings=settings, day=day, root_code=root_code, levels=levels, now=now, send=send
            )
            deliveries += sent
            queued += new
    return deliveries, queued


async def resend(
    factory: SessionFactory, *, settings: Settings, day: date, unit_code: str, now: datetime
) -> tuple[list[Delivery], int]:
    """``gridbot report run --resend --unit CODE``: the unit's report of ``day`` once more, as it is now,
    marked 更正; each resend is a new message (numbered kinds), none consumes the schedule's."""
    deliveries = await build_deliveries(
        factory, settings=settings, day=day, root_code=unit_code, now=now, send=Send.CORRECTION, only_root=True
    )
    numbered = []
    for delivery in deliveries:
        async with factory() as session:
            earlier = await outbox_store.count_kinds(
                session, unit_id=delivery.unit_id, day=day, prefix=delivery.kind.rsplit(":", 1)[0] + ":"
            )
        numbered.append(replace(delivery, kind=f"{delivery.kind.rsplit(':', 1)[0]}:{earlier + 1}"))
    return numbered, await _queue(factory, numbered, day=day, now=now, links=settings.robots.public_url is not None)
