"""联户 (十户联防) below the grid: the roster's clusters, a 联户长's 代报 and zero report, their private
reminders, /status and /missing by 联户, and the grid report's completion per 联户 — through real
PTB and the sandbox, on a fake clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from demo.playground import Playground
from services.roster import RosterError, import_rows
from services.roster_files import RosterRows, Row
from storage.db import SessionFactory, transaction
from storage.models import Cluster, ClusterLeader, Household, Person
from tests.conftest import Clock
from tests.factories import GRID_LEADER, HOUSEHOLDS, UNITS, bind_every_unit, seed_roster
from tests.test_schedule import Transcript

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)
CLUSTER_LEADER = 5100


def at(hour: int, minute: int = 0) -> datetime:
    """A time of the tests' day (``day_clock`` starts there at 09:00)."""
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def rows(sheet: str, columns: list[str], values: Sequence[tuple[object, ...]]) -> list[Row]:
    headers = {column: column for column in columns}
    return [
        Row(sheet=sheet, line=line, cells=dict(zip(columns, map(str, row), strict=True)), headers=headers)
        for line, row in enumerate(values, start=2)
    ]


#: The test roster with one 联户 in the first grid: 3-2-501 and 3-2-502 in it, 3-1-101 in none.
CLUSTER = ("T1-V1-G1-L1", "一号楼联户", "联户", "T1-V1-G1", CLUSTER_LEADER)
IN_CLUSTER = {"3-2-501": "T1-V1-G1-L1", "3-2-502": "T1-V1-G1-L1"}


def cluster_roster(tags: dict[str, str] | None = None) -> RosterRows:
    households = [(*row, IN_CLUSTER.get(row[1], ""), (tags or {}).get(row[1], "")) for row in HOUSEHOLDS]
    return RosterRows(
        units=rows("units", ["code", "name", "level", "parent", "leaders"], [*UNITS, CLUSTER]),
        households=rows("households", ["grid", "address", "head", "phone", "members", "cluster", "tags"], households),
    )


async def import_clusters(sessions: SessionFactory, tags: dict[str, str] | None = None) -> None:
    async with transaction(sessions) as session:
        await import_rows(session, rows=cluster_roster(tags))


async def test_old_rosters_import_unchanged_and_clusters_are_checked(sessions: SessionFactory) -> None:
    await seed_roster(sessions)
    async with transaction(sessions) as session:  # the same roster again, without any 联户 column
        old = RosterRows(
            units=rows("units", ["code", "name", "level", "parent", "leaders"], list(UNITS)),
            households=rows("households", ["grid", "address", "head", "phone", "members"], list(HOUSEHOLDS)),
        )
        summary = await import_rows(session, rows=old)
    assert (summary.units_updated, summary.households_updated, summary.clusters_created) == (0, 0, 0)
    async with transaction(sessions) as session:
        summary = await import_rows(session, rows=cluster_roster())
    assert (summary.clusters_created, summary.households_updated, summary.units_created) == (1, 2, 0)
    async with sessions() as session:
        cluster = (await session.exec(select(Cluster))).one()
        assert (cluster.code, cluster.name) == ("T1-V1-G1-L1", "一号楼联户")
        assert (await session.exec(select(ClusterLeader.telegram_user_id))).all() == [CLUSTER_LEADER]
        members = await session.exec(select(Household.address).where(col(Household.cluster_id) == cluster.id))
        assert sorted(members.all()) == ["3-2-501", "3-2-502"]
    bad = cluster_roster()
    bad.households[3].cells["cluster"] = "T1-V1-G1-L1"  # 5-1-301 is in the second grid
    bad.households[4].cells["cluster"] = "NOPE"
    bad.units.append(rows("units", ["code", "name", "level", "parent"], [("X1", "联户", "cluster", "T1-V1")])[0])
    with pytest.raises(RosterError) as rejected:
        async with transaction(sessions) as session:
            await import_rows(session, rows=bad)
    assert rejected.value.problems == [
        "units:2: parent: 联户的上级 “T1-V1” 不存在或不是网格",
        "households:5: cluster: 联户 “T1-V1-G1-L1” 不属于网格 T1-V1-G2",
        "households:6: cluster: 联户编码 “NOPE” 不存在",
    ]


async def test_a_cluster_leaders_day(clocked: Playground, sessions: SessionFactory, day_clock: Clock) -> None:
    chats = await bind_every_unit(clocked, sessions)
    await import_clusters(sessions)
    grid = chats["T1-V1-G1"]
    await clocked.client.create_user(user_id=CLUSTER_LEADER, first_name="王楼长")
    await clocked.client.add_member(grid, CLUSTER_LEADER)
    await clocked.settle()
    await clocked.say(CLUSTER_LEADER, CLUSTER_LEADER, "/start")
    transcript = Transcript(clocked)
    await transcript.start()

    day_clock.now = at(10)
    assert "reminder:10:00" in (await clocked.bot.schedule.tick(at(10))).ran
    assert (
        "王楼长: ⏰ 联户打卡提醒（10:00）：您负责的 一号楼联户 还有 2 户未打卡：\n3-2-501、3-2-502\n"
        + ("可在网格群里一条消息代报多户（如“3-2-501 3人 体温正常；3-2-502 2人 正常”），都正常时发“我联户今日无异常”。")
        in await transcript.new()
    )

    day_clock.now = at(10, 30)  # 代报 of one household of the 联户: recorded there, and no claim on it
    assert await clocked.dialogue(grid, [(CLUSTER_LEADER, "3-2-501 3人 体温36.5")]) == [
        f"{CLUSTER_LEADER}: 3-2-501 3人 体温36.5"
    ]
    assert [r.emoji for r in await clocked.client.reactions(grid)] == [["✍"]]
    async with sessions() as session:
        leader = (await session.exec(select(Person).where(Person.telegram_user_id == CLUSTER_LEADER))).one()
        assert (leader.household_id, leader.claimed_household_id) == (None, None)

    missing = await clocked.dialogue(grid, [(GRID_LEADER, "/missing")])
    assert missing[1:] == [
        "bot: 📋 第一网格 12月1日 未打卡 2/3 户：\n一号楼联户（1 户）\n· 3-2-502 李*（未关联成员）\n未分联户（1 户）\n"
        "· 3-1-101 王*（未关联成员）\n其中 2 户还没有关联成员，请电话联系，或回复其消息发送 /link 地址 关联。"
    ]

    day_clock.now = at(11)
    assert await clocked.dialogue(grid, [(CLUSTER_LEADER, "我联户今日无异常")]) == [
        f"{CLUSTER_LEADER}: 我联户今日无异常",
        "bot: ✍ 已登记 2 户：3-2-501；3-2-502",
    ]
    status = await clocked.dialogue(grid, [(GRID_LEADER, "/status")])
    assert status[1].endswith("联户打卡：一号楼联户 2/2（100.0%）、未分联户 0/1（0.0%）")

    day_clock.now = at(15)
    assert (await clocked.bot.schedule.tick(at(15))).ran == ["reminder:15:00"]
    assert [line for line in await transcript.new() if line.startswith("王楼长")] == []

    day_clock.now = at(16)
    assert (await clocked.bot.schedule.tick(at(16))).ran == ["grid_report"]
    report = next(line for line in await transcript.new() if line.startswith("第一网格群"))
    assert "打卡：2/3 户（66.7%）" in report
    assert "联户打卡：一号楼联户 2/2（100.0%）、未分联户 0/1（0.0%）" in report
