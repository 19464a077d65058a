"""``GET /files/{token}``: a digest's chart or ledger for the DingTalk and Feishu robots that take
no files (``[robots] public_url``), on the bot's own server in webhook mode and in polling mode.

The token is the only key: an unknown and an expired one get the same 404, nothing is ever listed,
and the log shows no more of a token than its first characters.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from storage import shared_files
from storage.db import SessionFactory

log = logging.getLogger(__name__)

SESSIONS = web.AppKey[SessionFactory]("file_sessions")
CLOCK = web.AppKey[Callable[[], datetime]]("file_clock")
#: Characters of a token a log line may show.
SHOWN = 6
_TOKEN_PATH = re.compile(rf"(/files/[^/]{{{SHOWN}}})[^/]*")


async def shared_file(request: web.Request) -> web.Response:
    """The file while its link is valid; 404 for an unknown or expired token alike."""
    token = request.match_info["token"]
    async with request.app[SESSIONS]() as session:
        shared = await shared_files.valid_file(session, token=token, now=request.app[CLOCK]())
    if shared is None:
        log.info("shared file %s…: unknown or expired", token[:SHOWN])
        raise web.HTTPNotFound(text="not found")
    disposition = f"attachment; filename*=UTF-8''{quote(shared.filename, safe='')}"
    headers = {"Content-Disposition": disposition, "Cache-Control": "private, no-store"}
    return web.Response(body=shared.content, content_type=shared.media_type, headers=headers)


def add_file_routes(app: web.Application, sessions: SessionFactory, clock: Callable[[], datetime]) -> None:
    app[SESSIONS] = sessions
    app[CLOCK] = clock
    app.router.add_get("/files/{token}", shared_file)


class AccessLogger(AbstractAccessLogger):
    """One line per request (``[telegram.webhook] access_log``), a shared file's token cut short."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = _TOKEN_PATH.sub(r"\1…", request.path)
        self.logger.info('%s "%s %s" %s %.3fs', request.remote, request.method, path, response.status, time)
