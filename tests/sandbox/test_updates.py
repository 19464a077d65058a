"""Receiving updates through a real ``telegram.Bot``: polling, offsets, long polls, webhooks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from sandbox import RunningSandbox, SandboxClient, User, WebhookPolicy, running_sandbox
from tests.sandbox.conftest import make_bot


@pytest.fixture
async def alice(tg: SandboxClient) -> User:
    return await tg.create_user(first_name="张", last_name="三", username="zhang_san")


async def test_get_me_describes_the_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "gridbot_sandbox_bot", True)
    assert me.can_read_all_group_messages is True


async def test_offset_confirms_updates_for_good(bot: Bot, tg: SandboxClient, alice: User) -> None:
    first = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="/start")
    second = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="你好 @gridbot_sandbox_bot")
    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first.update_id, second.update_id]
    message = updates[0].message
    assert message is not None and message.text == "/start" and message.chat.type == "private"
    assert message.entities[0].type == "bot_command"
    assert updates[1].message is not None and updates[1].message.entities[0].type == "mention"
    assert await tg.pending_updates() == 2  # fetched but not yet confirmed
    assert len(await bot.get_updates(limit=1)) == 1
    assert await bot.get_updates(offset=updates[-1].update_id + 1) == ()
    assert await tg.pending_updates() == 0
    assert await bot.get_updates() == ()


async def test_redelivered_update_comes_back_with_its_id(bot: Bot, tg: SandboxClient, alice: User) -> None:
    sent = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="打卡")
    assert sent.update_id is not None
    offset = (await bot.get_updates())[-1].update_id + 1
    assert await bot.get_updates(offset=offset) == ()
    await tg.redeliver(sent.update_id)
    again = await bot.get_updates(offset=offset)
    assert [u.update_id for u in again] == [sent.update_id]
    assert again[0].message is not None and again[0].message.text == "打卡"
    assert await bot.get_updates(offset=offset) == ()


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, tg: SandboxClient, alice: User) -> None:
    loop = asyncio.get_running_loop()
    started = loop.time()
    poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
    await tg.send_message(user_id=alice.id, chat_id=alice.id, text="在吗")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates if u.message] == ["在吗"]
    assert loop.time() - started < 5


async def test_a_newer_poll_terminates_the_older_one(sandbox: RunningSandbox, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=35))
    await sandbox.state.changes.wait_for(lambda: sandbox.state.poll_generation == 1, 5)
    async with make_bot(sandbox) as second_instance:
        assert await second_instance.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await older


async def test_allowed_updates_filter_what_is_queued(bot: Bot, tg: SandboxClient, alice: User) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])
    ignored = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="不会送达")
    assert ignored.update_id is None
    await bot.get_updates(allowed_updates=[])  # back to the default set
    delivered = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="送达")
    assert [u.update_id for u in await bot.get_updates()] == [delivered.update_id]


class Receiver:
    """A local webhook endpoint that fails the first ``failures`` deliveries with 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.received: list[dict[str, object]] = []
        self.secrets: list[str | None] = []
        self.arrived = asyncio.Event()

    async def handle(self, request: web.Request) -> web.Response:
        self.attempts += 1
        self.secrets.append(request.headers.get("X-Telegram-Bot-Api-Secret-Token"))
        if self.attempts <= self.failures:
            return web.Response(status=500)
        self.received.append(await request.json())
        self.arrived.set()
        return web.Response()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    hook = Receiver(failures=2)
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield hook, f"http://{host}:{port}/hook"
    await runner.cleanup()


async def test_webhook_delivers_with_secret_and_retries(receiver: tuple[Receiver, str]) -> None:
    hook, url = receiver
    policy = WebhookPolicy(first_retry_delay=0.01, max_retry_delay=0.02)
    async with (
        running_sandbox(webhook_policy=policy) as sandbox,
        SandboxClient(sandbox.url) as tg,
        make_bot(sandbox) as bot,
    ):
        assert await bot.set_webhook(url, secret_token="s3cr3t-token")
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        user = await tg.create_user(first_name="李四")
        sent = await tg.send_message(user_id=user.id, chat_id=user.id, text="/start")
        await asyncio.wait_for(hook.arrived.wait(), 5)
        await tg.wait_until_idle(settle=0)
        info = await bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
        assert await bot.delete_webhook()
    assert hook.attempts == 3
    assert hook.secrets == ["s3cr3t-token"] * 3
    assert [body["update_id"] for body in hook.received] == [sent.update_id]
