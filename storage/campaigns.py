"""Testing campaigns (全员核酸): who is to be tested, who was, and who must be tested at home.

A household's persons tested in a campaign are the most its check-ins of the campaign's days said
were tested (the persons a check-in stating a test gave, or 1 when it gave none) or the testing
team's count (``/tested``), whichever is more, and never more than the roster's members. Every
figure is one GROUP BY over the households of the campaign's subtree; a grid under two campaigns
counts for the one started last.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import col, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc, upsert
from storage.models import CampaignTest, CheckIn, Household, TestingCampaign, Unit
from storage.reports import in_subtree

Village = aliased(Unit, name="village")
#: Roster tags of a household whose members are tested at home (需上门).
AT_HOME_TAGS = ("需上门核酸", "卧床", "行动不便")


@dataclass(frozen=True)
class Campaign:
    campaign: TestingCampaign
    unit: Unit


@dataclass(frozen=True)
class TestingCounts:
    """A grid's campaign figures: persons to test (应检), tested (已检), and 需上门 households still missing someone."""

    due: int = 0
    tested: int = 0
    at_home: int = 0


@dataclass(frozen=True)
class Untested:
    """A household with persons still to test; ``at_home`` when its tags say it is tested at home."""

    household: Household
    grid: Unit
    tested: int
    at_home: bool


async def create_campaign(
    session: AsyncSession, *, unit_id: int, start: date, until: date, created_by: int, now: datetime
) -> TestingCampaign:
    campaign = TestingCampaign(unit_id=unit_id, start=start, until=until, created_by=created_by, created_at=now)
    session.add(campaign)
    await session.flush()
    return campaign


async def active_campaigns(session: AsyncSession, *, day: date) -> list[Campaign]:
    """Campaigns running on ``day``, oldest first (so that a later one wins where two overlap)."""
    query = (
        select(TestingCampaign, Unit)
        .join(Unit, col(Unit.id) == col(TestingCampaign.unit_id))
        .where(col(TestingCampaign.start) <= day, col(TestingCampaign.until) >= day)
        .order_by(col(TestingCampaign.id))
    )
    return [Campaign(campaign, unit) for campaign, unit in await session.exec(query)]


def covering(campaigns: Sequence[Campaign], path: str) -> Campaign | None:
    """The campaign started last among those whose unit is at or above the unit at ``path``."""
    found = [c for c in campaigns if path == c.unit.path or path.startswith(c.unit.path + "/")]
    return found[-1] if found else None


async def record_test(
    session: AsyncSession, *, campaign_id: int, household_id: int, persons: int, by: int, at: datetime
) -> None:
    """The testing team's count for the household: the latest stands."""
    values = {"persons": persons, "recorded_by": by, "recorded_at": as_utc(at)}
    statement = (
        upsert(session, CampaignTest)
        .values(campaign_id=campaign_id, household_id=household_id, **values)
        .on_conflict_do_update(index_elements=["campaign_id", "household_id"], set_=values)
    )
    await session.exec(statement)


def _grid_campaigns(day: date, root_path: str | None, campaign_id: int | None = None) -> Any:
    """Each grid below ``root_path`` under a campaign on ``day``, with the campaign it counts for (the one
    started last) and the days whose check-ins count: (grid_id, campaign_id, start, last). Campaigns are
    a town's or a village's, so a grid's is its village's or its town's (equality joins on parent ids)."""
    grid, village = aliased(Unit, name="campaign_grid"), aliased(Unit, name="campaign_village")
    covered: Any = (
        sa.select(col(grid.id).label("grid_id"), func.max(col(TestingCampaign.id)).label("campaign_id"))
        .select_from(grid)
        .join(village, col(village.id) == col(grid.parent_id))
        .join(
            TestingCampaign,
            or_(
                col(TestingCampaign.unit_id) == col(village.id), col(TestingCampaign.unit_id) == col(village.parent_id)
            ),
        )
        .where(col(TestingCampaign.start) <= day, col(TestingCampaign.until) >= day, col(grid.level) == "grid")
        .group_by(col(grid.id))
    )
    if root_path is not None:
        covered = covered.where(in_subtree(col(grid.path), root_path))
    covered = covered.subquery("covered")
    last = sa.case((col(TestingCampaign.until) < day, col(TestingCampaign.until)), else_=sa.literal(day))
    query = sa.select(
        covered.c.grid_id, covered.c.campaign_id, col(TestingCampaign.start).label("start"), last.label("last")
    ).join(TestingCampaign, col(TestingCampaign.id) == covered.c.campaign_id)
    if campaign_id is not None:
        query = query.where(covered.c.campaign_id == campaign_id)
    return query.cte("grid_campaigns")


def _checked(grids: Any, first_day: date | None) -> tuple[Any, Any, Any]:
    """The persons a household's check-ins of its campaign's days said were tested (``said``), and the
    join that reads them. On a campaign's first day (``first_day``, every campaign's) that is the one
    check-in of the day, found by the (household, day) key; later, the most of the days'."""
    if first_day is not None:
        day = aliased(CheckIn, name="tested_checkin")
        said = sa.case((col(day.id).is_(None), 0), else_=func.coalesce(col(day.persons), 1))
        on = sa.and_(
            col(day.household_id) == col(Household.id), col(day.day) == first_day, col(day.test_type).is_not(None)
        )
        return said, day, on
    checked = (
        sa.select(col(CheckIn.household_id), func.max(func.coalesce(col(CheckIn.persons), 1)).label("n"))
        .join(grids, grids.c.grid_id == col(CheckIn.grid_id))
        .where(col(CheckIn.test_type).is_not(None), col(CheckIn.day) >= grids.c.start, col(CheckIn.day) <= grids.c.last)
        .group_by(col(CheckIn.household_id))
        .subquery("tested_checkins")
    )
    return func.coalesce(checked.c.n, 0), checked, checked.c.household_id == col(Household.id)


def _tested(grids: Any, as_of: datetime, first_day: date | None = None) -> tuple[Any, Any, Any]:
    """Per household of the grids in ``grids`` (``_grid_campaigns``): (persons tested, tested at home,
    the joins to add). One pass over the check-ins and the team's counts, whatever the campaigns."""
    said, checked, checked_on = _checked(grids, first_day)
    counted, members = func.coalesce(col(CampaignTest.persons), 0), col(Household.members)
    best = sa.case((said >= counted, said), else_=counted)
    tested = sa.case((best >= members, members), else_=best)
    at_home = or_(*(col(Household.tags).contains(tag) for tag in AT_HOME_TAGS))
    team = sa.and_(
        col(CampaignTest.household_id) == col(Household.id),
        col(CampaignTest.campaign_id) == grids.c.campaign_id,
        col(CampaignTest.recorded_at) <= as_utc(as_of),
    )
    joins = ((checked, checked_on), (CampaignTest, team))
    return tested, at_home, joins


def _households(query: Any, grids: Any, joins: Any) -> Any:
    """``query`` over the active households of ``grids``, with the joins ``_tested`` asks for."""
    query = query.join(grids, grids.c.grid_id == col(Household.grid_id))
    for table, on in joins:
        query = query.outerjoin(table, on)
    return query.where(col(Household.active).is_(True))


async def testing_counts(
    session: AsyncSession, *, root_path: str | None, day: date, as_of: datetime
) -> dict[int, TestingCounts]:
    """Per grid below ``root_path`` under a campaign on ``day``: 应检, 已检 and 需上门 still missing someone."""
    running = await active_campaigns(session, day=day)
    if not running:
        return {}
    grids = _grid_campaigns(day, root_path)
    first_day = day if all(c.campaign.start == day for c in running) else None
    tested, at_home, joins = _tested(grids, as_of, first_day)
    missing_at_home = sa.case((sa.and_(at_home, tested < col(Household.members)), 1), else_=0)
    query = sa.select(
        col(Household.grid_id), func.sum(col(Household.members)), func.sum(tested), func.sum(missing_at_home)
    ).select_from(Household)
    query = _households(query, grids, joins).group_by(col(Household.grid_id))
    rows: Sequence[Any] = (await session.exec(query)).all()
    return {row[0]: TestingCounts(int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in rows}


async def untested(
    session: AsyncSession, *, campaign: Campaign, root: Unit, day: date, as_of: datetime
) -> list[Untested]:
    """Households below ``root`` counting for ``campaign`` with persons still to test, by grid in roster order."""
    grids = _grid_campaigns(day, root.path, campaign.campaign.id)
    tested, at_home, joins = _tested(grids, as_of)
    query = sa.select(Household, Unit, tested, at_home).select_from(Household)
    query = _households(query, grids, joins).join(Unit, col(Unit.id) == col(Household.grid_id))
    query = query.where(tested < col(Household.members)).order_by(col(Unit.path), col(Household.id))
    rows: Sequence[Any] = (await session.exec(query)).all()
    return [Untested(row[0], row[1], int(row[2] or 0), bool(row[3])) for row in rows]


def testing_ledger(root_path: str | None, day: date, as_of: datetime) -> Any:
    """The 核酸 sheet of ``day``: every household below ``root_path`` under a campaign, with its members and tested."""
    grids = _grid_campaigns(day, root_path)
    tested, at_home, joins = _tested(grids, as_of)
    query = sa.select(
        col(Village.name),
        col(Unit.name),
        col(Unit.path),
        col(Household.address),
        col(Household.members),
        tested,
        at_home,
        col(Household.address_key),
    ).select_from(Household)
    query = _households(query, grids, joins).join(Unit, col(Unit.id) == col(Household.grid_id))
    query = query.join(Village, col(Village.id) == col(Unit.parent_id))
    return query.order_by(col(Unit.path), col(Household.address))
