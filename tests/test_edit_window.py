"""An edited message changes its record only while the record's day is open, and never an order
taken on: the past is the grid leader's to correct. Through the real bot and the sandbox.

A record "five days old" is the message stored five days back (its row's and its check-in's day
and time): the sandbox stamps messages with the wall clock, and the bot reads the record's day
from what it stored.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from demo.playground import Playground
from storage.db import SessionFactory, transaction
from storage.models import CheckIn, Household, MessageRecord, OrderStatus, SupplyOrder
from tests.factories import GRID_LEADER, RESIDENT, bound_groups

PAST_CLOSED = (
    "这条是 {day} 的记录，当天已过，修改消息不会改动记录。过去的记录请联系网格员更正（网格员可用 /household 查看）。"
)


@pytest.fixture
async def grid(playground: Playground, sessions: SessionFactory) -> int:
    grid_id, _village = await bound_groups(playground, sessions)
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    return grid_id


async def stored(sessions: SessionFactory) -> tuple[str, str | None, list[tuple[str, bool]]]:
    """The message's text, its household, and (address, abnormal) of every check-in."""
    async with sessions() as session:
        message = (await session.exec(select(MessageRecord))).one()
        household = await session.get(Household, message.household_id) if message.household_id else None
        rows = await session.exec(
            select(Household.address, CheckIn.abnormal).join(Household, col(Household.id) == col(CheckIn.household_id))
        )
        return message.text, household.address if household else None, sorted((a, b) for a, b in rows)


async def age(sessions: SessionFactory, days: int) -> str:
    """Move the stored message and its check-in ``days`` back; the record's day as shown (MM-DD)."""
    async with transaction(sessions) as session:
        message = (await session.exec(select(MessageRecord))).one()
        message.day -= timedelta(days=days)
        message.sent_at -= timedelta(days=days)
        for checkin in (await session.exec(select(CheckIn))).all():
            checkin.day -= timedelta(days=days)
            session.add(checkin)
        session.add(message)
        return f"{message.day:%m-%d}"


async def test_editing_a_five_day_old_checkin_changes_nothing_and_says_so_once(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    client = playground.client
    message_id = await playground.say(RESIDENT, grid, "3-2-501 体温36.5")
    day = await age(sessions, 5)
    alerts_before = len(await client.bot_messages(GRID_LEADER))
    for text in ("3-2-502 体温38.5 咳嗽", "3-1-101 体温39"):
        await client.edit_message(chat_id=grid, message_id=message_id, text=text)
        await playground.settle()
    assert await stored(sessions) == ("3-2-501 体温36.5", "3-2-501", [("3-2-501", False)])
    replies = [m.text for m in await client.bot_messages(grid) if m.reply_to == message_id]
    assert replies == [PAST_CLOSED.format(day=day)]  # once, however many edits
    assert len(await client.bot_messages(GRID_LEADER)) == alerts_before  # no fresh alert


async def test_within_the_window_an_edit_still_changes_the_record(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    message_id = await playground.say(RESIDENT, grid, "3-2-501 体温36.5")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-502 体温36.6")
    await playground.settle()
    assert await stored(sessions) == ("3-2-502 体温36.6", "3-2-502", [("3-2-502", False)])


async def test_an_edit_of_an_accepted_order_moves_nothing(
    playground: Playground, sessions: SessionFactory, grid: int
) -> None:
    message_id = await playground.say(RESIDENT, grid, "3-2-501 大米一袋")
    (notice,) = [m for m in await playground.client.bot_messages(grid) if m.reply_markup is not None]
    assert notice.reply_markup is not None
    accept = next(b["callback_data"] for row in notice.reply_markup["inline_keyboard"] for b in row
                  if str(b["callback_data"]).startswith("order:accept:"))  # fmt: skip
    await playground.client.press_button(user_id=GRID_LEADER, chat_id=grid, message_id=notice.message_id, data=accept)
    await playground.settle()
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text="3-2-502 大米五袋")
    await playground.settle()
    text, household, _checkins = await stored(sessions)
    assert (text, household) == ("3-2-501 大米一袋", "3-2-501")  # on main: the message moved to 3-2-502
    async with sessions() as session:
        order = (await session.exec(select(SupplyOrder))).one()
        assert order.status == OrderStatus.ACCEPTED
        address = (await session.exec(select(Household.address).where(Household.id == order.household_id))).one()
    assert address == "3-2-501"
    replies = [m.text for m in await playground.client.bot_messages(grid) if m.reply_to == message_id]
    assert replies[-1] == "订单 #1 已接单，这次修改没有生效；如还需要，请重新下单。"
