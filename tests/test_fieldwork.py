"""Visits and disinfections reported in a grid group, through real PTB and the sandbox."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from demo.playground import Playground
from storage.db import SessionFactory
from storage.models import DisinfectionRecord, Household, MessageRecord, VisitRecord
from tests.factories import GRID_LEADER, NEIGHBOUR, RESIDENT, bound_groups
from tests.test_ingest import linked, private_texts


@pytest.fixture
async def groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    return await bound_groups(playground, sessions)


async def visits(sessions: SessionFactory) -> list[tuple[str, str | None, str | None, bool, int]]:
    """(address, name visited, help, concern, visitor) of every visit row."""
    async with sessions() as session:
        rows = await session.exec(
            select(Household.address, VisitRecord.name, VisitRecord.help, VisitRecord.concern, VisitRecord.visitor_id)
            .join(Household, col(Household.id) == col(VisitRecord.household_id))
            .order_by(col(VisitRecord.id))
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_a_visit_is_stored_with_a_reaction_and_a_concern_alerts_the_leaders(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    text = "走访3-2-501张三，送药，发现老人腿脚不便需要关注"
    assert await playground.dialogue(grid, [(NEIGHBOUR, "今天上门探望3-2-502李四，帮忙买菜"), (NEIGHBOUR, text)]) == [
        f"{NEIGHBOUR}: 今天上门探望3-2-502李四，帮忙买菜",
        f"{NEIGHBOUR}: {text}",
    ]
    assert [r.emoji for r in await playground.client.reactions(grid)] == [["✍"], ["✍"]]
    assert await visits(sessions) == [
        ("3-2-502", "李四", "groceries", False, NEIGHBOUR),
        ("3-2-501", "张三", "medicine", True, NEIGHBOUR),
    ]
    assert private_texts(await playground.client.bot_messages(GRID_LEADER))[1:] == [
        f"👀 走访发现情况\u3000第一网格\n3-2-501 张三\u3000📞 13812345678\n走访人：李四\n原话：{text}"
    ]
    assert await linked(sessions, NEIGHBOUR) is None  # a visitor writes about others


async def test_an_edit_updates_the_visit_and_alerts_once_when_it_adds_a_concern(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    message_id = await playground.say(RESIDENT, grid, "今天上门探望3-2-502李四，帮忙买菜")
    for text in [
        "走访3-2-502李四，送药，发现老人腿脚不便需要关注",
        "走访3-2-502李四，送药，老人腿脚不便需要关注，已联系家属",
    ]:
        await playground.client.edit_message(chat_id=grid, message_id=message_id, text=text)
        await playground.settle()
    assert await visits(sessions) == [("3-2-502", "李四", "medicine", True, RESIDENT)]
    alerts = private_texts(await playground.client.bot_messages(GRID_LEADER))[1:]
    assert len(alerts) == 1 and alerts[0].startswith("👀 走访发现情况")


async def test_a_visit_without_an_address_asks_for_the_household_visited(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    await playground.say(RESIDENT, grid, "3-2-501 体温36.4")  # the resident's own household is no answer
    assert (await playground.dialogue(grid, [(RESIDENT, "今天上门探望李四，帮忙买菜")]))[-1] == (
        "bot: 请带上走访住户的门牌号再发一次，例如 3-2-501。（今天只提醒这一次）"
    )
    assert await visits(sessions) == []


async def test_a_disinfection_is_stored_for_its_place_and_edits_update_it(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    message_id = await playground.say(NEIGHBOUR, grid, "今天下午对3栋楼道进行喷洒消毒，84消毒液，操作人张三")
    assert [r.emoji for r in await playground.client.reactions(grid)] == [["✍"]]
    await playground.client.edit_message(
        chat_id=grid, message_id=message_id, text="今天下午对4栋楼道进行喷洒消毒，操作人李四"
    )
    await playground.settle()
    async with sessions() as session:
        rows = (await session.exec(select(DisinfectionRecord))).all()
        message = (await session.exec(select(MessageRecord))).one()
    assert [(r.place, r.method, r.agent, r.operator, r.message_id, r.grid_id) for r in rows] == [
        ("4栋楼道", "spray", None, "李四", message.id, message.grid_id)
    ]
    assert message.household_id is None and message.grid_id is not None
    assert (await playground.dialogue(grid, [(NEIGHBOUR, "今天下午进行喷洒消毒")]))[-1] == (
        "bot: 已记下，还差消杀地点：请直接修改原消息补上。"
    )
