"""Operator commands for reports: ``gridbot report run``, ``gridbot export``, ``gridbot generate county``.

Each opens the database, calls the same service the bot and the scheduler call, and prints.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from bot.operations import open_database
from core import texts
from core.config import Settings
from core.files import open_private
from services.ledger import LedgerFormat
from services.messages_out import MessageKind
from services.report_render import ledger_filename
from services.report_run import REPORT_KINDS, Delivery, Send, build_deliveries, resend, send_now
from services.reports import UnknownUnitError
from storage.models import utcnow

#: A year and a day: officials ask for ranges, but a typo in a year should not run for ten minutes.
MAX_EXPORT_DAYS = 366


def parse_day(value: str) -> date:
    """An argparse ``type``: a YYYY-MM-DD date, or a one-line Chinese error."""
    import argparse

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(texts.CLI_BAD_DATE.format(value=value)) from None


def _today(settings: Settings) -> date:
    return utcnow().astimezone(settings.tz).date()


def print_deliveries(deliveries: list[Delivery], out: Path) -> list[Path]:
    """A dry run's output: each message as a person would read it; charts and ledgers saved to ``out``."""
    from core.formatting import plain

    written: list[Path] = []
    for delivery in deliveries:
        chat = str(delivery.chat_id) if delivery.chat_id is not None else texts.CLI_REPORT_UNBOUND
        for part, message in enumerate(delivery.messages, start=1):
            print(texts.CLI_REPORT_MESSAGE.format(kind=delivery.kind, unit=delivery.unit_code, chat=chat, part=part))
            if message.kind == MessageKind.TEXT:
                print(plain(message.text))
                for row in message.reply_markup:
                    print("  ".join(f"[{label}]" for label, _data in row))
                continue
            path = out / message.filename
            with open_private(path) as handle:
                handle.write(message.content or b"")
            written.append(path)
            print(texts.CLI_REPORT_FILE.format(kind=message.kind, path=path))
            print(plain(message.caption))
    return written


#: What ``gridbot report run`` does: show what would be sent (no flag, ``--dry-run``), ``--send``, ``--resend``.
RunMode = Literal["show", "send", "resend"]


async def report_run(
    settings: Settings,
    *,
    day: date | None,
    unit: str | None,
    mode: RunMode = "show",
    out: Path,
    now: datetime | None = None,
) -> int:
    """Reports for ``day`` (default today) below ``unit`` (default all): show them, send them now, or
    send the unit's once more as a correction; the bot's outbox delivers what is queued."""
    now = now or utcnow()
    day = day or now.astimezone(settings.tz).date()
    if mode == "resend" and unit is None:
        print(texts.CLI_REPORT_RESEND_NEEDS_UNIT, file=sys.stderr)
        return 1
    async with open_database(settings) as factory:
        try:
            if mode == "show":
                print_deliveries(
                    await build_deliveries(factory, settings=settings, day=day, root_code=unit, now=now), out
                )
                print(_schedule_line(settings))
                return 0
            if mode == "resend":
                assert unit is not None
                deliveries, queued = await resend(factory, settings=settings, day=day, unit_code=unit, now=now)
            else:
                deliveries, queued = await send_now(factory, settings=settings, day=day, root_code=unit, now=now)
        except UnknownUnitError:
            print(texts.CLI_UNKNOWN_UNIT.format(code=unit), file=sys.stderr)
            return 1
    _print_queued(deliveries, queued)
    return 0


def _schedule_line(settings: Settings) -> str:
    times = {kind: f"{getattr(settings.schedule, kind):%H:%M}" for kind in REPORT_KINDS.values()}
    return texts.CLI_REPORT_SCHEDULE.format(
        zone=settings.timezone, grid=times["grid_report"], village=times["village_digest"], town=times["town_digest"]
    )


def _print_queued(deliveries: list[Delivery], queued: int) -> None:
    unbound = [d.unit_code for d in deliveries if d.chat_id is None]
    print(texts.CLI_REPORT_QUEUED.format(count=queued, units=len(deliveries) - len(unbound)))
    early = [d.unit_code for d in deliveries if d.kind.startswith(Send.PRELIMINARY.value + ":") and d.chat_id]
    if early:
        print(texts.CLI_REPORT_PRELIMINARY.format(units=texts.REPORT_LIST_SEPARATOR.join(early)))
    if unbound:
        print(texts.CLI_REPORT_SKIPPED.format(units=texts.REPORT_LIST_SEPARATOR.join(unbound)))


async def export(
    settings: Settings, *, unit: str, start: date, end: date, fmt: LedgerFormat, target: Path | None
) -> int:
    """Write the ledger of ``unit`` for [start, end] as .xlsx, or as a folder of CSV files."""
    from bot.privacy_cli import operator
    from services.ledger import export_ledger
    from services.privacy import record_ledger_export

    if start > end:
        print(texts.CLI_BAD_RANGE.format(start=start, end=end), file=sys.stderr)
        return 1
    if (end - start).days >= MAX_EXPORT_DAYS:
        print(texts.CLI_RANGE_TOO_LONG.format(start=start, end=end, days=MAX_EXPORT_DAYS), file=sys.stderr)
        return 1
    target = target or Path(ledger_filename(unit, start, end, ".xlsx" if fmt == "xlsx" else ""))
    if fmt == "csv" and target.exists() and not target.is_dir():
        print(texts.CLI_EXPORT_NOT_A_FOLDER.format(path=target), file=sys.stderr)
        return 1
    async with open_database(settings) as factory:
        try:
            await export_ledger(
                factory, unit_code=unit, start=start, end=end, settings=settings, fmt=fmt, target=target
            )
            await record_ledger_export(factory, actor=operator(), unit_code=unit, start=start, end=end)
        except UnknownUnitError:
            print(texts.CLI_UNKNOWN_UNIT.format(code=unit), file=sys.stderr)
            return 1
    print(texts.CLI_EXPORT_DONE.format(path=target))
    return 0


async def generate_county(settings: Settings, *, seed: int, day: date | None) -> int:
    """``gridbot generate county``: the synthetic county for benchmarks, into an empty database."""
    from synthetic.county import CountyNotEmptyError
    from synthetic.county import generate_county as generate

    async with open_database(settings) as factory:
        try:
            summary = await generate(factory, day=day or _today(settings), settings=settings, seed=seed)
        except CountyNotEmptyError:
            print(texts.CLI_COUNTY_NOT_EMPTY, file=sys.stderr)
            return 1
    print(texts.CLI_COUNTY_DONE.format(day=day or _today(settings), **vars(summary)))
    return 0
