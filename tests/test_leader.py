"""Leader commands in grid and village groups, through the real PTB application and the sandbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.playground import Playground
from storage.db import SessionFactory
from tests.factories import (
    GRID_LEADER,
    NEIGHBOUR,
    RESIDENT,
    VILLAGE_LEADER,
    add_checkin,
    add_order,
    add_person,
    add_returnee,
    bound_groups,
)

G1 = "T1-V1-G1"


def today() -> date:
    """The local day the sandbox's messages are dated with (they carry the real time)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def day_label(day: date) -> str:
    return f"{day.month}月{day.day}日"


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    return await bound_groups(playground, sessions)


async def a_busy_day(sessions: SessionFactory) -> date:
    """Two of G1's three households checked in (one abnormal), G2's one not; orders; a returnee."""
    day = today()
    now = datetime.now(UTC)
    await add_checkin(sessions, G1, "3-2-501", day, persons=4, temperature=36.5, symptoms="")
    await add_checkin(sessions, G1, "3-2-502", day, temperature=37.8, symptoms="cough", abnormal=True)
    await add_checkin(sessions, G1, "3-1-101", day - timedelta(days=1))
    await add_order(sessions, G1, "3-2-501", now, number=1, items=[("大米", 2, "袋"), ("鸡蛋", 10, "个")])
    await add_order(sessions, G1, "3-2-502", now, number=2, urgent=True, items=[("大米", 1, "袋"), ("降压药", 1, "盒")])
    await add_order(sessions, G1, "3-1-101", now, number=3, status="delivered", items=[("大米", 5, "袋")])
    await add_order(sessions, "T1-V1-G2", "5-1-301", now, number=1, items=[("口罩", None, None)])
    await add_returnee(
        sessions,
        G1,
        "3-1-101",
        day - timedelta(days=3),
        arrival=day - timedelta(days=3),
        name="王小五",
        origin="北京市朝阳区",
        monitor_until=day + timedelta(days=11),
        test_days="1,3,7",
    )
    return day


async def test_status_in_a_grid_group_gives_counts_only(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    assert await playground.dialogue(groups[0], [(GRID_LEADER, "/status")]) == [
        f"{GRID_LEADER}: /status",
        f"bot: 📊 第一网格 {day_label(day)}概况\n"
        "打卡：2/3 户（67%）\n异常：1 户\n待送订单：2 单（急 1）\n返乡监测：1 人",
    ]


async def test_status_in_a_village_group_sums_its_grids(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    assert await playground.dialogue(groups[1], [(VILLAGE_LEADER, "/status")]) == [
        f"{VILLAGE_LEADER}: /status",
        f"bot: 📊 西头岭村 {day_label(day)}概况\n"
        "第一网格：打卡 2/3 · 异常 1 · 订单 2（急 1） · 监测 1\n"
        "第二网格：打卡 0/1 · 异常 0 · 订单 1 · 监测 0\n"
        "合计：打卡 2/4 户（50%） · 异常 1 户 · 待送订单 3 单（急 1） · 返乡监测 1 人\n"
        "异常住户：\n"
        "· 第一网格 3-2-502 李* 37.8℃ 咳嗽 ⚠️异常",
    ]


async def test_missing_mentions_linked_members_and_counts_the_unlinked(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    await add_person(sessions, NEIGHBOUR, "李四", household=(G1, "3-1-101"))
    await add_person(sessions, RESIDENT, "张三", household=(G1, "3-2-501"))
    assert await playground.dialogue(groups[0], [(GRID_LEADER, "/missing")]) == [
        f"{GRID_LEADER}: /missing",
        f"bot: 📋 第一网格 {day_label(day)} 未打卡 1/3 户：\n· 3-1-101 李四",
    ]
    assert await playground.dialogue(groups[1], [(VILLAGE_LEADER, "/missing")]) == [
        f"{VILLAGE_LEADER}: /missing",
        f"bot: 📋 西头岭村 {day_label(day)} 未打卡 2/4 户：\n"
        "第一网格（1 户）\n· 3-1-101 李*\n"
        "第二网格（1 户）\n· 5-1-301 赵*（未关联成员）\n"
        "其中 1 户还没有关联成员，请电话联系，或回复其消息发送 /link 地址 关联。",
    ]
