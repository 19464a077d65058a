"""Webhook mode: updates arrive by HTTP POST from Telegram, and only with the configured secret."""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

import aiohttp
import pytest
from sqlmodel import func, select

from demo.playground import running_playground
from sandbox import RateLimits, WebhookPolicy
from storage.db import SessionFactory
from storage.models import InboxUpdate
from tests.factories import ADMIN, bound_groups
from tests.test_intake import assert_burst_handled, burst

SECRET = "s3cret-Token_1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def webhook_settings(port: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{port}/telegram"
    return {
        "telegram": {"mode": "webhook", "webhook": {"listen": "127.0.0.1", "port": port, "url": url, "secret": SECRET}}
    }


async def test_webhook_mode_accepts_only_the_secret(
    database_url: str, sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    overrides = webhook_settings(port)
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
    assert not [r for r in caplog.records if r.name == "aiohttp.access"]  # no line per request by default


async def test_updates_delivered_over_40_parallel_connections_are_all_handled_in_chat_order(
    database_url: str, sessions: SessionFactory
) -> None:
    """Telegram's default ``max_connections`` is 40: updates arrive out of order, and all are handled.

    Each chat's updates are still handled in update order (order numbers follow the messages).
    """
    async with running_playground(
        database_url=database_url,
        admin_ids=[ADMIN],
        rate_limits=RateLimits(enabled=False),
        settings_overrides=webhook_settings(free_port()),
        webhook_policy=WebhookPolicy(parallel=True, shuffle=0.01, seed=10),
    ) as playground:
        grid, _village = await bound_groups(playground, sessions)
        sent = burst(600)
        message_ids = [
            (await playground.client.send_message(user_id=sender, chat_id=grid, text=text)).message_id
            for sender, text in sent
        ]
        await playground.client.wait_until_idle(timeout=120, settle=0)  # one commit per webhook call: slower
        await asyncio.wait_for(playground.bot.intake.wait_idle(), timeout=60)
        await assert_burst_handled(playground, sessions, grid, message_ids, sent)
