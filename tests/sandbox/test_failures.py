"""Flood limits and scripted failures, as PTB experiences them."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut
from telegram.request import HTTPXRequest

from sandbox import Chat, RateLimits, RunningSandbox, SandboxClient, User
from tests.sandbox.conftest import FakeClock


@pytest.fixture
async def group(tg: SandboxClient, alice: User) -> Chat:
    chat = await tg.create_group(title="限流群", admins=[alice.id])
    await tg.add_bot_to_group(chat.id, by=alice.id)
    return chat


async def test_private_chat_allows_a_short_burst_then_429(
    bot: Bot, tg: SandboxClient, clock: FakeClock, alice: User
) -> None:
    await tg.set_rate_limits(RateLimits())
    for n in range(3):
        await bot.send_message(alice.id, f"第{n}条")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "第4条")
    assert caught.value.retry_after == dtm.timedelta(seconds=3)
    clock.advance(3)
    await bot.send_message(alice.id, "第4条")
    refused = [c for c in await tg.calls("sendMessage") if c.status == 429]
    assert [(c.retry_after, c.description) for c in refused] == [(3, "Too Many Requests: retry after 3")]


async def test_group_limit_is_20_per_minute(
    bot: Bot, tg: SandboxClient, clock: FakeClock, alice: User, group: Chat
) -> None:
    await tg.set_rate_limits(RateLimits())
    for n in range(20):
        await bot.send_message(group.id, f"通知{n}")
        clock.advance(1)
    with pytest.raises(RetryAfter) as caught:
        await bot.edit_message_text("改", group.id, 1 + 1)  # edits count too
    assert caught.value.retry_after == dtm.timedelta(seconds=40)
    assert await bot.set_message_reaction(group.id, 2, "👍")  # reactions do not
    await bot.send_message(alice.id, "私聊不受群限制")


async def test_scaled_windows_and_limits_off(bot: Bot, tg: SandboxClient, alice: User, group: Chat) -> None:
    await tg.set_rate_limits(RateLimits(per_group_per_minute=2, scale=0.5))
    await bot.send_message(group.id, "1")
    await bot.send_message(group.id, "2")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(group.id, "3")
    assert caught.value.retry_after == dtm.timedelta(seconds=30)  # a 30 s window
    await tg.set_rate_limits(RateLimits.off())
    for n in range(25):
        await bot.send_message(group.id, str(n))
    assert len([c for c in await tg.calls("sendMessage") if c.status == 429]) == 1


async def test_injected_errors_reach_ptb(bot: Bot, tg: SandboxClient, alice: User) -> None:
    await tg.inject_failures("sendMessage", status=500)
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(alice.id, "x")
    await tg.inject_failures("SENDMESSAGE", status=502)  # method names are case-insensitive
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(alice.id, "x")
    await tg.inject_failures("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "x")
    assert caught.value.retry_after == dtm.timedelta(seconds=7)
    await tg.inject_failures("sendMessage", status=400, description="Bad Request: custom", count=2)
    for _ in range(2):
        with pytest.raises(BadRequest, match="Custom"):
            await bot.send_message(alice.id, "x")
    assert (await bot.send_message(alice.id, "终于")).text == "终于"
    assert [m.text for m in await tg.bot_messages(alice.id)] == ["终于"]


async def test_a_timed_out_call_is_still_performed(sandbox: RunningSandbox, tg: SandboxClient, alice: User) -> None:
    """Telegram sends the message even when the client stopped waiting: retries must not double-send."""
    impatient = Bot(sandbox.token, base_url=sandbox.bot_base_url, request=HTTPXRequest(read_timeout=0.05))
    async with impatient:
        await tg.inject_failures("sendMessage", status=200, delay=0.3)
        with pytest.raises(TimedOut):
            await impatient.send_message(alice.id, "迟到的消息")
        assert await tg.bot_messages(alice.id) == []
        event = await tg.wait_for_event(kind="bot_message", chat_id=alice.id)
        assert event.text == "迟到的消息"
        assert [m.text for m in await tg.bot_messages(alice.id)] == ["迟到的消息"]
