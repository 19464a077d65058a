"""Writing a household's address does not make its writer a member: a grid leader confirms.

Through the real bot and the sandbox: a stranger's check-in for 3-2-501 is recorded for that
household, but cancelling its order needs a confirmed link; the grid leader is asked privately,
with one tap, and only a confirmed member (or the order's own author) may cancel it.
"""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from demo.playground import Playground
from sandbox import BotMessage
from storage.db import SessionFactory
from storage.models import CheckIn, Household, OrderStatus, Person, SupplyOrder
from tests.factories import GRID_LEADER, NEIGHBOUR, OTHER_GRID_LEADER, RESIDENT, STRANGER, bound_groups


@pytest.fixture
async def grid(playground: Playground, sessions: SessionFactory) -> int:
    grid_id, _village = await bound_groups(playground, sessions)
    for leader in (GRID_LEADER, OTHER_GRID_LEADER):
        await playground.say(leader, leader, "/start")
    return grid_id


async def order_status(sessions: SessionFactory) -> OrderStatus:
    async with sessions() as session:
        return (await session.exec(select(SupplyOrder.status))).one()


async def person(sessions: SessionFactory, user_id: int) -> Person:
    async with sessions() as session:
        return (await session.exec(select(Person).where(Person.telegram_user_id == user_id))).one()


async def checkin_addresses(sessions: SessionFactory) -> list[str]:
    async with sessions() as session:
        query = select(Household.address).join(CheckIn, col(CheckIn.household_id) == col(Household.id))
        return sorted((await session.exec(query)).all())


def claim_asked(messages: list[BotMessage], name: str) -> BotMessage:
    (asked,) = [m for m in messages if m.text is not None and m.text.startswith(f"{name} 写了 3-2-501")]
    return asked


def button(message: BotMessage, label: str) -> str:
    assert message.reply_markup is not None
    (data,) = [b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row if b["text"] == label]
    return str(data)


async def test_writing_an_address_claims_the_household_and_a_leader_confirms(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    client = playground.client
    await playground.say(RESIDENT, grid, "3-2-501 急需 布洛芬一盒")
    await playground.say(STRANGER, grid, "3-2-501 体温36.5")
    assert await checkin_addresses(sessions) == ["3-2-501"]  # the check-in is recorded for the household
    stranger = await person(sessions, STRANGER)
    assert stranger.household_id is None  # on main: linked by writing the address

    await playground.say(STRANGER, grid, "/cancel 1")
    assert await order_status(sessions) == OrderStatus.OPEN  # on main: the stranger cancelled it

    # the grid's leader was asked privately, the name masked; another grid's leader was not
    asked = claim_asked(await client.bot_messages(GRID_LEADER), "路*")
    assert "第一网格" in (asked.text or "")
    assert [m for m in await client.bot_messages(OTHER_GRID_LEADER) if "写了" in (m.text or "")] == []

    # the grid's leader declines: nothing linked
    keep = button(asked, "不关联")
    await client.press_button(user_id=GRID_LEADER, chat_id=GRID_LEADER, message_id=asked.message_id, data=keep)
    await playground.settle()
    stranger = await person(sessions, STRANGER)
    assert (stranger.household_id, stranger.claimed_household_id) == (None, None)

    # a family member's claim, confirmed with one tap, lets them cancel the household's order
    await playground.say(NEIGHBOUR, grid, "3-2-501 体温36.6")
    await playground.say(NEIGHBOUR, grid, "/cancel 1")
    assert await order_status(sessions) == OrderStatus.OPEN
    asked = claim_asked(await client.bot_messages(GRID_LEADER), "李*")
    await client.press_button(
        user_id=GRID_LEADER, chat_id=GRID_LEADER, message_id=asked.message_id, data=button(asked, "关联")
    )
    await playground.settle()
    edited = [m for m in await client.bot_messages(GRID_LEADER) if m.message_id == asked.message_id]
    assert edited[0].text == "✅ 已关联：李* → 3-2-501"
    assert (await person(sessions, NEIGHBOUR)).household_id is not None
    await playground.say(NEIGHBOUR, grid, "/cancel 1")
    assert await order_status(sessions) == OrderStatus.CANCELLED


async def test_an_unconfirmed_author_may_cancel_their_own_order(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    await playground.say(STRANGER, grid, "3-2-501 大米一袋")
    assert (await person(sessions, STRANGER)).household_id is None
    await playground.say(STRANGER, grid, "/cancel 1")
    assert await order_status(sessions) == OrderStatus.CANCELLED


async def test_an_unconfirmed_sender_without_an_address_is_asked_for_it(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    await playground.say(STRANGER, grid, "3-2-501 体温36.5")
    transcript = await playground.dialogue(grid, [(STRANGER, "下午 体温36.7")])
    assert len(transcript) == 2 and "门牌号" in transcript[1]  # asked once, as for anyone unlinked


async def test_a_shared_contact_with_the_roster_phone_confirms_the_claim(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    client = playground.client
    await playground.say(RESIDENT, grid, "3-2-501 体温36.5")  # the roster's phone of 3-2-501: 13812345678
    await playground.say(NEIGHBOUR, grid, "3-2-501 体温36.6")
    await client.share_contact(user_id=NEIGHBOUR, chat_id=NEIGHBOUR, phone_number="+86 139 0000 1111")
    await client.share_contact(user_id=RESIDENT, chat_id=RESIDENT, phone_number="+8613812345678")
    await playground.settle()
    assert (await person(sessions, NEIGHBOUR)).household_id is None  # another number: still the leader's call
    assert [m.text for m in await client.bot_messages(NEIGHBOUR)] == ["手机号与名册不一致，已转请网格员确认。"]
    assert [m.text for m in await client.bot_messages(RESIDENT)] == ["✅ 手机号与名册一致，已关联到 3-2-501。"]
    resident = await person(sessions, RESIDENT)
    assert resident.household_id is not None and resident.claimed_household_id is None


async def test_a_pending_claim_stands_while_its_writer_reports_for_other_households(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    """A neighbour who writes 3-2-501 and then, for others, 3-2-502: both check-ins are filed, the
    claim stays on 3-2-501 and the leader is asked once (not once per address written)."""
    await playground.say(NEIGHBOUR, grid, "3-2-501 体温36.5")
    await playground.say(NEIGHBOUR, grid, "3-2-502 体温36.6")
    assert await checkin_addresses(sessions) == ["3-2-501", "3-2-502"]
    async with sessions() as session:
        first = (await session.exec(select(Household.id).where(Household.address == "3-2-501"))).one()
    assert (await person(sessions, NEIGHBOUR)).claimed_household_id == first
    asked = [m for m in await playground.client.bot_messages(GRID_LEADER) if m.text and " 写了 " in m.text]
    assert len(asked) == 1
