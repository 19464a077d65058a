"""The status endpoints: ``/healthz`` for a supervisor (systemd, Kubernetes, a load balancer),
``/metrics`` for Prometheus.

Served on the webhook's server in webhook mode, and on ``[metrics] listen/port`` when enabled
(in polling mode as well), so an operator can watch a polling bot too. A polling bot with
``[robots] public_url`` serves its shared files (``bot.files``) there as well, enabled or not.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics
from core.config import MetricsSettings
from core.supervise import Health

HEALTH = web.AppKey("health", Health)
METRICS = web.AppKey("metrics", Metrics)


async def healthz(request: web.Request) -> web.Response:
    """200 while every supervised task works; 503 with one line per failing task otherwise."""
    health = request.app[HEALTH]
    if health.healthy:
        return web.json_response({"ok": True})
    return web.json_response({"ok": False, "failing": health.reasons()}, status=503)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus's text format (see ``bot.metrics``)."""
    body = await request.app[METRICS].render()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def add_status_routes(app: web.Application, health: Health, metrics_of: Metrics) -> None:
    app[HEALTH] = health
    app[METRICS] = metrics_of
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)


@contextlib.asynccontextmanager
async def serving_status(
    settings: MetricsSettings,
    health: Health,
    metrics_of: Metrics,
    *,
    more_routes: Callable[[web.Application], None] | None = None,
) -> AsyncIterator[None]:
    """The status server for the duration of the block, when ``[metrics] enabled`` or it has ``more_routes``."""
    if not settings.enabled and more_routes is None:
        yield
        return
    app = web.Application()
    add_status_routes(app, health, metrics_of)
    if more_routes is not None:
        more_routes(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.listen, settings.port).start()
    try:
        yield
    finally:
        await runner.cleanup()
