"""gridbot's aiohttp transport speaks PTB's wire format and fails the way PTB expects."""

from __future__ import annotations

import asyncio
import socket
import traceback
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, ReactionTypeEmoji
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.transport import AiohttpRequest
from sandbox import RunningSandbox, SandboxClient, User


def aiohttp_bot(base_url: str, token: str, *, read_timeout: float = 5.0) -> Bot:
    return Bot(token, base_url=base_url, request=AiohttpRequest(read_timeout=read_timeout))


@pytest.fixture
async def bot(sandbox: RunningSandbox) -> AsyncIterator[Bot]:
    async with aiohttp_bot(sandbox.bot_base_url, sandbox.token) as initialised:
        yield initialised


async def test_messages_buttons_reactions_and_updates_round_trip(bot: Bot, tg: SandboxClient, alice: User) -> None:
    button = InlineKeyboardMarkup([[InlineKeyboardButton("已送达", callback_data="order:deliver:1")]])
    sent = await bot.send_message(alice.id, "<b>订单</b> #1", parse_mode="HTML", reply_markup=button)
    assert sent.text == "订单 #1" and sent.reply_markup == button
    said = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="3-1-101 体温36.5")
    assert await bot.set_message_reaction(alice.id, said.message_id, [ReactionTypeEmoji("✍")])
    updates = await bot.get_updates(timeout=0)
    assert [u.effective_message.text for u in updates if u.effective_message] == ["/start", "3-1-101 体温36.5"]


async def test_files_go_as_multipart_with_their_chinese_names(bot: Bot, tg: SandboxClient, alice: User) -> None:
    await bot.send_document(alice.id, b"PK\x03\x04", filename="台账.xlsx", caption="台账")
    [message] = await tg.bot_messages(alice.id)
    assert message.caption == "台账"
    assert message.file is not None and message.file.file_name == "台账.xlsx" and message.file.file_size == 4


async def test_telegram_errors_keep_their_meaning(bot: Bot, tg: SandboxClient, alice: User) -> None:
    await tg.inject_failures("sendMessage", status=400, description="Bad Request: custom", count=1)
    with pytest.raises(BadRequest, match="Custom"):
        await bot.send_message(alice.id, "x")


async def test_a_slow_answer_is_a_timeout(sandbox: RunningSandbox, tg: SandboxClient, alice: User) -> None:
    async with aiohttp_bot(sandbox.bot_base_url, sandbox.token, read_timeout=0.05) as impatient:
        await tg.inject_failures("sendMessage", status=200, delay=0.3)
        with pytest.raises(TimedOut):
            await impatient.send_message(alice.id, "迟到的消息")


async def test_nobody_listening_is_a_network_error(sandbox: RunningSandbox) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = aiohttp_bot(f"http://127.0.0.1:{port}/bot", sandbox.token)
    with pytest.raises(NetworkError, match=r"aiohttp\.ClientConnectorError"):
        await bot.initialize()
    await bot.shutdown()


async def test_an_uninitialised_transport_says_so() -> None:
    with pytest.raises(RuntimeError, match="not initialized"):
        await AiohttpRequest().do_request("http://127.0.0.1:9/", "POST")


async def test_the_proxy_in_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where Telegram is only reachable through a proxy, HTTP(S)_PROXY works as with PTB's default client."""
    seen: list[str] = []

    async def proxy(request: web.Request) -> web.Response:
        seen.append(str(request.url))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", proxy)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        request = AiohttpRequest()
        await request.initialize()
        try:
            status, body = await request.do_request("http://api.telegram.invalid/bot1:x/deleteWebhook", "POST")
        finally:
            await request.shutdown()
    finally:
        await runner.cleanup()
    assert (status, body) == (200, b'{"ok": true, "result": true}')
    assert seen == ["http://api.telegram.invalid/bot1:x/deleteWebhook"]


async def test_proxy_credentials_never_reach_an_error_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy refusing its credentials (407 to CONNECT): aiohttp's message names the proxy URL."""

    async def refuse(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(refuse, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTPS_PROXY", f"http://gridbot:s3cret-pw@127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await request.do_request("https://api.telegram.invalid/bot1:x/getMe", "POST")
    finally:
        await request.shutdown()
        server.close()
        await server.wait_closed()
    shown = "".join(traceback.format_exception(caught.value))
    assert "407" in shown and "http://***@127.0.0.1" in shown
    assert "s3cret-pw" not in shown and "gridbot:" not in shown
