"""A grid's leaders confirm its daily report (确认上报 / 零报告 / ``/zero``), and declare days off.

A report is confirmed once: the unique (unit, day) row makes a second press, a redelivered
callback or two leaders pressing together all land on the first confirmation. ``/zero`` is a
claim that nothing happened, so it is refused, with the reason, while the figures say otherwise;
and it means "we checked": with households not checked in (on a working day) it takes a second,
explicit tap that states how many (``despite_missing``). The figures confirmed are stored with the
confirmation, so the digests can show what was vouched for beside what is true now.
Villages and towns are never confirmed by hand: they count as reported when all their grids have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, auto

from core.config import Settings
from services.identity import may_manage
from services.reports import UnitDayFigures, compile_reports
from storage import bindings
from storage import reports as sql
from storage.db import SessionFactory, transaction
from storage.models import Unit, UnitLevel, utcnow


class ConfirmResult(Enum):
    CONFIRMED = auto()
    ALREADY = auto()
    #: ``/zero`` while something is abnormal or a returnee is new.
    NOT_ZERO = auto()
    #: A zero report while households have not checked in: asks for the second tap.
    MISSING_CHECKINS = auto()
    REFUSED = auto()
    NOT_GRID = auto()
    UNKNOWN_UNIT = auto()
    NOT_BOUND = auto()


@dataclass(frozen=True)
class ConfirmOutcome:
    result: ConfirmResult
    unit: Unit | None = None
    #: The grid's figures when it was confirmed (or refused): what the leader vouched for.
    figures: UnitDayFigures | None = None
    zero: bool = False
    confirmed_at: datetime | None = None


async def confirm_chat_report(
    factory: SessionFactory,
    *,
    chat_id: int,
    day: date,
    user_id: int,
    admin_ids: frozenset[int],
    zero: bool,
    settings: Settings,
    unit_id: int | None = None,
    despite_missing: bool = False,
    now: datetime | None = None,
) -> ConfirmOutcome:
    """Confirm the report of the unit the group is bound to: ``/zero``, or a button under the report.

    ``unit_id`` is the unit a button names: a report of any other unit (forged button data, or a
    group rebound since) is unknown here; confirming it would rewrite this group's message.
    ``zero`` insists it is a zero report (``/zero``, the second tap); ``despite_missing`` is only the
    second tap's button: a zero report although households have not checked in.
    """
    async with factory() as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
    if unit is None:
        return ConfirmOutcome(ConfirmResult.NOT_BOUND)
    if unit_id is not None and unit.id != unit_id:
        return ConfirmOutcome(ConfirmResult.UNKNOWN_UNIT)
    return await _confirm(
        factory,
        unit=unit,
        day=day,
        user_id=user_id,
        admin_ids=admin_ids,
        zero=zero,
        settings=settings,
        despite_missing=despite_missing,
        now=now,
    )


async def _confirm(
    factory: SessionFactory,
    *,
    unit: Unit,
    day: date,
    user_id: int,
    admin_ids: frozenset[int],
    zero: bool,
    settings: Settings,
    despite_missing: bool,
    now: datetime | None,
) -> ConfirmOutcome:
    assert unit.id is not None
    if unit.level != UnitLevel.GRID:
        return ConfirmOutcome(ConfirmResult.NOT_GRID, unit=unit)
    async with factory() as session:
        if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
            return ConfirmOutcome(ConfirmResult.REFUSED, unit=unit)
        existing = await sql.confirmation_of(session, unit_id=unit.id, day=day)
    if existing is not None:
        return ConfirmOutcome(ConfirmResult.ALREADY, unit=unit, zero=existing.zero, confirmed_at=existing.confirmed_at)
    at = now or utcnow()
    figures = (await compile_reports(factory, day=day, root_code=unit.code, settings=settings, now=at)).figures[unit.id]
    if zero and not figures.is_zero:
        return ConfirmOutcome(ConfirmResult.NOT_ZERO, unit=unit, figures=figures)
    if figures.is_zero and figures.missing and not despite_missing:
        return ConfirmOutcome(ConfirmResult.MISSING_CHECKINS, unit=unit, figures=figures)
    async with transaction(factory) as session:
        counted = await sql.record_confirmation(
            session, unit_id=unit.id, day=day, zero=figures.is_zero, user_id=user_id, at=at, counts=figures.counts
        )
        if not counted:
            first = await sql.confirmation_of(session, unit_id=unit.id, day=day)
            assert first is not None
            return ConfirmOutcome(ConfirmResult.ALREADY, unit=unit, zero=first.zero, confirmed_at=first.confirmed_at)
    return ConfirmOutcome(ConfirmResult.CONFIRMED, unit=unit, figures=figures, zero=figures.is_zero, confirmed_at=at)


class DayOffResult(Enum):
    DONE = auto()
    REFUSED = auto()
    NOT_BOUND = auto()


async def declare_days_off(
    factory: SessionFactory, *, chat_id: int, days: Sequence[date], user_id: int, admin_ids: frozenset[int]
) -> tuple[DayOffResult, Unit | None]:
    """``/dayoff``: the group's unit (and all below it) is off on ``days``: missing check-ins count against no one."""
    async with transaction(factory) as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
        if unit is None or unit.id is None:
            return DayOffResult.NOT_BOUND, None
        if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
            return DayOffResult.REFUSED, unit
        await sql.add_days_off(session, unit_id=unit.id, days=days)
    return DayOffResult.DONE, unit
