"""Webhook delivery: POST each pending update to the bot until it answers 2xx.

Like Telegram, updates go out one at a time in ``update_id`` order with the
``X-Telegram-Bot-Api-Secret-Token`` header; a failed delivery is retried with
exponential backoff and given up after a bounded number of attempts (the error
then shows in ``getWebhookInfo``'s ``last_error_message``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from sandbox.state import STATE_KEY, SandboxState
from sandbox.updates import QueuedUpdate


@dataclass(frozen=True)
class WebhookPolicy:
    """Retry schedule; the defaults are quick because the receiver is local."""

    first_retry_delay: float = 0.05
    max_retry_delay: float = 2.0
    max_attempts: int = 8
    request_timeout: float = 10.0

    def retry_delay(self, attempts: int) -> float:
        return min(self.max_retry_delay, self.first_retry_delay * 2.0 ** (attempts - 1))


WEBHOOK_POLICY_KEY = web.AppKey("sandbox_webhook_policy", WebhookPolicy)


async def _post(session: aiohttp.ClientSession, state: SandboxState, update: QueuedUpdate) -> str | None:
    """Deliver one update; return Telegram's wording of the failure, or ``None``."""
    headers = {}
    if state.webhook.secret_token:
        headers["X-Telegram-Bot-Api-Secret-Token"] = state.webhook.secret_token
    try:
        async with session.post(state.webhook.url, json=update.to_json(), headers=headers) as response:
            if 200 <= response.status < 300:
                return None
            return f"Wrong response from the webhook: {response.status} {response.reason}"
    except TimeoutError:
        return "Read timeout expired"
    except aiohttp.ClientError as exc:
        return f"Connection failed: {exc}"


async def deliver_forever(state: SandboxState, session: aiohttp.ClientSession, policy: WebhookPolicy) -> None:
    while True:
        update = state.updates.head() if state.webhook.url else None
        if update is None:
            await state.changes.wait(None)
            continue
        error = await _post(session, state, update)
        if error is None:
            state.updates.remove(update)
            state.updates_confirmed()
            continue
        state.webhook.last_error_date = state.now()
        state.webhook.last_error_message = error
        update.webhook_attempts += 1
        if update.webhook_attempts >= policy.max_attempts:
            state.updates.remove(update)  # Telegram gives up on it
            state.updates_confirmed()
            continue
        await asyncio.sleep(policy.retry_delay(update.webhook_attempts))


async def delivery_context(app: web.Application) -> AsyncIterator[None]:
    """``cleanup_ctx`` entry running the deliverer for the app's lifetime."""
    policy = app[WEBHOOK_POLICY_KEY]
    timeout = aiohttp.ClientTimeout(total=policy.request_timeout)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        task = asyncio.create_task(deliver_forever(app[STATE_KEY], session, policy))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
