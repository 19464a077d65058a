"""The notice to residents, /privacy and the audit trail of who saw what, through the real PTB
application and the sandbox."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import select

from core.config import Settings
from core.formatting import plain
from demo.playground import Playground
from handlers.start import privacy_notice
from schedules.runtime import Schedule
from services.privacy import audit_trail
from storage.db import SessionFactory
from storage.models import InboxUpdate, MessageRecord
from tests.factories import GRID_LEADER, RESIDENT, VILLAGE_LEADER, bind_every_unit, bound_groups, confirm_links

NOTICE = plain(privacy_notice(Settings()))


async def trail(playground: Playground, sessions: SessionFactory, unit: str | None = None) -> list[tuple[str, ...]]:
    lines = await audit_trail(sessions, settings=playground.settings, unit_code=unit, start=None, end=None)
    return [(line.actor, line.action, line.unit_code or "", line.address or "", line.detail) for line in lines]


async def test_a_grid_group_hears_the_notice_once_and_privacy_repeats_it(
    playground: Playground, sessions: SessionFactory
) -> None:
    grid, village = await bound_groups(playground, sessions)
    assert [m.text for m in await playground.client.bot_messages(grid)].count(NOTICE) == 1
    assert NOTICE not in [m.text for m in await playground.client.bot_messages(village)]  # officials' group
    assert "30 天后删除消息原文和健康情况" in NOTICE and "/privacy" in NOTICE

    await playground.say(GRID_LEADER, grid, "/unbind")
    await playground.say(GRID_LEADER, grid, "/bind T1-V1-G1")
    assert [m.text for m in await playground.client.bot_messages(grid)].count(NOTICE) == 1  # once, ever

    assert await playground.dialogue(grid, [(RESIDENT, "/privacy")]) == [f"{RESIDENT}: /privacy", f"bot: {NOTICE}"]
    assert await playground.dialogue(RESIDENT, [(RESIDENT, "/privacy")]) == [f"{RESIDENT}: /privacy", f"bot: {NOTICE}"]
    assert "/privacy" in (await playground.dialogue(grid, [(RESIDENT, "/help")]))[1]


async def test_alerts_and_household_views_are_recorded(playground: Playground, sessions: SessionFactory) -> None:
    grid, village = await bound_groups(playground, sessions)
    await confirm_links(sessions, {RESIDENT: "3-2-501"})  # a member already: no claim to put to the leader
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    await playground.say(RESIDENT, grid, "3-2-501 张三 体温37.8 咳嗽")
    await playground.say(GRID_LEADER, grid, "/household 3-2-501")
    await playground.say(VILLAGE_LEADER, village, "/household 3-2-501")
    await playground.say(RESIDENT, grid, "/household 3-2-501")  # refused: sees nothing, so nothing is recorded
    household = ("T1-V1-G1", "3-2-501")
    assert await trail(playground, sessions) == [
        (f"tg:{GRID_LEADER}", "alert", *household, "checkin"),
        (f"chat:{village}", "alert", *household, "checkin, masked"),
        (f"tg:{GRID_LEADER}", "household", *household, "private"),
        (f"tg:{VILLAGE_LEADER}", "household", *household, f"masked in chat:{village}"),
    ]
    assert await trail(playground, sessions, "T1-V2") == []


async def test_a_digest_ledger_is_recorded_once_when_sent(playground: Playground, sessions: SessionFactory) -> None:
    chats = await bind_every_unit(playground, sessions)
    bot = playground.bot
    schedule = Schedule(sessions=sessions, settings=playground.settings, bot=bot.application.bot)
    day = date(2026, 12, 1)
    for hour, minute in ((16, 30), (16, 40)):
        await schedule.tick(datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo("Asia/Shanghai")))
    ledgers = [line for line in await trail(playground, sessions) if line[1] == "ledger"]
    assert sorted(ledgers) == sorted(
        (f"chat:{chats[code]}", "ledger", code, "", f"台账-{code}-2026-12-01.xlsx") for code in ("T1-V1", "T1-V2")
    )


async def test_the_inbox_holds_raw_updates_masked(playground: Playground, sessions: SessionFactory) -> None:
    grid, _village = await bound_groups(playground, sessions)
    await playground.say(RESIDENT, grid, "3-2-501 儿子张小三从北京回来 身份证110101199003071234")
    async with sessions() as session:
        payloads = [row.payload for row in (await session.exec(select(InboxUpdate))).all()]
        record = (await session.exec(select(MessageRecord))).one()
    assert not [payload for payload in payloads if "110101199003071234" in payload]
    assert [payload for payload in payloads if "**************1234" in payload]
    assert record.text == "3-2-501 儿子张小三从北京回来 身份证**************1234"


def test_the_readme_quotes_the_notice() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8").replace("**", "")
    # Markdown bold (**) stands for the notice's <b>; the masked phone's stars go with it on both sides.
    assert all(f"> {line}\n".replace("**", "") in readme for line in NOTICE.splitlines())
