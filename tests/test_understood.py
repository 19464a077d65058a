"""✍ only for a report fully understood; otherwise one brief question (real PTB and the sandbox)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from demo.playground import Playground
from storage.db import SessionFactory
from storage.models import Returnee
from tests.factories import RESIDENT, bound_groups, confirm_links
from tests.test_ingest import checkins


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    return await bound_groups(playground, sessions)


async def test_a_returnee_without_its_arrival_is_asked_about_not_reacted_to(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    assert await playground.dialogue(grid, [(RESIDENT, "3-2-501 王五 从武汉返乡")]) == [
        f"{RESIDENT}: 3-2-501 王五 从武汉返乡",
        "bot: 已记下，还差哪天到的：请直接修改原消息补上。",
    ]
    assert await playground.client.reactions(grid) == []
    async with sessions() as session:
        assert (await session.exec(select(Returnee.name))).all() == ["王五"]


async def test_an_edit_that_completes_the_report_gets_its_reaction(
    playground: Playground, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    message_id = await playground.say(RESIDENT, grid, "3-2-501 王五 从武汉返乡")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-501 王五 从武汉返乡 坐火车")
    await playground.settle()
    assert await playground.client.reactions(grid) == []  # still lacks the day: not asked twice either
    asked = [m for m in await playground.client.bot_messages(grid) if "还差" in (m.text or "")]
    assert len(asked) == 1
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-501 王五 12月1日从武汉返乡")
    await playground.settle()
    assert [r.emoji for r in await playground.client.reactions(grid)] == [["✍"]]


async def test_an_order_without_quantities_is_asked_about_in_its_notice_without_a_reaction(
    playground: Playground, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    transcript = await playground.dialogue(grid, [(RESIDENT, "3-2-501 大米两袋 还要点酱油")])
    assert transcript[-1].endswith("请补充数量：酱油（直接修改原消息即可）")
    assert await playground.client.reactions(grid) == []
    transcript = await playground.dialogue(grid, [(RESIDENT, "3-2-501 需要大米和酱油")])
    assert "还没写要买什么" in transcript[-1]
    assert await playground.client.reactions(grid) == []


async def test_a_checkin_naming_someone_else_of_no_household_asks_whose_it_is(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await confirm_links(sessions, {RESIDENT: "3-2-501"})  # the resident is of 3-2-501 (张三)
    await playground.say(RESIDENT, grid, "3-2-501 体温36.4")
    assert await playground.dialogue(grid, [(RESIDENT, "张三 36.6"), (RESIDENT, "李四 36.5")]) == [
        f"{RESIDENT}: 张三 36.6",
        f"{RESIDENT}: 李四 36.5",
        "bot: 李四是哪一户？请在原消息里写上门牌号，例如 3-2-501。",
    ]
    assert [r.emoji for r in await playground.client.reactions(grid)] == [["✍"], ["✍"]]
    assert await checkins(sessions) == [("3-2-501", 36.6, None, False, 3)]
