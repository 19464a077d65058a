"""A resident's data over its life (《个人信息保护法》): retention, a household's copy and erasure, the audit trail.

Plain async functions: ``gridbot privacy …``, ``gridbot audit`` and the daily purge job call the
same code. Which columns are personal and what erasing them means is ``storage.privacy``'s one
list; this module decides which rows (a past day's, a household's) and records who did it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO

from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from core.config import Settings
from services.ledger import Cell, LedgerRow, write_xlsx
from services.reports import UnknownUnitError
from storage import audit, shared_files, status, units
from storage import privacy as store
from storage.db import SessionFactory, transaction
from storage.dialect import as_utc
from storage.models import AuditEntry, Household, SharedFile, Unit
from understanding import is_medicine, normalise_address

#: Audit actor of the scheduled purge.
SCHEDULE_ACTOR = "schedule"


class UnknownHouseholdError(Exception):
    """No household matches ``GRID-CODE/ADDRESS`` (or the value is not written that way)."""


@dataclass(frozen=True)
class PurgeSummary:
    #: Records of days before this one lost their personal details.
    before: date
    #: Processed inbox updates received before this instant were deleted.
    inbox_before: datetime
    #: Table name → rows erased (or that would be, in a dry run).
    rows: dict[str, int]
    dry_run: bool


def retention_cutoff(settings: Settings, now: datetime) -> tuple[date, datetime]:
    """The first day still kept whole, and the oldest processed inbox update still kept."""
    today = now.astimezone(settings.tz).date()
    policy = settings.privacy
    return today - timedelta(days=policy.retain_days), now - timedelta(days=policy.inbox_replay_days)


async def purge(
    factory: SessionFactory, *, settings: Settings, now: datetime, dry_run: bool = False, actor: str = SCHEDULE_ACTOR
) -> PurgeSummary:
    """Erase the personal details of records older than ``[privacy] retain_days``, drop processed
    inbox updates older than the replay window and files shared by links that expired; ``dry_run``
    only counts what would go."""
    before, inbox_before = retention_cutoff(settings, now)
    scopes = [*store.retention_scopes(before=before), store.inbox_scope(before=inbox_before)]
    rows: dict[str, int] = {}
    async with transaction(factory) as session:
        for scope in scopes:
            name = store.table_name(scope.table)
            if dry_run:
                rows[name] = await store.count_scope(session, scope=scope)
            else:
                rows[name] = await store.erase_scope(session, scope=scope, now=now, is_medicine=is_medicine)
        rows[store.table_name(SharedFile)] = await shared_files.delete_expired(session, now=now, dry_run=dry_run)
        if not dry_run:
            detail = f"before {before.isoformat()}: " + ", ".join(f"{name} {count}" for name, count in rows.items())
            await audit.record(session, actor=actor, action=audit.AuditAction.PRIVACY_PURGE, detail=detail, at=now)
    return PurgeSummary(before=before, inbox_before=inbox_before, rows=rows, dry_run=dry_run)


async def _household(session: AsyncSession, value: str) -> tuple[Household, Unit]:
    """``GRID-CODE/ADDRESS`` (the roster's grid code and the address as residents write it)."""
    code, _, address = value.partition("/")
    grid = await units.get_unit_by_code(session, code=code.strip())
    parsed = normalise_address(address)
    if grid is None or parsed is None:
        raise UnknownHouseholdError(value)
    found = await status.households_at(session, root=grid, address_key=parsed.key())
    if len(found) != 1:
        raise UnknownHouseholdError(value)
    return found[0]


def _cell(value: object) -> Cell:
    """A stored value as a spreadsheet cell: Excel has no time zones, so instants become UTC text."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if value is None or isinstance(value, str | int | float | date):
        return value
    return str(value)


def _fields(row: SQLModel) -> dict[str, object]:
    """A row's columns as stored (``model_dump`` would re-validate enums and warn)."""
    return {name: getattr(row, name) for name in type(row).model_fields}


async def _rows(tables: Sequence[tuple[str, Sequence[dict[str, object]]]]) -> AsyncIterator[LedgerRow]:
    for name, records in tables:
        if not records:
            continue
        header = list(records[0])
        yield name, list(header)
        for record in records:
            yield name, [_cell(record[key]) for key in header]


async def export_household(factory: SessionFactory, *, household: str, actor: str, now: datetime) -> bytes:
    """Everything kept about a household as an .xlsx workbook, a sheet per table (查阅、复制)."""
    async with transaction(factory) as session:
        found, grid = await _household(session, household)
        assert found.id is not None
        tables = [
            (store.table_name(table), [_fields(row) for row in rows])
            for table, rows in await store.household_rows(session, household_id=found.id)
        ]
        trail = [_fields(entry) for entry in await audit.household_entries(session, household_id=found.id)]
        await audit.record(
            session,
            actor=actor,
            action=audit.AuditAction.PRIVACY_EXPORT,
            unit_id=grid.id,
            household_id=found.id,
            at=now,
        )
    content = BytesIO()
    await write_xlsx(_rows([*tables, (store.table_name(AuditEntry), trail)]), content)
    return content.getvalue()


async def forget_household(factory: SessionFactory, *, household: str, actor: str, now: datetime) -> int:
    """Erase a household's personal details now (删除); its records stay as anonymous counts. Returns rows touched."""
    async with transaction(factory) as session:
        found, grid = await _household(session, household)
        assert found.id is not None
        rows = 0
        for scope in store.household_scopes(household_id=found.id):
            rows += await store.erase_scope(session, scope=scope, now=now, is_medicine=is_medicine)
        await audit.record(
            session,
            actor=actor,
            action=audit.AuditAction.PRIVACY_FORGET,
            unit_id=grid.id,
            household_id=found.id,
            detail=f"{rows} rows",
            at=now,
        )
    return rows


async def record_ledger_export(factory: SessionFactory, *, actor: str, unit_code: str, start: date, end: date) -> None:
    """``gridbot export`` wrote a unit's ledger (masked, but names and addresses of a whole unit)."""
    async with transaction(factory) as session:
        unit = await units.get_unit_by_code(session, code=unit_code)
        await audit.record(
            session,
            actor=actor,
            action=audit.AuditAction.EXPORT,
            unit_id=unit.id if unit else None,
            detail=f"{start.isoformat()}..{end.isoformat()}",
        )


async def audit_trail(
    factory: SessionFactory, *, settings: Settings, unit_code: str | None, start: date | None, end: date | None
) -> Sequence[audit.AuditLine]:
    """The audit trail, optionally of a unit's subtree and of local days [start, end]."""
    tz = settings.tz
    async with factory() as session:
        path = None
        if unit_code is not None:
            unit = await units.get_unit_by_code(session, code=unit_code)
            if unit is None:
                raise UnknownUnitError(unit_code)
            path = unit.path
        return await audit.entries(
            session,
            unit_path=path,
            start=datetime.combine(start, time(), tz).astimezone(UTC) if start else None,
            end=datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC) if end else None,
        )
