"""Getting updates: long polling and webhooks."""

from __future__ import annotations

import re
from typing import Any

from sandbox.errors import ApiError, bad_request
from sandbox.methods.common import Handlers
from sandbox.models import JSON
from sandbox.params import Params
from sandbox.state import SandboxState, WebhookConfig


def _webhook_active() -> ApiError:
    return ApiError(
        409,
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    )


def _terminated() -> ApiError:
    return ApiError(
        409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    )


_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def _allowed_updates(state: SandboxState, params: Params) -> None:
    if "allowed_updates" not in params:
        return  # "If not specified, the previous setting will be used."
    allowed = params.object("allowed_updates", what="allowed updates")
    if not isinstance(allowed, list) or not all(isinstance(kind, str) for kind in allowed):
        raise bad_request("can't parse allowed updates JSON object")
    state.updates.set_allowed(allowed)


async def get_updates(state: SandboxState, params: Params) -> list[JSON]:
    """Confirm by ``offset``, then return pending updates, long-polling up to ``timeout`` s.

    A newer ``getUpdates`` ends an older one still waiting with 409, as Telegram
    does when two bot instances poll at once.
    """
    if state.webhook.url:
        raise _webhook_active()
    offset = params.integer("offset")
    limit = min(max(params.integer("limit") or 100, 1), 100)
    timeout = max(params.integer("timeout") or 0, 0)
    _allowed_updates(state, params)
    state.poll_generation += 1
    generation = state.poll_generation
    if state.updates.confirm(offset):
        state.updates_confirmed()
    state.changes.fire()  # wakes an older poll so it can notice it was superseded

    def answerable() -> bool:
        superseded = generation != state.poll_generation
        return state.closing or superseded or bool(state.webhook.url) or state.updates.available(offset)

    await state.changes.wait_for(answerable, timeout)
    if generation != state.poll_generation:
        raise _terminated()
    if state.webhook.url:
        raise _webhook_active()
    return [update.to_json() for update in state.updates.batch(offset, limit)]


async def set_webhook(state: SandboxState, params: Params) -> bool:
    """Register a webhook.  Plain ``http://`` is accepted so tests can receive locally."""
    url = params.string("url") or ""
    if url and not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.string("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = params.integer("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("max_connections must be between 1 and 100")
    _allowed_updates(state, params)
    if params.boolean("drop_pending_updates"):
        state.updates.clear()
    state.webhook = (
        WebhookConfig(url=url, secret_token=secret, max_connections=max_connections) if url else WebhookConfig()
    )
    state.changes.fire()
    return True


async def delete_webhook(state: SandboxState, params: Params) -> bool:
    if params.boolean("drop_pending_updates"):
        state.updates.clear()
    state.webhook = WebhookConfig()
    state.changes.fire()
    return True


async def get_webhook_info(state: SandboxState, params: Params) -> JSON:
    info: dict[str, Any] = {
        "url": state.webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if state.webhook.url:
        info["max_connections"] = state.webhook.max_connections
        if state.updates.allowed is not None:
            info["allowed_updates"] = sorted(state.updates.allowed)
        if state.webhook.last_error_date is not None:
            info["last_error_date"] = state.webhook.last_error_date
            info["last_error_message"] = state.webhook.last_error_message
    return info


HANDLERS: Handlers = {
    "getUpdates": get_updates,
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
}
