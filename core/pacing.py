"""What senders tell the one paced sender (``bot.ratelimit``), without importing it.

The outbox (a service) marks its deliveries as bulk and reads Telegram's ``retry_after``; the rate
limiter (the edge) orders requests by that mark. Both meet here, below them, so services never
import ``bot``. The intake lends its handlers' answers a few places on the wire
(:func:`sharing_wire`); the limiter takes one only once the request may go (:func:`on_the_wire`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextvars import ContextVar
from enum import IntEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from telegram.error import RetryAfter


class Priority(IntEnum):
    """Lower is served first."""

    INTERACTIVE = 0
    BULK = 1


_priority: ContextVar[Priority] = ContextVar("gridbot_send_priority", default=Priority.INTERACTIVE)
_wire: ContextVar[asyncio.Semaphore | None] = ContextVar("gridbot_wire_places", default=None)


@contextlib.contextmanager
def bulk_sending() -> Iterator[None]:
    """Requests made inside this block wait behind replies to people (the outbox's deliveries)."""
    token = _priority.set(Priority.BULK)
    try:
        yield
    finally:
        _priority.reset(token)


@contextlib.contextmanager
def sharing_wire(places: asyncio.Semaphore) -> Iterator[None]:
    """Requests made inside this block hold one of ``places`` while Telegram answers them, and
    none while they wait for their chat's window: one busy group never holds what others need."""
    token = _wire.set(places)
    try:
        yield
    finally:
        _wire.reset(token)


@contextlib.asynccontextmanager
async def on_the_wire() -> AsyncIterator[None]:
    """Hold a place of the surrounding :func:`sharing_wire` (if any) for one request's call."""
    places = _wire.get()
    if places is None:
        yield
        return
    async with places:
        yield


def current_priority() -> Priority:
    """The priority of a request made here and now."""
    return _priority.get()


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` as seconds; the public property warns unless $PTB_TIMEDELTA is set (PTB 22)."""
    return error._retry_after.total_seconds()
