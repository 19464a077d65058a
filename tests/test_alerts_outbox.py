"""Alerts and order notices never dropped (issue #10, items 3 and 5), through PTB and the sandbox.

They are outbox rows written with the records they are about, so a message that is too long, a
Telegram fault or a killed process delays them and loses none; reactions are best-effort but tried
again before a visible text stands in for them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlmodel import select

from demo.playground import Playground
from demo.process import BotProcess, write_config
from sandbox import RateLimits, RunningSandbox, running_sandbox
from sandbox import actions as sandbox_actions
from sandbox.faults import InjectedFailure
from sandbox.state import SandboxState
from services.binding import bind_chat
from services.outbox import deliver_due
from storage.db import SessionFactory
from storage.models import OutboxMessage, OutboxStatus, utcnow
from tests.factories import ADMIN, GRID_LEADER, NEIGHBOUR, RESIDENT, bound_groups, confirm_links, seed_roster

#: The residents here are their households' confirmed members: these tests are about alerts, not claims.
MEMBERS = {RESIDENT: "3-2-501", NEIGHBOUR: "3-2-502"}

ABNORMAL = "3-2-501 张三 体温37.8 咳嗽"


async def pending_rows(sessions: SessionFactory) -> int:
    async with sessions() as session:
        rows = await session.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING))
        return len(rows.all())


async def deliver_until_done(playground: Playground, sessions: SessionFactory) -> None:
    """Deliver as the sender's loop would, the clock moved past each backoff instead of waited."""
    now = utcnow()
    for _ in range(20):
        if not await pending_rows(sessions):
            return
        now += timedelta(minutes=10)
        await playground.bot.schedule.deliver(now)
    raise AssertionError("outbox rows still pending after 20 deliveries")


async def texts_in(playground: Playground, chat_id: int) -> list[str]:
    return [message.text or "" for message in await playground.client.bot_messages(chat_id)]


async def test_a_4096_character_abnormal_checkin_alerts_the_leader_trimmed_and_the_village(
    playground: Playground, sessions: SessionFactory
) -> None:
    grid, village = await bound_groups(playground, sessions)
    await confirm_links(sessions, MEMBERS)
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    long = ABNORMAL + " " + "家里一切都好，就是有点咳嗽。" * 400
    long = long[:4096]
    await playground.say(RESIDENT, grid, long)
    leader = await texts_in(playground, GRID_LEADER)
    assert len(leader) == 2, leader
    assert leader[1].startswith(
        "⚠️ 异常打卡\u3000第一网格\n3-2-501 张三\u3000📞 13812345678\n体温37.8℃ 咳嗽 ⚠️异常\n原话："
    )
    assert leader[1].endswith("原话：" + long[:200] + "…")
    assert (await texts_in(playground, village))[-1] == (
        "⚠️ 异常打卡\u3000第一网格 3-2-501 张*：体温37.8℃ 咳嗽 ⚠️异常。请网格长及时跟进。"
    )


async def test_order_notices_and_alerts_survive_injected_faults(
    playground: Playground, sessions: SessionFactory
) -> None:
    """Before each order the next sendMessage fails (a 500, a 502 or a 429 in turn; a third to a
    half of all sends): 20 orders, 5 urgent, and 5 abnormal check-ins each get their notice or
    alerts exactly once. Before the outbox, every one of those notices was lost."""
    grid, village = await bound_groups(playground, sessions)
    await confirm_links(sessions, MEMBERS)
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    faults = [(500, None), (502, None), (429, 1)]
    for n in range(20):
        status, retry_after = faults[n % 3]
        await playground.client.inject_failures("sendMessage", status=status, retry_after=retry_after)
        urgent = "急需" if n % 4 == 0 else ""
        await playground.say(RESIDENT if n % 2 else NEIGHBOUR, grid, f"3-2-50{1 + n % 2} {urgent}大米{n + 1}袋")
        if n % 4 == 1:
            await playground.say(RESIDENT, grid, f"3-2-501 体温{37.5 + n / 10:.1f}")
    await deliver_until_done(playground, sessions)
    notices = Counter(
        int(found.group(1)) for text in await texts_in(playground, grid) if (found := re.match(r"🛒 订单 #(\d+)", text))
    )
    assert notices == Counter(range(1, 21)), "every order notice exactly once"
    urgent_alerts = [text for text in await texts_in(playground, GRID_LEADER) if text.startswith("🚨")]
    assert sorted(int(re.findall(r"#(\d+)", text)[0]) for text in urgent_alerts) == [1, 5, 9, 13, 17]
    checkin_alerts = [text for text in await texts_in(playground, GRID_LEADER) if text.startswith("⚠️")]
    village_alerts = [text for text in await texts_in(playground, village) if text.startswith("⚠️")]
    assert len(checkin_alerts) == len(village_alerts) == 5
    async with sessions() as session:
        failed = (await session.exec(select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT))).all()
    assert failed == []


async def test_a_notice_keeps_its_buttons_and_answers_its_order(
    playground: Playground, sessions: SessionFactory
) -> None:
    grid, _village = await bound_groups(playground, sessions)
    await confirm_links(sessions, MEMBERS)
    order_message = await playground.say(RESIDENT, grid, "3-2-501 大米两袋")
    notice = (await playground.client.bot_messages(grid))[-1]
    assert notice.reply_to == order_message
    assert notice.reply_markup is not None
    assert [button["text"] for button in notice.reply_markup["inline_keyboard"][0]] == ["🙋 接单", "✅ 已送达"]


async def test_a_redelivered_or_edited_message_alerts_once_per_worsening(
    playground: Playground, sessions: SessionFactory
) -> None:
    grid, _village = await bound_groups(playground, sessions)
    await confirm_links(sessions, MEMBERS)
    await playground.say(GRID_LEADER, GRID_LEADER, "/start")
    message_id = await playground.say(RESIDENT, grid, "3-2-501 体温36.5")
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text=ABNORMAL)
    await playground.settle()
    await playground.client.edit_message(chat_id=grid, message_id=message_id, text=ABNORMAL + " ")
    await playground.settle()
    alerts = [text for text in await texts_in(playground, GRID_LEADER) if text.startswith("⚠️")]
    assert len(alerts) == 1, "the second edit made nothing worse"


async def test_a_momentary_reaction_error_is_retried_not_replaced_by_text(
    playground: Playground, sessions: SessionFactory
) -> None:
    grid, _village = await bound_groups(playground, sessions)
    await confirm_links(sessions, MEMBERS)
    await playground.client.inject_failures("setMessageReaction", status=500)
    assert await playground.dialogue(grid, [(RESIDENT, "3-2-501 体温36.5")]) == [f"{RESIDENT}: 3-2-501 体温36.5"]
    reactions = await playground.client.reactions(grid)
    assert [reaction.emoji for reaction in reactions] == [["✍"]]


async def test_a_lost_answer_is_retried_counted_and_sends_once_more(
    playground: Playground, sessions: SessionFactory
) -> None:
    """Telegram delivered, its answer never came: the row is sent again (a lost alert is worse
    than a duplicate), and the report counts it. Exactly one duplicate per lost answer."""
    grid, _village = await bound_groups(playground, sessions)
    await confirm_links(sessions, MEMBERS)
    await playground.client.inject_failures("sendMessage", status=200, delay=1.0)
    await playground.client.send_message(user_id=RESIDENT, chat_id=grid, text="3-2-501 大米两袋")
    await playground.client.wait_until_idle(settle=0)
    await playground.bot.intake.wait_idle()
    settings = playground.settings
    lost = await deliver_due(sessions, playground.bot.application.bot, settings=settings, timeout=0.3)
    assert (lost.sent, lost.unconfirmed) == (0, 1)
    await playground.client.wait_until_idle(settle=1.0)
    again = await deliver_due(
        sessions, playground.bot.application.bot, settings=settings, now=utcnow() + timedelta(minutes=1)
    )
    assert again.sent == 1
    notices = [text for text in await texts_in(playground, grid) if text.startswith("🛒")]
    assert len(notices) == 2, "at-least-once: the lost answer's message and its retry"


async def test_notices_and_alerts_pending_at_a_kill_are_sent_after_the_restart(
    database_url: str, sessions: SessionFactory, tmp_path: Path
) -> None:
    """Every send fails for a while, the process is killed with its rows written and waiting
    (out their backoff, or behind their chat's earlier row), and the restarted one delivers each
    of them once: none was sent before the kill, so none can be sent twice."""
    await seed_roster(sessions)
    await confirm_links(sessions, MEMBERS)
    async with running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox:
        state = sandbox.state
        for user_id in (RESIDENT, NEIGHBOUR, GRID_LEADER):
            sandbox_actions.create_user(state, first_name=f"u{user_id}", user_id=user_id)
        grid = sandbox_actions.create_group(
            state, title="第一网格群", members=[RESIDENT, NEIGHBOUR], admins=[GRID_LEADER]
        )
        sandbox_actions.add_bot_to_group(state, grid.id, by=GRID_LEADER, as_admin=True)
        await bind_chat(
            sessions, chat_id=grid.id, title="g", code="T1-V1-G1", user_id=ADMIN, admin_ids=frozenset({ADMIN})
        )
        config = write_config(
            tmp_path / "bot.toml", sandbox=sandbox, database_url=database_url, admin_ids=(ADMIN,), schedule=True
        )
        bot = BotProcess(config=config, log=tmp_path / "bot.log")
        try:
            await bot.start()
            sandbox_actions.send_message(state, user_id=GRID_LEADER, chat_id=GRID_LEADER, text="/start")
            await _wait(sandbox, lambda: bool(state.bot_messages(GRID_LEADER)), "the leader's /start answered")
            state.failures.inject("sendMessage", InjectedFailure(500), 40)
            said = [
                sandbox_actions.send_message(
                    state,
                    user_id=RESIDENT,
                    chat_id=grid.id,
                    text=f"3-2-501 {'急需' if n % 3 == 0 else ''}大米{n + 1}袋",
                )
                for n in range(10)
            ]
            said += [
                sandbox_actions.send_message(state, user_id=NEIGHBOUR, chat_id=grid.id, text=f"{address} 体温38.5")
                for address in ("3-2-502", "3-1-101")
            ]
            # A message's reaction comes after its records and outbox rows were committed.
            reacted = {m.message_id for m in said}
            await _wait(sandbox, lambda: {r.message_id for r in state.reactions} >= reacted, "every reaction")
            await bot.kill()
            state.failures.clear()
            assert not [m for m in state.bot_messages(grid.id) if (m.text or "").startswith("🛒")]
            await bot.start()
            await _wait(sandbox, lambda: len(_notices(state, grid.id)) >= 10, "the notices after the restart")
            await _wait(sandbox, lambda: len(state.bot_messages(GRID_LEADER)) >= 7, "the leader's alerts")
        finally:
            await bot.stop()
        assert sorted(_notices(state, grid.id)) == list(range(1, 11)), "each notice once"
        assert {m.reply_to for m in state.bot_messages(grid.id) if (m.text or "").startswith("🛒")} == {
            s.message_id for s in said[:10]
        }
        leader = [m.text or "" for m in state.bot_messages(GRID_LEADER)][1:]
        assert sorted(text.split()[0] for text in leader) == ["⚠️", "⚠️", "🚨", "🚨", "🚨", "🚨"]


def _notices(state: SandboxState, chat_id: int) -> list[int]:
    return [
        int(found.group(1))
        for message in state.bot_messages(chat_id)
        if (found := re.match(r"🛒 订单 #(\d+)", message.text or ""))
    ]


async def _wait(sandbox: RunningSandbox, condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    if not await sandbox.state.changes.wait_for(condition, timeout):
        raise TimeoutError(f"waited {timeout}s for {what}")
