"""Digests that stay live (issue #13): operator runs that do not eat the schedule, corrections, and
digests edited in place when a grid confirms late — through the real bot on a fake clock."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.report_cli import report_run
from demo.playground import Playground
from storage.db import SessionFactory
from tests.factories import add_confirmation, bind_every_unit

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
