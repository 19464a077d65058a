"""The Bot API endpoint: ``/bot<token>/<method>`` and file downloads ``/file/bot<token>/<path>``.

This layer owns what is common to every call: token check, method lookup,
parameter decoding, scripted failures, the ``{"ok": ...}`` envelope, the call
log, and in-flight tracking for :meth:`SandboxState.wait_until_idle`.
"""

from __future__ import annotations

import functools
import json
import re

from aiohttp import web

from sandbox.errors import ApiError
from sandbox.methods import METHODS, Handler
from sandbox.models import ApiCall
from sandbox.params import Params, read_params
from sandbox.state import STATE_KEY, SandboxState

_WELL_FORMED_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_dumps = functools.partial(json.dumps, ensure_ascii=False)


def _check_token(state: SandboxState, token: str) -> None:
    """Telegram answers 404 for a malformed token and 401 for a well-formed wrong one."""
    if not _WELL_FORMED_TOKEN.fullmatch(token):
        raise ApiError(404, "Not Found")
    if token != state.token:
        raise ApiError(401, "Unauthorized")


async def _answer(
    state: SandboxState, token: str, method: str, handler: Handler | None, params: Params
) -> web.Response:
    _check_token(state, token)
    if handler is None:
        raise ApiError(404, "Not Found")
    failure = state.failures.take(method)
    if failure is not None:
        if failure.delay:
            await state.changes.wait_for(lambda: state.closing, failure.delay)
        if failure.from_proxy:
            return web.Response(status=failure.status, text=failure.proxy_page(), content_type="text/html")
        if failure.status >= 300:
            raise failure.error()
    result = await handler(state, params)
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


async def handle_method(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    requested = request.match_info["method"]
    method, handler = METHODS.get(requested.lower(), (requested, None))
    # Long polls are idle by nature; everything else counts as the bot being busy.
    tracked = method != "getUpdates"
    if tracked:
        state.api_started()
    params = Params({}, {})
    error: ApiError | None = None
    try:
        params = await read_params(request)
        response = await _answer(state, request.match_info["token"], method, handler, params)
    except ApiError as exc:
        error = exc
        response = web.json_response(exc.envelope(), status=exc.status, dumps=_dumps)
    finally:
        if tracked:
            state.api_finished()
    state.log_call(
        ApiCall(
            seq=state.next_seq(),
            method=method,
            status=response.status,
            params=params.loggable(),
            description=None if error is None else error.description,
            retry_after=None if error is None else error.retry_after,
        )
    )
    return response


async def handle_file(request: web.Request) -> web.Response:
    """Serve a stored file at the ``file_path`` that ``getFile`` reported."""
    state = request.app[STATE_KEY]
    try:
        _check_token(state, request.match_info["token"])
    except ApiError as exc:
        return web.json_response(exc.envelope(), status=exc.status)
    path = request.match_info["path"]
    stored = next((f for f in state.files.values() if f.file_path == path), None)
    if stored is None:
        return web.json_response(ApiError(404, "Not Found").envelope(), status=404)
    return web.Response(body=stored.data, content_type=stored.info.mime_type or "application/octet-stream")


def setup_routes(app: web.Application) -> None:
    app.router.add_route("*", "/bot{token}/{method}", handle_method)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file)
