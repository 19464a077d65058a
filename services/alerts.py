"""Who must hear about an anomaly (特殊情况及时报告), and what each audience may be told.

An abnormal check-in reaches the grid's leaders privately, in full, and the village group with
the name masked and no phone or ID; the residents' grid group never hears health details. A
leader the bot cannot write to (they never pressed Start) gets a one-tap link in the grid group,
once a day, that says nothing about anyone's health. The texts themselves are the handlers' job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import audit, bindings, orders, people, records, units
from storage.db import SessionFactory, transaction
from storage.models import CheckIn, Household, OrderItem, SupplyOrder, Unit, UnitLevel, VisitRecord

#: The nudge reason under which the "open private alerts" link is posted for a leader.
LINK_REASON = "alert_link"
#: The ``/start`` payload of that link.
START_PAYLOAD = "alerts"


@dataclass(frozen=True)
class Audience:
    """Where an alert goes: leaders privately, the village group masked, the grid group only the link."""

    leaders: tuple[int, ...]
    grid_chat_id: int | None
    village_chat_id: int | None


@dataclass(frozen=True)
class CheckinAlert:
    audience: Audience
    grid: Unit
    household: Household
    checkin: CheckIn
    #: Who the check-in is about: the name written, else the roster's head of household.
    name: str
    text: str


@dataclass(frozen=True)
class CheckinCleared:
    """An abnormal check-in day that an edit or a correction made normal again (or took away):
    whoever its alerts went to hears of the correction, told as the alert told them."""

    grid: Unit
    household: Household
    day: date
    #: The day as it is now; None when no check-in of it is left.
    checkin: CheckIn | None
    name: str


@dataclass(frozen=True)
class VisitAlert:
    """A visit that found something needing follow-up: the household, whom, who visited, what was said."""

    audience: Audience
    grid: Unit
    household: Household
    visit: VisitRecord
    #: Who was visited: the name written, else the roster's head of household.
    name: str
    text: str


@dataclass(frozen=True)
class OrderAlert:
    audience: Audience
    grid: Unit
    household: Household
    order: SupplyOrder
    items: tuple[OrderItem, ...]
    name: str


async def _chat_of(session: AsyncSession, unit_id: int | None) -> int | None:
    binding = None if unit_id is None else await bindings.active_binding_of_unit(session, unit_id=unit_id)
    return None if binding is None else binding.chat_id


async def audience(
    session: AsyncSession, *, grid: Unit, household: Household, about: str, village: bool = False
) -> Audience:
    """The grid's leaders, its residents' group and, for what it may hear of (``village``: an
    abnormal check-in, masked), its village's group; those told about ``household`` (the leaders
    in full, the village group masked) are written to the audit trail, and only they."""
    assert grid.id is not None
    chosen = Audience(
        leaders=tuple(await units.leaders_of(session, unit_id=grid.id)),
        grid_chat_id=await _chat_of(session, grid.id),
        village_chat_id=await _chat_of(session, grid.parent_id) if village else None,
    )
    told = [(audit.telegram_actor(leader), about) for leader in chosen.leaders]
    if chosen.village_chat_id is not None:
        told.append((audit.chat_actor(chosen.village_chat_id), f"{about}, masked"))
    for actor, detail in told:
        await audit.record(
            session,
            actor=actor,
            action=audit.AuditAction.ALERT,
            unit_id=grid.id,
            household_id=household.id,
            detail=detail,
        )
    return chosen


async def claim_alert_links(factory: SessionFactory, *, user_ids: Sequence[int], day: date) -> list[int]:
    """Of the leaders an alert could not reach, those not yet offered the Start link today."""
    claimed = []
    async with transaction(factory) as session:
        for user_id in user_ids:
            if await records.claim_nudge(session, telegram_user_id=user_id, reason=LINK_REASON, day=day):
                claimed.append(user_id)
    return claimed


@dataclass(frozen=True)
class Missed:
    """What a leader who just opened private alerts missed today in the grids they lead."""

    checkins: Sequence[tuple[CheckIn, Household, Unit]] = ()
    #: Urgent orders still to deliver, each with its items.
    orders: Sequence[tuple[SupplyOrder, Household, Unit, Sequence[OrderItem]]] = ()


async def open_alerts(factory: SessionFactory, *, user_id: int, name: str, username: str | None, day: date) -> Missed:
    """A leader pressed the Start link: they can be written to now, and get what they missed
    today in every grid they lead (directly or from above): the abnormal check-ins so far, and
    the urgent orders not yet delivered."""
    async with transaction(factory) as session:
        await people.remember_person(
            session, telegram_user_id=user_id, display_name=name, username=username, started_bot=True
        )
        led = [unit for unit_id in await units.leader_unit_ids(session, telegram_user_id=user_id)
               if (unit := await units.get_unit(session, unit_id=unit_id)) is not None]  # fmt: skip
        grid_ids = sorted({
            below.id
            for unit in led
            for below in await units.subtree(session, root=unit)
            if below.level == UnitLevel.GRID and below.id is not None
        })  # fmt: skip
        if not grid_ids:
            return Missed()
        checkins = await records.abnormal_checkins(session, grid_ids=grid_ids, day=day)
        urgent = await orders.urgent_orders(session, grid_ids=grid_ids, day=day)
        items = await orders.items_of(session, order_ids=[order.id for order, _, _ in urgent if order.id is not None])
        told = [("checkin", household, grid) for _checkin, household, grid in checkins]
        told += [("urgent order", household, grid) for _order, household, grid in urgent]
        for about, household, grid in told:
            await audit.record(
                session, actor=audit.telegram_actor(user_id), action=audit.AuditAction.ALERT,
                unit_id=grid.id, household_id=household.id, detail=f"{about}, start link",
            )  # fmt: skip
        return Missed(checkins, [(order, household, grid, items[order.id or 0]) for order, household, grid in urgent])
