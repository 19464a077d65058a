"""Digests that stay live (issue #13): operator runs that do not eat the schedule, corrections, and
digests edited in place when a grid confirms late — through the real bot on a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.report_cli import report_run
from demo.playground import Playground
from sandbox import BotMessage
from services.live_digests import refresh_digests
from services.outbox import decode, enqueue_edits
from storage import outbox as outbox_store
from storage.db import SessionFactory
from tests.conftest import running_at_midday
from tests.factories import (
    GRID_LEADER,
    OTHER_GRID_LEADER,
    add_checkin,
    add_confirmation,
    add_returnee,
    bind_every_unit,
)

TZ = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def utc(hour: int, minute: int = 0) -> datetime:
    """``at`` in UTC, as the bot stores instants (SQLite keeps no offset)."""
    return at(hour, minute).astimezone(UTC)


async def digests(playground: Playground, chat_id: int) -> list[str]:
    """The texts of the digests the bot posted in ``chat_id`` (edits shown as they are now)."""
    from core.formatting import plain

    texts = [plain(m.text or "") for m in await playground.client.bot_messages(chat_id)]
    return [text for text in texts if " 日报\u3000" in text]


async def test_a_manual_send_before_the_schedule_does_not_consume_the_scheduled_digest(
    playground: Playground, sessions: SessionFactory, tmp_path: Path
) -> None:
    """Failed on main: the 15:00 run wrote the scheduled keys, so at 16:30 the schedule sent nothing."""
    chats = await bind_every_unit(playground, sessions)
    await add_confirmation(sessions, "T1-V1-G1", DAY, zero=True, at=utc(14))
    settings = playground.settings
    assert await report_run(settings, day=DAY, unit="T1-V1", mode="send", out=tmp_path, now=at(15)) == 0
    await playground.bot.schedule.deliver(at(15))
    (early,) = await digests(playground, chats["T1-V1"])
    assert early.startswith("【预报】📊 西头岭村 日报")

    await add_confirmation(sessions, "T1-V1-G2", DAY, zero=True, at=utc(16, 10))
    await playground.bot.schedule.tick(at(16, 30))
    first, scheduled = await digests(playground, chats["T1-V1"])
    assert first == early
    assert "预报" not in scheduled and "未报 0" in scheduled

    # --resend: the village digest once more, as it is now, marked 更正; the schedule's stays as it was.
    assert await report_run(settings, day=DAY, unit="T1-V1", mode="resend", out=tmp_path, now=at(17, 10)) == 0
    await playground.bot.schedule.deliver(at(17, 10))
    *_, correction = await digests(playground, chats["T1-V1"])
    assert correction.startswith("【更正】📊 西头岭村 日报\u30002026-12-01（截至 17:10）")
    assert len(await digests(playground, chats["T1-V1"])) == 3
    assert len(await digests(playground, chats["T1"])) == 0  # only the unit asked for


@pytest.fixture
async def late_day(database_url: str) -> AsyncIterator[Playground]:
    """The real bot whose digests went out before the wall clock's now (it reads 12:xx here):
    grid reports at 11:00, village digests 11:10, town 11:20, so a press now is a late confirmation."""
    schedule = {"grid_report": "11:00", "village_digest": "11:10", "town_digest": "11:20"}
    async with running_at_midday(database_url, schedule) as running:
        yield running


def today_at(playground: Playground, hour: int, minute: int = 0, second: int = 0) -> datetime:
    tz = playground.settings.tz
    today = datetime.now(tz).date()
    return datetime(today.year, today.month, today.day, hour, minute, second, tzinfo=tz)


async def confirm(playground: Playground, user_id: int, chat_id: int) -> None:
    """Press 确认 under the grid's report, as its leader."""
    (report,) = [m for m in await playground.client.bot_messages(chat_id) if "日报告" in (m.text or "")]
    assert report.reply_markup is not None
    data = report.reply_markup["inline_keyboard"][0][0]["callback_data"]
    await playground.client.press_button(user_id=user_id, chat_id=chat_id, message_id=report.message_id, data=data)
    await playground.settle()


async def edits(playground: Playground, chat_id: int) -> int:
    return len([e for e in await playground.client.transcript() if e.kind == "bot_edit" and e.chat_id == chat_id])


async def documents(playground: Playground, chat_id: int) -> list[BotMessage]:
    return [m for m in await playground.client.bot_messages(chat_id) if m.method == "sendDocument"]


async def test_a_late_confirmation_edits_the_sent_digests_in_place_once_a_minute(
    late_day: Playground, sessions: SessionFactory
) -> None:
    playground = late_day
    chats = await bind_every_unit(playground, sessions)
    today = datetime.now(playground.settings.tz).date()
    for grid, address in (("T1-V1-G1", "3-2-501"), ("T1-V1-G1", "3-2-502"), ("T1-V1-G1", "3-1-101"),
                          ("T1-V1-G2", "5-1-301")):  # fmt: skip
        await add_checkin(sessions, grid, address, today)
    schedule = playground.bot.schedule
    for hour, minute in ((11, 0), (11, 10), (11, 20)):
        await schedule.tick(today_at(playground, hour, minute))
    village, town = chats["T1-V1"], chats["T1"]
    (sent,) = await digests(playground, village)
    assert "（截至 11:10）" in sent and "未报 2" in sent

    await confirm(playground, GRID_LEADER, chats["T1-V1-G1"])  # at 12:xx, after the digests
    assert (await schedule.tick(today_at(playground, 13))).edits == 2  # the village's digest and the town's
    (live,) = await digests(playground, village)
    assert live.startswith(f"📊 西头岭村 日报\u3000{today.isoformat()}（更新于 13:00）")
    assert "已报 1（零报告 1），未报 1" in live and "· 第一网格：" in live
    (town_live,) = await digests(playground, town)
    assert "（更新于 13:00）" in town_live
    assert (await edits(playground, village), await edits(playground, town)) == (1, 1)

    # The second grid confirms half a minute later: the digests wait for their minute, then take it.
    await confirm(playground, OTHER_GRID_LEADER, chats["T1-V1-G2"])
    assert (await schedule.tick(today_at(playground, 13, 0, 30))).edits == 0
    assert (await schedule.tick(today_at(playground, 13, 1, 10))).edits == 2
    (live,) = await digests(playground, village)
    assert "（更新于 13:01）" in live and "未报 0" in live
    assert await edits(playground, village) == 2

    # An edit queued sooner than a minute after the last one (a restart, another process) waits its turn.
    await add_returnee(sessions, "T1-V1-G2", "5-1-301", today, arrival=today, name="赵小六")
    assert await refresh_digests(sessions, settings=playground.settings, now=today_at(playground, 13, 1, 30)) == 2
    assert (await schedule.deliver(today_at(playground, 13, 1, 40))).sent == 0
    assert (await schedule.deliver(today_at(playground, 13, 2, 15))).sent == 2
    assert await edits(playground, village) == 3
    assert len(await digests(playground, village)) == 1  # edited, never sent again; no chart or ledger resent
    assert len(await documents(playground, village)) == 1

    # Day close: the day's ledger once more where the digest changed; edits stop.
    close = today_at(playground, 23, 30)
    assert "day_close" in (await schedule.tick(close)).ran
    for chat in (village, town):
        first, last = await documents(playground, chat)
        assert "日终 23:30" in (last.caption or "") and first.caption != last.caption
    assert await documents(playground, chats["T1-V2"]) != []  # the other village: sent once, never changed
    assert len(await documents(playground, chats["T1-V2"])) == 1
    await add_returnee(sessions, "T1-V1-G1", "3-2-501", today, arrival=today, name="张小三")
    assert (await schedule.tick(close + timedelta(minutes=5))).edits == 0

    # An edit that changes nothing (a retry after a lost answer): Telegram says "not modified"; that is done.
    async with sessions() as session:
        (shown,) = await outbox_store.rows_of_kinds(session, day=today, kinds=["edit:village_digest"])
        sent = await outbox_store.rows_of_kinds(session, day=today, kinds=["village_digest"])
    again = [(row, decode(shown.payload)) for row in sent if row.chat_id == village and row.part == 0]
    await enqueue_edits(sessions, edits=again, now=close + timedelta(minutes=6))
    delivered = await schedule.deliver(close + timedelta(minutes=8))
    assert (delivered.sent, delivered.failed, await edits(playground, village)) == (1, 0, 3)
