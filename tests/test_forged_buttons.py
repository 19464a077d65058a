"""Button data is the client's to write: every kind of button pressed with forged data, through the real bot.

A modified client can send any 1-64 bytes as a press (``SandboxClient.forge_press``). Whatever it
sends, the press is answered with a short refusal, nothing is posted in the group, and nothing
changes: not another unit's order, report or notice, not a day other than today or yesterday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from core.callbacks import MAX_ID, ReportConfirm, ReportZero, parse_press
from demo.playground import Playground
from handlers import notices
from handlers.orders import notice_buttons
from services.confirmations import ConfirmResult, confirm_chat_report
from services.orders import Change, Hand, OrderChange, change_order_by_id
from services.report_run import build_deliveries
from services.sender import send
from storage.db import SessionFactory
from storage.models import NoticeAck, OrderStatus, SupplyOrder, UnitLevel, UnitReport
from storage.units import get_unit_by_code
from tests.factories import RESIDENT, VILLAGE_LEADER, add_order, bind_every_unit

G1, G2 = "T1-V1-G1", "T1-V1-G2"
INVALID = "这个按钮无效。"
ASK_AGAIN = "还有 3 户未打卡，仍确认零报告？请再点一次按钮。"
HUGE = "9" * 20


async def _ids(sessions: SessionFactory) -> dict[str, int]:
    """Unit ids by code, order ids as ``order:<grid code>``."""
    async with sessions() as session:
        ids = {}
        for code in (G1, G2):
            unit = await get_unit_by_code(session, code=code)
            assert unit is not None and unit.id is not None
            ids[code] = unit.id
            order = (await session.exec(select(SupplyOrder).where(SupplyOrder.grid_id == unit.id))).one()
            assert order.id is not None
            ids[f"order:{code}"] = order.id
    return ids


@pytest.fixture
async def world(playground: Playground, sessions: SessionFactory) -> tuple[dict[str, int], dict[str, int]]:
    """Every unit bound, one open order in each of G1 and G2, and both grids' reports, notices and a
    village notice posted in their groups: (chats by code, ids)."""
    chats = await bind_every_unit(playground, sessions)
    now = datetime.now(UTC)
    for code in (G1, G2):
        await add_order(sessions, code, "3-2-501" if code == G1 else "5-1-301", now, number=1, chat_id=chats[code])
    ids = await _ids(sessions)
    bot = playground.bot.application.bot
    for code in (G1, G2):
        await bot.send_message(chats[code], "🛒 订单 #1", reply_markup=notice_buttons(ids[f"order:{code}"]))
    today = datetime.now(playground.settings.tz).date()
    deliveries = await build_deliveries(
        sessions, settings=playground.settings, day=today, root_code="T1-V1", levels={UnitLevel.GRID}
    )
    for delivery in deliveries:
        await send(bot, delivery.chat_id, delivery.messages[0])
    await playground.say(VILLAGE_LEADER, chats["T1-V1"], "/notice 今晚8点前上报物资需求")
    await playground.bot.schedule.deliver()
    await playground.settle()
    return chats, ids


async def _state(sessions: SessionFactory) -> tuple[list[str], int, int]:
    """What a press could change: order statuses, report confirmations, notice acknowledgements."""
    async with sessions() as session:
        statuses = [o.status for o in await session.exec(select(SupplyOrder).order_by(SupplyOrder.id))]
        reports = len((await session.exec(select(UnitReport))).all())
        acks = len((await session.exec(select(NoticeAck))).all())
    return statuses, reports, acks


def _forgeries(ids: dict[str, int], today: date) -> list[str]:
    """Data a modified client sends, pressing in G1's group as the village leader (who manages both grids)."""
    g1, g2 = ids[G1], ids[G2]
    o1, o2 = ids[f"order:{G1}"], ids[f"order:{G2}"]
    return [
        # Order notices: non-ASCII digits, huge and zero ids, wrong field counts, another grid's order.
        "order:accept:²",
        "order:deliver:١",
        f"order:deliver:{HUGE}",
        f"order:deliver:{2**31}",
        "order:deliver:0",
        "order:deliver:-1",
        "order:deliver",
        f"order:deliver:{o1}:1",
        f"order:eat:{o1}",
        f"order:deliver: {o1}",
        f"order:accept:{o2}",
        f"order:deliver:{o2}",
        # Reports: a future day, a far-past day, an impossible day, another grid's report, bad ids.
        f"report:confirm:{g1}:{today + timedelta(days=1)}",
        f"report:confirm:{g1}:{today + timedelta(days=28)}",
        f"report:confirm:{g1}:{today - timedelta(days=2)}",
        f"report:confirm:{g1}:2020-01-01",
        f"report:confirm:{g1}:2026-02-30",
        f"report:confirm:{g1}",
        f"report:confirm:{g1}:{today}:1",
        f"report:confirm:²:{today}",
        f"report:confirm:{HUGE}:{today}",
        f"report:confirm:{g2}:{today}",
        # The second tap of a zero report (仍确认零报告): the same rules as 确认上报.
        f"report:zero:{g1}:{today + timedelta(days=1)}",
        f"report:zero:{g1}:{today - timedelta(days=2)}",
        f"report:zero:{g1}:2026-02-30",
        f"report:zero:{g1}",
        f"report:zero:{g1}:{today}:1",
        f"report:zero:²:{today}",
        f"report:zero:0:{today}",
        f"report:zero:{HUGE}:{today}",
        f"report:zero:{g2}:{today}",
        f"report:zero:{g1}:{today}",  # a real unit and day, but no message here carries the second tap yet
        # Notices: bad ids, extra fields, a notice id that was never sent here.
        "notice:ack:²",
        f"notice:ack:{HUGE}",
        "notice:ack:1:1",
        "notice:ack:2",
        # Nothing of ours at all.
        "hello",
    ]


async def test_forged_presses_are_refused_quietly_and_change_nothing(
    playground: Playground, sessions: SessionFactory, world: tuple[dict[str, int], dict[str, int]]
) -> None:
    chats, ids = world
    client, chat = playground.client, chats[G1]
    before_state = await _state(sessions)
    before_messages = await client.bot_messages(chat)
    message_ids = [m.message_id for m in before_messages if m.reply_markup]
    today = datetime.now(playground.settings.tz).date()
    forgeries = _forgeries(ids, today)
    for data in forgeries:
        for message_id in message_ids:  # every kind of button's message: the data decides, not the message
            await client.forge_press(user_id=VILLAGE_LEADER, chat_id=chat, message_id=message_id, data=data)
    await playground.settle()
    answers = [(a.data, a.text) for a in await client.callback_answers()]
    assert answers == [(data, INVALID) for data in forgeries for _ in message_ids]
    assert await client.bot_messages(chat) == before_messages  # no apology, no edit
    assert await _state(sessions) == before_state
    assert before_state == ([OrderStatus.OPEN, OrderStatus.OPEN], 0, 0)


async def test_the_real_buttons_still_work_and_yesterday_stays_open(
    playground: Playground, sessions: SessionFactory, world: tuple[dict[str, int], dict[str, int]]
) -> None:
    """Yesterday's report can still be confirmed after midnight; a forged yesterday on today's report cannot."""
    chats, ids = world
    client, chat = playground.client, chats[G1]
    yesterday = datetime.now(playground.settings.tz).date() - timedelta(days=1)
    today_report = next(m for m in await client.bot_messages(chat) if "日报告" in (m.text or ""))
    forged = f"report:confirm:{ids[G1]}:{yesterday}"
    await client.forge_press(user_id=VILLAGE_LEADER, chat_id=chat, message_id=today_report.message_id, data=forged)
    (delivery,) = await build_deliveries(
        sessions, settings=playground.settings, day=yesterday, root_code=G1, levels={UnitLevel.GRID}
    )
    report = await send(playground.bot.application.bot, chat, delivery.messages[0])
    await client.press_button(user_id=VILLAGE_LEADER, chat_id=chat, message_id=report.message_id, data=forged)
    await playground.settle()  # 0 of 3 checked in: the button turns into the second tap, for yesterday too
    second_tap = f"report:zero:{ids[G1]}:{yesterday}"
    await client.press_button(user_id=VILLAGE_LEADER, chat_id=chat, message_id=report.message_id, data=second_tap)
    notice = (await client.bot_messages(chat))[-2]
    assert notice.reply_markup is not None
    (ack,) = notice.reply_markup["inline_keyboard"][0]
    await client.press_button(user_id=RESIDENT, chat_id=chat, message_id=notice.message_id, data=ack["callback_data"])
    await playground.settle()
    answers = [a.text for a in await client.callback_answers()]
    assert answers == [INVALID, ASK_AGAIN, f"✅ 第一网格 {yesterday} 零报告已确认。", "已确认收到，谢谢！"]


async def test_the_second_tap_of_a_zero_report_takes_only_its_own_data(
    playground: Playground, sessions: SessionFactory, world: tuple[dict[str, int], dict[str, int]]
) -> None:
    """Once 确认零报告 turned into 仍确认零报告, forged second taps on that very message (another grid, another
    day, the first tap again) are refused and confirm nothing; the real one confirms."""
    chats, ids = world
    client, chat = playground.client, chats[G1]
    today = datetime.now(playground.settings.tz).date()
    report = next(m for m in await client.bot_messages(chat) if "日报告" in (m.text or ""))
    first_tap = f"report:confirm:{ids[G1]}:{today}"
    await client.press_button(user_id=VILLAGE_LEADER, chat_id=chat, message_id=report.message_id, data=first_tap)
    await playground.settle()
    asked = next(m for m in await client.bot_messages(chat) if m.message_id == report.message_id)
    assert asked.reply_markup is not None
    ((second,),) = asked.reply_markup["inline_keyboard"]
    assert second == {"text": "⚠️ 仍确认零报告（3 户未打卡）", "callback_data": f"report:zero:{ids[G1]}:{today}"}
    forged = [
        f"report:zero:{ids[G2]}:{today}",
        f"report:zero:{ids[G1]}:{today - timedelta(days=1)}",
        f"report:zero:{ids[G1]}:{today + timedelta(days=1)}",
        f"report:zero:{ids[G1]}:{today}:",
        first_tap,  # no longer on the message: the first tap cannot be repeated past the question
    ]
    before = await client.bot_messages(chat)
    for data in forged:
        await client.forge_press(user_id=VILLAGE_LEADER, chat_id=chat, message_id=report.message_id, data=data)
    await playground.settle()
    assert await client.bot_messages(chat) == before
    assert await _state(sessions) == ([OrderStatus.OPEN, OrderStatus.OPEN], 0, 0)
    await client.press_button(
        user_id=VILLAGE_LEADER, chat_id=chat, message_id=report.message_id, data=second["callback_data"]
    )
    await playground.settle()
    answers = [a.text for a in await client.callback_answers()]
    assert answers == [ASK_AGAIN, *[INVALID] * len(forged), f"✅ 第一网格 {today} 零报告已确认。"]
    assert await _state(sessions) == ([OrderStatus.OPEN, OrderStatus.OPEN], 1, 0)


def test_the_second_tap_parses_by_the_rules_of_the_first() -> None:
    """``ReportZero`` round-trips through its builder and refuses what ``ReportConfirm`` refuses."""
    today = date(2026, 12, 3)
    for day in (today, today - timedelta(days=1)):
        assert parse_press(ReportZero(MAX_ID, day).data(), today=today) == ReportZero(MAX_ID, day)
        assert parse_press(ReportConfirm(7, day).data(), today=today) == ReportConfirm(7, day)
    assert len(ReportZero(MAX_ID, today).data().encode()) <= 64
    for kind in ("confirm", "zero"):
        for data in (
            f"report:{kind}:7:{today + timedelta(days=1)}",
            f"report:{kind}:7:{today - timedelta(days=2)}",
            f"report:{kind}:{MAX_ID + 1}:{today}",
            f"report:{kind}:0:{today}",
            f"report:{kind}:７:{today}",
            f"report:{kind}:7:{today}:",
        ):
            assert parse_press(data, today=today) is None, data


async def test_a_press_that_fails_is_answered_not_apologised_for_in_the_group(
    playground: Playground,
    world: tuple[dict[str, int], dict[str, int]],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    chats, _ = world
    client, chat = playground.client, chats[G1]

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(notices, "acknowledge", broken)
    notice = (await client.bot_messages(chat))[-1]
    assert notice.reply_markup is not None
    (ack,) = notice.reply_markup["inline_keyboard"][0]
    before = await client.bot_messages(chat)
    await client.press_button(user_id=RESIDENT, chat_id=chat, message_id=notice.message_id, data=ack["callback_data"])
    await playground.settle()
    assert [a.text for a in await client.callback_answers()] == ["抱歉，刚才出了点问题，请稍后再试。"]
    assert await client.bot_messages(chat) == before
    assert "the database went away" in caplog.text


async def test_services_hold_a_press_to_its_chat(
    sessions: SessionFactory, world: tuple[dict[str, int], dict[str, int]], playground: Playground
) -> None:
    """Behind the keyboard check: an order changes only from its own chat, a report only for the group's unit."""
    chats, ids = world
    admins = frozenset({VILLAGE_LEADER})
    change = await change_order_by_id(
        sessions, order_id=ids[f"order:{G2}"], chat_id=chats[G1], status=OrderStatus.DELIVERED,
        hand=Hand(VILLAGE_LEADER, "村干部", datetime.now(UTC), playground.settings.tz), admin_ids=admins,
    )  # fmt: skip
    assert isinstance(change, OrderChange) and change.result is Change.UNKNOWN
    outcome = await confirm_chat_report(
        sessions, chat_id=chats[G1], unit_id=ids[G2], day=datetime.now(playground.settings.tz).date(),
        user_id=VILLAGE_LEADER, admin_ids=admins, zero=False, settings=playground.settings,
    )  # fmt: skip
    assert outcome.result is ConfirmResult.UNKNOWN_UNIT
    second_tap = await confirm_chat_report(
        sessions, chat_id=chats[G1], unit_id=ids[G2], day=datetime.now(playground.settings.tz).date(),
        user_id=VILLAGE_LEADER, admin_ids=admins, zero=True, despite_missing=True, settings=playground.settings,
    )  # fmt: skip
    assert second_tap.result is ConfirmResult.UNKNOWN_UNIT
    assert await _state(sessions) == ([OrderStatus.OPEN, OrderStatus.OPEN], 0, 0)
