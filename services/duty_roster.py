"""The roster's optional duty tables: 结对 (pairs: grid, address, helper, frequency) and 消杀点位
(points: grid, place, frequency). Checked with the rest of the roster (every bad row reported, nothing
written), written in its transaction. A roster without one of these tables leaves what is stored of it
alone, so rosters made before them import unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from core.config import frequency_days
from services.roster_files import RosterRows, Row
from storage import duties
from storage.models import DisinfectionPoint, Household, Pairing, Unit
from understanding import normalise_address


@dataclass(frozen=True)
class PairRow:
    grid: str
    address_key: str
    helper_id: int | None
    helper_name: str
    every_days: int | None


@dataclass(frozen=True)
class PointRow:
    grid: str
    place: str
    every_days: int


@dataclass(frozen=True)
class DutyRows:
    pairs: list[PairRow] | None
    points: list[PointRow] | None


def _every(row: Row, problems: list[str], default: int | None) -> int | None:
    text = row.get("every")
    every = frequency_days(text) if text else default
    if text and every is None:
        problems.append(f"{row.where('every')}: {texts.ROSTER_BAD_FREQUENCY.format(value=text)}")
    return every


def _check_pair(row: Row, households: set[tuple[str, str]], problems: list[str]) -> PairRow | None:
    before = len(problems)
    grid, helper = row.get("grid"), row.get("helper")
    address = normalise_address(row.get("address")) if row.get("address") else None
    if address is None:
        problems.append(f"{row.where('address')}: {texts.ROSTER_BAD_ADDRESS.format(value=row.get('address'))}")
    elif (grid, address.key()) not in households:
        problems.append(f"{row.where('address')}: {texts.ROSTER_PAIR_NO_HOUSEHOLD.format(value=row.get('address'))}")
    if not helper:
        problems.append(f"{row.where('helper')}: {texts.ROSTER_REQUIRED}")
    every = _every(row, problems, None)
    if len(problems) > before or address is None:
        return None
    helper_id = int(helper) if helper.isdigit() else None
    return PairRow(grid, address.key(), helper_id, "" if helper_id else helper[:64], every)


def _check_point(row: Row, grid_codes: set[str], problems: list[str]) -> PointRow | None:
    before = len(problems)
    grid, place = row.get("grid"), row.get("place")
    if grid not in grid_codes:
        problems.append(f"{row.where('grid')}: {texts.ROSTER_UNKNOWN_GRID.format(value=grid)}")
    if not place or len(place) > 64:
        problems.append(f"{row.where('place')}: {texts.ROSTER_REQUIRED}")
    every = _every(row, problems, 1)
    return PointRow(grid, place, every or 1) if len(problems) == before else None


def check_duty_rows(
    rows: RosterRows, grid_codes: set[str], households: set[tuple[str, str]], problems: list[str]
) -> DutyRows:
    """The pairs and points of the roster, each bad row a line in ``problems``; ``households`` are
    the roster's (grid code, address key) pairs: a pairing names a household of the roster."""
    pairs = points = None
    if rows.pairs is not None:
        pairs = [p for row in rows.pairs if (p := _check_pair(row, households, problems)) is not None]
    if rows.points is not None:
        points = [q for row in rows.points if (q := _check_point(row, grid_codes, problems)) is not None]
    return DutyRows(pairs, points)


async def write_duty_rows(session: AsyncSession, *, parsed: DutyRows, grids: dict[str, Unit], today: date) -> None:
    """Write the pairs and points of the grids the tables name (other grids' stay as they are)."""
    if parsed.pairs is not None:
        await session.flush()  # the households just written have their ids
        grid_ids = sorted({grids[p.grid].id or 0 for p in parsed.pairs})
        found = await session.exec(select(Household).where(col(Household.grid_id).in_(grid_ids)))
        ids = {(h.grid_id, h.address_key): h.id or 0 for h in found}
        pairings = [
            Pairing(
                grid_id=grids[p.grid].id or 0, household_id=ids[(grids[p.grid].id or 0, p.address_key)],
                helper_key=duties.helper_key(helper_id=p.helper_id, helper_name=p.helper_name),
                helper_id=p.helper_id, helper_name=p.helper_name, every_days=p.every_days, paired_on=today,
            )
            for p in parsed.pairs
        ]  # fmt: skip
        await duties.sync_roster_pairings(session, grid_ids=grid_ids, pairings=pairings)
    if parsed.points is not None:
        point_grids = sorted({grids[p.grid].id or 0 for p in parsed.points})
        points = [
            DisinfectionPoint(grid_id=grids[p.grid].id or 0, place=p.place, every_days=p.every_days)
            for p in parsed.points
        ]
        await duties.replace_points(session, grid_ids=point_grids, points=points)
