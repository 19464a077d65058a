"""Residents' messages into records, through the real PTB application and the sandbox."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.playground import Playground
from storage.db import SessionFactory
from storage.models import CheckIn, Household, MessageRecord, Person
from tests.factories import GRID_LEADER, NEIGHBOUR, RESIDENT, STRANGER, bound_groups

G1 = "T1-V1-G1"


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


async def linked(sessions: SessionFactory, user_id: int) -> str | None:
    async with sessions() as session:
        row = (
            await session.exec(
                select(Household.address)
                .join(Person, col(Person.household_id) == col(Household.id))
                .where(Person.telegram_user_id == user_id)
            )
        ).first()
        return row


async def test_a_checkin_is_stored_with_a_reaction_and_links_its_sender(
    playground: Playground, sessions: SessionFactory, groups: tuple[int, int]
) -> None:
    grid, _village = groups
    transcript = await playground.dialogue(grid, [(RESIDENT, "3栋2单元501 全家4口 体温36.5 无症状")])
    assert transcript == [f"{RESIDENT}: 3栋2单元501 全家4口 体温36.5 无症状"]
    reactions = await playground.client.reactions(grid)
    assert [r.emoji for r in reactions] == [["✍"]]
    assert await checkins(sessions) == [("3-2-501", 36.5, "", False, 1)]
    assert await linked(sessions, RESIDENT) == "3-2-501"
    async with sessions() as session:
        message = (await session.exec(select(MessageRecord))).one()
    assert (message.chat_id, message.sender_id, message.kind) == (grid, RESIDENT, "checkin")
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
    assert await checkins(sessions) == [("3-2-502", 36.8, "", False, 3)]
    assert await linked(sessions, NEIGHBOUR) == "3-2-502"


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
