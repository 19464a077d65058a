"""A village for the benchmarks that run ``gridbot run`` against the sandbox: its roster, its grid
groups and village group in the sandbox, bound, with residents linked to their households, the
bot's config, and the sandbox's reactions stamped as they land.

Imported by the benchmark scripts as a sibling module (``python benchmarks/x.py`` puts this folder
first on ``sys.path``).
"""

from __future__ import annotations

import time as clock
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from scratch_db import empty

ADMIN, VILLAGE_LEADER = 1, 10


def grid_leader(grid: int) -> int:
    return 11 + grid


def resident_id(grid: int, n: int) -> int:
    return 1000 + 1000 * grid + n


def addresses() -> list[str]:
    """300 flats: buildings 1-10, units 1-3, floors 1-5, rooms 01-02."""
    return [f"{b}-{u}-{f}0{r}" for b in range(1, 11) for u in range(1, 4) for f in range(1, 6) for r in (1, 2)]


@dataclass
class World:
    grids: list[int]  # chat ids, by grid number
    village: int
    addresses: list[str]


@dataclass
class Stamps:
    """When each message was injected and when the bot first reacted to it (perf_counter), by (chat, message)."""

    injected: dict[tuple[int, int], float] = field(default_factory=dict)
    reacted: dict[tuple[int, int], float] = field(default_factory=dict)


class StampedReactions(list[Any]):
    """The sandbox's reaction log, stamping each reaction as the bot's request lands."""

    def __init__(self, stamps: Stamps) -> None:
        super().__init__()
        self._stamps = stamps

    def append(self, reaction: Any) -> None:
        self._stamps.reacted.setdefault((reaction.chat_id, reaction.message_id), clock.perf_counter())
        super().append(reaction)


async def setup(url: str, sandbox: Any, *, grids: int, linked: int, unlinked: int = 0) -> World:
    """An empty database with the village's roster (300 households a grid), and in the sandbox a
    bound group per grid whose first ``linked`` residents are linked to households 1..linked and
    whose next ``unlinked`` are not, and the bound village group of the grid leaders."""
    from sandbox import actions
    from services.binding import bind_chat
    from services.roster import import_rows
    from services.roster_files import RosterRows, Row
    from storage.db import session_factory, transaction

    def rows(sheet: str, columns: list[str], values: Sequence[tuple[str, ...]]) -> list[Row]:
        headers = {column: column for column in columns}
        return [
            Row(sheet=sheet, line=n, cells=dict(zip(columns, v, strict=True)), headers=headers)
            for n, v in enumerate(values, start=2)
        ]

    flats = addresses()
    units = [("S", "浸泡镇", "town", "", ""), ("S-V", "浸泡村", "village", "S", str(VILLAGE_LEADER))]
    units += [(f"S-V-G{g}", f"浸泡{g}网格", "grid", "S-V", str(grid_leader(g))) for g in range(grids)]
    households = [
        (f"S-V-G{g}", address, f"户主{g}-{n}", f"1380000{g}{n:03d}", "3")
        for g in range(grids)
        for n, address in enumerate(flats)
    ]
    engine = await empty(url)
    sessions = session_factory(engine)
    async with transaction(sessions) as session:
        await import_rows(
            session,
            rows=RosterRows(
                units=rows("units", ["code", "name", "level", "parent", "leaders"], units),
                households=rows("households", ["grid", "address", "head", "phone", "members"], households),
            ),
        )
    state = sandbox.state
    leaders = [grid_leader(g) for g in range(grids)]
    for user_id in (ADMIN, VILLAGE_LEADER, *leaders):
        actions.create_user(state, first_name=f"干部{user_id}", user_id=user_id)
    chats = []
    for g in range(grids):
        members = [resident_id(g, n) for n in range(linked + unlinked)]
        for user_id in members:
            actions.create_user(state, first_name=f"居民{user_id}", user_id=user_id)
        chat = actions.create_group(state, title=f"浸泡{g}网格群", members=members, admins=[grid_leader(g)])
        actions.add_bot_to_group(state, chat.id, by=grid_leader(g), as_admin=True)
        await bind_chat(
            sessions, chat_id=chat.id, title="g", code=f"S-V-G{g}", user_id=ADMIN, admin_ids=frozenset({ADMIN})
        )
        chats.append(chat.id)
        async with transaction(sessions) as session:
            for n in range(linked):
                await _link(session, resident_id(g, n), grid=g, address=flats[n])
    village = actions.create_group(state, title="浸泡村群", members=leaders, admins=[VILLAGE_LEADER])
    actions.add_bot_to_group(state, village.id, by=VILLAGE_LEADER, as_admin=True)
    await bind_chat(sessions, chat_id=village.id, title="v", code="S-V", user_id=ADMIN, admin_ids=frozenset({ADMIN}))
    await engine.dispose()
    return World(grids=chats, village=village.id, addresses=flats)


async def _link(session: Any, user_id: int, *, grid: int, address: str) -> None:
    """A confirmed link of a Telegram user to a household (as a leader's 关联 makes)."""
    from sqlmodel import col, select

    from storage.links import set_household
    from storage.models import Household, Unit
    from storage.people import remember_person

    found = await session.exec(
        select(Household.id)
        .join(Unit, col(Unit.id) == col(Household.grid_id))
        .where(Household.address == address, Unit.code == f"S-V-G{grid}")
    )
    household_id = found.first()
    assert household_id is not None
    person = await remember_person(session, telegram_user_id=user_id, display_name=f"居民{user_id}", username=None)
    await set_household(session, person=person, household_id=int(household_id))


def write_config(
    path: Path, *, sandbox: Any, database_url: str, flood: bool = False, digests_at: time = time(23, 59, 59)
) -> Path:
    """The bot process's config: the sandbox as Telegram (paced by Telegram's limits if ``flood``),
    in UTC, the schedule on the wall clock with every digest at ``digests_at`` and no reminders."""
    at = digests_at.strftime("%H:%M:%S")
    path.write_text(
        'timezone = "UTC"\n'
        "[telegram]\n"
        f'token = "{sandbox.token}"\n'
        f'base_url = "{sandbox.bot_base_url}"\n'
        f'base_file_url = "{sandbox.file_base_url}"\n'
        f"[telegram.flood]\nenabled = {'true' if flood else 'false'}\n"
        f'[database]\nurl = "{database_url}"\n'
        f"[admins]\nuser_ids = [{ADMIN}]\n"
        "[schedule]\nenabled = true\nreminders = []\n"
        f'grid_report = "{at}"\nvillage_digest = "{at}"\ntown_digest = "{at}"\n',
        encoding="utf-8",
    )
    return path
