"""Webhook mode: an aiohttp app that stores each update in the inbox before answering 200."""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web

from bot.intake import Intake
from bot.status import add_status_routes
from core.supervise import Health

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


def create_webhook_app(*, intake: Intake, secret: str, path: str, health: Health) -> web.Application:
    """The webhook server, with ``/healthz``; the caller runs it and owns the intake's processor."""
    app = web.Application(client_max_size=2 * 1024 * 1024)
    app[INTAKE] = intake
    app[SECRET] = secret
    app.router.add_post(path, receive_update)
    add_status_routes(app, health, intake.metrics)
    return app
