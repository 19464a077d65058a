"""Supply orders after they are posted: /orders, /deliver, /cancel and the 接单 and 送达 buttons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from demo.playground import Playground
from handlers.orders import notice_buttons
from storage.db import SessionFactory
from storage.models import OrderStatus, SupplyOrder
from tests.factories import (
    GRID_LEADER,
    NEIGHBOUR,
    OTHER_GRID_LEADER,
    RESIDENT,
    VILLAGE_LEADER,
    add_order,
    add_person,
    bound_groups,
)

G1, G2 = "T1-V1-G1", "T1-V1-G2"


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    """The bound groups, two open orders in G1 (#2 urgent, from the neighbour) and one in G2."""
    grid, village = await bound_groups(playground, sessions)
    now = datetime.now(UTC)
    await add_person(sessions, RESIDENT, "张三", household=(G1, "3-2-501"))
    await add_person(sessions, NEIGHBOUR, "李四")
    await playground.say(RESIDENT, RESIDENT, "/start")
    await add_order(sessions, G1, "3-2-501", now, number=1, chat_id=grid, items=[("大米", 2, "袋"), ("鸡蛋", 10, "个")])
    await add_order(
        sessions, G1, "3-2-502", now, number=2, urgent=True, chat_id=grid, sender_id=NEIGHBOUR,
        items=[("大米", 1, "袋"), ("降压药", 1, "盒")],
    )  # fmt: skip
    await add_order(sessions, G1, "3-1-101", now, number=3, status="delivered", items=[("大米", 5, "袋")])
    await add_order(sessions, G2, "5-1-301", now, number=1, items=[("口罩", None, None)])
    return grid, village


async def statuses(sessions: SessionFactory) -> list[tuple[int, int, str]]:
    async with sessions() as session:
        rows = await session.exec(select(SupplyOrder).order_by(SupplyOrder.grid_id, SupplyOrder.number))
        return [(order.grid_id, order.number, order.status) for order in rows]


async def test_orders_lists_households_and_the_shopping_list(playground: Playground, groups: tuple[int, int]) -> None:
    grid, village = groups
    assert await playground.dialogue(grid, [(GRID_LEADER, "/orders")]) == [
        f"{GRID_LEADER}: /orders",
        "bot: 📦 第一网格 待送订单 2 单：\n"
        "· #2 3-2-502 大米 1袋、降压药 1盒 🔴急\n"
        "· #1 3-2-501 大米 2袋、鸡蛋 10个\n"
        "🛒 采购清单\n"
        "· 大米 共 3 袋 · 2 户\n"
        "· 鸡蛋 共 10 个 · 1 户\n"
        "· 降压药 共 1 盒 · 1 户",
    ]
    assert await playground.dialogue(village, [(VILLAGE_LEADER, "/orders")]) == [
        f"{VILLAGE_LEADER}: /orders",
        "bot: 📦 西头岭村 待送订单 3 单：\n"
        "第一网格\n"
        "· #2 3-2-502 大米 1袋、降压药 1盒 🔴急\n"
        "· #1 3-2-501 大米 2袋、鸡蛋 10个\n"
        "第二网格\n"
        "· #1 5-1-301 口罩\n"
        "🛒 采购清单\n"
        "· 大米 共 3 袋 · 2 户\n"
        "· 鸡蛋 共 10 个 · 1 户\n"
        "· 降压药 共 1 盒 · 1 户\n"
        "· 口罩 · 1 户",
    ]


async def test_deliver_tells_the_resident_in_the_group_and_privately(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _ = groups
    assert await playground.dialogue(
        grid, [(GRID_LEADER, "/deliver 1"), (GRID_LEADER, "/deliver #1"), (GRID_LEADER, "/deliver 3")]
    ) == [
        f"{GRID_LEADER}: /deliver 1",
        "bot: ✅ 订单 #1（大米 2袋、鸡蛋 10个）已送达，请 张三 查收。",
        f"{GRID_LEADER}: /deliver #1",
        "bot: 订单 #1 已经送达了。",
        f"{GRID_LEADER}: /deliver 3",
        "bot: 订单 #3 已经送达了。",
    ]
    private = [m.text for m in await playground.client.bot_messages(RESIDENT)]
    assert private[1:] == ["您的订单 #1（大米 2袋、鸡蛋 10个）已送达，请查收。"]  # after the /start greeting
    assert (await statuses(sessions))[0][1:] == (1, OrderStatus.DELIVERED)


async def test_deliver_mentions_the_resident_by_their_telegram_id(
    playground: Playground, groups: tuple[int, int]
) -> None:
    grid, _ = groups
    await playground.say(GRID_LEADER, grid, "/deliver 2")
    notice = (await playground.client.bot_messages(grid))[-1]
    assert {"type": "text_link", "offset": 27, "length": 2, "url": f"tg://user?id={NEIGHBOUR}"} in notice.entities
    # 李四 never started the bot: nothing may be sent to them privately.
    assert await playground.client.bot_messages(NEIGHBOUR) == []


async def test_deliver_usage_and_unknown_numbers(playground: Playground, groups: tuple[int, int]) -> None:
    grid, _ = groups
    assert await playground.dialogue(
        grid, [(GRID_LEADER, "/deliver"), (GRID_LEADER, "/deliver 九"), (GRID_LEADER, "/deliver 99")]
    ) == [
        f"{GRID_LEADER}: /deliver",
        "bot: 用法：/deliver 订单编号，例如 /deliver 17",
        f"{GRID_LEADER}: /deliver 九",
        "bot: 用法：/deliver 订单编号，例如 /deliver 17",
        f"{GRID_LEADER}: /deliver 99",
        "bot: 找不到订单 #99，请用 /orders 查看编号。",
    ]


async def test_deliver_from_the_village_group(playground: Playground, groups: tuple[int, int]) -> None:
    grid, village = groups
    assert await playground.dialogue(village, [(VILLAGE_LEADER, "/deliver 1"), (VILLAGE_LEADER, "/deliver 2")]) == [
        f"{VILLAGE_LEADER}: /deliver 1",
        "bot: 第一网格、第二网格 都有订单 #1，请到对应的网格群里操作。",
        f"{VILLAGE_LEADER}: /deliver 2",
        "bot: ✅ 第一网格 订单 #2 已送达，已在网格群通知居民。",
    ]
    notice = (await playground.client.bot_messages(grid))[-1]
    assert notice.text == "✅ 订单 #2（大米 1袋、降压药 1盒）已送达，请 李四 查收。"


async def test_residents_cancel_only_their_own_orders(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _ = groups
    assert await playground.dialogue(
        grid,
        [
            (NEIGHBOUR, "/cancel 1"),
            (RESIDENT, "/cancel 1"),
            (RESIDENT, "/cancel 1"),
            (NEIGHBOUR, "/cancel 3"),
            (OTHER_GRID_LEADER, "/cancel 2"),
            (GRID_LEADER, "/cancel 2"),
        ],
    ) == [
        f"{NEIGHBOUR}: /cancel 1",
        "bot: 订单 #1 不是您家的，只能取消自己家的订单。",
        f"{RESIDENT}: /cancel 1",
        "bot: 订单 #1 已取消。",
        f"{RESIDENT}: /cancel 1",
        "bot: 订单 #1 已经取消了。",
        f"{NEIGHBOUR}: /cancel 3",
        "bot: 订单 #3 不是您家的，只能取消自己家的订单。",
        f"{OTHER_GRID_LEADER}: /cancel 2",
        "bot: 订单 #2 不是您家的，只能取消自己家的订单。",
        f"{GRID_LEADER}: /cancel 2",
        "bot: 订单 #2 已取消。",
    ]
    assert [s for _, _, s in await statuses(sessions)][:3] == [
        OrderStatus.CANCELLED,
        OrderStatus.CANCELLED,
        OrderStatus.DELIVERED,
    ]


async def order_notice(playground: Playground, sessions: SessionFactory, chat_id: int, number: int) -> tuple[int, str]:
    """The notice the bot posts under a new order, with its 送达 button (as ingest sends it)."""
    async with sessions() as session:
        order = (await session.exec(select(SupplyOrder).where(SupplyOrder.number == number))).first()
    assert order is not None
    data = f"order:deliver:{order.id}"
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("✅ 送达", callback_data=data)]])
    sent = await playground.bot.application.bot.send_message(chat_id, f"✍ 已登记订单 #{number}", reply_markup=markup)
    await playground.settle()
    return sent.message_id, data


async def test_the_deliver_button_is_for_leaders_and_closes_the_notice(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _ = groups
    notice, data = await order_notice(playground, sessions, grid, 2)
    client = playground.client
    for user in (RESIDENT, OTHER_GRID_LEADER, GRID_LEADER):
        await client.press_button(user_id=user, chat_id=grid, message_id=notice, data=data)
        await playground.settle()
    answers = [answer.text for answer in await client.callback_answers()]
    assert answers == [
        "只有本网格的网格员可以标记送达",
        "只有本网格的网格员可以标记送达",
        "已标记送达。登记领取人（可不填）：/received 2 姓名",
    ]
    messages = {m.message_id: m for m in await client.bot_messages(grid)}
    assert messages[notice].text == (  # the notice as the order reads now, and who delivered it
        "🛒 订单 #2 已登记（加急）：大米 1袋、降压药 1盒\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 2"
        f"\n✅ 已送达（u{GRID_LEADER}）"
    )
    assert messages[notice].reply_markup is None
    assert list(messages.values())[-1].text == "✅ 订单 #2（大米 1袋、降压药 1盒）已送达，请 李四 查收。"
    assert (await statuses(sessions))[1][1:] == (2, OrderStatus.DELIVERED)


async def test_a_second_press_changes_nothing(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _ = groups
    notice, data = await order_notice(playground, sessions, grid, 1)
    await playground.say(GRID_LEADER, grid, "/deliver 1")
    before = len(await playground.client.bot_messages(grid))
    await playground.client.press_button(user_id=VILLAGE_LEADER, chat_id=grid, message_id=notice, data=data)
    await playground.settle()
    assert [a.text for a in await playground.client.callback_answers()] == ["这个订单已经送达了"]
    messages = await playground.client.bot_messages(grid)
    assert len(messages) == before
    assert next(m for m in messages if m.message_id == notice).reply_markup is None


async def test_the_accept_button_takes_an_order_once_and_tells_the_resident(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _ = groups
    async with sessions() as session:
        order = (await session.exec(select(SupplyOrder).where(SupplyOrder.number == 1))).first()
    assert order is not None and order.id is not None
    bot = playground.bot.application.bot
    notice = await bot.send_message(grid, "🛒 订单 #1", reply_markup=notice_buttons(order.id))
    accept = f"order:accept:{order.id}"
    client = playground.client
    await client.press_button(user_id=OTHER_GRID_LEADER, chat_id=grid, message_id=notice.message_id, data=accept)
    await playground.settle()
    for user in (VILLAGE_LEADER, GRID_LEADER):  # both at once; a village leader manages the grid too
        await client.press_button(user_id=user, chat_id=grid, message_id=notice.message_id, data=accept)
    await playground.settle()
    answers = [answer.text for answer in await client.callback_answers()]
    assert answers == ["只有本网格的网格员可以接单", "已接单，送达后请点「已送达」", "这个订单已经有人接单了"]
    shown = {m.message_id: m for m in await client.bot_messages(grid)}[notice.message_id]
    assert shown.text == (
        "🛒 订单 #1 已登记：大米 2袋、鸡蛋 10个\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 1"
        f"\n🙋 u{VILLAGE_LEADER} 已接单"
    )
    assert shown.reply_markup == {
        "inline_keyboard": [[{"text": "✅ 已送达", "callback_data": f"order:deliver:{order.id}"}]]
    }
    private = [m.text for m in await client.bot_messages(RESIDENT)]
    assert private[1:] == ["您的订单 #1（大米 2袋、鸡蛋 10个）已由网格员接单，正在为您准备。"]
    assert (await statuses(sessions))[0][1:] == (1, OrderStatus.ACCEPTED)
    assert await playground.dialogue(grid, [(GRID_LEADER, "/deliver 1")]) == [
        f"{GRID_LEADER}: /deliver 1",
        "bot: ✅ 订单 #1（大米 2袋、鸡蛋 10个）已送达，请 张三 查收。",
    ]
