"""What senders tell the one paced sender (``bot.ratelimit``), without importing it.

The outbox (a service) marks its deliveries as bulk and reads Telegram's ``retry_after``; the rate
limiter (the edge) orders requests by that mark. Both meet here, below them, so services never
import ``bot``. The intake lends its handlers' answers a few places on the wire
(:func:`sharing_wire`); the limiter takes one only once the request may go (:func:`on_the_wire`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Window:
    """At most ``count`` requests in any ``seconds``."""

    count: int
    seconds: float


class SlidingPacer:
    """Keeps one destination under its windows (a group robot's 20/min, Feishu's 100/min and 5/s).

    ``free_at`` says when the next request may go; ``took`` records one as its answer arrives: the
    server counted it on arrival, which was before the answer, so no window is ever over-full by the
    server's count, whatever the latency. Times are plain seconds on the caller's clock.
    """

    def __init__(self, windows: Sequence[Window]) -> None:
        self._windows = tuple(windows)
        self._sent: deque[float] = deque(maxlen=max(window.count for window in windows))

    def free_at(self, now: float) -> float:
        """The earliest instant, ``now`` or later, at which one more request keeps every window."""
        at = now
        for window in self._windows:
            if len(self._sent) >= window.count:
                at = max(at, self._sent[-window.count] + window.seconds)
        return at

    def took(self, at: float) -> None:
        self._sent.append(at)
