"""A testing campaign (全员核酸) from /testing to an empty /untested, through real PTB and the
sandbox on a fake clock: the notice down the chain, check-ins stating a test and the team's
/tested counted against the roster's members, the 需上门 list, and every report's 核酸 figures."""

from __future__ import annotations

from datetime import timedelta

from demo.playground import Playground
from services.ledger import ledger_rows
from services.reports import compile_reports
from storage.db import SessionFactory
from tests.conftest import Clock
from tests.factories import GRID_LEADER, OTHER_GRID_LEADER, RESIDENT, VILLAGE_LEADER, bind_every_unit
from tests.test_clusters import DAY, at, import_clusters
from tests.test_schedule import Transcript

NOTICE = (
    "【全员核酸】西头岭村定于 2026-12-01 开展全员核酸检测，应检尽检、不漏一人。请各户按时检测，检测后在群里打卡写明"
    "“核酸已做 几人”；行动不便、卧床的住户由网格安排上门采样。"
)


async def test_a_campaign_from_start_to_no_one_untested(
    clocked: Playground, sessions: SessionFactory, day_clock: Clock
) -> None:
    chats = await bind_every_unit(clocked, sessions)
    await import_clusters(sessions, tags={"3-1-101": "卧床;低保"})
    grid, other_grid, village = chats["T1-V1-G1"], chats["T1-V1-G2"], chats["T1-V1"]
    transcript = Transcript(clocked)
    await transcript.start()

    day_clock.now = at(8)
    assert await clocked.dialogue(village, [(VILLAGE_LEADER, "/testing 2026-12-01")]) == [
        f"{VILLAGE_LEADER}: /testing 2026-12-01",
        "bot: ✅ 全员核酸 #1 已发起（2026-12-01），通知已发往 2 个群。期间各级日报告和汇总会显示应检、已检、未检和需上门；"
        "用 /untested 查看未检住户。",
    ]
    await clocked.bot.schedule.deliver()
    notices = [line for line in await transcript.new() if "【全员核酸】" in line]
    assert [line.split(": ", 1)[0] for line in notices] == ["第一网格群", "第二网格群"]
    assert NOTICE in notices[0]

    day_clock.now = at(9)
    assert (await clocked.dialogue(grid, [(GRID_LEADER, "/untested")]))[1:] == [
        "bot: 🧪 第一网格 全员核酸未检（2026-12-01）：3 户\n· 3-2-501：已检 0/4 人\n· 3-2-502：已检 0/1 人\n"
        "🏠 需上门（1 户）：\n· 3-1-101：已检 0/2 人"
    ]
    day_clock.now = at(10)
    await clocked.say(RESIDENT, grid, "3-2-501 4人 核酸已做 体温36.5")
    await clocked.say(RESIDENT, grid, "3-2-502 核酸已采样")
    status = await clocked.dialogue(grid, [(GRID_LEADER, "/status")])
    assert status[1].endswith("核酸：应检 7 人，已检 5 人，未检 2 人；需上门未检 1 户")
    assert (await clocked.dialogue(grid, [(GRID_LEADER, "/untested")]))[1:] == [
        "bot: 🧪 第一网格 全员核酸未检（2026-12-01）：1 户\n🏠 需上门（1 户）：\n· 3-1-101：已检 0/2 人"
    ]
    day_clock.now = at(11)
    assert (await clocked.dialogue(grid, [(GRID_LEADER, "/tested 3-1-101")]))[1:] == ["bot: ✅ 3-1-101 已检 2/2 人。"]
    assert (await clocked.dialogue(other_grid, [(OTHER_GRID_LEADER, "/tested 5-1-301 2人")]))[1:] == [
        "bot: ✅ 5-1-301 已检 2/3 人。"
    ]
    assert (await clocked.dialogue(grid, [(GRID_LEADER, "/untested")]))[1:] == [
        "bot: 🧪 第一网格 全员核酸（2026-12-01）：应检人员已全部检测 ✅"
    ]
    assert (await clocked.dialogue(village, [(VILLAGE_LEADER, "/untested")]))[1:] == [
        "bot: 🧪 西头岭村 全员核酸未检（2026-12-01）：1 户\n第二网格\n· 5-1-301：已检 2/3 人"
    ]

    await transcript.new()
    for hour, minute in ((16, 0), (16, 30), (17, 0)):
        day_clock.now = at(hour, minute)
        await clocked.bot.schedule.tick(day_clock.now)
    reports = {line.split(": ", 1)[0]: line for line in await transcript.new() if "日报" in line}
    assert "核酸：应检 7 人｜已检 7 人｜未检 0 人｜需上门未检 0 户" in reports["第一网格群"]
    assert "核酸：应检 3 人｜已检 2 人｜未检 1 人｜需上门未检 0 户" in reports["第二网格群"]
    assert "核酸" not in reports["东一网格群"]
    orders = "物资 新0 送达0 未完0 超时0 急0"
    assert (
        f"· 第一网格（未确认）：打卡 2/3（66.7%）｜异常 0｜返乡 新0 在管0 解除0 应检0｜{orders}｜核酸 应检7 已检7 未检0 上门0\n"
        f"· 第二网格（未确认）：打卡 0/1（0.0%）｜异常 0｜返乡 新0 在管0 解除0 应检0｜{orders}｜核酸 应检3 已检2 未检1 上门0\n"
        f"合计：打卡 2/4（50.0%）｜异常 0｜返乡 新0 在管0 解除0 应检0｜{orders}｜核酸 应检10 已检9 未检1 上门0"
    ) in reports["西头岭村群"]
    town_digest = reports["杨柳青镇群"]
    assert f"{orders}｜核酸 应检10 已检9 未检1 上门0\n· 东头岭村（1/1 个网格未确认：东一网格）：打卡 0/1" in town_digest
    assert (
        f"合计：打卡 2/5（40.0%）｜异常 0｜返乡 新0 在管0 解除0 应检0｜{orders}｜核酸 应检10 已检9 未检1 上门0"
        in town_digest
    )

    ledger = ledger_rows(sessions, unit_code="T1", start=DAY, end=DAY, settings=clocked.settings)
    assert [row async for sheet, row in ledger if sheet == "核酸"] == [
        ["日期", "村/社区", "网格", "地址", "应检", "已检", "未检", "需上门"],
        [DAY, "西头岭村", "第一网格", "3-1-101", 2, 2, 0, "是"],
        [DAY, "西头岭村", "第一网格", "3-2-501", 4, 4, 0, ""],
        [DAY, "西头岭村", "第一网格", "3-2-502", 1, 1, 0, ""],
        [DAY, "西头岭村", "第二网格", "5-1-301", 3, 2, 1, ""],
    ]

    after = await compile_reports(
        sessions, day=DAY + timedelta(days=1), settings=clocked.settings, now=at(12) + timedelta(days=1)
    )
    assert after.by_code("T1").counts.tests_due == 0
