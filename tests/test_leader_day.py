"""A full grid day, end to end: residents write in their own words, the leaders run every command."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from demo.playground import Playground
from storage.db import SessionFactory
from tests.factories import GRID_LEADER, NEIGHBOUR, RESIDENT, STRANGER, VILLAGE_LEADER, bound_groups, confirm_links


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


async def press(playground: Playground, chat_id: int, number: int, label: str, user_id: int = GRID_LEADER) -> str:
    """Press the button ``label`` on the bot's notice for order #number; returns the bot's answer."""
    for message in await playground.client.bot_messages(chat_id):
        buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
        data = next((b["callback_data"] for b in buttons if b["text"] == label), None)
        if f"#{number}" in (message.text or "") and data is not None:
            await playground.client.press_button(
                user_id=user_id, chat_id=chat_id, message_id=message.message_id, data=data
            )
            await playground.settle()
            return (await playground.client.callback_answers())[-1].text or ""
    raise AssertionError(f"no notice with a {label} button for #{number}")


def three_orders(first_taken: str) -> str:
    """/orders in the morning: #1 marked ``first_taken`` once a leader has taken it."""
    return (
        "📦 第一网格 待送订单 3 单：\n"
        "· #2 3-2-502 降压药 1盒、大米 1袋 🔴急\n"
        f"· #1 3-2-501 大米 2袋、鸡蛋 1板{first_taken}\n"
        "· #3 3-2-501 酱油 1瓶\n"
        "🛒 采购清单\n"
        "· 大米 共 3 袋 · 2 户\n"
        "· 鸡蛋 共 1 板 · 1 户\n"
        "· 降压药 共 1 盒 · 1 户\n"
        "· 酱油 共 1 瓶 · 1 户"
    )


async def test_a_full_grid_day(playground: Playground, sessions: SessionFactory) -> None:
    grid, village = await bound_groups(playground, sessions)
    await confirm_links(sessions, {RESIDENT: "3-2-501", NEIGHBOUR: "3-2-502", STRANGER: "3-1-101"})
    day = today()
    label = f"{day.month}月{day.day}日"
    yesterday = day - timedelta(days=1)
    # Morning: residents check in, order, report a returnee, in their own words.
    await playground.say(RESIDENT, grid, "3-2-501 张三 全家4口 体温36.5 无症状")
    await playground.say(NEIGHBOUR, grid, "3-2-502 李四 老伴咳嗽 体温37.8")
    await playground.say(RESIDENT, grid, "3-2-501 大米两袋 鸡蛋一板")
    await playground.say(NEIGHBOUR, grid, "3-2-502 降压药一盒 大米一袋 急")
    await playground.say(RESIDENT, grid, "3-2-501 酱油一瓶")
    await playground.say(
        STRANGER, grid, f"报备：王小五{yesterday.month}月{yesterday.day}日从北京朝阳坐G123回来，住3-1-101"
    )
    assert await playground.dialogue(
        grid, [(GRID_LEADER, "/status"), (GRID_LEADER, "/missing"), (GRID_LEADER, "/orders")]
    ) == [
        f"{GRID_LEADER}: /status",
        f"bot: 📊 第一网格 {label}概况\n打卡：2/3 户（66.7%）\n异常：1 户\n待送订单：3 单（急 1）\n"
        "返乡监测：1 人（今日需检测 1）",
        f"{GRID_LEADER}: /missing",
        f"bot: 📋 第一网格 {label} 未打卡 1/3 户：\n· 3-1-101 路人",
        f"{GRID_LEADER}: /orders",
        f"bot: {three_orders('')}",
    ]
    # The leader takes #1 (接单) and delivers it by the buttons on its notice, #2 by command; the
    # resident cancels #3.
    assert await press(playground, grid, 1, "🙋 接单", user_id=RESIDENT) == "只有本网格的网格员可以接单"
    assert await press(playground, grid, 1, "🙋 接单") == "已接单，送达后请点「已送达」"
    notice = next(m for m in await playground.client.bot_messages(grid) if "#1 已登记" in (m.text or ""))
    assert notice.text is not None and notice.text.endswith(f"\n🙋 u{GRID_LEADER} 已接单")
    assert [b["text"] for b in notice.reply_markup["inline_keyboard"][0]] == ["✅ 已送达"]  # type: ignore[index]
    assert await playground.dialogue(grid, [(GRID_LEADER, "/orders")]) == [
        f"{GRID_LEADER}: /orders",
        f"bot: {three_orders('（已接单）')}",
    ]
    assert await press(playground, grid, 1, "✅ 已送达") == "已标记送达。登记领取人（可不填）：/received 1 姓名"
    assert (await playground.client.bot_messages(grid))[
        -1
    ].text == "✅ 订单 #1（大米 2袋、鸡蛋 1板）已送达，请 张三 查收。"
    assert await playground.dialogue(
        grid,
        [
            (GRID_LEADER, "/deliver 2"),
            (NEIGHBOUR, "/cancel 3"),
            (RESIDENT, "/cancel 3"),
            (GRID_LEADER, "/returnees"),
            (GRID_LEADER, "/orders"),
        ],
    ) == [
        f"{GRID_LEADER}: /deliver 2",
        "bot: ✅ 订单 #2（降压药 1盒、大米 1袋）已送达，请 李四 查收。",
        "bot: 🛒 订单 #2 已登记（加急）：降压药 1盒、大米 1袋\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 2"
        f"\n✅ 已送达（u{GRID_LEADER}）",  # its notice, edited
        f"{NEIGHBOUR}: /cancel 3",
        "bot: 订单 #3 不是您家的，只能取消自己家的订单。",
        f"{RESIDENT}: /cancel 3",
        "bot: 订单 #3 已取消。",
        "bot: 🛒 订单 #3 已登记：酱油 1瓶\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 3\n❌ 已取消（张三）",
        f"{GRID_LEADER}: /returnees",
        "bot: 名单涉及居民个人信息，只能私信发送。请先点这里开启私信，再发一次命令。",
        f"{GRID_LEADER}: /orders",
        "bot: 📦 第一网格 目前没有待送订单。",
    ]
    # Whoever wrote with an address was linked by ingest; a reply-/link confirms it, /household goes private.
    hello = await playground.say(STRANGER, grid, "好的收到")
    await playground.client.send_message(user_id=GRID_LEADER, chat_id=grid, text="/link 3-1-101", reply_to=hello)
    await playground.settle()
    assert (await playground.client.bot_messages(grid))[-1].text == "路人 已经关联在 3-1-101，无需重复关联。"
    assert await playground.dialogue(grid, [(GRID_LEADER, "/household 3-2-502")]) == [
        f"{GRID_LEADER}: /household 3-2-502",
        "bot: 3-2-502 的近况含健康信息，不在群里显示。请点 这里 打开与我的私聊，我会把详情发给您。",
    ]
    # The village sees its grids summed, the abnormal household masked.
    assert await playground.dialogue(village, [(VILLAGE_LEADER, "/status")]) == [
        f"{VILLAGE_LEADER}: /status",
        f"bot: 📊 西头岭村 {label}概况\n"
        "第一网格：打卡 2/3 · 异常 1 · 订单 0 · 监测 1（今日需检测 1）\n"
        "第二网格：打卡 0/1 · 异常 0 · 订单 0 · 监测 0\n"
        "合计：打卡 2/4 户（50.0%） · 异常 1 户 · 待送订单 0 单 · 返乡监测 1 人（今日需检测 1）\n"
        "异常住户：\n"
        "· 第一网格 3-2-502 李* 体温37.8℃ 咳嗽",
    ]
