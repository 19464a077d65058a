"""Corrections reach officials (issue #12, items 5 and 6), through real PTB and the sandbox.

An alert once sent is followed by a 更正 when an edit makes the household's day normal again,
to the same audiences and masked as the alert was; an order's notice says what became of it.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import col, select

from demo.playground import Playground
from storage.db import SessionFactory
from storage.models import AuditEntry, OrderItem, OutboxMessage, SupplyOrder
from tests.factories import GRID_LEADER, NEIGHBOUR, RESIDENT, bound_groups, confirm_links
from tests.test_alerts_outbox import deliver_until_done
from tests.test_ingest import ADVICE, checkins, private_texts

LEADER_CLEARED = "✅ 更正\u3000第一网格\n3-2-501 张三：此前提醒的异常打卡已更正，现为："
VILLAGE_CLEARED = "✅ 更正\u3000第一网格 3-2-501 张*：此前通报的异常打卡已更正，现为："


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    grid_village = await bound_groups(playground, sessions)
    await confirm_links(sessions, {RESIDENT: "3-2-501", NEIGHBOUR: "3-2-502"})
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    return grid_village


async def texts_in(playground: Playground, chat_id: int) -> list[str]:
    return private_texts(await playground.client.bot_messages(chat_id))


async def edit(playground: Playground, chat_id: int, message_id: int, text: str) -> None:
    await playground.client.edit_message(chat_id=chat_id, message_id=message_id, text=text)
    await playground.settle()


async def alert_rows(sessions: SessionFactory) -> Counter[str]:
    """Outbox alert rows by the household id their kind names (``alert:<msg>.<update>.<household>:…``)."""
    async with sessions() as session:
        kinds = await session.exec(select(OutboxMessage.kind).where(col(OutboxMessage.kind).startswith("alert:")))
        return Counter(kind.split(":")[1].split(".")[2] for kind in kinds)


async def test_an_edit_that_clears_an_alert_sends_a_correction_to_whoever_was_alerted(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, village = groups
    message_id = await playground.say(RESIDENT, grid, "3-2-501 张三 体温37.8")
    assert (await texts_in(playground, village))[-1].startswith("⚠️ 异常打卡\u3000第一网格 3-2-501 张*：体温37.8℃")
    await edit(playground, grid, message_id, "3-2-501 张三 体温36.8")
    assert (await texts_in(playground, GRID_LEADER))[-1] == LEADER_CLEARED + "体温36.8℃"
    assert (await texts_in(playground, village))[-1] == VILLAGE_CLEARED + "体温36.8℃。"
    assert await checkins(sessions) == [("3-2-501", 36.8, None, False, 1)]
    leader_count, village_count = len(await texts_in(playground, GRID_LEADER)), len(await texts_in(playground, village))
    await edit(playground, grid, message_id, "3-2-501 张三 体温36.6")  # still normal: nothing to correct
    assert len(await texts_in(playground, GRID_LEADER)) == leader_count
    await edit(playground, grid, message_id, "3-2-501 张三 体温38.1 咳嗽")  # worse again: alerted again
    await edit(playground, grid, message_id, "不好意思 发错群了")  # no check-in left: withdrawn
    assert (await texts_in(playground, GRID_LEADER))[-2:] == [
        "⚠️ 异常打卡\u3000第一网格\n3-2-501 张三\u3000📞 13812345678\n体温38.1℃ 咳嗽 ⚠️异常\n原话：3-2-501 张三 体温38.1 咳嗽",
        LEADER_CLEARED + "打卡已撤回",
    ]
    assert (await texts_in(playground, village))[-1] == VILLAGE_CLEARED + "打卡已撤回。"
    assert len(await texts_in(playground, village)) == village_count + 2
    assert await checkins(sessions) == []
    async with sessions() as session:
        told = await session.exec(select(AuditEntry.actor, AuditEntry.detail).where(
            col(AuditEntry.detail).startswith("checkin correction")).order_by(col(AuditEntry.id)))  # fmt: skip
        assert [tuple(row) for row in told] == [(f"tg:{GRID_LEADER}", "checkin correction"),
            (f"chat:{village}", "checkin correction, masked")] * 2  # fmt: skip


async def test_a_correcting_message_clears_the_alert_a_later_reading_does_not(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, village = groups
    await playground.say(RESIDENT, grid, "3-2-501 张三 体温37.8")
    await playground.say(RESIDENT, grid, "3-2-501 晚上36.9")  # every reading of the day counts: still 37.8
    assert await checkins(sessions) == [("3-2-501", 37.8, None, True, 2)]
    assert not any(text.startswith("✅ 更正") for text in await texts_in(playground, village))
    await playground.say(RESIDENT, grid, "3-2-501 刚才打错了 张三体温应该是36.8")
    assert await checkins(sessions) == [("3-2-501", 36.8, None, False, 3)]
    assert (await texts_in(playground, GRID_LEADER))[-1] == LEADER_CLEARED + "体温36.8℃"
    assert (await texts_in(playground, village))[-1] == VILLAGE_CLEARED + "体温36.8℃。"


async def test_two_abnormal_households_alert_on_their_own_and_are_corrected_on_their_own(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, village = groups
    text = "代报：3-2-501 张三 37.9 咳嗽；3-2-502 李四 38.2"
    message_id = await playground.say(NEIGHBOUR, grid, text)
    rows = await alert_rows(sessions)
    assert sorted(rows.values()) == [2, 2], "each household: its leader's alert and the village's"
    village_before = len(await texts_in(playground, village))
    await edit(playground, grid, message_id, "代报：3-2-501 张三 37.9 咳嗽；3-2-502 李四 36.6")
    assert (await texts_in(playground, GRID_LEADER))[-1] == (
        "✅ 更正\u3000第一网格\n3-2-502 李四：此前提醒的异常打卡已更正，现为：体温36.6℃"
    )
    village_posts = await texts_in(playground, village)
    assert village_posts[village_before:] == [
        "✅ 更正\u3000第一网格 3-2-502 李*：此前通报的异常打卡已更正，现为：体温36.6℃。"
    ]


async def test_an_urgent_bracketed_medicine_and_a_fever_of_yesterday(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, village = groups
    order = "3-2-502 急需降压药（硝苯地平缓释片）两盒"
    past = "3-2-501 昨天发烧37.9 今天36.4 已经退了"
    transcript = await playground.dialogue(grid, [(NEIGHBOUR, order), (RESIDENT, past)])
    assert transcript[:2] == [
        f"{NEIGHBOUR}: {order}",
        "bot: 🛒 订单 #1 已登记（加急）：硝苯地平缓释片 2盒\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 1",
    ]
    assert transcript[2:] == [f"{RESIDENT}: {past}"] and ADVICE not in transcript
    async with sessions() as session:
        urgent = (await session.exec(select(SupplyOrder.urgent))).all()
        items = (await session.exec(select(OrderItem.name, OrderItem.qty, OrderItem.unit))).all()
    assert urgent == [True] and [tuple(item) for item in items] == [("硝苯地平缓释片", 2, "盒")]
    assert await checkins(sessions) == [("3-2-501", 36.4, None, False, 1)]
    assert (await texts_in(playground, GRID_LEADER))[1:] == [
        "🚨 加急订单 #1\u3000第一网格\n3-2-502 李四\n硝苯地平缓释片 2盒"
    ]
    assert not any("异常" in text for text in await texts_in(playground, village))
    assert await alert_rows(sessions) == Counter()


async def test_an_order_notice_says_who_took_it_and_what_became_of_it_edited_durably(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    client = playground.client
    await playground.say(RESIDENT, grid, "3-2-501 大米两袋")
    notice = (await client.bot_messages(grid))[-1]
    assert notice.reply_markup is not None
    accept, deliver = (button["callback_data"] for button in notice.reply_markup["inline_keyboard"][0])
    await client.press_button(user_id=GRID_LEADER, chat_id=grid, message_id=notice.message_id, data=accept)
    await playground.settle()
    head = "🛒 订单 #1 已登记：大米 2袋\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 1"
    shown = {m.message_id: m for m in await client.bot_messages(grid)}[notice.message_id]
    assert shown.text == f"{head}\n🙋 u{GRID_LEADER} 已接单"
    assert shown.reply_markup == {"inline_keyboard": [[{"text": "✅ 已送达", "callback_data": deliver}]]}
    await client.inject_failures("editMessageText", status=500)  # the edit is retried, not lost
    await playground.say(GRID_LEADER, grid, "/deliver 1")
    await deliver_until_done(playground, sessions)
    shown = {m.message_id: m for m in await client.bot_messages(grid)}[notice.message_id]
    assert shown.text == f"{head}\n🙋 u{GRID_LEADER} 已接单\n✅ 已送达（u{GRID_LEADER}）"
    assert shown.reply_markup is None
    # A notice still waiting to be posted when its order is cancelled goes out saying so.
    await client.inject_failures("sendMessage", status=502)
    await playground.say(NEIGHBOUR, grid, "3-2-502 鸡蛋10个")
    await playground.say(NEIGHBOUR, grid, "/cancel 2")
    await deliver_until_done(playground, sessions)
    notices = [m for m in await client.bot_messages(grid) if (m.text or "").startswith("🛒 订单 #2")]
    assert [(m.text, m.reply_markup) for m in notices] == [
        (
            "🛒 订单 #2 已登记：鸡蛋 10个\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 2\n❌ 已取消（李四）",
            None,
        )
    ]


async def test_the_start_link_replays_urgent_orders_too_and_the_audit_names_only_who_was_told(
    playground: Playground, sessions: SessionFactory
) -> None:
    """A leader who never pressed Start reads today's anomalies and urgent orders when they do;
    a visit's concern and an urgent order go to leaders only, and the audit trail says no more."""
    grid, village = await bound_groups(playground, sessions)
    await confirm_links(sessions, {RESIDENT: "3-2-501", NEIGHBOUR: "3-2-502"})
    for user, text in [
        (NEIGHBOUR, "3-2-502 急需降压药（硝苯地平缓释片）两盒"),
        (RESIDENT, "3-2-501 张三 体温38.2"),
        (RESIDENT, "3-2-501 大米两袋"),  # not urgent: not replayed
        (NEIGHBOUR, "走访3-2-501张三，送药，发现老人腿脚不便需要关注"),
    ]:
        await playground.say(user, grid, text)
    assert await texts_in(playground, GRID_LEADER) == []
    await playground.say(GRID_LEADER, GRID_LEADER, "/start alerts")
    assert await texts_in(playground, GRID_LEADER) == [
        "✅ 已开启私信提醒：异常打卡、加急订单会第一时间私信您。\n"
        "今天到目前为止的异常打卡（1 户）：\n"
        "· 第一网格 3-2-501 张三：体温38.2℃ ⚠️异常\n"
        "今天还没送达的加急订单（1 单）：\n"
        "· 第一网格 #1 3-2-502 李四：硝苯地平缓释片 2盒"
    ]
    async with sessions() as session:
        told = await session.exec(select(AuditEntry.actor, AuditEntry.detail).where(AuditEntry.action == "alert"))
        village_told = sorted(detail for actor, detail in told if actor == f"chat:{village}")
    assert village_told == ["checkin, masked"], "the village group hears of the check-in only"
