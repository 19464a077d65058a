"""The real bot wired to the local sandbox Bot API: what the demo plays on and the tests drive.

Nothing here fakes PTB: the application is the production one from ``running_bot``; only
Telegram's servers are replaced by ``sandbox`` at the HTTP boundary.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.ratelimit import PacingClock
from bot.runner import RunningBot, running_bot
from core.config import Settings
from core.domain import utcnow
from core.formatting import plain
from sandbox import RateLimits, SandboxClient, WebhookPolicy, running_sandbox


@dataclass
class Playground:
    """A running sandbox, a client for its control API, and the bot connected to it."""

    client: SandboxClient
    bot: RunningBot
    settings: Settings
    bot_username: str

    async def settle(self, timeout: float = 60.0) -> None:
        """Wait until every update injected so far has been received and fully handled; when a
        handler woke the outbox's sender (alerts, order notices), deliver what is due, as the
        sender's loop does on the wall clock. ``timeout`` only bounds a bot that never finishes:
        a fast run returns at once, and a burst on a loaded machine may take many seconds."""
        await self.client.wait_until_idle(timeout, settle=0)
        await self.bot.intake.wait_idle()
        woken = self.bot.services.outbox_due
        if woken.is_set():
            woken.clear()
            await self.bot.schedule.deliver()

    async def say(self, user_id: int, chat_id: int, text: str, *, reply_to: int | None = None) -> int:
        """Post ``text`` as a person and wait for the bot to finish with it; returns the message id."""
        sent = await self.client.send_message(user_id=user_id, chat_id=chat_id, text=text, reply_to=reply_to)
        await self.settle()
        return sent.message_id

    async def dialogue(self, chat_id: int, lines: Sequence[tuple[int, str]]) -> list[str]:
        """Play ``lines`` in one chat; return that chat's transcript of them as 'who: text' lines.

        Bot lines read ``bot: text`` in plain text. Asserting on the whole list fails when the bot
        answers nothing, or too much.
        """
        so_far = await self.client.transcript()
        start = so_far[-1].seq if so_far else 0
        for user_id, text in lines:
            await self.say(user_id, chat_id, text)
        events = await self.client.transcript(after_seq=start)
        return [
            f"{'bot' if event.kind.startswith('bot_') else event.sender_id}: {plain(event.text or '')}"
            for event in events
            if event.chat_id == chat_id and event.kind in ("message", "edited_message", "bot_message", "bot_edit")
        ]


@contextlib.asynccontextmanager
async def running_playground(
    *,
    database_url: str,
    admin_ids: Sequence[int] = (),
    rate_limits: RateLimits | None = None,
    settings_overrides: dict[str, Any] | None = None,
    webhook_policy: WebhookPolicy | None = None,
    clock: Callable[[], datetime] = utcnow,
    pacing_clock: PacingClock | None = None,
) -> AsyncIterator[Playground]:
    """Start the sandbox and the real bot polling it; stop both on exit.

    The bot paces itself by the same flood limits the sandbox enforces (none when they are off),
    and its daily schedule does not follow the wall clock: tests and the demo drive it. ``clock``
    is the one time both sides read: the dates of messages, the bot's stamps and its schedule;
    ``pacing_clock`` the one both sides' flood limits read (the loop's monotonic time by default).
    """
    limits = rate_limits or RateLimits()
    async with running_sandbox(
        rate_limits=limits,
        webhook_policy=webhook_policy,
        wall_clock=lambda: clock().timestamp(),
        clock=pacing_clock or time.monotonic,
    ) as sandbox:
        raw: dict[str, Any] = {
            "telegram": {
                "token": sandbox.token,
                "base_url": sandbox.bot_base_url,
                "base_file_url": sandbox.file_base_url,
                "flood": {
                    "enabled": limits.enabled,
                    "per_bot_per_second": limits.per_bot_per_second,
                    "per_group_per_minute": limits.per_group_per_minute,
                    "per_private_per_second": limits.per_private_per_second,
                    "private_burst": limits.private_burst,
                    "scale": limits.scale,
                },
            },
            "database": {"url": database_url},
            "admins": {"user_ids": list(admin_ids)},
            "schedule": {"enabled": False},
        }
        for section, values in (settings_overrides or {}).items():
            if isinstance(values, dict):
                raw.setdefault(section, {}).update(values)
            else:
                raw[section] = values
        settings = Settings.model_validate(raw)
        async with (
            SandboxClient(sandbox.url) as client,
            running_bot(settings, poll_timeout=10, clock=clock, pacing_clock=pacing_clock) as bot,
        ):
            yield Playground(client=client, bot=bot, settings=settings, bot_username=sandbox.state.bot.username or "")
