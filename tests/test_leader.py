"""Leader commands in grid and village groups, through the real PTB application and the sandbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from demo.playground import Playground
from storage.db import SessionFactory
from storage.models import Household, Person
from tests.factories import (
    ADMIN,
    GRID_LEADER,
    NEIGHBOUR,
    OTHER_GRID_LEADER,
    RESIDENT,
    STRANGER,
    TOWN_LEADER,
    VILLAGE_LEADER,
    add_checkin,
    add_order,
    add_person,
    add_returnee,
    bound_groups,
)

G1 = "T1-V1-G1"


def today() -> date:
    """The local day the sandbox's messages are dated with (they carry the real time)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def day_label(day: date) -> str:
    return f"{day.month}月{day.day}日"


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    return await bound_groups(playground, sessions)


async def a_busy_day(sessions: SessionFactory) -> date:
    """Two of G1's three households checked in (one abnormal), G2's one not; orders; a returnee."""
    day = today()
    now = datetime.now(UTC)
    await add_checkin(sessions, G1, "3-2-501", day, persons=4, temperature=36.5, symptoms="")
    await add_checkin(sessions, G1, "3-2-502", day, temperature=37.8, symptoms="cough", abnormal=True)
    await add_checkin(sessions, G1, "3-1-101", day - timedelta(days=1))
    await add_order(sessions, G1, "3-2-501", now, number=1, items=[("大米", 2, "袋"), ("鸡蛋", 10, "个")])
    await add_order(sessions, G1, "3-2-502", now, number=2, urgent=True, items=[("大米", 1, "袋"), ("降压药", 1, "盒")])
    await add_order(sessions, G1, "3-1-101", now, number=3, status="delivered", items=[("大米", 5, "袋")])
    await add_order(sessions, "T1-V1-G2", "5-1-301", now, number=1, items=[("口罩", None, None)])
    await add_returnee(
        sessions,
        G1,
        "3-1-101",
        day - timedelta(days=3),
        arrival=day - timedelta(days=3),
        name="王小五",
        origin="北京市朝阳区",
        monitor_until=day + timedelta(days=11),
        test_days="1,3,7",
    )
    return day


async def test_status_in_a_grid_group_gives_counts_only(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    assert await playground.dialogue(groups[0], [(GRID_LEADER, "/status")]) == [
        f"{GRID_LEADER}: /status",
        f"bot: 📊 第一网格 {day_label(day)}概况\n"
        "打卡：2/3 户（66.7%）\n异常：1 户\n待送订单：2 单（急 1）\n返乡监测：1 人（今日需检测 1）",
    ]


async def test_status_in_a_village_group_sums_its_grids(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    assert await playground.dialogue(groups[1], [(VILLAGE_LEADER, "/status")]) == [
        f"{VILLAGE_LEADER}: /status",
        f"bot: 📊 西头岭村 {day_label(day)}概况\n"
        "第一网格：打卡 2/3 · 异常 1 · 订单 2（急 1） · 监测 1（今日需检测 1）\n"
        "第二网格：打卡 0/1 · 异常 0 · 订单 1 · 监测 0\n"
        "合计：打卡 2/4 户（50.0%） · 异常 1 户 · 待送订单 3 单（急 1） · 返乡监测 1 人（今日需检测 1）\n"
        "异常住户：\n"
        "· 第一网格 3-2-502 李* 体温37.8℃ 咳嗽",
    ]


async def test_missing_mentions_linked_members_and_counts_the_unlinked(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    await add_person(sessions, NEIGHBOUR, "Lisa吴", household=(G1, "3-1-101"))
    await add_person(sessions, STRANGER, "红霞", household=(G1, "3-1-101"))
    await add_person(sessions, RESIDENT, "张三", household=(G1, "3-2-501"))
    assert await playground.dialogue(groups[0], [(GRID_LEADER, "/missing")]) == [
        f"{GRID_LEADER}: /missing",
        f"bot: 📋 第一网格 {day_label(day)} 未打卡 1/3 户：\n· 3-1-101 Lisa吴 红霞",
    ]
    # Above the grid, members are named by their household's masked roster name (王五's: 王*), once:
    # not star by star from their Telegram names (L****、红*).
    assert await playground.dialogue(groups[1], [(VILLAGE_LEADER, "/missing")]) == [
        f"{VILLAGE_LEADER}: /missing",
        f"bot: 📋 西头岭村 {day_label(day)} 未打卡 2/4 户：\n"
        "第一网格（1 户）\n· 3-1-101 王*\n"
        "第二网格（1 户）\n· 5-1-301 赵*（未关联成员）\n"
        "其中 1 户还没有关联成员，请电话联系，或回复其消息发送 /link 地址 关联。",
    ]


async def test_returnees_shows_day_n_of_m_and_tests_due(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    plan = {"monitor_until": day + timedelta(days=14), "test_days": "1,3,7"}
    await add_returnee(sessions, G1, "3-2-501", day, arrival=day, name="李小四", origin="石家庄", **plan)
    await add_returnee(sessions, G1, "3-2-502", day, arrival=day + timedelta(days=2), name="未到", **plan)
    ended = {"monitor_until": day - timedelta(days=1), "test_days": "1"}
    await add_returnee(sessions, G1, "3-2-502", day, arrival=day - timedelta(days=15), name="已满", **ended)
    # In the residents' group the list goes to the leader privately (a Start link until they may be written to).
    assert await playground.dialogue(groups[0], [(GRID_LEADER, "/returnees")]) == [
        f"{GRID_LEADER}: /returnees",
        "bot: 名单涉及居民个人信息，只能私信发送。请先点这里开启私信，再发一次命令。",
    ]
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    assert await playground.dialogue(groups[0], [(GRID_LEADER, "/returnees")]) == [
        f"{GRID_LEADER}: /returnees",
        "bot: 名单涉及居民个人信息，已私信发给您。",
    ]
    assert (await playground.client.bot_messages(GRID_LEADER))[-1].text == (
        "🚄 第一网格 返乡监测 2 人（今日需检测 1 人）：\n"
        "· 王** 3-1-101 北京市朝阳区 第3天/共14天 🧪今日需检测\n"
        "· 李** 3-2-501 石家庄 今日到达/共14天"
    )
    assert await playground.dialogue(groups[1], [(VILLAGE_LEADER, "/returnees")]) == [
        f"{VILLAGE_LEADER}: /returnees",
        "bot: 🚄 西头岭村 返乡监测 2 人（今日需检测 1 人）：\n"
        "· 王** 第一网格 3-1-101 北京市朝阳区 第3天/共14天 🧪今日需检测\n"
        "· 李** 第一网格 3-2-501 石家庄 今日到达/共14天",
    ]


async def test_nothing_to_show(playground: Playground, sessions: SessionFactory, groups: tuple[int, int]) -> None:
    day = today()
    for address in ("3-2-501", "3-2-502", "3-1-101"):
        await add_checkin(sessions, G1, address, day)
    assert await playground.dialogue(
        groups[0], [(GRID_LEADER, "/missing"), (GRID_LEADER, "/orders"), (GRID_LEADER, "/returnees")]
    ) == [
        f"{GRID_LEADER}: /missing",
        f"bot: ✅ 第一网格 {day_label(day)} 全部 3 户都已打卡。",
        f"{GRID_LEADER}: /orders",
        "bot: 📦 第一网格 目前没有待送订单。",
        f"{GRID_LEADER}: /returnees",
        "bot: 🚄 第一网格 目前没有在监测的返乡人员。",
    ]


async def test_link_by_reply_and_by_username(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, village = groups
    hello = await playground.say(NEIGHBOUR, grid, "大家好")
    await playground.client.send_message(user_id=GRID_LEADER, chat_id=grid, text="/link 3-1-101", reply_to=hello)
    await playground.settle()
    assert (await playground.client.bot_messages(grid))[-1].text == "✅ 已把 李四 关联到 3-1-101。"
    await add_person(sessions, STRANGER, "路人", username="luren")
    assert await playground.dialogue(
        grid,
        [
            (GRID_LEADER, "/link @LuRen 3-2-502"),
            (GRID_LEADER, "/link @luren 3栋2单元501室"),
            (GRID_LEADER, "/link @luren 3-2-501"),
            (GRID_LEADER, "/link @nobody 3-2-501"),
            (GRID_LEADER, "/link @luren 9-9-999"),
            (GRID_LEADER, "/link @luren 随便写写"),
            (GRID_LEADER, "/link"),
        ],
    ) == [
        f"{GRID_LEADER}: /link @LuRen 3-2-502",
        "bot: ✅ 已把 路人 关联到 3-2-502。",
        f"{GRID_LEADER}: /link @luren 3栋2单元501室",
        "bot: ✅ 已把 路人 关联到 3-2-501。（原关联 3-2-502）",
        f"{GRID_LEADER}: /link @luren 3-2-501",
        "bot: 路人 已经关联在 3-2-501，无需重复关联。",
        f"{GRID_LEADER}: /link @nobody 3-2-501",
        "bot: 我还不认识 @nobody：请他在群里发一句话，或回复他的消息发送 /link 地址。",
        f"{GRID_LEADER}: /link @luren 9-9-999",
        "bot: 名册里没有 9-9-999 这一户，请核对地址。",
        f"{GRID_LEADER}: /link @luren 随便写写",
        "bot: 地址“随便写写”无法识别，请写成 3-2-501、3栋2单元501室 或 五组12号 这样的格式。",
        f"{GRID_LEADER}: /link",
        "bot: 用法：回复某人的消息发送 /link 地址，或 /link @用户名 地址",
    ]
    assert await playground.dialogue(village, [(VILLAGE_LEADER, "/link @luren 3-2-501")]) == [
        f"{VILLAGE_LEADER}: /link @luren 3-2-501",
        "bot: 请在网格群里关联住户。",
    ]


async def test_link_only_members_of_this_group_to_households_of_this_grid(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    """A resident of grid 2, known to the bot by @username but not in grid 1's group, stays where they are;
    so does someone who has left the group since the message a leader replies to."""
    grid, _ = groups
    client = playground.client
    outsider = 5003
    await client.create_user(user_id=outsider, first_name="赵六", username="zhaoliu")
    await client.create_group(title="第二网格群", members=[outsider], admins=[OTHER_GRID_LEADER])
    await add_person(sessions, outsider, "赵六", username="zhaoliu", household=("T1-V1-G2", "5-1-301"))
    hello = await playground.say(STRANGER, grid, "大家好")
    await client.remove_member(grid, STRANGER)
    await client.send_message(user_id=GRID_LEADER, chat_id=grid, text="/link 3-1-101", reply_to=hello)
    await playground.settle()
    refused = "bot: 只能关联本群的成员：此人不在本网格群里。"
    assert (await client.bot_messages(grid))[-1].text == refused.removeprefix("bot: ")
    assert await playground.dialogue(
        grid,
        [
            (GRID_LEADER, "/link @zhaoliu 3-2-502"),
            (ADMIN, "/link @zhaoliu 3-2-502"),
            (GRID_LEADER, "/link @zhaoliu 5-1-301"),
        ],
    ) == [
        f"{GRID_LEADER}: /link @zhaoliu 3-2-502",
        refused,
        f"{ADMIN}: /link @zhaoliu 3-2-502",
        refused,
        f"{GRID_LEADER}: /link @zhaoliu 5-1-301",
        "bot: 名册里没有 5-1-301 这一户，请核对地址。",
    ]
    async with sessions() as session:
        linked = {
            p.telegram_user_id: p.household_id for p in await session.exec(select(Person)) if p.telegram_user_id != 0
        }
        zhao = (await session.exec(select(Household).where(Household.address == "5-1-301"))).one()
    assert linked[outsider] == zhao.id
    assert linked.get(STRANGER) is None


def history_of_3_1_101(day: date) -> str:
    yesterday, ago = day - timedelta(days=1), day - timedelta(days=3)
    return (
        "🏠 3-1-101（第一网格）户主 王五 · 2 人 · 13900001111\n"
        "还没有关联成员\n"
        "近 7 天打卡 1/7 天：\n"
        f"· {yesterday.month}-{yesterday.day:02d} 已打卡\n"
        "订单：\n"
        f"· #3 {day.month}-{day.day:02d} 大米 5袋 已送达\n"
        "返乡报备：\n"
        f"· 王小五 北京市朝阳区 {ago.month}-{ago.day:02d}到达 监测至 "
        f"{(day + timedelta(days=11)).month}-{(day + timedelta(days=11)).day:02d}"
    )


async def test_household_history_goes_privately_from_a_residents_group(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _ = groups
    day = await a_busy_day(sessions)
    await playground.say(GRID_LEADER, grid, "/household 3-1-101")
    note = (await playground.client.bot_messages(grid))[-1]
    assert note.text == "3-1-101 的近况含健康信息，不在群里显示。请点 这里 打开与我的私聊，我会把详情发给您。"
    link = next(e["url"] for e in note.entities if e["type"] == "text_link")
    assert link.startswith(f"https://t.me/{playground.bot_username}?start=household-")
    payload = link.rsplit("=", 1)[1]
    assert await playground.dialogue(GRID_LEADER, [(GRID_LEADER, f"/start {payload}")]) == [
        f"{GRID_LEADER}: /start {payload}",
        f"bot: {history_of_3_1_101(day)}",
    ]
    assert await playground.dialogue(grid, [(GRID_LEADER, "/household 3-1-101")]) == [
        f"{GRID_LEADER}: /household 3-1-101",
        "bot: 已把 3-1-101 的近况私信发给您（含健康信息，不在群里显示）。",
    ]
    assert (await playground.client.bot_messages(GRID_LEADER))[-1].text == history_of_3_1_101(day)
    # The link grants nothing by itself: a resident who follows it is refused.
    assert await playground.dialogue(RESIDENT, [(RESIDENT, f"/start {payload}")]) == [
        f"{RESIDENT}: /start {payload}",
        "bot: 抱歉，这个命令仅供本群单位的网格员和上级负责人使用。",
    ]


async def test_household_history_in_a_village_group_is_masked(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    await add_person(sessions, RESIDENT, "张三", household=(G1, "3-2-501"))
    assert await playground.dialogue(
        groups[1],
        [
            (VILLAGE_LEADER, "/household 3-2-501"),
            (VILLAGE_LEADER, "/household 8-8-808"),
            (VILLAGE_LEADER, "/household 今天"),
            (VILLAGE_LEADER, "/household"),
        ],
    ) == [
        f"{VILLAGE_LEADER}: /household 3-2-501",
        "bot: 🏠 3-2-501（第一网格）户主 张* · 4 人 · 138****5678\n"
        "已关联：张*\n"
        "近 7 天打卡 1/7 天：\n"
        f"· {day.month}-{day.day:02d} 4人 体温36.5℃ 无症状\n"
        "订单：\n"
        f"· #1 {day.month}-{day.day:02d} 大米 2袋、鸡蛋 10个 待送\n"
        "返乡报备：\n"
        "无",
        f"{VILLAGE_LEADER}: /household 8-8-808",
        "bot: 名册里没有 8-8-808 这一户，请核对地址。",
        f"{VILLAGE_LEADER}: /household 今天",
        "bot: 地址“今天”无法识别，请写成 3-2-501、3栋2单元501室 或 五组12号 这样的格式。",
        f"{VILLAGE_LEADER}: /household",
        "bot: 用法：/household 地址，例如 /household 3-2-501",
    ]


async def test_a_town_group_sums_its_villages(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    town = await playground.client.create_group(title="杨柳青镇群", members=[TOWN_LEADER], admins=[TOWN_LEADER])
    await playground.client.add_bot_to_group(town.id, by=TOWN_LEADER)
    await playground.say(TOWN_LEADER, town.id, "/bind T1")
    assert await playground.dialogue(town.id, [(TOWN_LEADER, "/status"), (TOWN_LEADER, "/missing")]) == [
        f"{TOWN_LEADER}: /status",
        f"bot: 📊 杨柳青镇 {day_label(day)}概况\n"
        "西头岭村：打卡 2/4 · 异常 1 · 订单 3（急 1） · 监测 1（今日需检测 1）\n"
        "东头岭村：打卡 0/1 · 异常 0 · 订单 0 · 监测 0\n"
        "合计：打卡 2/5 户（40.0%） · 异常 1 户 · 待送订单 3 单（急 1） · 返乡监测 1 人（今日需检测 1）\n"
        "异常住户：\n"
        "· 第一网格 3-2-502 李* 体温37.8℃ 咳嗽",
        f"{TOWN_LEADER}: /missing",
        f"bot: 📋 杨柳青镇 {day_label(day)} 未打卡 3/5 户：\n"
        "第一网格（1 户）\n· 3-1-101 王*（未关联成员）\n"
        "第二网格（1 户）\n· 5-1-301 赵*（未关联成员）\n"
        "东一网格（1 户）\n· 五组12号 孙*（未关联成员）\n"
        "其中 3 户还没有关联成员，请电话联系，或回复其消息发送 /link 地址 关联。",
    ]


async def test_missing_leaves_out_mentions_switched_off_above(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    day = await a_busy_day(sessions)
    await add_person(sessions, NEIGHBOUR, "李四", household=(G1, "3-1-101"))
    await playground.say(VILLAGE_LEADER, groups[1], "/remind 点名关")
    assert await playground.dialogue(groups[0], [(GRID_LEADER, "/missing")]) == [
        f"{GRID_LEADER}: /missing",
        f"bot: 📋 第一网格 {day_label(day)} 未打卡 1/3 户：\n· 3-1-101 王*",
    ]
    assert not any(e["type"] == "text_link" for e in (await playground.client.bot_messages(groups[0]))[-1].entities)
