"""What a leader asks of a unit's day: /status, /missing, /returnees and /household.

Each function takes the group the command came from, checks the sender may manage its unit,
and answers for every grid at or below it, so a village group sees its grids summed up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum, auto

from sqlmodel.ext.asyncio.session import AsyncSession

from core.config import Settings
from services import switches
from services.identity import may_manage
from services.leader_scope import Denial, Denied, leader_unit
from services.linking import KnownUser
from services.reports import AbnormalDetail, UnitDayFigures, compile_reports
from storage import audit, clusters, orders, people, returnee_plan, status
from storage.db import SessionFactory, transaction
from storage.models import CheckIn, Household, OrderItem, Person, Returnee, SupplyOrder, Unit, UnitLevel
from understanding import normalise_address

#: How far back /household looks.
HISTORY_DAYS = 7


@dataclass(frozen=True)
class StatusReport:
    """The group's unit as the daily report counts it, right now; in a village or town group also
    the units below and the abnormal households (its members are officials: names come masked)."""

    unit: Unit
    day: date
    figures: UnitDayFigures
    parts: list[UnitDayFigures] = field(default_factory=list)
    abnormal: list[AbnormalDetail] = field(default_factory=list)
    grid_names: dict[int, str] = field(default_factory=dict)


async def unit_status(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    day: date,
    settings: Settings,
    now: datetime,
) -> StatusReport | Denied:
    """Today's numbers for the group's unit, compiled exactly as the daily report compiles them."""
    async with factory() as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
    if isinstance(unit, Denied):
        return unit
    assert unit.id is not None
    reports = await compile_reports(factory, day=day, root_code=unit.code, settings=settings, now=now)
    figures = reports.figures[unit.id]
    if unit.level == UnitLevel.GRID:
        return StatusReport(unit=unit, day=day, figures=figures)
    return StatusReport(
        unit=unit,
        day=day,
        figures=figures,
        parts=reports.children_of(unit.id),
        abnormal=reports.abnormal_under(unit.id),
        grid_names={grid.unit.id: grid.unit.name for grid in reports.grids_under(unit.id)},
    )


@dataclass(frozen=True)
class MissingHousehold:
    household: Household
    grid: Unit
    #: People linked to the household, to @mention; empty when nobody is linked yet.
    people: Sequence[Person]


@dataclass(frozen=True)
class MissingReport:
    unit: Unit
    day: date
    households: int
    missing: list[MissingHousehold]
    #: @mention linked members: only in a grid group, and only if its leader has not turned them off.
    mention: bool
    #: In a grid group: the names of the 联户 of the missing households, to group them by.
    clusters: dict[int, str] = field(default_factory=dict)


async def _mentions_on(session: AsyncSession, *, unit: Unit) -> bool:
    """@mentions as the /remind switches have them: off if this unit or any above turned them off."""
    assert unit.id is not None
    return (await switches.in_force(session, paths={unit.id: unit.path}))[unit.id].mentions


async def missing_checkins(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int], day: date
) -> MissingReport | Denied:
    """Active households with no check-in on ``day``, with the people to remind."""
    async with factory() as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        households = await status.active_households(session, root=unit)
        rows = await status.households_without_checkin(session, root=unit, day=day)
        linked = await status.linked_people(session, household_ids=[h.id for h, _ in rows if h.id is not None])
        people: dict[int, list[Person]] = {}
        for person in linked:
            people.setdefault(person.household_id or 0, []).append(person)
        mention = unit.level == UnitLevel.GRID and await _mentions_on(session, unit=unit)
        cluster_ids = {h.cluster_id for h, _ in rows if h.cluster_id is not None}
        named = (
            await clusters.names_of(session, cluster_ids=sorted(cluster_ids)) if unit.level == UnitLevel.GRID else {}
        )
        return MissingReport(
            unit=unit,
            day=day,
            households=households,
            missing=[MissingHousehold(h, grid, people.get(h.id or 0, [])) for h, grid in rows],
            mention=mention,
            clusters={cluster_id: cluster.name for cluster_id, cluster in named.items()},
        )


@dataclass(frozen=True)
class MonitoringDay:
    """Where a returnee is in their plan: day ``number`` (the start is day 0) of ``total``."""

    number: int
    total: int
    test_due: bool


def monitoring_day(returnee: Returnee, day: date) -> MonitoringDay:
    """Read from the plan stored with the returnee, so a later change of policy does not rewrite it."""
    start = returnee_plan.start(returnee)
    until = returnee.monitor_until or start
    return MonitoringDay(
        number=returnee_plan.day_number(returnee, day),
        total=(until - start).days,
        test_due=returnee_plan.test_due(returnee, day),
    )


@dataclass(frozen=True)
class Monitored:
    returnee: Returnee
    household: Household
    grid: Unit
    plan: MonitoringDay


@dataclass(frozen=True)
class ReturneeReport:
    unit: Unit
    day: date
    returnees: list[Monitored]


async def returnees_under_monitoring(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int], day: date
) -> ReturneeReport | Denied:
    """People under monitoring on ``day``: day N of M, and whether a test is due today."""
    async with factory() as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        rows = await status.monitored_returnees(session, root=unit, day=day)
    monitored = [Monitored(r, household, grid, monitoring_day(r, day)) for r, household, grid in rows]
    return ReturneeReport(unit=unit, day=day, returnees=monitored)


class Lookup(Enum):
    BAD_ADDRESS = auto()
    NOT_FOUND = auto()
    AMBIGUOUS = auto()


@dataclass(frozen=True)
class LookupFailed:
    """``/household`` found no single household: the address did not parse, matched none, or several."""

    reason: Lookup
    grids: Sequence[Unit] = ()


@dataclass(frozen=True)
class HouseholdHistory:
    household: Household
    grid: Unit
    since: date
    people: Sequence[Person]
    checkins: Sequence[CheckIn]
    orders: Sequence[tuple[SupplyOrder, list[OrderItem]]]
    returnees: Sequence[Returnee]
    #: Asked in a grid group, where residents read along: health details must go privately.
    residents_group: bool = False


async def _history(
    session: AsyncSession,
    *,
    household: Household,
    grid: Unit,
    day: date,
    viewer: int,
    shown: str,
    residents_group: bool = False,
) -> HouseholdHistory:
    """The history, written to the audit trail as seen by ``viewer`` (``shown``: privately in full, or masked in a group)."""
    since = day - timedelta(days=HISTORY_DAYS - 1)
    household_id = household.id or 0
    await audit.record(
        session,
        actor=audit.telegram_actor(viewer),
        action=audit.AuditAction.HOUSEHOLD,
        unit_id=grid.id,
        household_id=household_id,
        detail=shown,
    )
    placed = await orders.recent_orders(session, household_id=household_id, since=since)
    items = await orders.items_of(session, order_ids=[order.id for order in placed if order.id is not None])
    return HouseholdHistory(
        household=household,
        grid=grid,
        since=since,
        people=await status.linked_people(session, household_ids=[household_id]),
        checkins=await status.recent_checkins(session, household_id=household_id, since=since),
        orders=[(order, items[order.id or 0]) for order in placed],
        returnees=await status.recent_returnees(session, household_id=household_id, since=since),
        residents_group=residents_group,
    )


async def leader_household(
    session: AsyncSession, *, chat_id: int, user_id: int, admin_ids: frozenset[int], address: str
) -> tuple[Unit, Household, Unit] | LookupFailed | Denied:
    """The group's unit, if the sender leads it, and the one household at ``address`` in the grids
    below it, with its grid; or why not (a leader's commands about one household start here)."""
    unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
    if isinstance(unit, Denied):
        return unit
    parsed = normalise_address(address)
    if parsed is None:
        return LookupFailed(Lookup.BAD_ADDRESS)
    found = await status.households_at(session, root=unit, address_key=parsed.key())
    if not found:
        return LookupFailed(Lookup.NOT_FOUND)
    if len(found) > 1:
        return LookupFailed(Lookup.AMBIGUOUS, grids=[grid for _, grid in found])
    household, grid = found[0]
    return unit, household, grid


async def household_history(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    address: str,
    day: date,
) -> HouseholdHistory | LookupFailed | Denied:
    """The last week of one household at ``address`` below the group's unit."""
    async with transaction(factory) as session:
        found = await leader_household(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids, address=address)
        if isinstance(found, LookupFailed | Denied):
            return found
        unit, household, grid = found
        residents_group = unit.level == UnitLevel.GRID
        # A residents' group only hears that the details went privately; an officials' group reads them masked.
        shown = "private" if residents_group else f"masked in chat:{chat_id}"
        return await _history(
            session,
            household=household,
            grid=grid,
            day=day,
            viewer=user_id,
            shown=shown,
            residents_group=residents_group,
        )


async def household_history_by_id(
    factory: SessionFactory, *, household_id: int, user: KnownUser, admin_ids: frozenset[int], day: date
) -> HouseholdHistory | LookupFailed | Denied:
    """The same history, asked for privately through the deep link a residents' group was given.

    Following the link started the bot, so the person is remembered as reachable; the link itself
    grants nothing: the sender must still manage the household's grid.
    """
    user_id = user.user_id
    async with transaction(factory) as session:
        await people.remember_person(
            session, telegram_user_id=user_id, display_name=user.name, username=user.username, started_bot=True
        )
        found = await status.household_with_grid(session, household_id=household_id)
        if found is None:
            return LookupFailed(Lookup.NOT_FOUND)
        household, grid = found
        if not await may_manage(session, unit=grid, user_id=user_id, admin_ids=admin_ids):
            return Denied(Denial.REFUSED, grid)
        return await _history(session, household=household, grid=grid, day=day, viewer=user_id, shown="private")
