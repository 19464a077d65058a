"""What a daily report says, for every unit of a subtree at once (日报告、零报告).

``compile_reports`` is the one place the figures come from: the grid report at the cutoff,
the village and town digests, ``/zero`` and ``gridbot report run`` all read the same
``ReportSet``, so two messages about one unit and day can never disagree.

Grids are counted by SQL (``storage.reports``); a village or town is the sum of its grids. A grid
is reported when its leaders confirmed by the report's instant; a village or town when all the
grids below it are. Personal names in the detail rows are masked here, before any renderer sees
them, since every audience that reads details (village and town groups, leaders) needs them masked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from core.config import Settings
from core.formatting import mask_name
from services.duty_report import Duties, DutyFigures, compile_duties
from services.visits import ConcernDetail
from storage import campaigns
from storage import clusters as cluster_store
from storage import reports as sql
from storage.db import SessionFactory
from storage.dialect import as_utc
from storage.models import UnitLevel, utcnow
from storage.reports import AbnormalRow, Confirmation, Counts, NewReturneeRow, ReportUnit
from storage.units import get_unit_by_code


class UnknownUnitError(LookupError):
    """No unit has the code asked for."""


@dataclass(frozen=True)
class UnitDayFigures:
    """One unit's report for one day: its own counts (grids) or its grids' sums (villages, towns)."""

    unit: ReportUnit
    counts: Counts
    #: Grids at or below this unit, and how many of them had confirmed by the report's instant.
    grids: int
    grids_confirmed: int
    #: A day off (休息日): missing check-ins count against no one.
    day_off: bool
    #: The counts as reported: a confirmed grid's as its leader confirmed them (what the grid group
    #: read), else the current ones; a parent's, the sum of its grids'. ``counts`` is what is true now.
    reported: Counts
    #: The grid's own confirmation; None for villages and towns (they are derived from grids).
    confirmation: Confirmation | None = None
    #: A grid's 联户 with their check-ins (the households in none last); empty without clusters.
    clusters: tuple[cluster_store.ClusterCounts, ...] = ()
    #: Visits this week and today's disinfection points (always as they are now: nobody confirms them).
    duties: DutyFigures = field(default_factory=DutyFigures)

    @property
    def confirmed(self) -> bool:
        return self.grids_confirmed == self.grids

    @property
    def is_zero(self) -> bool:
        """Nothing abnormal and no new returnee: what may be reported as 零报告."""
        return self.counts.abnormal == 0 and self.counts.returnees_new == 0

    @property
    def rate(self) -> float | None:
        """Check-in completion, None when there is nothing to complete or the day is off."""
        return completion(self.counts, day_off=self.day_off)

    @property
    def missing(self) -> int:
        """Households not checked in on a working day (a day off counts them against no one)."""
        return 0 if self.day_off else self.counts.households - self.counts.checked_in

    @property
    def reported_missing(self) -> int:
        """Households not checked in as reported (for a confirmed grid: when its leader confirmed)."""
        return 0 if self.day_off else self.reported.households - self.reported.checked_in


def completion(counts: Counts, *, day_off: bool) -> float | None:
    """Check-in completion of ``counts``, None when there is nothing to complete or the day is off."""
    if day_off or not counts.households:
        return None
    return counts.checked_in / counts.households


@dataclass(frozen=True)
class AbnormalDetail:
    """An abnormal household, the head's name already masked (张*)."""

    grid_id: int
    address: str
    head: str
    temperature: float | None
    symptoms: str | None
    test_type: str | None
    test_result: str | None


@dataclass(frozen=True)
class ReturneeDetail:
    """A returnee reported that day, the name already masked."""

    grid_id: int
    address: str
    name: str
    origin: str | None
    arrival: date | None
    transport_mode: str | None
    transport_number: str | None
    monitor_until: date | None


@dataclass(frozen=True)
class ReportSet:
    """Figures for every unit of a subtree for one day, as of one instant, with the detail rows."""

    day: date
    as_of: datetime
    figures: dict[int, UnitDayFigures]
    children: dict[int, list[int]] = field(default_factory=dict)
    grids_below: dict[int, list[int]] = field(default_factory=dict)
    #: Detail rows by grid id.
    abnormal: dict[int, list[AbnormalDetail]] = field(default_factory=dict)
    returnees: dict[int, list[ReturneeDetail]] = field(default_factory=dict)
    #: The standing duties (visits, disinfection points) by grid id: ``services.duty_report``.
    duties: Duties = field(default_factory=lambda: Duties({}, {}))

    def __iter__(self) -> Iterator[UnitDayFigures]:
        """Units parents-before-children (by path)."""
        return iter(self.figures.values())

    def by_code(self, code: str) -> UnitDayFigures:
        return next(figures for figures in self if figures.unit.code == code)

    def children_of(self, unit_id: int) -> list[UnitDayFigures]:
        return [self.figures[child] for child in self.children.get(unit_id, [])]

    def grids_under(self, unit_id: int) -> list[UnitDayFigures]:
        """The grids at or below the unit, in path order."""
        return [self.figures[grid] for grid in self.grids_below.get(unit_id, [])]

    def unconfirmed_grids(self, unit_id: int) -> list[UnitDayFigures]:
        return [grid for grid in self.grids_under(unit_id) if not grid.confirmed]

    def abnormal_under(self, unit_id: int) -> list[AbnormalDetail]:
        return [row for grid in self.grids_below.get(unit_id, []) for row in self.abnormal.get(grid, [])]

    def returnees_under(self, unit_id: int) -> list[ReturneeDetail]:
        return [row for grid in self.grids_below.get(unit_id, []) for row in self.returnees.get(grid, [])]

    def concerns_under(self, unit_id: int) -> list[ConcernDetail]:
        return [row for grid in self.grids_below.get(unit_id, []) for row in self.duties.concerns.get(grid, [])]


Detail = TypeVar("Detail", AbnormalDetail, ReturneeDetail, cluster_store.ClusterCounts)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day as a [start, end) pair of UTC instants."""
    start = datetime.combine(day, time(0), tz)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def configured_days_off(settings: Settings) -> set[date]:
    return set(settings.schedule.days_off)


async def compile_reports(
    factory: SessionFactory,
    *,
    day: date,
    root_code: str | None = None,
    settings: Settings,
    now: datetime | None = None,
) -> ReportSet:
    """Every unit's figures for ``day`` in the subtree of ``root_code`` (all units if None).

    The report describes ``now`` (default: the current instant), or the end of ``day`` if that
    has passed: re-running a past day gives the figures its end saw, not today's.
    """
    start, end = day_bounds(day, settings.tz)
    # In UTC: SQLite keeps no zone, so an instant compared with stored ones must be in theirs.
    as_of = as_utc(min(now or utcnow(), end))
    async with factory() as session:
        root_path = None
        if root_code is not None:
            root = await get_unit_by_code(session, code=root_code)
            if root is None:
                raise UnknownUnitError(root_code)
            root_path = root.path
        units = await sql.report_units(session, root_path=root_path)
        counts = await sql.grid_counts(session, root_path=root_path, day=day, start=start, as_of=as_of)
        testing = await campaigns.testing_counts(session, root_path=root_path, day=day, as_of=as_of)
        clusters = await cluster_store.cluster_counts(session, root_path=root_path, day=day)
        confirmed = await sql.confirmations(session, day=day, as_of=as_of)
        off_ids = set(await sql.days_off(session, day=day))
        abnormal = await sql.abnormal_rows(session, root_path=root_path, day=day)
        returnees = await sql.new_returnee_rows(session, root_path=root_path, day=day)
    grid_ids = [unit.id for unit in units if unit.level == UnitLevel.GRID]
    duties = await compile_duties(factory, root_path=root_path, grid_ids=grid_ids, day=day, settings=settings)
    everyone_off = None in off_ids or day in configured_days_off(settings)
    grids_below = _grids_below(units)
    return ReportSet(
        day=day,
        as_of=as_of,
        figures=_with_duties(
            _roll_up(units, _with_testing(counts, testing), confirmed, off_ids, everyone_off, _by_grid(clusters)),
            grids_below,
            duties,
        ),
        children=_children(units),
        grids_below=grids_below,
        abnormal=_by_grid([_mask_abnormal(row) for row in abnormal]),
        returnees=_by_grid([_mask_returnee(row) for row in returnees]),
        duties=duties,
    )


def _with_testing(counts: dict[int, Counts], testing: dict[int, campaigns.TestingCounts]) -> dict[int, Counts]:
    """The grids' counts with their campaign's figures, where a campaign runs."""
    merged = dict(counts)
    for grid_id, figures in testing.items():
        merged[grid_id] = replace(
            counts.get(grid_id, Counts()), tests_due=figures.due, tested=figures.tested, tests_at_home=figures.at_home
        )
    return merged


def _children(units: list[ReportUnit]) -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for unit in units:
        if unit.parent_id is not None:
            children.setdefault(unit.parent_id, []).append(unit.id)
    return children


def _grids_below(units: list[ReportUnit]) -> dict[int, list[int]]:
    """Each unit's grids (itself, for a grid), in path order, by walking up the parent links."""
    parents = {unit.id: unit.parent_id for unit in units}
    below: dict[int, list[int]] = {}
    for unit in units:
        if unit.level == UnitLevel.GRID:
            ancestor: int | None = unit.id
            while ancestor is not None and ancestor in parents:
                below.setdefault(ancestor, []).append(unit.id)
                ancestor = parents[ancestor]
    return below


def _with_duties(
    figures: dict[int, UnitDayFigures], grids_below: dict[int, list[int]], duties: Duties
) -> dict[int, UnitDayFigures]:
    """Each unit's figures with its grids' duties summed in."""
    for unit_id, unit_figures in figures.items():
        grids = [duties.figures[grid] for grid in grids_below.get(unit_id, []) if grid in duties.figures]
        if grids:
            figures[unit_id] = replace(unit_figures, duties=sum(grids, DutyFigures()))
    return figures


def _by_grid(rows: list[Detail]) -> dict[int, list[Detail]]:
    grouped: dict[int, list[Detail]] = {}
    for row in rows:
        grouped.setdefault(row.grid_id, []).append(row)
    return grouped


def _roll_up(
    units: list[ReportUnit],
    counts: dict[int, Counts],
    confirmed: dict[int, Confirmation],
    off_ids: set[int | None],
    everyone_off: bool,
    clusters: dict[int, list[cluster_store.ClusterCounts]],
) -> dict[int, UnitDayFigures]:
    """Grids from their counts, parents as sums: one pass up the tree (units come parents first)."""
    off: dict[int, bool] = {}
    for unit in units:
        off[unit.id] = everyone_off or unit.id in off_ids or off.get(unit.parent_id or 0, False)
    totals: dict[int, _Totals] = {}
    for unit in reversed(units):
        if unit.level == UnitLevel.GRID:
            current, confirmation = counts.get(unit.id, Counts()), confirmed.get(unit.id)
            reported = confirmation.counts if confirmation and confirmation.counts else current
            totals[unit.id] = _Totals(current, reported, 1, int(confirmation is not None))
        own = totals.setdefault(unit.id, _Totals())
        if unit.parent_id is not None:
            totals[unit.parent_id] = totals.get(unit.parent_id, _Totals()) + own
    return {
        unit.id: UnitDayFigures(
            unit=unit,
            counts=totals[unit.id].counts,
            grids=totals[unit.id].grids,
            grids_confirmed=totals[unit.id].confirmed,
            day_off=off[unit.id],
            confirmation=confirmed.get(unit.id) if unit.level == UnitLevel.GRID else None,
            reported=totals[unit.id].reported,
            clusters=tuple(clusters.get(unit.id, ())),
        )
        for unit in units
    }


@dataclass(frozen=True)
class _Totals:
    """What a unit sums up from its grids while rolling up."""

    counts: Counts = field(default_factory=Counts)
    reported: Counts = field(default_factory=Counts)
    grids: int = 0
    confirmed: int = 0

    def __add__(self, other: _Totals) -> _Totals:
        return _Totals(
            self.counts + other.counts,
            self.reported + other.reported,
            self.grids + other.grids,
            self.confirmed + other.confirmed,
        )


def _mask_abnormal(row: AbnormalRow) -> AbnormalDetail:
    return AbnormalDetail(
        grid_id=row.grid_id,
        address=row.address,
        head=mask_name(row.head or ""),
        temperature=row.temperature,
        symptoms=row.symptoms,
        test_type=row.test_type,
        test_result=row.test_result,
    )


def _mask_returnee(row: NewReturneeRow) -> ReturneeDetail:
    return ReturneeDetail(
        grid_id=row.grid_id,
        address=row.address,
        name=mask_name(row.name or ""),
        origin=row.origin,
        arrival=row.arrival,
        transport_mode=row.transport_mode,
        transport_number=row.transport_number,
        monitor_until=row.monitor_until,
    )
