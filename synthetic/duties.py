"""The synthetic county's standing duties (issue #14), after its households exist: care tags on
about 8% of households, a pairing for each tagged household (a helper per village), a week of visits
to them (a few finding a concern), three disinfection points per grid and a week of disinfections.

Kept apart from ``synthetic.county``'s day so that its figures and ids stay as they were; visits and
disinfections point at messages of their own, numbered after the county's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel, col, func

from storage.db import SessionFactory, transaction
from storage.models import (
    DisinfectionPoint,
    DisinfectionRecord,
    Household,
    MessageRecord,
    Pairing,
    Unit,
    UnitLevel,
    VisitRecord,
)

#: Care tags and their share of tagged households (独居老人 visited weekly, the others fortnightly or monthly).
TAGS = (("独居老人", 4), ("慢病", 3), ("低保", 2), ("残疾", 1))
TAGGED_SHARE = 0.08
POINTS = (("垃圾站", 1), ("电梯", 1), ("楼道", 7))
CHUNK = 5000


@dataclass(frozen=True)
class DutySummary:
    pairings: int
    visits: int
    disinfections: int


async def _insert(connection: AsyncConnection, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    table: Any = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), CHUNK):
        await connection.execute(sa.insert(table), list(rows[start : start + CHUNK]))


async def _messages(connection: AsyncConnection, rows: list[dict[str, Any]], first_id: int) -> dict[int, int]:
    """Insert the messages (their ``message_id`` from ``first_id`` on) and map message_id → row id."""
    for offset, row in enumerate(rows):
        row["message_id"] = row["update_id"] = first_id + offset
    await _insert(connection, MessageRecord, rows)
    result = await connection.execute(
        sa.select(col(MessageRecord.message_id), col(MessageRecord.id)).where(col(MessageRecord.message_id) >= first_id)
    )
    return {int(message_id): int(row_id or 0) for message_id, row_id in result}


def _message(grid_id: int, household_id: int | None, kind: str, text: str, on: date) -> dict[str, Any]:
    return {"chat_id": -2_000_000_000_000 - grid_id, "sender_id": 30_000_000 + grid_id, "grid_id": grid_id,
            "household_id": household_id, "kind": kind, "text": text, "parsed": "{}", "day": on,
            "sent_at": datetime.combine(on, time(2), UTC)}  # fmt: skip


async def _tag_and_pair(connection: AsyncConnection, rng: random.Random, day: date) -> list[tuple[int, int, str, str]]:
    """Tag a share of households and pair each with its village's helper: (grid, household, address, tag)."""
    households: list[Any] = list((await connection.execute(
        sa.select(col(Household.id), col(Household.grid_id), col(Household.address), col(Unit.parent_id), col(Household.tags))
        .join(Unit, col(Unit.id) == col(Household.grid_id)).order_by(col(Household.id))
    )).all())  # fmt: skip
    names, weights = [tag for tag, _ in TAGS], [weight for _, weight in TAGS]
    # Households another generator tagged already (需上门核酸 for a campaign) keep their tags.
    tagged = [(h, rng.choices(names, weights)[0]) for h in households if rng.random() < TAGGED_SHARE and not h[4]]
    for tag in names:
        ids = [int(h[0]) for h, t in tagged if t == tag]
        for start in range(0, len(ids), CHUNK):
            await connection.execute(
                sa.update(Household).where(col(Household.id).in_(ids[start : start + CHUNK])).values(tags=tag)
            )
    await _insert(connection, Pairing, [
        {"grid_id": h[1], "household_id": h[0], "helper_key": f"tg:{40_000_000 + h[3]}",
         "helper_id": 40_000_000 + h[3], "helper_name": f"志愿者{h[3]}", "every_days": None,
         "paired_on": day - timedelta(days=30), "source": "roster"}
        for h, _tag in tagged
    ])  # fmt: skip
    return [(int(h[1]), int(h[0]), h[2], tag) for h, tag in tagged]


async def generate_duties(factory: SessionFactory, *, day: date, seed: int = 1) -> DutySummary:
    """Write the duties of the week ending ``day`` for every grid and household already in the database."""
    rng = random.Random(seed)
    week = [day - timedelta(days=n) for n in range(6, -1, -1)]
    async with transaction(factory) as session:
        connection = await session.connection()
        paired = await _tag_and_pair(connection, rng, day)
        grids: list[int] = [int(g or 0) for (g,) in await connection.execute(
            sa.select(col(Unit.id)).where(col(Unit.level) == UnitLevel.GRID).order_by(col(Unit.id))
        )]  # fmt: skip
        await _insert(connection, DisinfectionPoint, [
            {"grid_id": grid, "place": place, "every_days": every} for grid in grids for place, every in POINTS
        ])  # fmt: skip
        visits = [(g, h, a, rng.choice(week), rng.random() < 0.03) for g, h, a, _t in paired if rng.random() < 0.7]
        done = [(grid, on, place) for grid in grids for on in week for place, every in POINTS
                if rng.random() < (0.9 if every == 1 else 0.15)]  # fmt: skip
        messages = [_message(g, h, "visit", f"走访{a}", on) for g, h, a, on, _c in visits]
        messages += [_message(grid, None, "disinfection", f"消杀 {place}", on) for grid, on, place in done]
        first = (
            int(
                (
                    await connection.execute(sa.select(func.coalesce(func.max(col(MessageRecord.message_id)), 0)))
                ).scalar_one()
            )
            + 1
        )
        ids = await _messages(connection, messages, first)
        await _insert(connection, VisitRecord, [
            {"grid_id": g, "household_id": h, "message_id": ids[first + n], "day": on, "visitor_id": 40_000_000,
             "visitor_name": "志愿者", "name": None, "help": "medicine,health" if concern else "company",
             "concern": concern}
            for n, (g, h, _a, on, concern) in enumerate(visits)
        ])  # fmt: skip
        offset = first + len(visits)
        await _insert(connection, DisinfectionRecord, [
            {"grid_id": grid, "message_id": ids[offset + n], "day": on, "reporter_id": 30_000_000 + grid,
             "place": f"{rng.randrange(1, 3)}号楼{place}" if place != "垃圾站" else place, "method": "spray",
             "agent": "84消毒液", "operator": "保洁员"}
            for n, (grid, on, place) in enumerate(done)
        ])  # fmt: skip
    return DutySummary(pairings=len(paired), visits=len(visits), disinfections=len(done))
