"""Testing campaigns (全员核酸, 应检尽检、不漏一人): /testing, /tested and /untested.

A town or village leader starts one for a day (or days, ``--until``); it is announced down the
chain as a notice (with its 收到 button and receipts). While it runs, a check-in stating a test and
the testing team's ``/tested 3-2-501 3人`` count persons per household against the roster's members
(``storage.campaigns``); the reports show 应检 / 已检 / 未检 / 上门 per unit, ``/untested`` lists the
households with persons missing and, apart, those tested at home (需上门核酸, 卧床, 行动不便).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum, auto

from core import texts
from core.config import Settings
from services.grid_status import LookupFailed, leader_household
from services.identity import may_manage
from services.leader_scope import Denied, leader_unit
from services.notices import queue_notice
from storage import bindings, campaigns
from storage.campaigns import Campaign, Untested
from storage.db import SessionFactory, transaction
from storage.models import Household, TestingCampaign, Unit, UnitLevel

#: The longest campaign one command starts.
MAX_DAYS = 14


class CampaignResult(Enum):
    STARTED = auto()
    UNBOUND = auto()
    NOT_UPPER = auto()
    REFUSED = auto()
    BAD_DATES = auto()
    NO_TARGETS = auto()


@dataclass(frozen=True)
class CampaignOutcome:
    result: CampaignResult
    unit: Unit | None = None
    campaign: TestingCampaign | None = None
    targets: int = 0


def campaign_notice(unit: Unit, start: date, until: date) -> str:
    days = start.isoformat() if start == until else f"{start.isoformat()} 至 {until.isoformat()}"
    return texts.TESTING_NOTICE.format(unit=unit.name, days=days)


async def start_campaign(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    start: date,
    until: date | None,
    settings: Settings,
    now: datetime,
) -> CampaignOutcome:
    """Start a campaign of the group's town or village and announce it below, in one transaction."""
    until = until or start
    today = now.astimezone(settings.tz).date()
    async with transaction(factory) as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
        if unit is None or unit.id is None:
            return CampaignOutcome(CampaignResult.UNBOUND)
        if unit.level == UnitLevel.GRID:
            return CampaignOutcome(CampaignResult.NOT_UPPER, unit=unit)
        if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
            return CampaignOutcome(CampaignResult.REFUSED, unit=unit)
        if start < today or until < start or until - start >= timedelta(days=MAX_DAYS):
            return CampaignOutcome(CampaignResult.BAD_DATES, unit=unit)
        text = campaign_notice(unit, start, until)
        queued = await queue_notice(session, unit=unit, text=text, user_id=user_id, settings=settings, now=now)
        if queued is None:
            return CampaignOutcome(CampaignResult.NO_TARGETS, unit=unit)
        notice, targets = queued
        campaign = await campaigns.create_campaign(
            session, unit_id=unit.id, start=start, until=until, created_by=user_id, now=now
        )
        campaign.notice_id = notice.id
        session.add(campaign)
    return CampaignOutcome(CampaignResult.STARTED, unit=unit, campaign=campaign, targets=targets)


class TestedResult(Enum):
    RECORDED = auto()
    NO_CAMPAIGN = auto()


@dataclass(frozen=True)
class TestedOutcome:
    result: TestedResult
    household: Household
    persons: int = 0


async def record_tested(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    address: str,
    persons: int | None,
    day: date,
    now: datetime,
) -> TestedOutcome | LookupFailed | Denied:
    """The testing team's count for one household below the group's unit (all its members when
    no count is given); the latest count stands."""
    async with transaction(factory) as session:
        found = await leader_household(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids, address=address)
        if isinstance(found, LookupFailed | Denied):
            return found
        _unit, household, grid = found
        campaign = campaigns.covering(await campaigns.active_campaigns(session, day=day), grid.path)
        if campaign is None or campaign.campaign.id is None or household.id is None:
            return TestedOutcome(TestedResult.NO_CAMPAIGN, household=household)
        count = household.members if persons is None else persons
        await campaigns.record_test(
            session, campaign_id=campaign.campaign.id, household_id=household.id, persons=count, by=user_id, at=now
        )
    return TestedOutcome(TestedResult.RECORDED, household=household, persons=min(count, household.members))


@dataclass(frozen=True)
class UntestedReport:
    unit: Unit
    campaign: Campaign | None
    #: Households with persons still to test, apart from those tested at home.
    untested: list[Untested] = field(default_factory=list)
    at_home: list[Untested] = field(default_factory=list)


async def untested_households(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int], day: date, now: datetime
) -> UntestedReport | Denied:
    """Who is still to be tested in the campaign running here today."""
    async with factory() as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        campaign = campaigns.covering(await campaigns.active_campaigns(session, day=day), unit.path)
        if campaign is None:
            return UntestedReport(unit=unit, campaign=None)
        rows = await campaigns.untested(session, campaign=campaign, root=unit, day=day, as_of=now)
    return UntestedReport(
        unit=unit,
        campaign=campaign,
        untested=[row for row in rows if not row.at_home],
        at_home=[row for row in rows if row.at_home],
    )
