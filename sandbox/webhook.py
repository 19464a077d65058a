"""Webhook delivery: POST each pending update to the bot until it answers 2xx.

Updates go out oldest first with the ``X-Telegram-Bot-Api-Secret-Token`` header;
a failed delivery is retried with exponential backoff and given up after a
bounded number of attempts (the error then shows in ``getWebhookInfo``'s
``last_error_message``). By default one at a time, in ``update_id`` order; with
``WebhookPolicy(parallel=True)`` over up to ``max_connections`` connections at
once, as Telegram does, so that they arrive out of order (``shuffle`` adds a
random delay of up to that many seconds before each POST, seeded by ``seed``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
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
    #: Deliver over up to ``setWebhook``'s ``max_connections`` at once, like Telegram.
    parallel: bool = False
    #: Seconds of random delay before each POST (0: none), so that parallel deliveries overtake each other.
    shuffle: float = 0.0
    seed: int = 0

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
    """Keep up to ``connections`` deliveries going, each taking the oldest update not in flight."""
    in_flight: dict[int, asyncio.Task[None]] = {}
    rng = random.Random(policy.seed)
    try:
        while True:
            connections = state.webhook.max_connections if policy.parallel else 1
            update = state.updates.oldest(exclude=in_flight.keys()) if state.webhook.url else None
            if update is None or len(in_flight) >= connections:
                await state.changes.wait(None)
                continue
            delay = rng.uniform(0, policy.shuffle)
            task = asyncio.create_task(_deliver(state, session, policy, update, delay))
            in_flight[update.update_id] = task
            task.add_done_callback(functools.partial(_finished, state, in_flight, update.update_id))
    finally:
        for task in in_flight.values():
            task.cancel()


def _finished(
    state: SandboxState, in_flight: dict[int, asyncio.Task[None]], update_id: int, _task: asyncio.Task[None]
) -> None:
    del in_flight[update_id]
    state.changes.fire()  # a connection is free


async def _deliver(
    state: SandboxState, session: aiohttp.ClientSession, policy: WebhookPolicy, update: QueuedUpdate, delay: float
) -> None:
    """POST one update until the bot takes it or the attempts run out (it holds its connection meanwhile)."""
    if delay:
        await asyncio.sleep(delay)
    while True:
        error = await _post(session, state, update)
        if error is None:
            break
        state.webhook.last_error_date = state.now()
        state.webhook.last_error_message = error
        update.webhook_attempts += 1
        if update.webhook_attempts >= policy.max_attempts:
            break  # Telegram gives up on it
        await asyncio.sleep(policy.retry_delay(update.webhook_attempts))
    state.updates.remove(update)
    state.updates_confirmed()


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
