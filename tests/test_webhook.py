"""Webhook mode: updates arrive by HTTP POST from Telegram, and only with the configured secret."""

from __future__ import annotations

import socket

import aiohttp
from sqlmodel import func, select

from demo.playground import running_playground
from sandbox import RateLimits
from storage.db import SessionFactory
from storage.models import InboxUpdate
from tests.factories import ADMIN

SECRET = "s3cret-Token_1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_webhook_mode_accepts_only_the_secret(database_url: str, sessions: SessionFactory) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    overrides = {
        "telegram": {"mode": "webhook", "webhook": {"listen": "127.0.0.1", "port": port, "url": url, "secret": SECRET}}
    }
    async with (
        running_playground(
            database_url=database_url,
            admin_ids=[ADMIN],
            rate_limits=RateLimits(enabled=False),
            settings_overrides=overrides,
        ) as playground,
        aiohttp.ClientSession() as http,
    ):
        await playground.client.create_user(user_id=ADMIN, first_name="管理员")
        assert await playground.dialogue(ADMIN, [(ADMIN, "/whoami")]) == [
            f"{ADMIN}: /whoami",
            f"bot: 您的 Telegram ID：{ADMIN}\n身份：管理员",
        ]
        forged = {"update_id": 999_999, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(url, json=forged, headers=headers) as response:
                assert response.status == 403
        async with http.post(url, data=b"{not json", headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
            assert response.status == 400
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
            assert await response.json() == {"ok": True}
    async with sessions() as session:
        stored = (await session.exec(select(func.count()).select_from(InboxUpdate))).one()
        forged_stored = await session.get(InboxUpdate, 999_999)
    assert stored == 1
    assert forged_stored is None
