"""One message about several households (代报, a 联户长's list), through real PTB and the sandbox."""

from __future__ import annotations

import pytest
from sqlmodel import select

from demo.playground import Playground
from storage.db import SessionFactory
from storage.models import MessageHousehold
from tests.factories import GRID_LEADER, NEIGHBOUR, RESIDENT, bound_groups
from tests.test_ingest import checkins, linked, private_texts

ADVICE = "已收到，网格员会尽快联系您。请先居家休息、暂不外出；如有胸闷、呼吸困难请立即拨打 120。"


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    return await bound_groups(playground, sessions)


async def test_a_report_for_three_households_makes_three_records_and_one_reply(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    text = "代报：3-2-501 2人 36.4；3-2-502 36.8；3-1-101 4人"
    assert await playground.dialogue(grid, [(NEIGHBOUR, text)]) == [
        f"{NEIGHBOUR}: {text}",
        "bot: ✍ 已登记 3 户：3-2-501 2人 36.4；3-2-502 36.8；3-1-101 4人",
    ]
    assert await playground.client.reactions(grid) == []
    assert await checkins(sessions) == [
        ("3-1-101", None, None, False, 1),
        ("3-2-501", 36.4, None, False, 1),
        ("3-2-502", 36.8, None, False, 1),
    ]
    assert await linked(sessions, NEIGHBOUR) is None  # 代报 never makes the sender one of them


async def test_each_abnormal_household_alerts_on_its_own_and_unknown_ones_are_named(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    text = "3-2-501 36.4，3-2-502 李四 38.2 咳嗽，3-9-999 36.5"
    assert await playground.dialogue(grid, [(RESIDENT, text)]) == [
        f"{RESIDENT}: {text}",
        "bot: ✍ 已登记 2 户：3-2-501 36.4；3-2-502 38.2；3-9-999（名册里没有这一户，未登记）",
        f"bot: {ADVICE}",
    ]
    leader = private_texts(await playground.client.bot_messages(GRID_LEADER))
    assert leader[1:] == [f"⚠️ 异常打卡\u3000第一网格\n3-2-502 李四\n体温38.2℃ 咳嗽 ⚠️异常\n原话：{text}"]


async def test_an_edit_of_a_report_for_several_refiles_without_double_counting(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    message_id = await playground.say(NEIGHBOUR, grid, "3-2-501 36.4；3-2-502 36.8；3-1-101 36.5")
    await playground.say(NEIGHBOUR, grid, "3-2-502 36.6")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-501 36.5；3-2-502 36.9")
    await playground.settle()
    assert await checkins(sessions) == [("3-2-501", 36.5, None, False, 1), ("3-2-502", 36.9, None, False, 2)]
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="发错了")
    await playground.settle()
    assert await checkins(sessions) == [("3-2-502", 36.6, None, False, 1)]
    async with sessions() as session:
        assert (await session.exec(select(MessageHousehold))).all() == []
