"""The returnee monitoring plan: one definition read by the daily report, /status and the follow-ups.

A returnee reported without an arrival date is monitored from the day of the report. Before the
plan had one home the report and /status counted such a test as due while the follow-up job,
which required an arrival date, never sent it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from core.config import ReturneePolicy
from demo.playground import Playground, plain
from storage import returnee_plan
from storage.db import SessionFactory
from storage.dialect import dialect_of
from storage.models import Returnee
from tests.factories import GRID_LEADER, NEIGHBOUR, add_returnee, bind_every_unit, seed_roster
from tests.test_schedule import link

TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    """The local day the sandbox dates messages with (commands carry the real time)."""
    return datetime.now(TZ).date()


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


async def last_text(playground: Playground, chat_id: int) -> str:
    return plain((await playground.client.bot_messages(chat_id))[-1].text or "")


async def test_a_returnee_without_an_arrival_date_is_due_in_the_report_status_and_follow_up_alike(
    playground: Playground, sessions: SessionFactory
) -> None:
    chats = await bind_every_unit(playground, sessions)
    grid = chats["T1-V1-G1"]
    await playground.say(NEIGHBOUR, NEIGHBOUR, "/start")
    await link(sessions, NEIGHBOUR, "李四", "3-2-502")
    day = today()
    reported = day - timedelta(days=1)
    await add_returnee(
        sessions,
        "T1-V1-G1",
        "3-2-502",
        reported,
        arrival=None,
        name="李小四",
        monitor_until=reported + timedelta(days=14),
        test_days="1,3,7",
    )
    schedule = playground.bot.schedule

    assert (await schedule.tick(at(day, 9))).ran == ["privacy_purge", "returnee_followup"]
    assert await last_text(playground, NEIGHBOUR) == (
        f"您好！李小四于 {reported.month}月{reported.day}日 报备返乡，今天是报备后第 1 天，按规定需要做一次核酸或抗原检测。\n"
        "做完后请把结果发到这里或网格群，例如：李小四 抗原阴性"
    )

    status = await playground.dialogue(grid, [(GRID_LEADER, "/status")])
    assert status[-1].endswith("返乡监测：1 人（今日需检测 1）")

    assert "grid_report" in (await schedule.tick(at(day, 16))).ran
    assert "今日应检测 1 人" in await last_text(playground, grid)


async def test_the_sql_and_python_spellings_of_the_plan_agree(sessions: SessionFactory) -> None:
    """Every case of the plan, asked of the database and of Python, day by day across the plan."""
    await seed_roster(sessions)
    reported = date(2026, 12, 1)
    policy = ReturneePolicy(monitor_days=5, test_days=[0, 1, 3, 12])
    for arrival in (None, reported - timedelta(days=2), reported + timedelta(days=1)):
        stored = returnee_plan.plan_for(policy, arrival=arrival, reported=reported)
        plans = [
            {"monitor_until": stored.monitor_until, "test_days": stored.test_days},
            {"monitor_until": None, "test_days": "1,3"},
            {"monitor_until": stored.monitor_until, "test_days": ""},
        ]
        for fields in plans:
            await add_returnee(sessions, "T1-V1-G1", "3-2-502", reported, arrival=arrival, **fields)
    async with sessions() as session:
        returnees = (await session.exec(select(Returnee).order_by(col(Returnee.id)))).all()
        dialect = dialect_of(session)
        for day in (reported + timedelta(days=offset) for offset in range(-4, 10)):
            monitored = await session.exec(select(Returnee.id).where(returnee_plan.monitored_on(day)))
            due = await session.exec(select(Returnee.id).where(returnee_plan.test_due_on(dialect, day)))
            assert sorted(monitored) == [r.id for r in returnees if returnee_plan.under_monitoring(r, day)], day
            assert sorted(due) == [r.id for r in returnees if returnee_plan.test_due(r, day)], day
    assert any(returnee_plan.test_due(r, reported + timedelta(days=1)) for r in returnees if r.arrival is None)
