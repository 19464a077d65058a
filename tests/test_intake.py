"""The durable intake: bursts, redeliveries, and a bot process killed mid-burst.

The crash test runs ``gridbot run`` as a real child process against a sandbox served by this
test, SIGKILLs it while a burst is being handled, restarts it, and checks that what Telegram
was told we have was stored, and that every message became exactly one record.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, func, select

from bot.intake import chat_key
from demo.playground import Playground
from demo.process import BotProcess, write_config
from sandbox import RateLimits, RunningSandbox, running_sandbox
from sandbox import actions as sandbox_actions
from services.binding import bind_chat
from storage import inbox as inbox_storage
from storage.db import SessionFactory, transaction
from storage.models import CheckIn, Household, InboxUpdate, MessageRecord, SupplyOrder, utcnow
from tests.factories import ADMIN, GRID_LEADER, NEIGHBOUR, RESIDENT, STRANGER, bound_groups, seed_roster

SENDERS = (RESIDENT, NEIGHBOUR, STRANGER)


def burst(count: int) -> list[tuple[int, str]]:
    """(sender, text): check-ins of the three G1 households and orders, interleaved."""
    texts = ["3-2-501 体温36.{n}", "3-2-502 大米{n}袋", "3-1-101 体温36.{n} 无症状", "3-2-502 体温36.{n}"]
    return [(SENDERS[n % 3], texts[n % 4].format(n=n % 10 or 1)) for n in range(count)]


async def stored(sessions: SessionFactory) -> tuple[list[int], dict[str, int], list[tuple[int, int]]]:
    """Stored message ids; check-in message counts by address; (message id, order number) pairs."""
    async with sessions() as session:
        message_ids = (
            await session.exec(select(MessageRecord.message_id).order_by(col(MessageRecord.message_id)))
        ).all()
        counts = await session.exec(
            select(Household.address, CheckIn.message_count).join(
                Household, col(Household.id) == col(CheckIn.household_id)
            )
        )
        orders = await session.exec(
            select(MessageRecord.message_id, SupplyOrder.number)
            .join(MessageRecord, col(MessageRecord.id) == col(SupplyOrder.message_id))
            .order_by(col(MessageRecord.message_id))
        )
        return list(message_ids), dict(counts.all()), list(orders.all())


def expected_checkins(sent: list[tuple[int, str]]) -> dict[str, int]:
    return dict(Counter(text.split()[0] for _sender, text in sent if "体温" in text))


def assert_each_stored_once(
    records: tuple[list[int], dict[str, int], list[tuple[int, int]]],
    message_ids: list[int],
    sent: list[tuple[int, str]],
) -> None:
    stored_ids, checkin_counts, orders = records
    assert stored_ids == sorted(message_ids)
    assert checkin_counts == expected_checkins(sent)
    # Numbers follow the chat's order: one chat's messages are handled one after another.
    assert [number for _message_id, number in orders] == list(range(1, len(orders) + 1))
    assert len(orders) == sum("大米" in text for _sender, text in sent)


def test_updates_are_laned_by_their_chat() -> None:
    assert chat_key({"update_id": 1, "message": {"chat": {"id": -5}, "from": {"id": 3}}}) == -5
    assert chat_key({"update_id": 2, "callback_query": {"from": {"id": 3}, "message": {"chat": {"id": -7}}}}) == -7
    assert chat_key({"update_id": 3, "inline_query": {"from": {"id": 3}}}) == 3
    assert chat_key({"update_id": 4}) == 0


async def test_a_burst_of_500_messages_in_one_group_is_stored_once_each(
    playground: Playground, sessions: SessionFactory
) -> None:
    grid, _village = await bound_groups(playground, sessions)
    sent = burst(500)
    message_ids = [
        (await playground.client.send_message(user_id=sender, chat_id=grid, text=text)).message_id
        for sender, text in sent
    ]
    await asyncio.wait_for(playground.settle(), timeout=60)
    await assert_burst_handled(playground, sessions, grid, message_ids, sent)


async def assert_burst_handled(
    playground: Playground, sessions: SessionFactory, grid: int, message_ids: list[int], sent: list[tuple[int, str]]
) -> None:
    """Every message stored once and reacted to once, in chat order, and nothing left in the inbox."""
    assert_each_stored_once(await stored(sessions), message_ids, sent)
    reacted = Counter(reaction.message_id for reaction in await playground.client.reactions(grid))
    assert set(reacted) == set(message_ids) and set(reacted.values()) == {1}
    async with sessions() as session:
        pending = (await session.exec(select(func.count()).where(col(InboxUpdate.processed_at).is_(None)))).one()
    assert pending == 0


async def test_a_redelivered_update_is_handled_once(playground: Playground, sessions: SessionFactory) -> None:
    grid, _village = await bound_groups(playground, sessions)
    first = await playground.client.send_message(user_id=RESIDENT, chat_id=grid, text="3-2-501 大米两袋")
    await playground.settle()
    assert first.update_id is not None
    await playground.client.redeliver(first.update_id)
    second = await playground.client.send_message(user_id=RESIDENT, chat_id=grid, text="3-2-501 鸡蛋十个")
    await playground.settle()
    records = await stored(sessions)
    assert records[0] == [first.message_id, second.message_id]
    assert [number for _message_id, number in records[2]] == [1, 2]
    assert (
        len(await playground.client.bot_messages(grid)) == 3 + 2
    )  # join, bind, the notice to residents; an order notice each


def _world(sandbox: RunningSandbox) -> int:
    """Residents and a grid group with the bot in it, made directly in the sandbox's state."""
    state = sandbox.state
    for user_id in (*SENDERS, GRID_LEADER):
        sandbox_actions.create_user(state, first_name=f"u{user_id}", user_id=user_id)
    chat = sandbox_actions.create_group(state, title="第一网格群", members=list(SENDERS), admins=[GRID_LEADER])
    sandbox_actions.add_bot_to_group(state, chat.id, by=GRID_LEADER, as_admin=True)
    return chat.id


async def _wait(sandbox: RunningSandbox, condition: object, what: str, timeout: float = 60) -> None:
    assert callable(condition)
    if not await sandbox.state.changes.wait_for(condition, timeout):
        raise TimeoutError(f"waited {timeout}s for {what}")


async def test_a_bot_killed_mid_burst_and_restarted_loses_and_duplicates_nothing(
    database_url: str, sessions: SessionFactory, tmp_path: Path
) -> None:
    await seed_roster(sessions)
    async with running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox:
        state = sandbox.state
        grid = _world(sandbox)
        await bind_chat(sessions, chat_id=grid, title="g", code="T1-V1-G1", user_id=ADMIN, admin_ids=frozenset({ADMIN}))
        config = write_config(tmp_path / "bot.toml", sandbox=sandbox, database_url=database_url, admin_ids=(ADMIN,))
        bot = BotProcess(config=config, log=tmp_path / "bot.log")
        sent = burst(300)
        try:
            await bot.start()
            first = [sandbox_actions.send_message(state, user_id=u, chat_id=grid, text=t) for u, t in sent[:150]]
            await _wait(sandbox, lambda: len(state.reactions) >= 40, "the first reactions")
            await bot.kill()
            head = state.updates.head()
            confirmed = {
                s.update_id for s in first if s.update_id is not None and (head is None or s.update_id < head.update_id)
            }
            async with sessions() as session:
                inbox = set((await session.exec(select(InboxUpdate.update_id))).all())
            assert confirmed <= inbox, "Telegram was told we have updates that were never stored"
            assert len(state.reactions) < 150, "the kill came after the burst was handled"
            second = [sandbox_actions.send_message(state, user_id=u, chat_id=grid, text=t) for u, t in sent[150:]]
            message_ids = [s.message_id for s in first + second]
            await bot.start()
            await _wait(sandbox, lambda: {r.message_id for r in state.reactions} >= set(message_ids), "every reaction")
            await _wait(sandbox, lambda: not state.updates, "every update confirmed")
        finally:
            await bot.stop()
        assert_each_stored_once(await stored(sessions), message_ids, sent)
        async with sessions() as session:
            pending = (await session.exec(select(func.count()).where(col(InboxUpdate.processed_at).is_(None)))).one()
        assert pending == 0


async def test_processed_updates_are_forgotten_after_the_retention(sessions: SessionFactory) -> None:
    """Old ids go (Telegram may reuse low ids after a quiet week); unprocessed ones always stay."""
    old = utcnow() - timedelta(days=10)
    async with transaction(sessions) as session:
        session.add(InboxUpdate(update_id=1, payload="{}", received_at=old, processed_at=old))
        session.add(InboxUpdate(update_id=2, payload="{}", received_at=old))
        session.add(InboxUpdate(update_id=3, payload="{}", processed_at=utcnow()))
    async with transaction(sessions) as session:
        assert await inbox_storage.prune_processed(session, before=utcnow() - timedelta(days=3)) == 1
    async with sessions() as session:
        assert sorted(row.update_id for row in await session.exec(select(InboxUpdate))) == [2, 3]
