"""The grid's standing duties (issue #14) through real PTB and the sandbox, on a fake clock:
结对帮困 visits due and overdue across a week, a visit with a concern, disinfection points due and
done, the lines they add to /status, the grid report and the digests, and the ledger's new sheets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from core.config import ConfigError, load_settings
from demo.playground import Playground, running_playground
from sandbox import RateLimits
from services.ledger import ledger_xlsx
from services.roster import import_rows
from services.roster_files import RosterRows
from storage.db import SessionFactory, transaction
from storage.models import DisinfectionPoint, Pairing
from tests.factories import (
    ADMIN,
    GRID_LEADER,
    HOUSEHOLDS,
    NEIGHBOUR,
    RESIDENT,
    UNITS,
    VILLAGE_LEADER,
    _rows,
    add_order,
    add_returnee,
    bind_every_unit,
)
from tests.test_ingest import private_texts
from tests.test_schedule import Transcript

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 12, 7)
PAIRED_ON = date(2026, 11, 27)
TAGS = {"3-2-501": "独居老人", "3-2-502": "慢病", "3-1-101": "", "5-1-301": "流动", "五组12号": "残疾"}
OVERRIDES = {
    "policy": {
        "visits": {"独居老人": 7, "慢病": 14},
        "disinfection": {"points": [{"place": "垃圾站", "every": "daily"}, {"place": "楼道", "every": "weekly"}]},
    }
}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


class Clock:
    """The one time the sandbox and the bot read; the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(at(MONDAY, 8))


@pytest.fixture
async def playground(database_url: str, clock: Clock) -> AsyncIterator[Playground]:
    async with running_playground(
        database_url=database_url,
        admin_ids=[ADMIN],
        rate_limits=RateLimits(enabled=False),
        settings_overrides=OVERRIDES,
        clock=clock,
    ) as running:
        yield running


def roster(*, pairs: bool = True, points: bool = False) -> RosterRows:
    """The test roster with care tags, pairs (李四 — ``NEIGHBOUR`` — visits two households, a
    volunteer known only by name a third) and, if asked, the first grid's own disinfection points."""
    households = [
        (grid, address, head, phone, members, TAGS[address]) for grid, address, head, phone, members in HOUSEHOLDS
    ]
    return RosterRows(
        units=_rows("units", ["code", "name", "level", "parent", "leaders"], list(UNITS)),
        households=_rows("households", ["grid", "address", "head", "phone", "members", "tags"], households),
        pairs=_rows(
            "结对",
            ["grid", "address", "helper", "every"],
            [("T1-V1-G1", "3-2-501", NEIGHBOUR, ""), ("T1-V1-G1", "3-2-502", NEIGHBOUR, ""),
             ("T1-V1-G1", "3-1-101", "志愿者小刘", "每3天")],
        ) if pairs else None,
        points=_rows("消杀点位", ["grid", "place", "every"], [("T1-V1-G1", "电梯", "每天")]) if points else None,
    )  # fmt: skip


async def import_roster(sessions: SessionFactory, rows: RosterRows, today: date = PAIRED_ON) -> None:
    async with transaction(sessions) as session:
        await import_rows(session, rows=rows, today=today)


@pytest.fixture
async def chats(playground: Playground, sessions: SessionFactory) -> dict[str, int]:
    """Every unit bound, the tagged roster with its pairs, and the grid leader and 李四 started the bot."""
    chats = await bind_every_unit(playground, sessions)
    await import_roster(sessions, roster())
    for user in (GRID_LEADER, NEIGHBOUR):
        await playground.say(user, user, "/start")
    return chats


def lines_of(lines: list[str], chat: str) -> list[str]:
    return [line.removeprefix(f"{chat}: ") for line in lines if line.startswith(f"{chat}: ")]


async def test_pairings_due_and_overdue_across_a_week_with_a_visit_that_found_a_concern(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], clock: Clock
) -> None:
    grid, village = chats["T1-V1-G1"], chats["T1-V1"]
    seen = Transcript(playground)
    await seen.start()
    schedule = playground.bot.schedule

    # Monday 08:30: 李四's private list of the households due a visit this week (the named volunteer has no chat).
    await schedule.tick(at(MONDAY, 8, 30))
    assert lines_of(await seen.new(), f"u{NEIGHBOUR}") == [
        "🤝 本周需走访的结对户（2 户）：\n"
        "· 第一网格 3-2-501 张三｜上次 未走访｜应于 12-04 前\n"
        "· 第一网格 3-2-502 李四｜上次 未走访｜应于 12-11 前\n"
        "走访后在网格群发“走访 门牌 做了什么”，或 /visit 门牌 做了什么，即可登记。"
    ]

    clock.now = at(MONDAY, 9)
    assert await playground.dialogue(grid, [(GRID_LEADER, "/visits")]) == [
        f"{GRID_LEADER}: /visits",
        "bot: 名单涉及居民个人信息，已私信发给您。",
    ]
    assert private_texts(await playground.client.bot_messages(GRID_LEADER))[-1] == (
        "🤝 第一网格 结对走访（12月7日，本周 12-07–12-13）：结对 3 户，本周应访已完成 0 户\n"
        "⚠️ 逾期（2）\n"
        "· 3-1-101 王五｜每3天｜上次 未走访｜应于 11-30 前｜志愿者小刘\n"
        "· 3-2-501 张三（独居老人）｜每7天｜上次 未走访｜应于 12-04 前｜u5002\n"
        "📅 本周待走访（1）\n"
        "· 3-2-502 李四（慢病）｜每14天｜上次 未走访｜应于 12-11 前｜u5002"
    )

    # Tuesday: a visit by command that found a concern; Wednesday: one by message.
    clock.now = at(MONDAY + timedelta(days=1), 10)
    concern = "/visit 3-2-501 送药 量血压 发现血压偏高需要关注"
    assert await playground.dialogue(grid, [(NEIGHBOUR, concern)]) == [f"{NEIGHBOUR}: {concern}"]
    assert [r.emoji for r in await playground.client.reactions(grid)][-1] == ["✍"]
    assert private_texts(await playground.client.bot_messages(GRID_LEADER))[-1].startswith(
        "👀 走访发现情况\u3000第一网格"
    )
    wednesday = MONDAY + timedelta(days=2)
    clock.now = at(wednesday, 10)
    await playground.say(RESIDENT, grid, "走访3-2-502李四，帮忙买菜")

    clock.now = at(wednesday, 15, 30)
    assert await playground.dialogue(grid, [(GRID_LEADER, "/status")]) == [
        f"{GRID_LEADER}: /status",
        "bot: 📊 第一网格 12月9日概况\n打卡：0/3 户（0.0%）\n异常：0 户\n待送订单：0 单\n返乡监测：0 人\n"
        "结对走访：本周 2/3 户，逾期 1 户，发现问题 1 次（/visits 查看）\n"
        "消杀：今日待消杀 2/2 处（垃圾站、楼道）",
    ]
    await schedule.tick(at(wednesday, 16, 30))
    lines = await seen.new()
    assert lines_of(lines, "第一网格群")[-1].split("\n")[-3:] == [
        "结对走访：本周应访 3 户，已访 2 户｜逾期 1 户｜本周走访 2 次（发现问题 1）",
        "消杀：点位 2 处，今日未完成 2 处（垃圾站、楼道）",
        "今日无异常、无新返乡人员，请网格长核对后点「确认零报告」。",
    ]
    digest = lines_of(lines, "西头岭村群")[0].split("\n")
    assert digest[digest.index("结对走访：本周应访 3 户，已访 2 户｜逾期 1 户｜本周走访 2 次，发现问题 1 次") :][
        :4
    ] == [
        "结对走访：本周应访 3 户，已访 2 户｜逾期 1 户｜本周走访 2 次，发现问题 1 次",
        "消杀：点位 4 处，今日已完成 0 处，未完成 4 处",
        "走访发现问题（1）",
        "· 第一网格 3-2-501 张*：送药、测量血压体温（12-08）",
    ]

    # The next Monday: 3-2-501 is due again (7 days from Tuesday's visit), 3-2-502 not before the 23rd.
    clock.now = at(MONDAY + timedelta(days=7), 9)
    assert await playground.dialogue(village, [(VILLAGE_LEADER, "/visits")]) == [
        f"{VILLAGE_LEADER}: /visits",
        "bot: 🤝 西头岭村 结对走访（12月14日，本周 12-14–12-20）：结对 3 户，本周应访已完成 0 户\n"
        "⚠️ 逾期（1）\n"
        "· 第一网格 3-1-101 王*｜每3天｜上次 未走访｜应于 11-30 前｜志某\n"
        "📅 本周待走访（1）\n"
        "· 第一网格 3-2-501 张*（独居老人）｜每7天｜上次 12-08｜应于 12-15 前｜u某",
    ]


async def test_disinfection_points_due_then_done_and_the_log(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], clock: Clock
) -> None:
    grid = chats["T1-V1-G1"]
    await import_roster(sessions, roster(points=True))  # the first grid's own point: 电梯, daily
    clock.now = at(MONDAY, 9)
    assert (await playground.dialogue(grid, [(GRID_LEADER, "/status")]))[-1].endswith("消杀：今日待消杀 1/1 处（电梯）")
    await playground.dialogue(grid, [(NEIGHBOUR, "/disinfect 3号楼电梯 擦拭 75%酒精"), (RESIDENT, "/disinfect")])
    assert (await playground.dialogue(grid, [(GRID_LEADER, "/status")]))[-1].endswith("消杀：今日待消杀 0/1 处")
    clock.now = at(MONDAY + timedelta(days=1), 9)  # a daily point is due again the next day
    await playground.say(RESIDENT, grid, "今天对5栋楼道进行喷洒消毒，84消毒液，操作人王五")
    assert await playground.dialogue(grid, [(GRID_LEADER, "/disinfections 3")]) == [
        f"{GRID_LEADER}: /disinfections 3",
        "bot: 🧴 第一网格 近 3 天消杀记录 2 条：\n"
        "· 12-07 3号楼电梯｜擦拭｜75%酒精｜—\n"
        "· 12-08 5栋楼道｜喷洒｜84消毒液｜王*\n"
        "今日待消杀：电梯",
    ]
    content = await ledger_xlsx(
        sessions, unit_code="T1-V1", start=MONDAY, end=MONDAY + timedelta(days=1), settings=playground.settings
    )
    workbook = load_workbook(BytesIO(content), read_only=True)
    disinfections = [list(row) for row in workbook["消杀"].iter_rows(values_only=True)]
    workbook.close()
    assert [row[3:] for row in disinfections] == [
        ["地点", "方式", "药剂", "操作人"],
        ["3号楼电梯", "擦拭", "75%酒精", None],
        ["5栋楼道", "喷洒", "84消毒液", "王*"],
    ]


async def test_pair_by_command_and_old_rosters_leave_pairings_alone(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], clock: Clock
) -> None:
    grid = chats["T1-V1-G1"]
    clock.now = at(MONDAY, 9)
    usage = "bot: 用法：/pair @用户名 地址 [每N天]，或回复某人的消息发送 /pair 地址"
    assert await playground.dialogue(grid, [(GRID_LEADER, "/pair 3-2-501"), (GRID_LEADER, "/pair @nobody")]) == [
        f"{GRID_LEADER}: /pair 3-2-501",
        usage,
        f"{GRID_LEADER}: /pair @nobody",
        usage,
    ]
    message_id = await playground.say(RESIDENT, grid, "3-2-501 体温36.5")
    await playground.client.send_message(
        user_id=GRID_LEADER, chat_id=grid, text="/pair 3-1-101 每周", reply_to=message_id
    )
    await playground.settle()
    assert private_texts(await playground.client.bot_messages(grid))[-1] == (
        f"🤝 已结对：u{RESIDENT} 负责走访 3-1-101（每 7 天走访一次）。"
    )
    # A roster of before the pairs and points tables imports as it always did, and keeps the pairings.
    async with transaction(sessions) as session:
        summary = await import_rows(session, rows=roster(pairs=False))
    assert (summary.households_created, summary.households_updated) == (0, 0)
    assert await playground.dialogue(chats["T1-V1"], [(GRID_LEADER, "/status")]) != []
    lines = (await playground.dialogue(grid, [(GRID_LEADER, "/status")]))[-1]
    assert "结对走访：本周 0/3 户，逾期 2 户" in lines  # 3-1-101 now weekly: due by Sunday, not yet overdue


async def test_receivers_and_the_population_sheets(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], clock: Clock
) -> None:
    grid = chats["T1-V1-G1"]
    clock.now = at(MONDAY, 9)
    placed = at(MONDAY, 8).astimezone(UTC)
    await add_order(sessions, "T1-V1-G1", "3-2-502", placed, number=3, chat_id=grid, sender_id=NEIGHBOUR)
    await add_returnee(sessions, "T1-V1-G1", "3-1-101", MONDAY - timedelta(days=20), arrival=None,
                       name="王小五", monitor_until=MONDAY - timedelta(days=6))  # fmt: skip
    await add_returnee(sessions, "T1-V1-G2", "5-1-301", MONDAY, arrival=MONDAY, name="赵小六",
                       monitor_until=MONDAY + timedelta(days=14))  # fmt: skip
    assert (await playground.dialogue(grid, [(GRID_LEADER, "/received 3 王阿姨"), (GRID_LEADER, "/deliver 3")]))[1] == (
        "bot: 订单 #3 还没有送达：送达后再登记领取人。"
    )
    assert (await playground.dialogue(grid, [(GRID_LEADER, "/received #3 王阿姨")]))[-1] == (
        "bot: 📦 订单 #3 的领取人已登记：王阿姨。"
    )
    content = await ledger_xlsx(sessions, unit_code="T1", start=MONDAY, end=MONDAY, settings=playground.settings)
    workbook = load_workbook(BytesIO(content), read_only=True)
    sheets = {name: [list(r) for r in workbook[name].iter_rows(values_only=True)][1:] for name in workbook.sheetnames}
    workbook.close()
    assert [row[3:8] for row in sheets["领取记录"]] == [[3, "3-2-502", "李*", "大米2袋", "王**"]]
    assert [row[2] for row in sheets["常住"]] == ["3-1-101", "3-2-501", "3-2-502", "五组12号"]
    assert [(row[2], row[3], row[7]) for row in sheets["流动"]] == [
        ("5-1-301", "赵*", "名册标签"),
        ("3-1-101", "王**", "返乡留住"),
    ]
    assert [(row[4], row[8]) for row in sheets["返乡人员"]] == [("王**", "已解除"), ("赵**", "监测中")]
    assert [(row[2], row[6]) for row in sheets["重点人群"]] == [
        ("3-2-501", "独居老人"),
        ("3-2-502", "慢病"),
        ("五组12号", "残疾"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[policy.visits]\n"独居老人" = 0\n', "policy.visits.独居老人: Input should be greater than or equal to 1"),
        (
            '[policy.disinfection]\npoints = [{ place = "垃圾站", every = "often" }]\n',
            "policy.disinfection.points.0.every: daily, weekly or a number of days (1-365) expected",
        ),
    ],
)
def test_duty_settings_are_checked_in_one_line(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert str(raised.value) == message


async def test_a_roster_workbook_with_pairs_and_points_and_its_errors(sessions: SessionFactory, tmp_path: Path) -> None:
    from openpyxl import Workbook

    from services.roster import RosterError, import_roster
    from services.roster_files import read_roster

    def workbook(pairs: list[tuple[object, ...]]) -> Path:
        book = Workbook()
        book.active.title = "单位"
        book.active.append(["编码", "名称", "层级", "上级编码"])
        for code, name, level, parent, _leader in UNITS:
            book.active.append([code, name, level, parent])
        sheets = {
            "住户": [["网格编码", "地址", "户主", "标签"], ["T1-V1-G1", "3-2-501", "张三", "独居老人"]],
            "结对": [["网格编码", "地址", "结对人", "频次"], *pairs],
            "消杀点位": [["网格编码", "点位", "频次"], ["T1-V1-G1", "垃圾站", "每天"], ["T1-V1-G1", "楼道", "每周"]],
        }
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
        path = tmp_path / f"roster-{len(pairs)}.xlsx"
        book.save(path)
        return path

    bad = workbook([("T1-V1-G1", "3-2-501", "", "常常"), ("T1-V1-G1", "9-9-999", "老王", "")])
    with pytest.raises(RosterError) as raised:
        await import_roster(sessions, path=bad)
    assert raised.value.problems == [
        "结对:2: 结对人: 必填，不能为空",
        "结对:2: 频次: “常常”不是频次：请写 每天、每周 或天数（如 7）",
        "结对:3: 地址: 住户表里没有 9-9-999 这一户（结对的住户须在住户表里）",
    ]
    good = workbook([("T1-V1-G1", "3-2-501", "5002", "")])
    rows = read_roster(good)
    assert [r.cells for r in rows.points or []] == [
        {"grid": "T1-V1-G1", "place": "垃圾站", "every": "每天"},
        {"grid": "T1-V1-G1", "place": "楼道", "every": "每周"},
    ]
    await import_roster(sessions, path=good)
    async with sessions() as session:
        pairings = (await session.exec(select(Pairing))).all()
        points = (await session.exec(select(DisinfectionPoint))).all()
    assert [(p.helper_id, p.helper_key, p.every_days, p.source) for p in pairings] == [
        (5002, "tg:5002", None, "roster")
    ]
    assert [(p.place, p.every_days) for p in points] == [("垃圾站", 1), ("楼道", 7)]
