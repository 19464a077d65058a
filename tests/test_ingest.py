"""Residents' messages into records, through the real PTB application and the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from demo.playground import Playground
from sandbox import BotMessage
from storage.db import SessionFactory
from storage.models import CheckIn, Household, MessageRecord, OrderItem, Person, Returnee, SupplyOrder
from tests.factories import GRID_LEADER, NEIGHBOUR, RESIDENT, STRANGER, bound_groups, confirm_links

ADVICE = "已收到，网格员会尽快联系您。请先居家休息、暂不外出；如有胸闷、呼吸困难请立即拨打 120。"


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    return await bound_groups(playground, sessions)


async def checkins(sessions: SessionFactory) -> list[tuple[str, float | None, str | None, bool, int]]:
    """(address, temperature, symptoms, abnormal, message count) of every check-in row."""
    async with sessions() as session:
        rows = await session.exec(
            select(Household.address, CheckIn.temperature, CheckIn.symptoms, CheckIn.abnormal, CheckIn.message_count)
            .join(Household, col(Household.id) == col(CheckIn.household_id))
            .order_by(col(Household.address))
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def linked(sessions: SessionFactory, user_id: int, *, column: str = "household_id") -> str | None:
    """The address of the household the person is linked to (or, ``claimed_household_id``, claims)."""
    async with sessions() as session:
        row = (
            await session.exec(
                select(Household.address)
                .join(Person, getattr(Person, column) == col(Household.id))
                .where(Person.telegram_user_id == user_id)
            )
        ).first()
        return row


async def claimed(sessions: SessionFactory, user_id: int) -> str | None:
    return await linked(sessions, user_id, column="claimed_household_id")


async def test_a_checkin_is_stored_with_a_reaction_and_its_sender_claims_the_household(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    transcript = await playground.dialogue(grid, [(RESIDENT, "3栋2单元501 全家4口 体温36.5 无症状")])
    assert transcript == [f"{RESIDENT}: 3栋2单元501 全家4口 体温36.5 无症状"]
    reactions = await playground.client.reactions(grid)
    assert [r.emoji for r in reactions] == [["✍"]]
    assert await checkins(sessions) == [("3-2-501", 36.5, "", False, 1)]
    assert await linked(sessions, RESIDENT) is None  # a claim for the grid leader (tests/test_claims.py)
    assert await claimed(sessions, RESIDENT) == "3-2-501"
    async with sessions() as session:
        message = (await session.exec(select(MessageRecord))).one()
    assert (message.chat_id, message.sender_id, message.kind) == (grid, RESIDENT, "checkin")
    assert message.text == "3栋2单元501 全家4口 体温36.5 无症状"


async def test_a_nul_character_in_a_message_or_a_name_is_stored_not_apologised_for(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    """PostgreSQL refuses NUL in text: a message (or a sender's name) carrying one was apologised
    for and its check-in lost there. It is read as a space, on both databases."""
    grid, _village = groups
    sender = 5077
    await playground.client.create_user(user_id=sender, first_name="李\x00四")
    await playground.client.add_member(grid, sender)
    transcript = await playground.dialogue(grid, [(sender, "3栋2单元501 全家4口\x00体温36.5 无症状")])
    assert transcript == [f"{sender}: 3栋2单元501 全家4口\x00体温36.5 无症状"]
    assert await checkins(sessions) == [("3-2-501", 36.5, "", False, 1)]
    async with sessions() as session:
        message = (await session.exec(select(MessageRecord))).one()
    assert message.text == "3栋2单元501 全家4口 体温36.5 无症状"


async def test_without_an_address_the_sender_is_asked_once_a_day(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    assert await playground.dialogue(
        grid,
        [(NEIGHBOUR, "体温36.6 没有症状"), (NEIGHBOUR, "下午36.8"), (NEIGHBOUR, "3-2-502"), (NEIGHBOUR, "晚上36.4")],
    ) == [
        f"{NEIGHBOUR}: 体温36.6 没有症状",
        "bot: 请回复您家的门牌号，例如 3-2-501，我把这条打卡记到您家。（今天只提醒这一次）",
        f"{NEIGHBOUR}: 下午36.8",
        f"{NEIGHBOUR}: 3-2-502",
        f"{NEIGHBOUR}: 晚上36.4",
    ]
    # the answer files the day's check-ins so far; later ones without an address wait (the sender is
    # not a confirmed member) and join the household when they next write its address
    assert await checkins(sessions) == [("3-2-502", 36.8, "", False, 2)]
    assert (await linked(sessions, NEIGHBOUR), await claimed(sessions, NEIGHBOUR)) == (None, "3-2-502")


async def test_chat_and_commands_are_left_alone(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    assert await playground.dialogue(grid, [(STRANGER, "大家早上好"), (GRID_LEADER, "今天网格无异常，零报告")]) == [
        f"{STRANGER}: 大家早上好",
        f"{GRID_LEADER}: 今天网格无异常，零报告",
    ]
    assert await playground.client.reactions(grid) == []
    assert await checkins(sessions) == []


def private_texts(messages: list[BotMessage]) -> list[str]:
    return [message.text or "" for message in messages]


async def test_an_abnormal_checkin_alerts_leaders_privately_and_the_village_masked(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, village = groups
    await confirm_links(sessions, {RESIDENT: "3-2-501"})
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    assert await playground.dialogue(grid, [(RESIDENT, "3-2-501 张三 体温37.8 咳嗽")]) == [
        f"{RESIDENT}: 3-2-501 张三 体温37.8 咳嗽",
        f"bot: {ADVICE}",
    ]
    leader = private_texts(await playground.client.bot_messages(GRID_LEADER))
    assert leader[1:] == [
        "⚠️ 异常打卡\u3000第一网格\n3-2-501 张三\u3000📞 13812345678\n体温37.8℃ 咳嗽 ⚠️异常\n原话：3-2-501 张三 体温37.8 咳嗽"
    ]
    village_posts = private_texts(await playground.client.bot_messages(village))
    assert village_posts[-1] == "⚠️ 异常打卡\u3000第一网格 3-2-501 张*：体温37.8℃ 咳嗽 ⚠️异常。请网格长及时跟进。"
    assert await checkins(sessions) == [("3-2-501", 37.8, "cough", True, 1)]


async def test_a_leader_who_never_started_the_bot_gets_a_start_link_once_a_day(
    playground: Playground, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    assert await playground.dialogue(
        grid, [(RESIDENT, "3-2-501 发烧38度"), (NEIGHBOUR, "3-2-502 抗原阳性"), (GRID_LEADER, "收到")]
    ) == [
        f"{RESIDENT}: 3-2-501 发烧38度",
        f"bot: {ADVICE}",
        "bot: 网格长请点此开启私信提醒：异常情况、加急订单会第一时间私信您。",
        f"{NEIGHBOUR}: 3-2-502 抗原阳性",
        f"bot: {ADVICE}",
        f"{GRID_LEADER}: 收到",
    ]
    link = (await playground.client.bot_messages(grid))[-2]
    assert any("start=alerts" in str(entity.get("url")) for entity in link.entities)
    assert await playground.client.bot_messages(GRID_LEADER) == []
    await playground.say(GRID_LEADER, GRID_LEADER, "/start alerts")
    assert private_texts(await playground.client.bot_messages(GRID_LEADER)) == [
        "✅ 已开启私信提醒：异常打卡、加急订单会第一时间私信您。\n"
        "今天到目前为止的异常打卡（2 户）：\n"
        "· 第一网格 3-2-501 张三：体温38℃ 发热 ⚠️异常\n"
        "· 第一网格 3-2-502 李四：抗原阳性 ⚠️异常"
    ]


async def test_the_residents_group_never_reads_health_details(playground: Playground, groups: tuple[int, int]) -> None:
    grid, _village = groups
    await playground.say(RESIDENT, grid, "3-2-501 体温38.6 咳嗽 乏力 抗原两道杠")
    said = " ".join(private_texts(await playground.client.bot_messages(grid)))
    for detail in ("38.6", "咳嗽", "乏力", "阳性", "异常打卡", "13812345678"):
        assert detail not in said


async def test_edits_update_the_record_they_made(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, village = groups
    message_id = await playground.say(RESIDENT, grid, "3-2-501 体温36.5")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-501 体温36.8 无症状")
    await playground.settle()
    assert await checkins(sessions) == [("3-2-501", 36.8, "", False, 1)]
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-501 体温37.9 无症状")
    await playground.settle()
    assert await checkins(sessions) == [("3-2-501", 37.9, "", True, 1)]
    assert private_texts(await playground.client.bot_messages(village))[-1].startswith("⚠️ 异常打卡")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="发错了，不好意思")
    await playground.settle()
    assert await checkins(sessions) == []
    async with sessions() as session:
        stored = (await session.exec(select(MessageRecord))).one()
    assert (stored.text, stored.kind) == ("发错了，不好意思", "other")


async def test_an_edit_can_move_a_checkin_to_the_right_household(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    message_id = await playground.say(NEIGHBOUR, grid, "3-2-501 体温36.5")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-502 体温36.5")
    await playground.settle()
    assert await checkins(sessions) == [("3-2-502", 36.5, None, False, 1)]


async def test_a_redelivered_update_changes_nothing(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    sent = await playground.client.send_message(user_id=RESIDENT, chat_id=grid, text="3-2-501 大米两袋")
    await playground.settle()
    assert sent.update_id is not None
    before = (await playground.client.bot_messages(grid), await playground.client.reactions(grid))
    await playground.client.redeliver(sent.update_id)
    await playground.settle()
    assert (await playground.client.bot_messages(grid), await playground.client.reactions(grid)) == before
    async with sessions() as session:
        assert len((await session.exec(select(MessageRecord))).all()) == 1
        assert len((await session.exec(select(SupplyOrder))).all()) == 1


async def test_a_second_checkin_the_same_day_updates_the_days_row(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await confirm_links(sessions, {RESIDENT: "3-2-501"})
    await playground.say(RESIDENT, grid, "3-2-501 早上36.4 全家4口")
    await playground.say(RESIDENT, grid, "晚上36.7 都没有症状")
    await playground.say(RESIDENT, RESIDENT, "中午36.5 核酸已做")  # privately, to the same household
    assert await checkins(sessions) == [("3-2-501", 36.7, "", False, 3)]
    async with sessions() as session:
        row = (await session.exec(select(CheckIn))).one()
    assert (row.persons, row.test_type, row.test_result) == (4, "pcr", "done")


async def test_orders_get_a_number_a_deliver_button_and_alert_leaders_when_urgent(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await confirm_links(sessions, {RESIDENT: "3-2-501", NEIGHBOUR: "3-2-502"})
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    assert await playground.dialogue(
        grid, [(RESIDENT, "3-2-501 大米两袋 还要点酱油"), (NEIGHBOUR, "3-2-502 急需降压药一盒 电话13900002222")]
    ) == [
        f"{RESIDENT}: 3-2-501 大米两袋 还要点酱油",
        "bot: 🛒 订单 #1 已登记：大米 2袋、酱油\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 1\n"
        "请补充数量：酱油（直接修改原消息即可）",
        f"{NEIGHBOUR}: 3-2-502 急需降压药一盒 电话13900002222",
        "bot: 🛒 订单 #2 已登记（加急）：降压药 1盒\n网格员接单、送达时各点一下按钮；要取消请发送 /cancel 2",
    ]
    notice = (await playground.client.bot_messages(grid))[-1]
    async with sessions() as session:
        urgent = (await session.exec(select(SupplyOrder).where(SupplyOrder.number == 2))).one()
    assert notice.reply_markup == {
        "inline_keyboard": [
            [
                {"text": "🙋 接单", "callback_data": f"order:accept:{urgent.id}"},
                {"text": "✅ 已送达", "callback_data": f"order:deliver:{urgent.id}"},
            ]
        ]
    }
    assert private_texts(await playground.client.bot_messages(GRID_LEADER))[1:] == [
        "🚨 加急订单 #2\u3000第一网格\n3-2-502 李四\u3000📞 13900002222\n降压药 1盒"
    ]


async def test_an_edited_order_changes_its_items_while_open(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    message_id = await playground.say(RESIDENT, grid, "3-2-501 大米两袋")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-501 大米三袋 酱油一瓶")
    await playground.settle()
    assert private_texts(await playground.client.bot_messages(grid))[-1] == "🛒 订单 #1 已更新：大米 3袋、酱油 1瓶"
    await playground.say(GRID_LEADER, grid, "/deliver 1")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-501 大米五袋")
    await playground.settle()
    assert private_texts(await playground.client.bot_messages(grid))[-1] == (
        "订单 #1 已送达，这次修改没有生效；如还需要，请重新下单。"
    )
    async with sessions() as session:
        items = (await session.exec(select(OrderItem.name, OrderItem.qty))).all()
    assert sorted(items) == [("大米", 3), ("酱油", 1)]


async def test_a_returnee_is_stored_with_the_monitoring_plan(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    assert await playground.dialogue(grid, [(RESIDENT, "报备：李小四今天从北京坐G123回来，住3栋1单元101")]) == [
        f"{RESIDENT}: 报备：李小四今天从北京坐G123回来，住3栋1单元101"
    ]
    async with sessions() as session:
        returnee = (await session.exec(select(Returnee))).one()
        household = await session.get(Household, returnee.household_id)
    assert household is not None and household.address == "3-1-101"
    assert (returnee.name, returnee.transport_mode, returnee.transport_number) == ("李小四", "train", "G123")
    assert returnee.arrival == returnee.day
    assert returnee.monitor_until == returnee.day + timedelta(days=14)
    assert returnee.test_days == "1,3,7"


async def test_an_unknown_address_is_questioned_once(playground: Playground, groups: tuple[int, int]) -> None:
    grid, _village = groups
    assert await playground.dialogue(grid, [(STRANGER, "9-9-909 体温36.5"), (STRANGER, "9-9-909 体温36.6")]) == [
        f"{STRANGER}: 9-9-909 体温36.5",
        "bot: 名册里没有 9-9-909 这一户，请核对门牌，照 3-2-501 的写法再发一次。（今天只提醒这一次）",
        f"{STRANGER}: 9-9-909 体温36.6",
    ]


async def test_when_reactions_fail_a_silent_line_replaces_them(playground: Playground, groups: tuple[int, int]) -> None:
    grid, _village = groups
    await playground.client.inject_failures(
        "setMessageReaction", status=400, description="Bad Request: REACTION_INVALID"
    )
    assert await playground.dialogue(grid, [(RESIDENT, "3-2-501 体温36.5")]) == [
        f"{RESIDENT}: 3-2-501 体温36.5",
        "bot: ✍ 已登记",
    ]
    assert (await playground.client.bot_messages(grid))[-1].disable_notification


async def test_people_are_remembered_when_they_join(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await playground.client.create_user(user_id=5100, first_name="新人", username="newcomer")
    await playground.client.add_member(grid, 5100)
    await playground.settle()
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.telegram_user_id == 5100))).one()
    assert (person.display_name, person.username, person.household_id) == ("新人", "newcomer", None)
