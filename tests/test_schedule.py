"""A whole day on a fake clock: reminders, follow-ups, the cutoff and the digests, through the real bot.

The schedule is driven by ``tick(now)`` with chosen times; nothing sleeps. A "restart" is a new
``Schedule`` on the same database and bot: it remembers nothing, as a new process would.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select, update

from demo.playground import Playground
from sandbox import TranscriptEvent
from schedules.jobs import DailyJob, JobRun, daily_jobs
from schedules.runtime import Schedule
from storage.db import SessionFactory, transaction
from storage.models import DayOff, Household, OutboxMessage, OutboxStatus, Person, Unit
from tests.factories import (
    GRID_LEADER,
    NEIGHBOUR,
    RESIDENT,
    VILLAGE_LEADER,
    add_checkin,
    add_confirmation,
    add_person,
    add_returnee,
    bind_every_unit,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


@pytest.fixture
async def chats(playground: Playground, sessions: SessionFactory) -> dict[str, int]:
    """Every unit bound; 张三 (not started) and 李四 (started) linked in the first grid; three returnees."""
    chats = await bind_every_unit(playground, sessions)
    await add_person(sessions, RESIDENT, "张三", household=("T1-V1-G1", "3-2-501"))
    await playground.say(NEIGHBOUR, NEIGHBOUR, "/start")
    await link(sessions, NEIGHBOUR, "李四", "3-2-502")
    yesterday, three_days_ago = DAY - timedelta(days=1), DAY - timedelta(days=3)
    tests = {"test_days": "1,3,7", "monitor_until": DAY + timedelta(days=10)}
    await add_returnee(sessions, "T1-V1-G1", "3-2-502", yesterday, arrival=yesterday, name="李小四", **tests)
    await add_returnee(sessions, "T1-V1-G2", "5-1-301", yesterday, arrival=yesterday, name="赵小六", **tests)
    await add_returnee(sessions, "T1-V2-G1", "五组12号", three_days_ago, arrival=DAY - timedelta(days=2), **tests)
    return chats


async def link(sessions: SessionFactory, user_id: int, name: str, address: str) -> None:
    async with transaction(sessions) as session:
        household = (await session.exec(select(Household).where(Household.address == address))).one()
        await session.exec(
            update(Person)
            .where(col(Person.telegram_user_id) == user_id)
            .values(household_id=household.id, display_name=name)
        )


def schedule_of(playground: Playground) -> Schedule:
    return playground.bot.schedule


def restarted(playground: Playground) -> Schedule:
    """A new process's schedule: same database and bot, no memory of what ran."""
    bot = playground.bot
    return Schedule(sessions=bot.services.sessions, settings=playground.settings, bot=bot.application.bot)


def by_chat(lines: list[str]) -> list[str]:
    """Lines grouped by chat, each chat's in order: the outbox sends to chats in parallel, so
    only the order within a chat is the bot's to keep."""
    return sorted(lines, key=lambda line: line.split(": ", 1)[0])


class Transcript:
    """The bot's messages since the last look, as 'chat: text' lines (tags stripped), by chat."""

    def __init__(self, playground: Playground) -> None:
        self.playground = playground
        self.seq = 0

    async def start(self) -> None:
        events = await self.playground.client.transcript()
        self.seq = events[-1].seq if events else 0

    async def new(self) -> list[str]:
        events = await self.playground.client.transcript(after_seq=self.seq)
        if events:
            self.seq = events[-1].seq
        return by_chat([self._line(event) for event in events if event.kind == "bot_message"])

    @staticmethod
    def _line(event: TranscriptEvent) -> str:
        from core.formatting import plain

        return f"{event.chat_title}: {plain(event.text or '')}"


@pytest.fixture
async def transcript(playground: Playground, chats: dict[str, int]) -> Transcript:
    seen = Transcript(playground)
    await seen.start()
    return seen


async def test_a_whole_day(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], transcript: Transcript
) -> None:
    schedule = schedule_of(playground)
    await add_checkin(sessions, "T1-V1-G1", "3-1-101", DAY)

    assert (await schedule.tick(at(8, 59))).ran == ["privacy_purge"]  # at 03:00: nothing old enough yet
    assert await transcript.new() == []

    assert (await schedule.tick(at(9))).ran == ["returnee_followup"]
    assert await transcript.new() == by_chat(
        [
            f"u{NEIGHBOUR}: 您好！李小四于 11月30日 返乡，今天是返乡第 1 天，按规定需要做一次核酸或抗原检测。\n"
            "做完后请把结果发到这里或网格群，例如：李小四 抗原阴性",
            f"第二网格群: 📋 今日随访：张三 您家今天有一项随访事项，请私聊 @{playground.bot_username} 点“开始”查看，或联系网格员。",
        ]
    )

    assert (await schedule.tick(at(10))).ran == ["reminder:10:00"]
    assert await transcript.new() == by_chat(
        [
            "第一网格群: ⏰ 打卡提醒（10:00）：本网格共 3 户，已打卡 1 户，还有 2 户未打卡。\n请以下住户在群里打卡：张三 李四",
            "第二网格群: ⏰ 打卡提醒（10:00）：本网格共 1 户，已打卡 0 户，还有 1 户未打卡。\n请还没打卡的住户尽快在群里打卡。",
            "东一网格群: ⏰ 打卡提醒（10:00）：本网格共 1 户，已打卡 0 户，还有 1 户未打卡。\n请还没打卡的住户尽快在群里打卡。",
        ]
    )
    mentions = (await playground.client.bot_messages(chats["T1-V1-G1"]))[-1].entities
    assert [(e["type"], e.get("url")) for e in mentions if e["type"] == "text_link"] == [
        ("text_link", f"tg://user?id={RESIDENT}"),
        ("text_link", f"tg://user?id={NEIGHBOUR}"),
    ]

    await add_checkin(sessions, "T1-V1-G1", "3-2-501", DAY)
    await add_checkin(sessions, "T1-V1-G2", "5-1-301", DAY)
    await add_checkin(sessions, "T1-V2-G1", "五组12号", DAY)
    assert (await schedule.tick(at(12))).ran == []
    assert (await schedule.tick(at(15))).ran == ["reminder:15:00"]
    assert await transcript.new() == [
        "第一网格群: ⏰ 打卡提醒（15:00）：本网格共 3 户，已打卡 2 户，还有 1 户未打卡。\n请以下住户在群里打卡：李四",
    ]

    assert (await schedule.tick(at(16))).ran == ["grid_report"]
    grid_reports = await transcript.new()
    assert [line.split(":")[0] for line in grid_reports] == by_chat(["第一网格群", "第二网格群", "东一网格群"])
    assert all("日报告" in line for line in grid_reports)

    await add_confirmation(sessions, "T1-V1-G1", DAY, zero=True, at=at(16, 10))
    assert (await schedule.tick(at(16, 30))).ran == ["village_digest"]
    assert sorted({line.split(":")[0] for line in await transcript.new()}) == ["东头岭村群", "西头岭村群"]
    assert (await schedule.tick(at(17))).ran == ["town_digest"]
    assert {line.split(":")[0] for line in await transcript.new()} == {"杨柳青镇群"}

    assert (await schedule.tick(at(23, 59))).ran == ["day_close"]  # no digest changed: no ledger again
    assert await transcript.new() == []
    assert await outbox_kinds(sessions) == {
        ("followup", "T1-V1-G2", 0),
        ("followup:dm", "T1-V1-G1", 1),
        ("reminder:10:00", "T1-V1-G1", 0),
        ("reminder:10:00", "T1-V1-G2", 0),
        ("reminder:10:00", "T1-V2-G1", 0),
        ("reminder:15:00", "T1-V1-G1", 0),
        ("grid_report", "T1-V1-G1", 0),
        ("grid_report", "T1-V1-G2", 0),
        ("grid_report", "T1-V2-G1", 0),
        *((kind, code, part) for kind, code in DIGESTS for part in range(3)),
    }


DIGESTS = [("village_digest", "T1-V1"), ("village_digest", "T1-V2"), ("town_digest", "T1")]


async def outbox_kinds(sessions: SessionFactory, status: OutboxStatus = OutboxStatus.SENT) -> set[tuple[str, str, int]]:
    async with sessions() as session:
        rows = await session.exec(
            select(OutboxMessage.kind, Unit.code, OutboxMessage.part)
            .join(Unit, col(Unit.id) == col(OutboxMessage.unit_id))
            .where(OutboxMessage.status == status)
        )
        return set(rows.all())


async def test_a_restart_across_the_cutoff_sends_each_report_exactly_once(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], transcript: Transcript
) -> None:
    await schedule_of(playground).tick(at(15, 59))
    await transcript.new()
    # down from 15:59 to 16:20: the cutoff passed unseen; the start-up catch-up runs it late
    after_restart = await restarted(playground).tick(at(16, 20))
    assert (after_restart.ran, after_restart.delivery.sent) == (["privacy_purge", "grid_report"], 3)
    assert after_restart.skipped == ["returnee_followup", "reminder:10:00", "reminder:15:00"]  # too late by now
    again = restarted(playground)
    rerun = await again.tick(at(16, 25))
    assert (rerun.ran, rerun.queued, rerun.delivery.sent) == (["privacy_purge", "grid_report"], 0, 0)
    await again.tick(at(16, 40))
    lines = await transcript.new()
    assert sorted(line.split(":")[0] for line in lines if "日报告" in line) == [
        "东一网格群",
        "第一网格群",
        "第二网格群",
    ]
    assert [line.split(":")[0] for line in lines if "日报　" in line] == by_chat(["西头岭村群", "东头岭村群"])


async def test_a_late_start_skips_stale_reminders_but_sends_the_reports(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], transcript: Transcript
) -> None:
    report = await restarted(playground).tick(at(16, 45))
    assert report.ran == ["privacy_purge", "grid_report", "village_digest"]
    assert report.skipped == ["returnee_followup", "reminder:10:00", "reminder:15:00"]
    assert not [line for line in await transcript.new() if "打卡提醒" in line or "随访" in line]


async def test_failures_during_the_digest_run_still_deliver_each_message_once(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    schedule = schedule_of(playground)
    await schedule.tick(at(16, 29))
    client = playground.client
    await client.inject_failures("sendMessage", status=500)
    await client.inject_failures("sendPhoto", status=429, retry_after=3)
    await client.inject_failures("sendDocument", status=502)
    await client.inject_failures("sendMessage", status=200, delay=0.3)  # slow, yet delivered
    now = at(16, 30)
    first = await schedule.tick(now)
    assert first.delivery.retried >= 2
    # the crash: rows left pending; a new process catches up and retries on its own clock
    later = restarted(playground)
    for _ in range(6):
        now += timedelta(seconds=30)
        await later.tick(now)
    assert await outbox_kinds(sessions, OutboxStatus.PENDING) == set()
    assert {(kind, code, part) for kind, code, part in await outbox_kinds(sessions) if kind == "village_digest"} == {
        ("village_digest", code, part) for code in ("T1-V1", "T1-V2") for part in range(3)
    }
    for code in ("T1-V1", "T1-V2"):
        posted = await client.bot_messages(chats[code])
        digest = [m.method for m in posted if m.method != "sendMessage" or "日报" in (m.text or "")]
        assert digest == ["sendMessage", "sendPhoto", "sendDocument"], code


async def test_reminders_honour_days_off_and_the_switches(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], transcript: Transcript
) -> None:
    async with transaction(sessions) as session:
        grid = (await session.exec(select(Unit).where(Unit.code == "T1-V2-G1"))).one()
        session.add(DayOff(unit_id=grid.parent_id, day=DAY))
    await playground.say(NEIGHBOUR, chats["T1-V1-G1"], "/remind 关")  # a resident may not
    assert await transcript.new() == ["第一网格群: 只有 第一网格 或其上级单位的负责人、或管理员可以设置打卡提醒。"]
    await playground.say(playground.settings.admins.user_ids[0], chats["T1-V1"], "/remind 点名关")
    await transcript.new()
    await schedule_of(playground).tick(at(10))
    assert [line for line in await transcript.new() if "打卡提醒" in line] == by_chat(
        [
            "第一网格群: ⏰ 打卡提醒（10:00）：本网格共 3 户，已打卡 0 户，还有 3 户未打卡。\n请还没打卡的住户尽快在群里打卡。",
            "第二网格群: ⏰ 打卡提醒（10:00）：本网格共 1 户，已打卡 0 户，还有 1 户未打卡。\n请还没打卡的住户尽快在群里打卡。",
        ]
    )


async def test_a_failing_job_does_not_stop_the_others(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    async def broken(run: JobRun) -> int:
        raise RuntimeError("database went away")

    jobs = [
        DailyJob(id=job.id, at=job.at, until=job.until, run=broken if job.id == "grid_report" else job.run)
        for job in daily_jobs(playground.settings)
    ]
    bot = playground.bot
    schedule = Schedule(sessions=sessions, settings=playground.settings, bot=bot.application.bot, jobs=jobs)
    report = await schedule.tick(at(16, 30))
    assert (report.failed, report.ran[-1]) == (["grid_report"], "village_digest")


def test_job_ids_times_and_catch_up_windows() -> None:
    from core.config import Settings

    settings = Settings.model_validate({"schedule": {"reminders": ["15:00", "10:00", "17:30"]}})
    jobs = [
        (job.id, job.at.strftime("%H:%M"), job.until and job.until.strftime("%H:%M")) for job in daily_jobs(settings)
    ]
    assert jobs == [
        ("privacy_purge", "03:00", None),
        ("visit_reminder", "08:30", None),
        ("returnee_followup", "09:00", "16:00"),
        ("reminder:10:00", "10:00", "15:00"),
        ("reminder:15:00", "15:00", "16:00"),
        ("grid_report", "16:00", None),
        ("village_digest", "16:30", None),
        ("town_digest", "17:00", None),
        ("reminder:17:30", "17:30", None),
        ("day_close", "23:30", None),
    ]


async def test_remind_shows_and_switches_reminders_and_mentions(playground: Playground, chats: dict[str, int]) -> None:
    grid, village = chats["T1-V1-G1"], chats["T1-V1"]
    assert await playground.dialogue(
        grid,
        [
            (GRID_LEADER, "/remind"),
            (GRID_LEADER, "/remind 关"),
            (GRID_LEADER, "/remind 点名 关"),
            (GRID_LEADER, "/remind on"),
            (GRID_LEADER, "/remind 乱写"),
        ],
    ) == [
        f"{GRID_LEADER}: /remind",
        "bot: 第一网格 的打卡提醒：开；@点名：开。",
        f"{GRID_LEADER}: /remind 关",
        "bot: 第一网格 的打卡提醒：关；@点名：开。",
        f"{GRID_LEADER}: /remind 点名 关",
        "bot: 第一网格 的打卡提醒：关；@点名：关。",
        f"{GRID_LEADER}: /remind on",
        "bot: 第一网格 的打卡提醒：开；@点名：关。",
        f"{GRID_LEADER}: /remind 乱写",
        "bot: 用法：/remind 开 或 /remind 关 打开或关闭打卡提醒；/remind 点名开 或 /remind 点名关 "
        "打开或关闭提醒里的 @点名。在村社区或镇街群里设置，对其下所有网格生效。",
    ]
    await playground.say(VILLAGE_LEADER, village, "/remind off")
    assert await playground.dialogue(grid, [(RESIDENT, "/remind")]) == [
        f"{RESIDENT}: /remind",
        "bot: 第一网格 的打卡提醒：开；@点名：关。\n上级单位 西头岭村 已关闭打卡提醒，本单位暂按关闭处理。",
    ]


async def test_on_the_wall_clock_alarms_are_set_and_start_up_catches_up(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], transcript: Transcript
) -> None:
    settings = playground.settings
    settings = settings.model_copy(update={"schedule": settings.schedule.model_copy(update={"enabled": True})})
    bot = playground.bot.application.bot
    schedule = Schedule(sessions=sessions, settings=settings, bot=bot, clock=lambda: at(16, 20))
    async with schedule.running():
        await schedule.caught_up.wait()
        assert schedule.alarms is not None
        alarms = {job.id: job for job in schedule.alarms.get_jobs()}
    assert sorted(alarms) == [job.id for job in sorted(daily_jobs(settings), key=lambda job: job.id)]
    cutoff = alarms["grid_report"]
    assert (cutoff.misfire_grace_time, cutoff.coalesce, cutoff.max_instances) == (None, True, 1)
    assert (str(cutoff.trigger), cutoff.trigger.timezone) == ("cron[hour='16', minute='0', second='0']", TZ)
    assert sorted(line.split(":")[0] for line in await transcript.new()) == ["东一网格群", "第一网格群", "第二网格群"]
