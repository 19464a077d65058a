"""结对帮困: pairings of helpers with households, and the rhythm of their visits (主动频次保障).

A paired household is visited at least every N days: N is the pairing's own frequency, else the
smallest ``[policy.visits]`` entry among the household's tags (独居老人 = 7), else its ``default``
(``DEFAULT_VISIT_DAYS``). Its deadline is N days after its last visit (by anyone: a visit is the
household's), or after the day it was paired if it was never visited. Weeks run Monday to Sunday:

* **due this week**: the deadline as the week began (from the last visit before Monday) falls by Sunday;
* **done**: a household due this week that has had a visit since Monday;
* **overdue**: the deadline, from the latest visit, has passed.

Visits themselves are records like the others (a ``visit`` message, or ``/visit``, which goes
through the same path: ``services.records.visit``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum, auto

from core.config import DEFAULT_VISIT_DAYS, Settings
from core.formatting import mask_name
from services.leader_scope import Denied, leader_unit
from services.linking import KnownUser, Link, LinkOutcome, grid_household
from storage import duties, links, people, units
from storage.db import SessionFactory, transaction
from storage.duties import ConcernRow, PairingRow
from storage.models import Household, Pairing, Unit, UnitLevel


@functools.lru_cache(maxsize=16)
def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of ``day``'s week (asked for every paired household of a county: cached)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def visit_days(tags: str, every_days: int | None, policy: Mapping[str, int]) -> int:
    """Days between visits: the pairing's own, else the household's most frequent tag, else the default."""
    if every_days is not None:
        return every_days
    by_tag = [policy[tag] for tag in tags.split(";") if tag and tag in policy]
    return min(by_tag, default=policy.get("default", DEFAULT_VISIT_DAYS))


@dataclass(frozen=True)
class Helper:
    user_id: int | None
    name: str


@dataclass(frozen=True)
class Rhythm:
    """Where a paired household stands in its rhythm of visits."""

    every_days: int
    paired_on: date
    last_before_week: date | None
    last_visit: date | None

    @property
    def deadline(self) -> date:
        return (self.last_visit or self.paired_on) + timedelta(days=self.every_days)

    def overdue(self, day: date) -> bool:
        return self.deadline < day

    def due_this_week(self, day: date) -> bool:
        return (self.last_before_week or self.paired_on) + timedelta(days=self.every_days) <= week_of(day)[1]

    def done_this_week(self, day: date) -> bool:
        return self.last_visit is not None and self.last_visit >= week_of(day)[0]

    def still_due(self, day: date) -> bool:
        """A visit is still wanted by Sunday: the current deadline falls within the week."""
        return self.deadline <= week_of(day)[1]


@dataclass(frozen=True)
class PairedHousehold:
    """A household with its helpers and its rhythm of visits."""

    grid_id: int
    household_id: int
    address: str
    head: str | None
    tags: str
    address_key: str
    helpers: tuple[Helper, ...]
    rhythm: Rhythm


def paired_households(rows: Sequence[PairingRow], policy: Mapping[str, int]) -> list[PairedHousehold]:
    """One entry per household (rows come by household), its frequency the most frequent of its pairings."""
    grouped: dict[int, list[PairingRow]] = {}
    for row in rows:
        grouped.setdefault(row.household_id, []).append(row)
    households = []
    for pairings in grouped.values():
        first = pairings[0]
        rhythm = Rhythm(
            every_days=min(visit_days(p.tags, p.every_days, policy) for p in pairings),
            paired_on=min(p.paired_on for p in pairings),
            last_before_week=first.last_before_week,
            last_visit=first.last_visit,
        )
        households.append(
            PairedHousehold(
                grid_id=first.grid_id, household_id=first.household_id, address=first.address, head=first.head,
                tags=first.tags, address_key=first.address_key,
                helpers=tuple(Helper(p.helper_id, p.helper_name) for p in pairings), rhythm=rhythm,
            )
        )  # fmt: skip
    return households


async def rhythms(
    factory: SessionFactory, *, root_path: str | None, day: date, settings: Settings
) -> list[tuple[int, Rhythm]]:
    """Every paired household's grid and rhythm (what the reports count; one light row each)."""
    async with factory() as session:
        rows = await duties.rhythm_rows(session, root_path=root_path, monday=week_of(day)[0], day=day)
    policy = settings.policy.visits
    by_tags_days: dict[str, int] = {}  # a county has few distinct tag sets
    result = []
    for grid_id, tags, every, by_tags, paired_on, before_week, last in rows:
        days = [every] if every is not None else []
        if by_tags:
            if tags not in by_tags_days:
                by_tags_days[tags] = visit_days(tags, None, policy)
            days.append(by_tags_days[tags])
        result.append((grid_id, Rhythm(min(days), paired_on, before_week, last)))
    return result


async def load_paired(
    factory: SessionFactory, *, root_path: str | None, day: date, settings: Settings
) -> list[PairedHousehold]:
    async with factory() as session:
        rows = await duties.pairing_rows(session, root_path=root_path, monday=week_of(day)[0], day=day)
    return paired_households(rows, settings.policy.visits)


# --- /pair ------------------------------------------------------------------------------------


class Pair(Enum):
    """What /pair did; why it did nothing is a ``Link`` (the same reasons as /link's)."""

    PAIRED = auto()
    UPDATED = auto()


@dataclass(frozen=True)
class PairOutcome:
    result: Pair | Link
    helper: str = ""
    household: Household | None = None
    every_days: int | None = None


async def pair_helper(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    target: KnownUser | str,
    address: str,
    every_days: int | None,
    day: date,
) -> PairOutcome | Denied:
    """``/pair @user 3-2-501 [7]`` in a grid group: its leader pairs a helper with a household."""
    household = await grid_household(factory, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids, address=address)
    if isinstance(household, Denied):
        return household
    if isinstance(household, LinkOutcome):
        return PairOutcome(household.result)
    assert household.id is not None
    async with transaction(factory) as session:
        if isinstance(target, KnownUser):
            person = await people.remember_person(
                session, telegram_user_id=target.user_id, display_name=target.name, username=target.username
            )
        else:
            found = await links.person_by_username(session, username=target)
            if found is None:
                return PairOutcome(Link.UNKNOWN_USERNAME, helper=target)
            person = found
        pairing = Pairing(
            grid_id=household.grid_id, household_id=household.id, paired_on=day, every_days=every_days,
            helper_id=person.telegram_user_id, helper_name=person.display_name[:64], source="command",
            helper_key=duties.helper_key(helper_id=person.telegram_user_id, helper_name=""),
        )  # fmt: skip
        new = await duties.add_pairing(session, pairing=pairing)
    return PairOutcome(Pair.PAIRED if new else Pair.UPDATED, person.display_name, household, every_days)


# --- /visits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcernDetail:
    """A visit that found a concern, the household's head masked."""

    grid_id: int
    day: date
    address: str
    head: str
    help: str | None
    visitor: str


def concern_detail(row: ConcernRow) -> ConcernDetail:
    return ConcernDetail(
        grid_id=row.grid_id, day=row.day, address=row.address, head=mask_name(row.head or ""), help=row.help,
        visitor=mask_name(row.visitor_name),
    )  # fmt: skip


@dataclass(frozen=True)
class VisitsReport:
    """/visits: the unit's paired households due or overdue this week, and the week's concerns."""

    unit: Unit
    day: date
    paired: int
    overdue: list[PairedHousehold]
    due: list[PairedHousehold]
    done: int
    concerns: list[ConcernDetail] = field(default_factory=list)
    grid_names: dict[int, str] = field(default_factory=dict)


async def visits_report(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int], day: date, settings: Settings
) -> VisitsReport | Denied:
    async with factory() as session:
        unit = await leader_unit(session, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
        if isinstance(unit, Denied):
            return unit
        monday = week_of(day)[0]
        concerns = await duties.concern_rows(session, root_path=unit.path, start=monday, end=day)
        below = await units.subtree(session, root=unit)
        names = {grid.id or 0: grid.name for grid in below if grid.level == UnitLevel.GRID}
    paired = await load_paired(factory, root_path=unit.path, day=day, settings=settings)
    return VisitsReport(
        unit=unit,
        day=day,
        paired=len(paired),
        overdue=sorted((p for p in paired if p.rhythm.overdue(day)), key=lambda p: p.rhythm.deadline),
        due=sorted(
            (p for p in paired if not p.rhythm.overdue(day) and p.rhythm.still_due(day)),
            key=lambda p: p.rhythm.deadline,
        ),
        done=sum(1 for p in paired if p.rhythm.due_this_week(day) and p.rhythm.done_this_week(day)),
        concerns=[concern_detail(row) for row in concerns],
        grid_names=names,
    )
