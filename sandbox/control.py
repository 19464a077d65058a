"""The control API under ``/control``: JSON over HTTP for tests and the demo.

Actions are ``POST /control/<action>`` with the keyword arguments as a JSON
object; reads are ``GET``s with query parameters.  Every answer uses an
envelope like the Bot API's: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": "..."}``.  The functions behind the routes live in
:mod:`sandbox.actions` and on :class:`SandboxState`; this module only
translates.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from aiohttp import web

from sandbox import actions
from sandbox.errors import ControlError
from sandbox.state import STATE_KEY, SandboxState

ACTIONS: Mapping[str, Callable[..., Any]] = MappingProxyType(
    {
        action.__name__: action
        for action in (
            actions.create_user,
            actions.create_group,
            actions.add_member,
            actions.remove_member,
            actions.add_bot_to_group,
            actions.remove_bot_from_group,
            actions.set_bot_admin,
            actions.block_bot,
            actions.unblock_bot,
            actions.send_message,
            actions.share_contact,
            actions.edit_message,
            actions.press_button,
            actions.forge_press,
            actions.redeliver,
            actions.set_rate_limits,
            actions.inject_failures,
            actions.wait_until_idle,
            actions.reset,
        )
    }
)


Number = TypeVar("Number", int, float)


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    to_json = getattr(value, "to_json", None)
    return to_json() if to_json is not None else value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": _jsonable(result)})


def _fail(message: str, status: int) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


async def handle_action(request: web.Request) -> web.Response:
    action = ACTIONS.get(request.match_info["action"])
    if action is None:
        return _fail(f"unknown control action {request.match_info['action']!r}", 404)
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        return _fail("the body must be a JSON object", 400)
    if not isinstance(body, dict):
        return _fail("the body must be a JSON object", 400)
    try:
        bound = inspect.signature(action).bind(request.app[STATE_KEY], **body)
    except TypeError as exc:
        return _fail(f"{action.__name__}: {exc}", 400)
    try:
        result = action(*bound.args, **bound.kwargs)
        if inspect.isawaitable(result):
            result = await result
    except ControlError as exc:
        return _fail(str(exc), exc.status)
    return _ok(result)


def _number(request: web.Request, name: str, kind: type[Number]) -> Number | None:
    value = request.query.get(name)
    try:
        return None if value is None else kind(value)
    except ValueError:
        body = json.dumps({"ok": False, "error": f"{name} must be a number"})
        raise web.HTTPBadRequest(text=body, content_type="application/json") from None


def _state(request: web.Request) -> SandboxState:
    return request.app[STATE_KEY]


async def bot_messages(request: web.Request) -> web.Response:
    return _ok(_state(request).bot_messages(_number(request, "chat_id", int)))


async def reactions(request: web.Request) -> web.Response:
    return _ok(_state(request).reaction_log(_number(request, "chat_id", int)))


async def callback_answers(request: web.Request) -> web.Response:
    return _ok(_state(request).callback_answers)


async def commands(request: web.Request) -> web.Response:
    return _ok(_state(request).command_sets())


async def calls(request: web.Request) -> web.Response:
    return _ok(_state(request).api_calls(request.query.get("method")))


async def transcript(request: web.Request) -> web.Response:
    """Events after ``after``; with ``timeout`` it long-polls until there is one."""
    after = _number(request, "after", int) or 0
    timeout = _number(request, "timeout", float) or 0.0
    return _ok(await _state(request).wait_events(after, timeout))


async def pending_updates(request: web.Request) -> web.Response:
    return _ok(len(_state(request).updates))


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/control/{action}", handle_action)
    for handler in (bot_messages, reactions, callback_answers, commands, calls, transcript, pending_updates):
        app.router.add_get(f"/control/{handler.__name__}", handler)
