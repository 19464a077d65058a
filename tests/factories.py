"""A small roster for tests: one town, two villages, three grids, a few households each."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from core.config import Settings
from demo.playground import Playground
from services.roster import import_rows
from services.roster_files import RosterRows, Row
from storage.db import SessionFactory, transaction
from storage.links import set_household
from storage.models import (
    CheckIn,
    Household,
    MessageRecord,
    OrderItem,
    Person,
    Returnee,
    SupplyOrder,
    UnitReport,
)
from storage.people import remember_person
from storage.units import get_unit_by_code

ADMIN = 7000
TOWN_LEADER, VILLAGE_LEADER, GRID_LEADER, OTHER_GRID_LEADER, OTHER_VILLAGE_LEADER = 1001, 1002, 1003, 1004, 1005
RESIDENT, STRANGER = 5001, 5999

UNITS = [
    ("T1", "杨柳青镇", "town", "", TOWN_LEADER),
    ("T1-V1", "西头岭村", "village", "T1", VILLAGE_LEADER),
    ("T1-V1-G1", "第一网格", "grid", "T1-V1", GRID_LEADER),
    ("T1-V1-G2", "第二网格", "grid", "T1-V1", OTHER_GRID_LEADER),
    ("T1-V2", "东头岭村", "village", "T1", OTHER_VILLAGE_LEADER),
    ("T1-V2-G1", "东一网格", "grid", "T1-V2", 1006),
]
HOUSEHOLDS = [
    ("T1-V1-G1", "3-2-501", "张三", "13812345678", "4"),
    ("T1-V1-G1", "3-2-502", "李四", "", "1"),
    ("T1-V1-G1", "3-1-101", "王五", "13900001111", "2"),
    ("T1-V1-G2", "5-1-301", "赵六", "", "3"),
    ("T1-V2-G1", "五组12号", "孙七", "", "2"),
]


def _rows(sheet: str, columns: list[str], values: list[tuple[object, ...]]) -> list[Row]:
    headers = {column: column for column in columns}
    return [
        Row(sheet=sheet, line=line, cells=dict(zip(columns, map(str, row), strict=True)), headers=headers)
        for line, row in enumerate(values, start=2)
    ]


async def seed_roster(sessions: SessionFactory) -> None:
    """Import the test roster through the same service the CLI uses."""
    rows = RosterRows(
        units=_rows("units", ["code", "name", "level", "parent", "leaders"], list(UNITS)),
        households=_rows("households", ["grid", "address", "head", "phone", "members"], list(HOUSEHOLDS)),
    )
    async with transaction(sessions) as session:
        await import_rows(session, rows=rows)


# --- records (check-ins, orders, returnees, confirmations), written directly as rows ----------

_message_ids = iter(range(900_000, 10**9))


async def _grid_household(session: AsyncSession, grid_code: str, address: str) -> tuple[int, int]:
    grid = await get_unit_by_code(session, code=grid_code)
    assert grid is not None and grid.id is not None, grid_code
    household = (
        await session.exec(select(Household).where(Household.grid_id == grid.id, Household.address == address))
    ).one()
    assert household.id is not None
    return grid.id, household.id


async def _message(
    session: AsyncSession,
    grid_id: int,
    household_id: int,
    kind: str,
    day: date,
    *,
    chat_id: int = -1,
    sender_id: int = RESIDENT,
) -> int:
    message_id = next(_message_ids)
    row = MessageRecord(
        chat_id=chat_id,
        message_id=message_id,
        update_id=message_id,
        sender_id=sender_id,
        grid_id=grid_id,
        household_id=household_id,
        kind=kind,
        text=kind,
        parsed="{}",
        day=day,
        sent_at=datetime.combine(day, time(9), UTC),
    )
    session.add(row)
    await session.flush()
    assert row.id is not None
    return row.id


async def add_checkin(
    sessions: SessionFactory, grid_code: str, address: str, day: date, *, abnormal: bool = False, **fields: Any
) -> None:
    """A household's check-in for ``day`` (``fields``: temperature, symptoms, test_type, test_result, persons)."""
    async with transaction(sessions) as session:
        grid_id, household_id = await _grid_household(session, grid_code, address)
        message = await _message(session, grid_id, household_id, "checkin", day)
        session.add(
            CheckIn(
                household_id=household_id,
                grid_id=grid_id,
                day=day,
                abnormal=abnormal,
                last_message_id=message,
                **fields,
            )
        )


async def add_order(
    sessions: SessionFactory, grid_code: str, address: str, created_at: datetime, *, number: int, **fields: Any
) -> None:
    """A supply order placed at ``created_at`` (``fields``: status, urgent, delivered_at, cancelled_at, day, items;
    chat_id and sender_id of the message it came from)."""
    items: list[tuple[str, float | None, str | None]] = fields.pop("items", [("大米", 2, "袋")])
    day = fields.pop("day", created_at.astimezone(Settings().tz).date())  # the bot's local day
    source = {key: fields.pop(key) for key in ("chat_id", "sender_id") if key in fields}
    async with transaction(sessions) as session:
        grid_id, household_id = await _grid_household(session, grid_code, address)
        message = await _message(session, grid_id, household_id, "order", day, **source)
        order = SupplyOrder(
            grid_id=grid_id,
            household_id=household_id,
            message_id=message,
            number=number,
            day=day,
            created_at=created_at,
            **fields,
        )
        session.add(order)
        await session.flush()
        assert order.id is not None
        for name, qty, unit in items:
            session.add(OrderItem(order_id=order.id, name=name, qty=qty, unit=unit))


async def add_returnee(
    sessions: SessionFactory, grid_code: str, address: str, day: date, *, arrival: date | None, **fields: Any
) -> None:
    """A returnee reported on ``day`` (``arrival`` None: the report gave no date; ``fields``: name,
    origin, monitor_until, test_days, ...)."""
    async with transaction(sessions) as session:
        grid_id, household_id = await _grid_household(session, grid_code, address)
        message = await _message(session, grid_id, household_id, "returnee", day)
        session.add(
            Returnee(grid_id=grid_id, household_id=household_id, message_id=message, day=day, arrival=arrival, **fields)
        )


async def add_confirmation(
    sessions: SessionFactory, unit_code: str, day: date, *, zero: bool, at: datetime, by: int = GRID_LEADER
) -> None:
    async with transaction(sessions) as session:
        unit = await get_unit_by_code(session, code=unit_code)
        assert unit is not None and unit.id is not None
        session.add(UnitReport(unit_id=unit.id, day=day, zero=zero, confirmed_by=by, confirmed_at=at))


# --- people and bound groups, for leader commands ---------------------------------------------

NEIGHBOUR = 5002


async def add_person(
    sessions: SessionFactory,
    user_id: int,
    name: str,
    *,
    username: str | None = None,
    household: tuple[str, str] | None = None,
    started_bot: bool = False,
) -> None:
    """A person the bot has met, linked to the household (grid code, address) if given."""
    async with transaction(sessions) as session:
        household_id = (await _grid_household(session, *household))[1] if household else None
        session.add(
            Person(
                telegram_user_id=user_id,
                display_name=name,
                username=username,
                household_id=household_id,
                started_bot=started_bot,
            )
        )


async def bound_groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    """The roster, everyone as a Telegram user, and two bound groups: (grid T1-V1-G1, village T1-V1)."""
    await seed_roster(sessions)
    client = playground.client
    leaders = [ADMIN, TOWN_LEADER, VILLAGE_LEADER, GRID_LEADER, OTHER_GRID_LEADER, OTHER_VILLAGE_LEADER]
    names = {RESIDENT: "张三", NEIGHBOUR: "李四", STRANGER: "路人"}
    for user_id in [*leaders, *names]:
        await client.create_user(user_id=user_id, first_name=names.get(user_id, f"u{user_id}"))
    grid = await client.create_group(title="第一网格群", members=[*leaders, *names], admins=[GRID_LEADER])
    village = await client.create_group(title="西头岭村群", members=leaders, admins=[VILLAGE_LEADER])
    for chat, leader, code in ((grid.id, GRID_LEADER, "T1-V1-G1"), (village.id, VILLAGE_LEADER, "T1-V1")):
        await client.add_bot_to_group(chat, by=leader)
        await playground.say(leader, chat, f"/bind {code}")
    return grid.id, village.id


async def bind_every_unit(playground: Playground, sessions: SessionFactory) -> dict[str, int]:
    """The roster, and a group per unit with everyone in it and the bot bound by the admin:
    unit code → chat id. For schedules, the outbox and notices."""
    await seed_roster(sessions)
    client = playground.client
    leaders = {code: leader for code, _name, _level, _parent, leader in UNITS}
    everyone = [ADMIN, *leaders.values(), RESIDENT, NEIGHBOUR]
    for user_id in everyone:
        await client.create_user(user_id=user_id, first_name=f"u{user_id}")
    chats: dict[str, int] = {}
    for code, name, _level, _parent, leader in UNITS:
        chat = await client.create_group(title=f"{name}群", members=everyone, admins=[leader])
        await client.add_bot_to_group(chat.id, by=leader)
        await playground.say(ADMIN, chat.id, f"/bind {code}")
        chats[code] = chat.id
    return chats


async def confirm_links(sessions: SessionFactory, addresses: dict[int, str]) -> None:
    """Telegram user → address of their household in grid T1-V1-G1, as confirmed links (a leader's
    关联 or /link): writing an address only claims a household (tests/test_claims.py)."""
    async with transaction(sessions) as session:
        for user_id, address in addresses.items():
            household = (
                await session.exec(select(Household).where(Household.address == address, Household.active))
            ).first()
            assert household is not None and household.id is not None
            person = await remember_person(session, telegram_user_id=user_id, display_name=f"u{user_id}", username=None)
            await set_household(session, person=person, household_id=household.id)
