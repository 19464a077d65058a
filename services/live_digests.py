"""Digests stay live until the day closes (issue #13).

A village or town digest is compiled at its scheduled time, but grids confirm late and figures move
on. So, until ``[schedule] day_close``, the schedule calls ``refresh_digests`` about once a minute:
it compiles the day as of now and, for every digest the schedule sent today whose lines changed,
queues an edit of the sent message (``services.outbox.enqueue_edits``: durable, paced like every
send, at most one edit per message a minute). The edited title reads 更新于 16:41 instead of
截至 16:30; a village's edit and its town's come from the same pass, so they agree. The chart and
the ledger are not sent again for each change: ``ledgers_at_close`` sends the day's ledger once
more, at day close, for each digest that changed after it went out.

Only the title line carries a time, so comparing the lines after it says whether anything
changed. A digest's text is split into parts under Telegram's limit; if it grows past the parts
that were sent, the last part takes the rest (cut to the limit); parts it no longer fills stay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from html import escape

from core import texts
from core.config import Settings
from services import report_render
from services.ledger import ledger_xlsx
from services.messages_out import MessageKind, OutgoingMessage
from services.outbox import Envelope, decode, edit_kind, enqueue_all, enqueue_edits
from services.report_run import REPORT_KINDS, day_notices
from services.reports import ReportSet, compile_reports
from storage import outbox as store
from storage import units
from storage.db import SessionFactory
from storage.models import OutboxMessage, OutboxStatus, UnitLevel

#: The scheduled digests that stay live (a 预报 or 更正 is a snapshot of its moment).
LIVE_KINDS = (REPORT_KINDS[UnitLevel.VILLAGE], REPORT_KINDS[UnitLevel.TOWN])
#: Outbox kind of the ledger sent again at day close: ``ledger_close:<digest kind>``.
LEDGER_CLOSE_KIND = "ledger_close"


async def _sent_digests(
    factory: SessionFactory, day: date
) -> tuple[dict[int, list[OutboxMessage]], dict[tuple[int, int], OutboxMessage]]:
    """The text parts of today's sent live digests by unit, and their edit rows by (unit, part)."""
    kinds = [*LIVE_KINDS, *(edit_kind(kind) for kind in LIVE_KINDS)]
    async with factory() as session:
        rows = await store.rows_of_kinds(session, day=day, kinds=kinds)
    sent: dict[int, list[OutboxMessage]] = defaultdict(list)
    edits: dict[tuple[int, int], OutboxMessage] = {}
    for row in rows:
        if row.kind in LIVE_KINDS:
            if row.status == OutboxStatus.SENT and decode(row.payload).kind is MessageKind.TEXT:
                sent[row.unit_id].append(row)
        else:
            edits[(row.unit_id, row.part)] = row
    return sent, edits


def _body(parts: Sequence[str]) -> str:
    """A digest's text without its title line, the one line that carries a time."""
    return "\n".join(parts).split("\n", 1)[-1]


def _into(messages: Sequence[OutgoingMessage], count: int) -> list[OutgoingMessage]:
    """The new text parts as ``count`` messages: extra parts go into the last one."""
    parts = [message.text for message in messages if message.kind is MessageKind.TEXT]
    if len(parts) > count:
        parts = [*parts[: count - 1], "\n".join(parts[count - 1 :])]
    return [OutgoingMessage.of_text(part) for part in parts]


async def _changed(
    factory: SessionFactory,
    reports: ReportSet,
    unit_id: int,
    rows: list[OutboxMessage],
    edits: dict[tuple[int, int], OutboxMessage],
    *,
    settings: Settings,
) -> list[tuple[OutboxMessage, OutgoingMessage]]:
    """The edits that bring one unit's sent digest up to date (none when its lines are the same)."""
    notices = await day_notices(factory, reports, unit_id)
    heading = report_render.Heading(updated=True)
    fresh = _into(report_render.digest(reports, unit_id, tz=settings.tz, notices=notices, heading=heading), len(rows))
    shown = [decode((edits.get((unit_id, row.part)) or row).payload).text for row in rows[: len(fresh)]]
    if _body([message.text for message in fresh]) == _body(shown):
        return []
    return [(row, message) for row, message, now in zip(rows, fresh, shown, strict=False) if message.text != now]


async def refresh_digests(factory: SessionFactory, *, settings: Settings, now: datetime) -> int:
    """Queue an edit of every digest sent today whose figures changed since; returns how many messages."""
    day = now.astimezone(settings.tz).date()
    sent, edits = await _sent_digests(factory, day)
    if not sent:
        return 0
    reports = await compile_reports(factory, day=day, settings=settings, now=now)
    queued: list[tuple[OutboxMessage, OutgoingMessage]] = []
    for unit_id, rows in sent.items():
        if unit_id in reports.figures:
            queued += await _changed(factory, reports, unit_id, rows, edits, settings=settings)
    if queued:
        await enqueue_edits(factory, edits=queued, now=now)
    return len(queued)


async def ledgers_at_close(factory: SessionFactory, *, settings: Settings, day: date, now: datetime) -> int:
    """At day close: the day's ledger once more to each group whose digest was edited after it went out."""
    sent, edits = await _sent_digests(factory, day)
    envelopes = []
    for unit_id, rows in sent.items():
        if not any((unit_id, row.part) in edits for row in rows):
            continue
        async with factory() as session:
            unit = await units.get_unit(session, unit_id=unit_id)
        if unit is None:
            continue
        content = await ledger_xlsx(factory, unit_code=unit.code, start=day, end=day, settings=settings)
        caption = texts.REPORT_LEDGER_CLOSE_CAPTION.format(
            unit=escape(unit.name), day=day.isoformat(), time=f"{now.astimezone(settings.tz):%H:%M}"
        )
        message = OutgoingMessage.of_file(
            MessageKind.DOCUMENT,
            filename=report_render.ledger_filename(unit.code, day, day),
            content=content,
            caption=caption,
        )
        first = rows[0]
        kind = f"{LEDGER_CLOSE_KIND}:{first.kind}"
        envelopes.append(Envelope(unit_id=unit_id, chat_id=first.chat_id, kind=kind, part=0, message=message))
    links = settings.robots.public_url is not None
    return await enqueue_all(factory, day=day, envelopes=envelopes, now=now, links=links)
