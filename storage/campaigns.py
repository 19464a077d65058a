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
from storage.reports import grids_in_subtree

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


def _tested(found: Campaign, root_path: str | None, day: date, as_of: datetime) -> tuple[Any, Any, Any]:
    """Per household: (persons tested, needs testing at home, the outer joins to add); the check-ins
    read are those of the campaign's grids below ``root_path`` only."""
    campaign = found.campaign
    checkins = (
        sa.select(col(CheckIn.household_id), func.max(func.coalesce(col(CheckIn.persons), 1)).label("n"))
        .where(
            col(CheckIn.day).between(campaign.start, min(day, campaign.until)),
            col(CheckIn.test_type).is_not(None),
            col(CheckIn.grid_id).in_(grids_in_subtree(found.unit.path)),
        )
        .group_by(col(CheckIn.household_id))
    )
    if root_path is not None:
        checkins = checkins.where(col(CheckIn.grid_id).in_(grids_in_subtree(root_path)))
    checked = checkins.subquery("tested_checkins")
    team = (
        sa.select(col(CampaignTest.household_id), col(CampaignTest.persons).label("n"))
        .where(col(CampaignTest.campaign_id) == campaign.id, col(CampaignTest.recorded_at) <= as_utc(as_of))
        .subquery("tested_team")
    )
    said, counted, members = func.coalesce(checked.c.n, 0), func.coalesce(team.c.n, 0), col(Household.members)
    best = sa.case((said >= counted, said), else_=counted)
    tested = sa.case((best >= members, members), else_=best)
    at_home = or_(*(col(Household.tags).contains(tag) for tag in AT_HOME_TAGS))
    joins = (
        (checked, checked.c.household_id == col(Household.id)),
        (team, team.c.household_id == col(Household.id)),
    )
    return tested, at_home, joins


def _households(query: Any, campaign: Campaign, root_path: str | None, joins: Any) -> Any:
    for table, on in joins:
        query = query.outerjoin(table, on)
    query = query.where(
        col(Household.active).is_(True), col(Household.grid_id).in_(grids_in_subtree(campaign.unit.path))
    )
    return query if root_path is None else query.where(col(Household.grid_id).in_(grids_in_subtree(root_path)))


async def testing_counts(
    session: AsyncSession, *, root_path: str | None, day: date, as_of: datetime
) -> dict[int, TestingCounts]:
    """Per grid below ``root_path`` under a campaign on ``day``: 应检, 已检 and 需上门 still missing someone."""
    counts: dict[int, TestingCounts] = {}
    for campaign in await active_campaigns(session, day=day):
        tested, at_home, joins = _tested(campaign, root_path, day, as_of)
        missing_at_home = sa.case((sa.and_(at_home, tested < col(Household.members)), 1), else_=0)
        query = sa.select(
            col(Household.grid_id), func.sum(col(Household.members)), func.sum(tested), func.sum(missing_at_home)
        ).select_from(Household)
        query = _households(query, campaign, root_path, joins).group_by(col(Household.grid_id))
        rows: Sequence[Any] = (await session.exec(query)).all()
        counts.update({row[0]: TestingCounts(int(row[1] or 0), int(row[2] or 0), int(row[3] or 0)) for row in rows})
    return counts


async def untested(
    session: AsyncSession, *, campaign: Campaign, root: Unit, day: date, as_of: datetime
) -> list[Untested]:
    """Households below ``root`` with persons still to test, by grid in roster order."""
    tested, at_home, joins = _tested(campaign, root.path, day, as_of)
    query = sa.select(Household, Unit, tested, at_home).select_from(Household)
    query = query.join(Unit, col(Unit.id) == col(Household.grid_id))
    query = _households(query, campaign, root.path, joins).where(tested < col(Household.members))
    rows: Sequence[Any] = (await session.exec(query.order_by(col(Unit.path), col(Household.id)))).all()
    return [Untested(row[0], row[1], int(row[2] or 0), bool(row[3])) for row in rows]


def testing_ledger(campaign: Campaign, root_path: str | None, day: date, as_of: datetime) -> Any:
    """The 核酸 sheet: every household of the campaign below ``root_path`` with its members and tested."""
    tested, at_home, joins = _tested(campaign, root_path, day, as_of)
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
    query = query.join(Unit, col(Unit.id) == col(Household.grid_id)).join(
        Village, col(Village.id) == col(Unit.parent_id)
    )
    return _households(query, campaign, root_path, joins).order_by(col(Unit.path), col(Household.address))
