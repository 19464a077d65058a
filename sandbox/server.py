"""App factory and in-process runner for the sandbox.

``create_app`` builds a self-contained :class:`aiohttp.web.Application` (state
under a typed :class:`~aiohttp.web.AppKey`, no globals), so several sandboxes
can run side by side.  ``running_sandbox`` serves one on a free port for the
duration of a test or demo.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from sandbox import botapi, control
from sandbox.limits import Clock, RateLimits
from sandbox.state import STATE_KEY, SandboxState
from sandbox.webhook import WEBHOOK_POLICY_KEY, WebhookPolicy, delivery_context

DEFAULT_TOKEN = "123456:SANDBOX-TOKEN"
# Telegram accepts uploads up to 50 MB through the Bot API; allow for multipart overhead.
MAX_REQUEST_SIZE = 51 * 1024 * 1024


async def _wake_waiters(app: web.Application) -> None:
    """On shutdown, end long polls and stalls at once instead of after their timeouts."""
    state = app[STATE_KEY]
    state.closing = True
    state.changes.fire()


def create_app(
    *,
    token: str = DEFAULT_TOKEN,
    bot_username: str = "gridbot_sandbox_bot",
    bot_name: str = "Gridbot Sandbox",
    rate_limits: RateLimits | None = None,
    clock: Clock = time.monotonic,
    wall_clock: Clock = time.time,
    privacy_mode: bool = False,
    webhook_policy: WebhookPolicy | None = None,
) -> web.Application:
    """Build a sandbox app.

    ``privacy_mode`` mirrors BotFather's setting: when on, a non-admin bot in a
    group only receives commands, mentions of it and replies to it.  ``clock``
    (monotonic seconds) drives the rate limiter only; ``wall_clock`` (unix seconds) dates messages.
    """
    app = web.Application(client_max_size=MAX_REQUEST_SIZE)
    app[STATE_KEY] = SandboxState(
        token=token,
        bot_username=bot_username,
        bot_name=bot_name,
        rate_limits=rate_limits or RateLimits(),
        clock=clock,
        privacy_mode=privacy_mode,
        wall_clock=wall_clock,
    )
    app[WEBHOOK_POLICY_KEY] = webhook_policy or WebhookPolicy()
    botapi.setup_routes(app)
    control.setup_routes(app)
    app.cleanup_ctx.append(delivery_context)
    app.on_shutdown.append(_wake_waiters)
    return app


@dataclass(frozen=True)
class RunningSandbox:
    """A served sandbox: where to point PTB, and the live state for direct assertions."""

    url: str
    token: str
    state: SandboxState

    @property
    def bot_base_url(self) -> str:
        """For ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.url}/file/bot"


@asynccontextmanager
async def running_sandbox(host: str = "127.0.0.1", port: int = 0, **kwargs: Any) -> AsyncIterator[RunningSandbox]:
    """Serve :func:`create_app` (``kwargs``) on ``host:port``; port 0 picks a free one."""
    app = create_app(**kwargs)
    runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        state = app[STATE_KEY]
        yield RunningSandbox(url=f"http://{bound_host}:{bound_port}", token=state.token, state=state)
    finally:
        await runner.cleanup()
