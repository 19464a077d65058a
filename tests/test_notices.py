"""Notices down the chain: /notice, the 收到 button, /notice_status, and the counts for digests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from demo.playground import Playground
from services.identity import ANONYMOUS_ADMIN_ID
from services.report_run import build_deliveries
from storage.db import SessionFactory
from storage.models import Notice, Unit, UnitLevel
from storage.notices import NoticeAckCount, Receipt, notice_ack_counts
from tests.factories import (
    ADMIN,
    GRID_LEADER,
    NEIGHBOUR,
    OTHER_GRID_LEADER,
    OTHER_VILLAGE_LEADER,
    RESIDENT,
    TOWN_LEADER,
    VILLAGE_LEADER,
    add_person,
    bind_every_unit,
)

NOTICE = "明天上午9点全员核酸，请各网格通知到户。\n地点：村委会广场"


@pytest.fixture
async def chats(playground: Playground, sessions: SessionFactory) -> dict[str, int]:
    return await bind_every_unit(playground, sessions)


async def delivered_notice(playground: Playground, chat_id: int) -> tuple[int, str, str]:
    """The last notice in the chat: (message id, plain text, its button's callback data)."""
    message = (await playground.client.bot_messages(chat_id))[-1]
    assert message.reply_markup is not None
    (button,) = message.reply_markup["inline_keyboard"][0]
    assert button["text"] == "收到"
    return message.message_id, message.text or "", button["callback_data"]


async def test_a_village_notice_reaches_every_grid_below_and_is_acknowledged_per_unit(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    assert await playground.dialogue(chats["T1-V1"], [(VILLAGE_LEADER, f"/notice {NOTICE}")]) == [
        f"{VILLAGE_LEADER}: /notice {NOTICE}",
        "bot: 📢 通知 #1 正在发往 2 个群。发送 /notice_status 查看收到情况。",
    ]
    assert (await playground.bot.schedule.deliver()).sent == 2
    message_id, text, data = await delivered_notice(playground, chats["T1-V1-G1"])
    assert text == f"📢 通知（西头岭村）\n{NOTICE}\n\n看到后请点“收到”。"
    assert (await delivered_notice(playground, chats["T1-V1-G2"]))[1] == text
    for code in ("T1", "T1-V2", "T1-V2-G1"):
        assert "通知" not in ((await playground.client.bot_messages(chats[code]))[-1].text or "")

    # 张三 is linked to 3-2-501, 李四 to no household: a resident's press is not the grid's receipt.
    await add_person(sessions, RESIDENT, "张三", household=("T1-V1-G1", "3-2-501"))
    for user in (RESIDENT, NEIGHBOUR, RESIDENT):
        await playground.client.press_button(user_id=user, chat_id=chats["T1-V1-G1"], message_id=message_id, data=data)
    await playground.settle()
    answers = [answer.text for answer in await playground.client.callback_answers()]
    assert answers == ["已确认收到，谢谢！", "已确认收到，谢谢！", "您已经确认过了。"]

    sent_at = await notice_time(playground, sessions)
    header = f"bot: 📢 通知 #1（{sent_at} 发出）\n{NOTICE}\n"
    assert await playground.dialogue(chats["T1-V1"], [(VILLAGE_LEADER, "/notice_status")]) == [
        f"{VILLAGE_LEADER}: /notice_status",
        header + "· 第一网格：已收到 1/3 户 · 网格长未确认\n· 第二网格：已收到 0/1 户 · 网格长未确认\n"
        "合计：已收到 1/4 户 · 网格长已确认 0/2",
    ]
    await playground.client.press_button(
        user_id=GRID_LEADER, chat_id=chats["T1-V1-G1"], message_id=message_id, data=data
    )
    await playground.settle()
    assert (await playground.dialogue(chats["T1-V1"], [(VILLAGE_LEADER, "/notice_status 1")]))[1] == (
        header + "· 第一网格：已收到 1/3 户 · 网格长已确认\n· 第二网格：已收到 0/1 户 · 网格长未确认\n"
        "合计：已收到 1/4 户 · 网格长已确认 1/2"
    )


async def notice_time(playground: Playground, sessions: SessionFactory) -> str:
    async with sessions() as session:
        notice = (await session.exec(select(Notice))).one()
    created = notice.created_at if notice.created_at.tzinfo else notice.created_at.replace(tzinfo=UTC)
    return f"{created.astimezone(ZoneInfo(playground.settings.timezone)):%m-%d %H:%M}"


async def test_a_town_notice_reaches_villages_and_grids_and_the_digest_counts_them(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    before = datetime.now(UTC) - timedelta(minutes=1)
    await add_person(sessions, RESIDENT, "张三", household=("T1-V1-G1", "3-2-501"))
    await playground.say(TOWN_LEADER, chats["T1"], "/notice 今晚8点前上报物资需求")
    assert (await playground.bot.schedule.deliver()).sent == 5
    for user, code in ((OTHER_VILLAGE_LEADER, "T1-V2"), (ADMIN, "T1-V2-G1"), (RESIDENT, "T1-V1-G1")):
        message_id, _text, data = await delivered_notice(playground, chats[code])
        await playground.client.press_button(user_id=user, chat_id=chats[code], message_id=message_id, data=data)
    await playground.settle()
    after = datetime.now(UTC) + timedelta(minutes=1)
    async with sessions() as session:
        town = (await session.exec(select(Unit).where(Unit.code == "T1"))).one()
        v2 = (await session.exec(select(Unit).where(Unit.code == "T1-V2"))).one()
        everywhere = await notice_ack_counts(session, unit_path=town.path, since=before, until=after)
        in_v2 = await notice_ack_counts(session, unit_path=v2.path, since=before, until=after)
        later = await notice_ack_counts(session, unit_path=town.path, since=after, until=after + timedelta(days=1))
    assert [(n.notice_id, n.unit_id, n.origin, n.text) for n in everywhere] == [
        (1, town.id, "杨柳青镇", "今晚8点前上报物资需求")
    ]
    # The admin's press in 东一网格 is nobody's household and not the grid's leader: it counts for nothing.
    assert everywhere[0].receipt == Receipt(households=5, households_acked=1, units=5, grids=3, leaders_acked=1)
    assert in_v2[0].receipt == Receipt(households=1, households_acked=0, units=2, grids=1, leaders_acked=1)
    assert later == []
    assert isinstance(everywhere[0], NoticeAckCount)
    digests = await digest_notice_lines(playground, sessions, datetime.now(ZoneInfo("Asia/Shanghai")).date())
    assert digests["T1"].endswith("杨柳青镇通知「今晚8点前上报物资需求」：已收到 1/5 户 · 负责人已确认 1/5")
    assert digests["T1-V2"].endswith("杨柳青镇通知「今晚8点前上报物资需求」：已收到 0/1 户 · 负责人已确认 1/2")


async def digest_notice_lines(playground: Playground, sessions: SessionFactory, day: date) -> dict[str, str]:
    """Each village's and town's digest text for ``day`` as a dry run builds it (no attachments)."""
    deliveries = await build_deliveries(
        sessions,
        settings=playground.settings,
        day=day,
        root_code="T1",
        levels={UnitLevel.VILLAGE, UnitLevel.TOWN},
        attachments=False,
    )
    return {d.unit_code: d.messages[-1].text or "" for d in deliveries}


async def test_a_village_notice_in_the_town_digest_names_its_sender_and_a_past_day_shows_only_its_own(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    await playground.say(VILLAGE_LEADER, chats["T1-V1"], "/notice 明早8点清扫楼道")
    assert (await playground.bot.schedule.deliver()).sent == 2
    message_id, _text, data = await delivered_notice(playground, chats["T1-V1-G2"])
    await playground.client.press_button(
        user_id=OTHER_GRID_LEADER, chat_id=chats["T1-V1-G2"], message_id=message_id, data=data
    )
    await playground.settle()
    today = datetime.now(playground.settings.tz).date()
    town = (await digest_notice_lines(playground, sessions, today))["T1"].split("\n")
    assert town[-2] == "<b>通知收到情况（1）</b>"
    assert town[-1].endswith(" 西头岭村通知「明早8点清扫楼道」：已收到 0/4 户 · 网格长已确认 1/2")
    # A dry run of yesterday: yesterday's digests, without today's notice.
    yesterday = await digest_notice_lines(playground, sessions, today - timedelta(days=1))
    assert all("通知" not in text for text in yesterday.values())


@pytest.mark.parametrize(
    ("code", "user", "text", "answer"),
    [
        ("T1-V1", RESIDENT, f"/notice {NOTICE}", "只有 西头岭村 或其上级单位的负责人、或管理员可以发通知。"),
        ("T1-V1-G1", GRID_LEADER, f"/notice {NOTICE}", "通知只能在镇街或村社区的群里发出，发往其下各级群。"),
        (
            "T1-V1",
            VILLAGE_LEADER,
            "/notice",
            "用法：/notice 通知内容。通知会发到本单位以下每个已绑定的群，并带“收到”按钮。",
        ),
        ("T1-V1", VILLAGE_LEADER, "/notice_status", "西头岭村 还没有发过通知。"),
        ("T1-V1", VILLAGE_LEADER, "/notice_status 9", "找不到本单位发出的通知 #9。"),
        ("T1-V1", VILLAGE_LEADER, "/notice " + "很" * 4000, "通知太长了（最多 3896 字），请分几次发。"),
        ("T1-V1", RESIDENT, "/notice_status", "只有 西头岭村 或其上级单位的负责人、或管理员可以查看通知的收到情况。"),
        (
            "T1-V1",
            GRID_LEADER,
            "/notice_status 1",
            "只有 西头岭村 或其上级单位的负责人、或管理员可以查看通知的收到情况。",
        ),
        ("T1-V1", VILLAGE_LEADER, "/notice_status ²", "西头岭村 还没有发过通知。"),
        ("T1-V1", VILLAGE_LEADER, "/notice_status " + "9" * 20, "西头岭村 还没有发过通知。"),
    ],
    ids=[
        "resident",
        "grid-group",
        "no-text",
        "no-notice-yet",
        "unknown-id",
        "too-long",
        "status-resident",
        "status-grid-leader",
        "status-superscript",
        "status-huge-id",
    ],
)
async def test_notices_refused_and_explained(
    playground: Playground, chats: dict[str, int], code: str, user: int, text: str, answer: str
) -> None:
    assert await playground.dialogue(chats[code], [(user, text)]) == [f"{user}: {text}", f"bot: {answer}"]
    assert (await playground.bot.schedule.deliver()).sent == 0


async def test_an_anonymous_admin_may_not_send_a_notice(playground: Playground, chats: dict[str, int]) -> None:
    village = chats["T1-V1"]
    await playground.client.send_message(
        user_id=VILLAGE_LEADER, chat_id=village, text="/notice 测试", sender_chat_id=village
    )
    await playground.settle()
    (answer,) = [m for m in await playground.client.bot_messages(village) if "匿名" in (m.text or "")]
    assert answer.text == "您正以匿名管理员身份发言，我无法确认您是谁。请在群设置里关闭“匿名发言”后再试。"
    assert ANONYMOUS_ADMIN_ID != VILLAGE_LEADER
