"""Digests officials can trust (issue #13), through the real bot on the schedule's fake clock.

A zero report means "we checked": with households not checked in it takes a second tap that says
how many, and the digest shows them beside 零报告. A digest shows a grid's figures as its leader
confirmed them and, where they changed since, as they are now (确认时 2/3，现 3/3).
"""

from __future__ import annotations

from datetime import datetime

from demo.playground import Playground
from sandbox import BotMessage
from storage.db import SessionFactory
from tests.factories import GRID_LEADER, NEIGHBOUR, OTHER_GRID_LEADER, RESIDENT, bind_every_unit


def at(playground: Playground, hour: int, minute: int = 0) -> datetime:
    """``hour:minute`` today on the bot's clock (see the ``midday`` fixture)."""
    tz = playground.settings.tz
    today = datetime.now(tz).date()
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=tz)


async def last_message(playground: Playground, chat_id: int) -> BotMessage:
    return (await playground.client.bot_messages(chat_id))[-1]


def button(message: BotMessage) -> tuple[str, str]:
    """The message's one button: (label, callback data)."""
    assert message.reply_markup is not None
    ((only,),) = message.reply_markup["inline_keyboard"]
    return only["text"], only["callback_data"]


async def press(playground: Playground, user_id: int, message: BotMessage) -> tuple[str, bool]:
    """Press the message's button; the bot's answer (text, shown as an alert)."""
    await playground.client.press_button(
        user_id=user_id, chat_id=message.chat_id, message_id=message.message_id, data=button(message)[1]
    )
    await playground.settle()
    answer = (await playground.client.callback_answers())[-1]
    return answer.text or "", answer.show_alert


async def digest_text(playground: Playground, chat_id: int) -> list[str]:
    """The text of the village digest the schedule sent to ``chat_id``, line by line."""
    from core.formatting import plain

    (digest,) = [m for m in await playground.client.bot_messages(chat_id) if "日报" in (m.text or "")]
    return plain(digest.text or "").split("\n")


async def test_a_zero_report_with_households_missing_needs_a_second_tap_that_states_the_count(
    midday: Playground, sessions: SessionFactory
) -> None:
    playground = midday
    chats = await bind_every_unit(playground, sessions)
    today = datetime.now(playground.settings.tz).date().isoformat()
    assert "grid_report" in (await playground.bot.schedule.tick(at(playground, 11))).ran  # with privacy_purge

    # The report's 确认零报告 with 0/3 checked in: not confirmed, the button becomes the second tap.
    report = await last_message(playground, chats["T1-V1-G1"])
    assert button(report)[0] == "✅ 确认零报告"
    assert await press(playground, GRID_LEADER, report) == ("还有 3 户未打卡，仍确认零报告？请再点一次按钮。", True)
    asked = await last_message(playground, chats["T1-V1-G1"])
    assert asked.message_id == report.message_id and asked.text == report.text
    assert button(asked)[0] == "⚠️ 仍确认零报告（3 户未打卡）"
    assert await press(playground, GRID_LEADER, asked) == (f"✅ 第一网格 {today} 零报告已确认。", False)
    confirmed = await last_message(playground, chats["T1-V1-G1"])
    assert confirmed.message_id == report.message_id and not confirmed.reply_markup
    assert (confirmed.text or "").split("\n")[1] == "打卡：0/3 户（0.0%）"
    assert (confirmed.text or "").endswith("确认零报告（3 户未打卡）。")

    # /zero asks the same question, with the second tap's button under it.
    g2 = chats["T1-V1-G2"]
    assert await playground.dialogue(g2, [(OTHER_GRID_LEADER, "/zero")]) == [
        f"{OTHER_GRID_LEADER}: /zero",
        "bot: 还有 1 户未打卡，仍确认零报告？",
    ]
    question = await last_message(playground, g2)
    assert button(question)[0] == "⚠️ 仍确认零报告（1 户未打卡）"
    assert await press(playground, RESIDENT, question) == (
        "只有 第二网格 或其上级单位的负责人、或管理员可以确认上报。",
        True,
    )
    assert await press(playground, OTHER_GRID_LEADER, question) == (f"✅ 第二网格 {today} 零报告已确认。", False)
    answered = await last_message(playground, g2)
    assert answered.message_id == question.message_id and not answered.reply_markup
    assert (answered.text or "").startswith("📋 第二网格 日报告")
    assert (answered.text or "").endswith("确认零报告（1 户未打卡）。")

    assert (await playground.bot.schedule.tick(at(playground, 14))).ran == ["village_digest"]
    lines = await digest_text(playground, chats["T1-V1"])
    assert lines[1:5] == [
        "下属网格 2 个：已报 2（零报告 2），未报 0",
        "⭕ 零报告（2）",
        "· 第一网格（3 户未打卡）：打卡 0/3（0.0%）｜异常 0｜返乡 新0 在管0 解除0 应检0｜物资 新0 送达0 未完0 超时0 急0",
        "· 第二网格（1 户未打卡）：打卡 0/1（0.0%）｜异常 0｜返乡 新0 在管0 解除0 应检0｜物资 新0 送达0 未完0 超时0 急0",
    ]


async def test_the_digest_shows_the_figures_as_confirmed_and_as_they_are_now(
    midday: Playground, sessions: SessionFactory
) -> None:
    playground = midday
    chats = await bind_every_unit(playground, sessions)
    g1 = chats["T1-V1-G1"]
    await playground.say(RESIDENT, g1, "3-2-501 全家4口 体温36.5 无症状")
    await playground.say(NEIGHBOUR, g1, "3-2-502 体温36.6 正常")
    assert "grid_report" in (await playground.bot.schedule.tick(at(playground, 11))).ran  # with privacy_purge
    report = await last_message(playground, g1)
    await press(playground, GRID_LEADER, report)
    await press(playground, GRID_LEADER, await last_message(playground, g1))
    confirmed = await last_message(playground, g1)
    assert (confirmed.text or "").split("\n")[1] == "打卡：2/3 户（66.7%）"

    await playground.say(RESIDENT, g1, "3-1-101 两口人 体温正常")
    assert (await playground.bot.schedule.tick(at(playground, 14))).ran == ["village_digest"]
    lines = await digest_text(playground, chats["T1-V1"])
    assert "· 第一网格（1 户未打卡）：打卡 确认时 2/3（66.7%），现 3/3（100.0%）｜异常 0｜" in lines[5]
    assert lines[6].startswith("合计：打卡 确认时 2/4（50.0%），现 3/4（75.0%）｜异常 0｜")

    # The town digest sums its villages the same way: as reported, and now.
    assert (await playground.bot.schedule.tick(at(playground, 14, 30))).ran == ["town_digest"]
    (town,) = [m for m in await playground.client.bot_messages(chats["T1"]) if "日报" in (m.text or "")]
    assert "打卡 确认时 2/5（40.0%），现 3/5（60.0%）" in (town.text or "")
