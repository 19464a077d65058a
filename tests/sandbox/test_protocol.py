"""The HTTP surface itself: encodings, envelopes, tokens, method names, the control API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest

from sandbox import RunningSandbox, SandboxClient, SandboxError


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(http: aiohttp.ClientSession, url: str, **kwargs: object) -> tuple[int, dict[str, object]]:
    async with http.post(url, **kwargs) as response:
        return response.status, await response.json()


async def test_envelopes_tokens_and_method_names(sandbox: RunningSandbox, http: aiohttp.ClientSession) -> None:
    base = f"{sandbox.bot_base_url}{sandbox.token}"
    status, body = await call(http, f"{base}/GETME")
    assert status == 200 and body["ok"] is True and body["result"]["username"] == "gridbot_sandbox_bot"
    assert await call(http, f"{base}/sendSticker") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found"},
    )
    assert (await call(http, f"{sandbox.bot_base_url}123456:WRONG/getMe"))[0] == 401
    assert (await call(http, f"{sandbox.bot_base_url}not-a-token/getMe"))[0] == 404
    status, body = await call(http, f"{base}/sendMessage", json={"text": "hi"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")
    status, body = await call(http, f"{sandbox.url}/control/set_rate_limits", json={"scale": 0})
    assert status == 400 and str(body["error"]).startswith("bad rate limits")


async def test_json_form_and_query_encodings(
    sandbox: RunningSandbox, tg: SandboxClient, http: aiohttp.ClientSession
) -> None:
    user = await tg.create_user(first_name="吴", last_name="十")
    await tg.send_message(user_id=user.id, chat_id=user.id, text="/start")
    base = f"{sandbox.bot_base_url}{sandbox.token}"
    keyboard = {"inline_keyboard": [[{"text": "好", "callback_data": "ok"}]]}
    status, body = await call(
        http, f"{base}/sendMessage", json={"chat_id": user.id, "text": "json", "reply_markup": keyboard}
    )
    assert status == 200 and body["result"]["reply_markup"] == keyboard
    form = {"chat_id": str(user.id), "text": "form", "reply_markup": json.dumps(keyboard)}
    status, body = await call(http, f"{base}/sendMessage", data=form)
    assert status == 200 and body["result"]["reply_markup"] == keyboard
    async with http.get(f"{base}/sendMessage", params={"chat_id": str(user.id), "text": "query"}) as response:
        assert response.status == 200
    status, body = await call(http, f"{base}/sendMessage", data={**form, "reply_markup": "{broken"})
    assert (status, body["description"]) == (400, "Bad Request: can't parse reply keyboard markup JSON object")
    assert [m.text for m in await tg.bot_messages(user.id)] == ["json", "form", "query"]
    assert [c.status for c in await tg.calls("sendmessage")] == [200, 200, 200, 400]


async def test_control_errors_and_transcript_long_poll(sandbox: RunningSandbox, tg: SandboxClient) -> None:
    with pytest.raises(SandboxError, match="unknown user 5"):
        await tg.send_message(user_id=5, chat_id=5, text="hi")
    user = await tg.create_user(first_name="郑", username="zheng")
    with pytest.raises(SandboxError, match=r"(?i)username @zheng is taken"):
        await tg.create_user(first_name="另一个", username="ZHENG")
    group = await tg.create_group(title="测试群", members=[user.id])
    with pytest.raises(SandboxError, match="is not an administrator"):
        await tg.remove_bot_from_group(group.id, by=user.id)
    before = await tg.transcript()
    poll = asyncio.create_task(tg.transcript(after_seq=before[-1].seq if before else 0, timeout=30))
    sent = await tg.send_message(user_id=user.id, chat_id=group.id, text="有人吗")
    assert sent.update_id is None  # the bot is not in the group
    [event] = await asyncio.wait_for(poll, 5)
    assert (event.kind, event.chat_title, event.sender_name, event.text) == ("message", "测试群", "郑", "有人吗")
    await tg.reset()
    assert await tg.transcript() == [] and sandbox.state.users == {}
