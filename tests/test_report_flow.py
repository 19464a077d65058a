"""The end of the day in a grid group, through the real bot: /zero refused with its reason, the one-tap confirm."""

from __future__ import annotations

from datetime import datetime

import pytest

from demo.playground import Playground
from services.report_run import build_deliveries
from services.sender import send
from storage.db import SessionFactory
from storage.models import UnitLevel
from tests.factories import (
    ADMIN,
    GRID_LEADER,
    OTHER_GRID_LEADER,
    RESIDENT,
    VILLAGE_LEADER,
    add_checkin,
    seed_roster,
)


async def test_zero_is_refused_with_the_reason_and_the_button_confirms(
    playground: Playground, sessions: SessionFactory
) -> None:
    await seed_roster(sessions)
    client = playground.client
    for user_id in (GRID_LEADER, OTHER_GRID_LEADER, RESIDENT):
        await client.create_user(user_id=user_id, first_name=f"u{user_id}")
    group = await client.create_group(
        title="第一网格群", members=[GRID_LEADER, OTHER_GRID_LEADER, RESIDENT], admins=[GRID_LEADER]
    )
    await client.add_bot_to_group(group.id, by=GRID_LEADER, as_admin=True)
    await playground.say(GRID_LEADER, group.id, "/bind T1-V1-G1")
    today = datetime.now(playground.settings.tz).date()
    await add_checkin(sessions, "T1-V1-G1", "3-2-501", today, abnormal=True, temperature=38.5)

    assert await playground.dialogue(group.id, [(RESIDENT, "/zero"), (GRID_LEADER, "/zero")]) == [
        f"{RESIDENT}: /zero",
        "bot: 只有 第一网格 或其上级单位的负责人、或管理员可以确认上报。",
        f"{GRID_LEADER}: /zero",
        "bot: 今日有 1 户异常，不能报零，请点「确认上报」。",
    ]

    (delivery,) = await build_deliveries(
        sessions, settings=playground.settings, day=today, root_code="T1-V1-G1", levels={UnitLevel.GRID}
    )
    assert delivery.chat_id == group.id
    report = await send(playground.bot.application.bot, group.id, delivery.messages[0])
    assert report.reply_markup is not None
    data = report.reply_markup.inline_keyboard[0][0].callback_data
    assert isinstance(data, str)
    for user_id in (OTHER_GRID_LEADER, GRID_LEADER):
        await client.press_button(user_id=user_id, chat_id=group.id, message_id=report.message_id, data=data)
        await playground.settle()

    answers = [(a.user_id, a.text, a.show_alert) for a in await client.callback_answers()]
    assert answers == [
        (OTHER_GRID_LEADER, "只有 第一网格 或其上级单位的负责人、或管理员可以确认上报。", True),
        (GRID_LEADER, f"✅ 第一网格 {today.isoformat()} 日报告已确认上报。", False),
    ]
    (edited,) = [m for m in await client.bot_messages(group.id) if m.message_id == report.message_id]
    assert edited.edited and not edited.reply_markup
    assert edited.text is not None and "异常：1 户\n" in edited.text and f"✅ 已由 u{GRID_LEADER} 于 " in edited.text
    assert "38.5" not in edited.text
    again = await playground.dialogue(group.id, [(GRID_LEADER, "/zero")])
    assert again[1].startswith(f"bot: 第一网格 {today.isoformat()} 的日报告已于 ") and again[1].endswith(
        "确认，无需重复。"
    )


@pytest.mark.parametrize(
    ("user", "answer"),
    [
        (RESIDENT, "只有 第一网格 或其上级单位的负责人、或管理员可以确认上报。"),
        (OTHER_GRID_LEADER, "只有 第一网格 或其上级单位的负责人、或管理员可以确认上报。"),
        (GRID_LEADER, "✅ 第一网格 {day} 零报告已确认。"),
        (VILLAGE_LEADER, "✅ 第一网格 {day} 零报告已确认。"),
        (ADMIN, "✅ 第一网格 {day} 零报告已确认。"),
    ],
    ids=["resident", "other-grid", "grid-leader", "village", "admin"],
)
async def test_zero_by_every_role(playground: Playground, sessions: SessionFactory, user: int, answer: str) -> None:
    """The authorisation matrix for /zero on a quiet day (everyone checked in): this grid's leaders, those
    above, admins."""
    await seed_roster(sessions)
    today = datetime.now(playground.settings.tz).date()
    for address in ("3-2-501", "3-2-502", "3-1-101"):
        await add_checkin(sessions, "T1-V1-G1", address, today)
    everyone = [GRID_LEADER, OTHER_GRID_LEADER, VILLAGE_LEADER, ADMIN, RESIDENT]
    for user_id in everyone:
        await playground.client.create_user(user_id=user_id, first_name=f"u{user_id}")
    group = await playground.client.create_group(title="第一网格群", members=everyone, admins=[GRID_LEADER])
    await playground.client.add_bot_to_group(group.id, by=GRID_LEADER, as_admin=True)
    await playground.say(GRID_LEADER, group.id, "/bind T1-V1-G1")
    assert await playground.dialogue(group.id, [(user, "/zero")]) == [
        f"{user}: /zero",
        f"bot: {answer.format(day=today.isoformat())}",
    ]
