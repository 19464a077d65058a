"""A synthetic county for benchmarks: 20 towns, 400 villages, 4,000 grids, 300,000 households, 900,000 people.

It writes one day of group life the way the bot would have stored it (messages, check-ins,
orders with items, returnees over the last fortnight, confirmations), with plausible spreads:
85–98% check-in per grid, about 0.5% abnormal, a few grids left unconfirmed. Rows go in with
bulk core INSERTs in chunks, a batch of grids at a time, so memory stays flat at any size.
Only an empty database is accepted: ids and numbers are then predictable and nothing real is mixed in.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel, col, func, select

from core.config import Settings
from storage.db import SessionFactory, transaction
from storage.models import (
    CampaignTest,
    ChatBinding,
    CheckIn,
    Cluster,
    ClusterLeader,
    Household,
    MessageRecord,
    OrderItem,
    OrderStatus,
    Returnee,
    SupplyOrder,
    TestingCampaign,
    Unit,
    UnitLeader,
    UnitLevel,
    UnitReport,
)
from synthetic.duties import generate_duties

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国文辉力海波宁燕鹏飞云峰志红梅凤琴春"
PLACES = "青石河桥柳杨松竹梅兰山水东西南北前后上下新老安平和兴旺福寿长乐"
ORIGINS = ["北京朝阳", "上海浦东", "广州天河", "深圳南山", "武汉江汉", "杭州西湖", "成都武侯", "西安雁塔"]
GOODS = [
    ("大米", "袋"),
    ("面粉", "袋"),
    ("鸡蛋", "斤"),
    ("青菜", "斤"),
    ("降压药", "盒"),
    ("食用油", "桶"),
    ("牛奶", "箱"),
]
CHUNK = 5000


@dataclass(frozen=True)
class CountyScale:
    towns: int = 20
    villages_per_town: int = 20
    grids_per_village: int = 10
    households: int = 300_000
    people: int = 900_000


@dataclass(frozen=True)
class CountySummary:
    towns: int
    villages: int
    grids: int
    households: int
    people: int
    checkins: int
    orders: int
    returnees: int
    confirmed: int
    seconds: float
    #: The week of standing duties (``synthetic.duties``).
    pairings: int = 0
    visits: int = 0
    disinfections: int = 0


class CountyNotEmptyError(RuntimeError):
    """The database already has units."""


async def _insert(connection: AsyncConnection, model: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    table: Any = model.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), CHUNK):
        await connection.execute(sa.insert(table), list(rows[start : start + CHUNK]))


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _address(index: int) -> tuple[str, str]:
    """(address, normalised key) of the index-th household of a grid: 6 floors × 2 rooms × 2 entrances a building."""
    building, entrance, floor, room = index // 24 + 1, index // 12 % 2 + 1, index // 2 % 6 + 1, index % 2 + 1
    return f"{building}-{entrance}-{floor}0{room}", f"b{building}-u{entrance}-r{floor}0{room}"


async def _units(connection: AsyncConnection, scale: CountyScale, rng: random.Random) -> list[tuple[int, str, int]]:
    """Towns, villages and grids with a leader and a group each; returns the grids as (id, code, chat id)."""
    levels: list[list[dict[str, Any]]] = [[], [], []]
    for t in range(1, scale.towns + 1):
        town = f"T{t:02d}"
        levels[0].append({"code": town, "name": f"{rng.choice(PLACES)}{rng.choice(PLACES)}镇", "level": UnitLevel.TOWN,
                          "path": town, "parent": None})  # fmt: skip
        for v in range(1, scale.villages_per_town + 1):
            village = f"{town}-V{v:02d}"
            levels[1].append({"code": village, "name": f"{rng.choice(PLACES)}{rng.choice(PLACES)}村",
                              "level": UnitLevel.VILLAGE, "path": f"{town}/{village}", "parent": town})  # fmt: skip
            for g in range(1, scale.grids_per_village + 1):
                grid = f"{village}-G{g:02d}"
                levels[2].append({"code": grid, "name": f"第{g}网格", "level": UnitLevel.GRID,
                                  "path": f"{town}/{village}/{grid}", "parent": village})  # fmt: skip
    ids: dict[str, int] = {}
    for rows in levels:
        now = datetime.now(UTC)
        await _insert(connection, Unit, [{**{k: v for k, v in row.items() if k != "parent"},
                                          "parent_id": ids.get(row["parent"] or ""), "created_at": now}
                                         for row in rows])  # fmt: skip
        codes = [row["code"] for row in rows]
        result = await connection.execute(sa.select(col(Unit.code), col(Unit.id)).where(col(Unit.code).in_(codes)))
        ids.update({code: int(unit_id or 0) for code, unit_id in result})
    units = [row["code"] for rows in levels for row in rows]
    await _insert(connection, UnitLeader, [{"unit_id": ids[code], "telegram_user_id": 10_000_000 + n}
                                           for n, code in enumerate(units)])  # fmt: skip
    await _insert(connection, ChatBinding, [{"chat_id": -1_000_000_000_000 - n, "unit_id": ids[code],
                                             "title": f"{code}群", "status": "active",
                                             "bound_at": datetime.now(UTC)} for n, code in enumerate(units)])  # fmt: skip
    chats = {code: -1_000_000_000_000 - n for n, code in enumerate(units)}
    return [(ids[row["code"]], row["code"], chats[row["code"]]) for row in levels[2]]


def _members(rng: random.Random, households: int, people: int) -> list[int]:
    """Household sizes of 1–6 adding up to exactly ``people``."""
    base, extra = divmod(people, households)
    sizes = [base + (1 if n < extra else 0) for n in range(households)]
    for _ in range(households):
        a, b = rng.randrange(households), rng.randrange(households)
        if sizes[b] > 1 and sizes[a] < 6:
            sizes[a] += 1
            sizes[b] -= 1
    return sizes


@dataclass
class _Batch:
    """The rows of one batch of grids, and the counters the summary reports."""

    messages: list[dict[str, Any]]
    checkins: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    items: list[list[tuple[str, int, str]]]
    returnees: list[dict[str, Any]]
    reports: list[dict[str, Any]]


def _grid_day(
    rng: random.Random, batch: _Batch, grid: tuple[int, str, int], households: list[tuple[int, str, int]],
    day: date, tz_offset: timedelta, next_message: list[int],
) -> None:  # fmt: skip
    """One grid's day: check-ins, orders (some from yesterday, still open), returnees, maybe a confirmation."""
    grid_id, _code, chat_id = grid
    noon = datetime.combine(day, time(12), UTC) - tz_offset

    def message(household_id: int, kind: str, text: str, on: date, at: datetime) -> int:
        next_message[0] += 1
        batch.messages.append({"chat_id": chat_id, "message_id": next_message[0], "update_id": next_message[0],
                               "sender_id": 20_000_000 + household_id, "grid_id": grid_id,
                               "household_id": household_id, "kind": kind, "text": text, "parsed": "{}",
                               "day": on, "sent_at": at})  # fmt: skip
        return next_message[0]

    rate = rng.uniform(0.85, 0.98)
    abnormal_here = new_returnee_here = False
    for household_id, address, members in rng.sample(households, round(rate * len(households))):
        abnormal = rng.random() < 0.005
        abnormal_here |= abnormal
        temperature = round(rng.uniform(37.6, 39.0) if abnormal else rng.uniform(36.0, 37.0), 1)
        at = noon - timedelta(minutes=rng.randrange(240))
        ref = message(household_id, "checkin", f"{address} 全家{members}口 体温{temperature}", day, at)
        batch.checkins.append({"household_id": household_id, "grid_id": grid_id, "day": day, "persons": members,
                               "temperature": temperature, "symptoms": "咳嗽" if abnormal else "",
                               "abnormal": abnormal, "message_count": 1, "last_message_id": ref,
                               "updated_at": at})  # fmt: skip
    for number in range(1, rng.randrange(2, 6) + 1):
        household_id, address, _members = rng.choice(households)
        yesterday = rng.random() < 0.2
        created = noon - timedelta(days=1 if yesterday else 0, minutes=rng.randrange(300))
        status = rng.choices(list(OrderStatus), weights=(3, 2, 6, 1))[0]
        if yesterday and status == OrderStatus.DELIVERED:
            status = OrderStatus.OPEN
        goods = [
            (*rng.choice(GOODS)[:1], rng.randrange(1, 4), rng.choice(GOODS)[1]) for _ in range(rng.randrange(1, 4))
        ]
        on = day - timedelta(days=1) if yesterday else day
        ref = message(household_id, "order", f"{address} " + " ".join(f"{g}{q}{u}" for g, q, u in goods), on, created)
        batch.orders.append({"grid_id": grid_id, "household_id": household_id, "message_id": ref, "number": number,
                             "status": status, "urgent": rng.random() < 0.1, "day": on, "created_at": created,
                             "delivered_at": created + timedelta(hours=2) if status == OrderStatus.DELIVERED else None,
                             "cancelled_at": created + timedelta(hours=1) if status == OrderStatus.CANCELLED else None})  # fmt: skip
        batch.items.append(goods)
    for _ in range(rng.choices((0, 1, 2), weights=(70, 25, 5))[0]):
        household_id, address, _members = rng.choice(households)
        reported = day - timedelta(days=rng.randrange(14))
        new_returnee_here |= reported == day
        arrival = reported - timedelta(days=rng.randrange(2))
        ref = message(household_id, "returnee", f"{address} 返乡报备", reported, noon - (day - reported))
        batch.returnees.append({"grid_id": grid_id, "household_id": household_id, "message_id": ref,
                                "name": _name(rng), "origin": rng.choice(ORIGINS), "arrival": arrival,
                                "transport_mode": "高铁", "transport_number": f"G{rng.randrange(1, 9999)}",
                                "id_last4": f"{rng.randrange(10000):04d}", "phone": f"139{rng.randrange(10**8):08d}",
                                "day": reported, "monitor_until": arrival + timedelta(days=14), "test_days": "1,3,7",
                                "created_at": noon - (day - reported)})  # fmt: skip
    if rng.random() < 0.92:
        batch.reports.append({"unit_id": grid_id, "day": day, "zero": not (abnormal_here or new_returnee_here),
                              "confirmed_by": 10_000_000, "confirmed_at": noon + timedelta(hours=4)})  # fmt: skip


async def _write_batch(connection: AsyncConnection, batch: _Batch) -> None:
    """Insert a batch, reading message and order ids back by their (unique) natural keys."""
    await _insert(connection, MessageRecord, batch.messages)
    first, last = batch.messages[0]["message_id"], batch.messages[-1]["message_id"]
    result = await connection.execute(
        sa.select(col(MessageRecord.message_id), col(MessageRecord.id)).where(
            col(MessageRecord.message_id).between(first, last)
        )
    )
    ids = dict(result.all())
    for row in batch.checkins:
        row["last_message_id"] = ids[row["last_message_id"]]
    for rows in (batch.orders, batch.returnees):
        for row in rows:
            row["message_id"] = ids[row["message_id"]]
    await _insert(connection, CheckIn, batch.checkins)
    await _insert(connection, SupplyOrder, batch.orders)
    await _insert(connection, Returnee, batch.returnees)
    await _insert(connection, UnitReport, batch.reports)
    order_ids = dict(
        (
            await connection.execute(
                sa.select(col(SupplyOrder.message_id), col(SupplyOrder.id)).where(
                    col(SupplyOrder.message_id).in_([row["message_id"] for row in batch.orders])
                )
            )
        ).all()
    )
    await _insert(connection, OrderItem, [{"order_id": order_ids[order["message_id"]], "name": name, "qty": qty,
                                           "unit": unit} for order, goods in zip(batch.orders, batch.items, strict=True)
                                          for name, qty, unit in goods])  # fmt: skip


async def generate_county(
    factory: SessionFactory, *, day: date, settings: Settings, seed: int = 1, scale: CountyScale = CountyScale()
) -> CountySummary:
    """Write the synthetic county and its day into an empty database."""
    started = clock.monotonic()
    rng = random.Random(seed)
    async with factory() as session:
        if (await session.exec(select(func.count()).select_from(Unit))).one():
            raise CountyNotEmptyError
    offset = datetime.combine(day, time(12), settings.tz).utcoffset() or timedelta(0)
    async with transaction(factory) as session:
        grids = await _units(await session.connection(), scale, rng)
    sizes = _members(rng, scale.households, scale.people)
    per_grid, extra = divmod(scale.households, len(grids))
    totals = {"checkins": 0, "orders": 0, "returnees": 0, "confirmed": 0}
    next_message, position = [0], 0
    for start in range(0, len(grids), 100):
        batch_grids = grids[start : start + 100]
        rows: list[dict[str, Any]] = []
        for n, (grid_id, _code, _chat) in enumerate(batch_grids, start=start):
            for index in range(per_grid + (1 if n < extra else 0)):
                address, key = _address(index)
                rows.append({"grid_id": grid_id, "address": address, "address_key": key, "head": _name(rng),
                             "phone": f"13{rng.randrange(10**9):09d}", "members": sizes[position], "tags": "",
                             "active": True, "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)})  # fmt: skip
                position += 1
        async with transaction(factory) as session:
            connection = await session.connection()
            await _insert(connection, Household, rows)
            result = await connection.execute(
                sa.select(col(Household.grid_id), col(Household.id), col(Household.address), col(Household.members))
                .where(col(Household.grid_id).in_([grid[0] for grid in batch_grids]))
                .order_by(col(Household.id))
            )
            by_grid: dict[int, list[tuple[int, str, int]]] = {}
            for grid_id, household_id, address, members in result:
                by_grid.setdefault(grid_id, []).append((int(household_id or 0), address, members))
            batch = _Batch([], [], [], [], [], [])
            for grid in batch_grids:
                _grid_day(rng, batch, grid, by_grid[grid[0]], day, offset, next_message)
            await _write_batch(connection, batch)
        for name, rows_written in (("checkins", batch.checkins), ("orders", batch.orders),
                                   ("returnees", batch.returnees), ("confirmed", batch.reports)):  # fmt: skip
            totals[name] += len(rows_written)
    await add_clusters_and_campaign(factory, day=day, noon=datetime.combine(day, time(12), UTC) - offset)
    duties = await generate_duties(factory, day=day, seed=seed)
    async with factory() as session:
        # Fresh bulk data leaves the planner blind (PostgreSQL's autovacuum catches up only later).
        await session.exec(sa.text("ANALYZE"))  # type: ignore[call-overload]
        await session.commit()
    return CountySummary(
        towns=scale.towns,
        villages=scale.towns * scale.villages_per_town,
        grids=len(grids),
        households=scale.households,
        people=scale.people,
        seconds=clock.monotonic() - started,
        **totals,
        pairings=duties.pairings,
        visits=duties.visits,
        disinfections=duties.disinfections,
    )


#: Households per 联户 (十户联防).
CLUSTER_SIZE = 10


async def add_clusters_and_campaign(factory: SessionFactory, *, day: date, noon: datetime) -> None:
    """联户 of ten households each (in roster order) with a 联户长, and a testing campaign on ``day`` in
    every town: about 1% of households to be tested at home (需上门核酸), 70% of the day's check-ins
    stating a test, and the testing team's count for one household in 13. Set-based SQL, so it costs
    seconds at any size."""
    household, grid = Household.__table__, Unit.__table__  # type: ignore[attr-defined]
    async with transaction(factory) as session:
        connection = await session.connection()
        counts = await connection.execute(
            sa.select(col(Unit.id), col(Unit.code), func.count(col(Household.id)))
            .join(Household, col(Household.grid_id) == col(Unit.id))
            .group_by(col(Unit.id), col(Unit.code))
            .order_by(col(Unit.id))
        )
        await _insert(connection, Cluster, [{"code": f"{code}-L{k:02d}", "name": f"{k}号联户", "grid_id": grid_id,
                                             "created_at": noon}
                                            for grid_id, code, households in counts
                                            for k in range(1, -(-households // CLUSTER_SIZE) + 1)])  # fmt: skip
        await connection.execute(
            sa.insert(ClusterLeader.__table__).from_select(  # type: ignore[attr-defined]
                ["cluster_id", "telegram_user_id"], sa.select(col(Cluster.id), col(Cluster.id) + 30_000_000)
            )
        )
        firsts = await connection.execute(
            sa.select(household.c.grid_id, func.min(household.c.id), sa.select(func.min(col(Cluster.id)))
                      .where(col(Cluster.grid_id) == household.c.grid_id).scalar_subquery())
            .group_by(household.c.grid_id)
        )  # fmt: skip
        offset = (household.c.id - sa.bindparam("first_household")) // CLUSTER_SIZE
        await connection.execute(
            sa.update(household)
            .where(household.c.grid_id == sa.bindparam("grid"))
            .values(cluster_id=sa.bindparam("first_cluster") + offset),
            [{"grid": g, "first_household": h, "first_cluster": c} for g, h, c in firsts],
        )
        await connection.execute(sa.update(household).where(household.c.id % 97 == 0).values(tags="需上门核酸"))
        await connection.execute(
            sa.update(CheckIn.__table__)  # type: ignore[attr-defined]
            .where(col(CheckIn.day) == day, col(CheckIn.id) % 10 < 7)
            .values(test_type="pcr", test_result="negative")
        )
        towns = await connection.execute(
            sa.select(col(Unit.id), col(Unit.path)).where(col(Unit.level) == UnitLevel.TOWN)
        )
        for town_id, path in towns.all():
            result = await connection.execute(
                sa.insert(TestingCampaign.__table__)  # type: ignore[attr-defined]
                .values(unit_id=town_id, start=day, until=day, created_by=10_000_000, created_at=noon)
                .returning(col(TestingCampaign.id))
            )
            campaign_id = result.scalar_one()
            tested = (
                sa.select(sa.literal(campaign_id), household.c.id, household.c.members, sa.literal(0), sa.literal(noon))
                .join(grid, grid.c.id == household.c.grid_id)
                .where(grid.c.path.startswith(path + "/"), household.c.id % 13 == 0)
            )
            await connection.execute(
                sa.insert(CampaignTest.__table__).from_select(  # type: ignore[attr-defined]
                    ["campaign_id", "household_id", "persons", "recorded_by", "recorded_at"], tested
                )
            )
