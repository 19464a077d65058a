"""The standing duties' figures in the daily report, ``/status`` and the digests: visits this week
(done of due, overdue, concerns) and today's disinfection points (outstanding of all).

Computed per grid beside ``compile_reports``' counts and summed up the tree like them; a unit
without pairings or points shows no duty lines at all (``DutyFigures.any``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date

from core.config import Settings
from services.disinfection_log import points_today
from services.visits import ConcernDetail, concern_detail, rhythms, week_of
from storage import duties
from storage.db import SessionFactory


@dataclass(frozen=True)
class DutyFigures:
    """One unit's duties: a grid's own, or the sum of its grids'."""

    paired: int = 0
    visits_due: int = 0
    visits_done: int = 0
    visits_overdue: int = 0
    visits_made: int = 0
    visit_concerns: int = 0
    points: int = 0
    points_outstanding: int = 0
    #: A grid's outstanding places by name (a parent's are its grids' together).
    outstanding_places: tuple[str, ...] = ()

    def __add__(self, other: DutyFigures) -> DutyFigures:
        values = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        return DutyFigures(**values)

    @property
    def has_visits(self) -> bool:
        return bool(self.paired or self.visits_made)

    @property
    def has_points(self) -> bool:
        return bool(self.points)


@dataclass(frozen=True)
class Duties:
    """Per grid: its figures and the week's visits that found a concern (heads masked)."""

    figures: dict[int, DutyFigures]
    concerns: dict[int, list[ConcernDetail]]


async def compile_duties(
    factory: SessionFactory, *, root_path: str | None, grid_ids: Sequence[int], day: date, settings: Settings
) -> Duties:
    monday = week_of(day)[0]
    async with factory() as session:
        made = await duties.visit_counts(session, root_path=root_path, start=monday, end=day)
        concern_rows = await duties.concern_rows(session, root_path=root_path, start=monday, end=day)
    tallies: dict[int, list[int]] = {}
    for grid_id, rhythm in await rhythms(factory, root_path=root_path, day=day, settings=settings):
        tally = tallies.setdefault(grid_id, [0, 0, 0, 0, 0, 0])
        due = rhythm.due_this_week(day)
        tally[0] += 1
        tally[1] += due
        tally[2] += due and rhythm.done_this_week(day)
        tally[3] += rhythm.overdue(day)
    for grid_id, (count, concerns) in made.items():
        tallies.setdefault(grid_id, [0, 0, 0, 0, 0, 0])[4:] = [count, concerns]
    points = await points_today(factory, root_path=root_path, grid_ids=grid_ids, day=day, settings=settings)
    result = {}
    for grid_id in tallies.keys() | points.keys():
        paired, due_week, done, overdue, made_here, concerns = tallies.get(grid_id, [0, 0, 0, 0, 0, 0])
        statuses = points.get(grid_id, [])
        outstanding = tuple(p.place for p in statuses if p.outstanding(day))
        result[grid_id] = DutyFigures(
            paired, due_week, done, overdue, made_here, concerns, len(statuses), len(outstanding), outstanding
        )
    grouped: dict[int, list[ConcernDetail]] = {}
    for row in concern_rows:
        grouped.setdefault(row.grid_id, []).append(concern_detail(row))
    return Duties(result, grouped)
