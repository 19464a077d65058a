"""``GET /files/{token}``: a digest's chart or ledger for the DingTalk and Feishu robots that take
no files (``[robots] public_url``), on the bot's own server in webhook mode and in polling mode.

The token is the only key: an unknown and an expired one get the same 404, nothing is ever listed,
and the log shows no more of a token than its first characters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from aiohttp import web

from storage import shared_files
from storage.db import SessionFactory

log = logging.getLogger(__name__)

SESSIONS = web.AppKey[SessionFactory]("file_sessions")
CLOCK = web.AppKey[Callable[[], datetime]]("file_clock")
#: Characters of a token a log line may show.
SHOWN = 6


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
