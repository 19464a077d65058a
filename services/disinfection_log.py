"""消杀记录制度: the disinfection log and the points each grid must keep disinfected.

A grid's points are its own from the roster's 消杀点位 sheet, else ``[policy.disinfection] points``.
A point disinfected every N days is outstanding on a day when no disinfection of the grid whose
place names it (垃圾站 in "东门垃圾站") was recorded in the N days up to that day: a daily point each
day until it is done, a weekly one when the last week had none. Records come from ``disinfection``
messages and ``/disinfect`` alike (``services.records.disinfection``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from core.config import Settings
from core.formatting import mask_name
from services.leader_scope import Denied, leader_unit
from storage import duties, units
from storage.db import SessionFactory
from storage.models import Unit, UnitLevel

#: The longest a point may go between disinfections: how far back the log is read for points.
LONGEST_PERIOD = 31


@dataclass(frozen=True)
class PointStatus:
    place: str
    every_days: int
    last_done: date | None

    def outstanding(self, day: date) -> bool:
        return self.last_done is None or self.last_done <= day - timedelta(days=self.every_days)


def point_statuses(points: Sequence[tuple[str, int]], done: Sequence[tuple[str, date]]) -> list[PointStatus]:
    """Each point with the last day a disinfection named its place (``done``: place, last day)."""
    return [
        PointStatus(place, every, max((last for written, last in done if place in written), default=None))
        for place, every in points
    ]


async def points_today(
    factory: SessionFactory, *, root_path: str | None, grid_ids: Sequence[int], day: date, settings: Settings
) -> dict[int, list[PointStatus]]:
    """Every grid's points and where they stand on ``day``: the roster's (matched in SQL), else the
    configured ones (matched here); grids without points are left out."""
    configured = [(point.place, point.every_days) for point in settings.policy.disinfection.points]
    since = day - timedelta(days=LONGEST_PERIOD)
    async with factory() as session:
        own = await duties.roster_point_statuses(session, root_path=root_path, start=since, end=day)
        done = await duties.last_disinfections(session, root_path=root_path, start=since, end=day) if configured else []
    statuses: dict[int, list[PointStatus]] = {}
    for grid_id, place, every, last in own:
        statuses.setdefault(grid_id, []).append(PointStatus(place, every, last))
    by_grid: dict[int, list[tuple[str, date]]] = {}
    for grid_id, place, last in done:
        by_grid.setdefault(grid_id, []).append((place, last))
    for grid_id in grid_ids if configured else ():
        if grid_id not in statuses:
            statuses[grid_id] = point_statuses(configured, by_grid.get(grid_id, []))
    return statuses


@dataclass(frozen=True)
class DisinfectionEntry:
    """A disinfection as ``/disinfections`` lists it, the operator's name masked."""

    grid_id: int
    day: date
    place: str | None
    method: str | None
    agent: str | None
    operator: str


@dataclass(frozen=True)
class DisinfectionsReport:
    unit: Unit
    day: date
    days: int
    entries: list[DisinfectionEntry]
    outstanding: dict[int, list[PointStatus]]
    grid_names: dict[int, str]


async def disinfections_report(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    day: date,
    days: int,
    settings: Settings,
) -> DisinfectionsReport | Denied:
    """``/disinfections [days]``: the unit's disinfections of the last ``days`` days, and today's outstanding points."""
    async with factory() as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        grids = [u for u in await units.subtree(session, root=unit) if u.level == UnitLevel.GRID]
        start = day - timedelta(days=days - 1)
        rows = await duties.disinfection_rows(session, root_path=unit.path, start=start, end=day)
    grid_ids = [grid.id or 0 for grid in grids]
    points = await points_today(factory, root_path=unit.path, grid_ids=grid_ids, day=day, settings=settings)
    return DisinfectionsReport(
        unit=unit,
        day=day,
        days=days,
        entries=[
            DisinfectionEntry(r.grid_id, r.day, r.place, r.method, r.agent, mask_name(r.operator or "")) for r in rows
        ],
        outstanding={g: [p for p in s if p.outstanding(day)] for g, s in points.items()},
        grid_names={grid.id or 0: grid.name for grid in grids},
    )
