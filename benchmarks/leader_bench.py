"""Leader commands on the synthetic county (20 towns, 400 villages, 4,000 grids, 300,000 households).

    python benchmarks/leader_bench.py [--postgres postgresql+asyncpg://...] [--sqlite PATH]

For each database: generate the county (``gridbot generate county``), bind a group to the first
grid, village and town, then time what each command does between the update and the reply:
the service call (SQL) and rendering the HTML messages, as a grid leader, a village secretary and
a town official would run them, after ANALYZE. Each figure is the best of five runs.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

from scratch_db import add_database_options, generate_county, on_each_database
from sqlalchemy import text

DAY = date(2025, 12, 1)
AT = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)
ADMIN = 1
RUNS = 5


async def _best(work: Callable[[], Awaitable[list[str]]]) -> tuple[float, int]:
    """The fastest of ``RUNS`` runs, in milliseconds, and how many messages the reply takes."""
    timings, parts = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        parts = len(await work())
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000, parts


def _allowed(result: Any) -> Any:
    """The benchmark runs as an admin: a refusal would mean it measured nothing."""
    from services.leader_scope import Denied

    assert not isinstance(result, Denied), result
    return result


async def measure(url: str) -> None:
    from sqlmodel import col, select

    from core.config import Settings
    from handlers import leader_format as view
    from services import grid_status, orders
    from storage import bindings
    from storage.db import create_engine, session_factory, transaction
    from storage.models import Household, Unit, UnitLevel
    from storage.status import active_households

    settings = Settings()
    engine = create_engine(url)
    async with engine.begin() as connection:
        # Fresh bulk-loaded tables have no planner statistics yet (autovacuum would gather them
        # within minutes); without them PostgreSQL picks scans that cost a town's /status 3 s.
        await connection.execute(text("ANALYZE"))
    factory = session_factory(engine)
    bound: list[tuple[int, Unit, int]] = []
    async with transaction(factory) as session:
        for chat_id, level in enumerate((UnitLevel.GRID, UnitLevel.VILLAGE, UnitLevel.TOWN), start=1):
            unit = (await session.exec(select(Unit).where(Unit.level == level).order_by(col(Unit.path)))).first()
            assert unit is not None and unit.id is not None
            await bindings.upsert_binding(session, chat_id=-chat_id, unit_id=unit.id, title=unit.name, bound_by=ADMIN)
            bound.append((-chat_id, unit, await active_households(session, root=unit)))
        grid_id = bound[0][1].id
        household = (await session.exec(select(Household).where(Household.grid_id == grid_id))).first()
        assert household is not None
    admins = frozenset({ADMIN})

    for chat_id, unit, households in bound:
        scope = {"chat_id": chat_id, "user_id": ADMIN, "admin_ids": admins}

        async def status(scope: dict[str, object] = scope) -> list[str]:
            report = await grid_status.unit_status(factory, **scope, day=DAY, settings=settings, now=AT)
            return view.status_messages(_allowed(report))

        async def missing(scope: dict[str, object] = scope) -> list[str]:
            report = await grid_status.missing_checkins(factory, **scope, day=DAY)
            return view.missing_messages(_allowed(report))

        async def pending(scope: dict[str, object] = scope) -> list[str]:
            return view.orders_messages(_allowed(await orders.list_orders(factory, **scope)))

        async def returnees(scope: dict[str, object] = scope) -> list[str]:
            report = await grid_status.returnees_under_monitoring(factory, **scope, day=DAY)
            return view.returnees_messages(_allowed(report))

        async def history(scope: dict[str, object] = scope) -> list[str]:
            found = await grid_status.household_history(factory, **scope, address=household.address, day=DAY)
            return view.household_messages(_allowed(found), masked=False, today=DAY)

        commands = {"/status": status, "/missing": missing, "/orders": pending, "/returnees": returnees}
        if unit.level == UnitLevel.GRID:
            commands["/household"] = history
        print(f"  {unit.level} {unit.code} ({households} households):")
        for command, work in commands.items():
            milliseconds, parts = await _best(work)
            print(f"    {command:<11} {milliseconds:7.1f} ms  ({parts} message{'s' if parts != 1 else ''})")
    await engine.dispose()


def run(label: str, url: str) -> None:
    generate_county(label, url, DAY)
    asyncio.run(measure(url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_options(parser)
    args = parser.parse_args()
    on_each_database(args, run)


if __name__ == "__main__":
    main()
