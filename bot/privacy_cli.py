"""Operator commands for residents' data: ``gridbot privacy purge|export|forget`` and ``gridbot audit``.

Each opens the database, calls the same service the daily job calls, and prints. Every one that
reads or erases personal details is itself written to the audit trail, as ``cli:<login>``.
"""

from __future__ import annotations

import getpass
import sys
from datetime import date, datetime
from pathlib import Path

from bot.operations import open_database
from core import texts
from core.config import Settings
from core.files import open_private
from services import privacy
from services.reports import UnknownUnitError
from storage.models import utcnow


def operator() -> str:
    """Who runs the command, as the audit trail names them."""
    try:
        login = getpass.getuser()
    except OSError:  # no login name (a container without a passwd entry)
        login = "?"
    return f"cli:{login}"


def _unknown(value: str) -> int:
    print(texts.CLI_HOUSEHOLD_UNKNOWN.format(value=value), file=sys.stderr)
    if "/" not in value:
        print(texts.CLI_HOUSEHOLD_FORMAT.format(value=value), file=sys.stderr)
    return 1


def _print_purge(summary: privacy.PurgeSummary, settings: Settings) -> None:
    print(
        texts.CLI_PURGE_HEADER.format(
            days=settings.privacy.retain_days,
            before=summary.before.isoformat(),
            inbox_before=summary.inbox_before.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
        )
    )
    for table, count in summary.rows.items():
        print(texts.CLI_PURGE_LINE.format(table=texts.PRIVACY_TABLES.get(table, table), count=count))
    print(texts.CLI_PURGE_DRY_RUN if summary.dry_run else texts.CLI_PURGE_DONE)


async def purge(settings: Settings, *, dry_run: bool, now: datetime | None = None) -> int:
    """What the daily job does, by hand; ``dry_run`` prints what it would remove and changes nothing."""
    async with open_database(settings) as factory:
        summary = await privacy.purge(
            factory, settings=settings, now=now or utcnow(), dry_run=dry_run, actor=operator()
        )
    _print_purge(summary, settings)
    return 0


async def export_household(settings: Settings, *, household: str, target: Path | None) -> int:
    """Everything kept about a household, as .xlsx (the resident's copy)."""
    async with open_database(settings) as factory:
        try:
            content = await privacy.export_household(factory, household=household, actor=operator(), now=utcnow())
        except privacy.UnknownHouseholdError:
            return _unknown(household)
    path = target or Path(f"household-{household.replace('/', '-')}.xlsx")
    with open_private(path) as file:  # the household's details: the operator's alone (0600)
        file.write(content)
    print(texts.CLI_PRIVACY_EXPORTED.format(household=household, path=path))
    return 0


async def forget_household(settings: Settings, *, household: str) -> int:
    """Erase a household's personal details now; its records stay as counts."""
    async with open_database(settings) as factory:
        try:
            rows = await privacy.forget_household(factory, household=household, actor=operator(), now=utcnow())
        except privacy.UnknownHouseholdError:
            return _unknown(household)
    print(texts.CLI_PRIVACY_FORGOTTEN.format(household=household, rows=rows))
    return 0


async def audit(settings: Settings, *, unit: str | None, start: date | None, end: date | None) -> int:
    """The audit trail, oldest first, in local time."""
    async with open_database(settings) as factory:
        try:
            lines = await privacy.audit_trail(factory, settings=settings, unit_code=unit, start=start, end=end)
        except UnknownUnitError:
            print(texts.CLI_UNKNOWN_UNIT.format(code=unit), file=sys.stderr)
            return 1
    if not lines:
        print(texts.CLI_AUDIT_EMPTY)
    for line in lines:
        print(
            texts.CLI_AUDIT_LINE.format(
                at=line.at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M:%S"),
                actor=line.actor,
                action=line.action,
                unit=line.unit_code or "-",
                address=line.address or "-",
                detail=line.detail,
            ).rstrip()
        )
    return 0
