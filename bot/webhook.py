"""Webhook mode: an aiohttp app that stores each update in the inbox before answering 200."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.intake import Intake

log = logging.getLogger(__name__)

INTAKE = web.AppKey("intake", Intake)
SECRET = web.AppKey("secret", str)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def receive_update(request: web.Request) -> web.Response:
    """Refuse anything without the configured secret; store the update, then say 200."""
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), request.app[SECRET].encode()):
        return web.Response(status=403, text="forbidden")
    try:
        payload = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        return web.Response(status=400, text="invalid JSON")
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        return web.Response(status=400, text="not an update")
    await request.app[INTAKE].accept([payload])
    return web.Response(status=200)


async def healthz(_request: web.Request) -> web.Response:
    """Liveness for a load balancer or systemd watchdog."""
    return web.json_response({"ok": True})


def create_webhook_app(*, intake: Intake, secret: str, path: str) -> web.Application:
    """The webhook server; the caller runs it and owns the intake's processor."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[INTAKE] = intake
    app[SECRET] = secret
    app.router.add_post(path, receive_update)
    app.router.add_get("/healthz", healthz)
    return app
