"""What senders tell the one paced sender (``bot.ratelimit``), without importing it.

The outbox (a service) marks its deliveries as bulk and reads Telegram's ``retry_after``; the rate
limiter (the edge) orders requests by that mark. Both meet here, below them, so services never
import ``bot``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
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


@contextlib.contextmanager
def bulk_sending() -> Iterator[None]:
    """Requests made inside this block wait behind replies to people (the outbox's deliveries)."""
    token = _priority.set(Priority.BULK)
    try:
        yield
    finally:
        _priority.reset(token)


def current_priority() -> Priority:
    """The priority of a request made here and now."""
    return _priority.get()


def retry_after_seconds(error: RetryAfter) -> float:
    """``retry_after`` as seconds; the public property warns unless $PTB_TIMEDELTA is set (PTB 22)."""
    return error._retry_after.total_seconds()
