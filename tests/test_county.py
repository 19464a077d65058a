"""The synthetic county generator, at a small scale, on both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, func, select

from core.config import Settings
from services.reports import compile_reports
from storage.db import SessionFactory
from storage.models import CheckIn, Household, Unit, VisitRecord
from synthetic.county import CountyNotEmptyError, CountyScale, generate_county

SCALE = CountyScale(towns=2, villages_per_town=2, grids_per_village=3, households=600, people=1_800)
DAY = date(2026, 11, 27)


async def test_small_county_has_the_asked_shape_and_reports(sessions: SessionFactory) -> None:
    settings = Settings()
    summary = await generate_county(sessions, day=DAY, settings=settings, seed=3, scale=SCALE)
    assert (summary.towns, summary.villages, summary.grids, summary.households) == (2, 4, 12, 600)
    async with sessions() as session:
        units = (await session.exec(select(func.count()).select_from(Unit))).one()
        households = (await session.exec(select(func.sum(Household.members)))).one()
        checkins = (await session.exec(select(func.count()).select_from(CheckIn))).one()
    assert units == 2 + 4 + 12
    assert households == 1_800
    assert 0 < checkins <= 600
    reports = await compile_reports(sessions, day=DAY, settings=settings)
    assert sum(f.counts.households for f in reports if f.unit.level == "town") == 600
    assert sum(f.counts.checked_in for f in reports if f.unit.level == "town") == checkins
    # 联户 of ten households (50 a grid: five each) and a campaign in every town on the day
    grids = [f for f in reports if f.unit.level == "grid"]
    assert {tuple(c.households for c in grid.clusters) for grid in grids} == {(10, 10, 10, 10, 10)}
    towns = [f.counts for f in reports if f.unit.level == "town"]
    assert sum(c.tests_due for c in towns) == 1_800
    assert 0 < sum(c.tested for c in towns) < 1_800
    assert 0 < sum(c.tests_at_home for c in towns) <= 600 // 97 + 1
    duties = [f.duties for f in reports if f.unit.level == "town"]
    assert summary.pairings > 0 and summary.visits > 0 and summary.disinfections > 0
    async with sessions() as session:  # the week's visits: from Monday (11-23) to the day
        week = select(func.count()).select_from(VisitRecord).where(col(VisitRecord.day) >= date(2026, 11, 23))
        this_week = (await session.exec(week)).one()
    assert sum(d.paired for d in duties) == summary.pairings and sum(d.visits_made for d in duties) == this_week > 0
    assert sum(d.points for d in duties) == 12 * 3
    with pytest.raises(CountyNotEmptyError):
        await generate_county(sessions, day=DAY, settings=settings, scale=SCALE)
