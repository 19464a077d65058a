"""Telegram's flood limits, so a bot's throttling is exercised before production.

Telegram documents three limits (https://core.telegram.org/bots/faq): about 30
messages per second across all chats, 20 messages per minute in one group, and
about one message per second in one private chat, where "short bursts" are
tolerated.  Each is modelled as a sliding window ("at most N in any W seconds");
the private limit allows ``private_burst`` messages in ``private_burst`` seconds,
which averages one per second yet lets a handler send a reply and a follow-up.

What counts: every request that puts a message into a chat or changes one --
``sendMessage``, ``sendPhoto``, ``sendDocument``, ``editMessageText`` and
``editMessageReplyMarkup``.  Reactions, ``answerCallbackQuery``, ``deleteMessage``
and read-only methods do not: they create no message and the FAQ's limits are
about messages.  Only requests that would succeed are counted; a request
refused with 400/403 or 429 consumes nothing.

The limiter reads time from an injectable monotonic clock so tests can step time
deterministically instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from sandbox.errors import too_many_requests

Clock = Callable[[], float]


@dataclass(frozen=True)
class RateLimits:
    """Limit configuration; ``scale`` multiplies every window length.

    ``scale=0.01`` turns "20 per minute" into "20 per 0.6 s" for fast tests.  The
    ``retry_after`` Telegram reports is a whole number of seconds, so it stays at
    least 1 even when the scaled window frees up sooner.
    """

    per_bot_per_second: int = 30
    per_group_per_minute: int = 20
    per_private_per_second: int = 1
    private_burst: int = 3
    enabled: bool = True
    scale: float = 1.0

    def __post_init__(self) -> None:
        counts = (self.per_bot_per_second, self.per_group_per_minute, self.per_private_per_second, self.private_burst)
        if min(counts) < 1 or self.scale <= 0:
            raise ValueError("rate limits need counts of at least 1 and a positive scale")

    @classmethod
    def off(cls) -> RateLimits:
        """Limits switched off entirely: no request is ever answered 429."""
        return cls(enabled=False)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RateLimits:
        return cls(**data)


class SlidingWindow:
    """At most ``limit`` events in any ``seconds``-long window."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._events: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        """Seconds until one more event fits (0 when it fits now)."""
        while self._events and self._events[0] <= now - self.seconds:
            self._events.popleft()
        if len(self._events) < self.limit:
            return 0.0
        return self._events[0] + self.seconds - now

    def record(self, now: float) -> None:
        self._events.append(now)


class RateLimiter:
    """Applies :class:`RateLimits` per bot, per group and per private chat."""

    def __init__(self, limits: RateLimits, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._limits = limits
        self._bot = self._new_bot_window()
        self._chats: dict[int, SlidingWindow] = {}

    @property
    def limits(self) -> RateLimits:
        return self._limits

    @limits.setter
    def limits(self, limits: RateLimits) -> None:
        """Replacing the limits also forgets past traffic, as a fresh start for the test."""
        self._limits = limits
        self._bot = self._new_bot_window()
        self._chats.clear()

    def _new_bot_window(self) -> SlidingWindow:
        return SlidingWindow(self._limits.per_bot_per_second, 1.0 * self._limits.scale)

    def _chat_window(self, chat_id: int, private: bool) -> SlidingWindow:
        window = self._chats.get(chat_id)
        if window is None:
            lim = self._limits
            if private:
                seconds = lim.private_burst / lim.per_private_per_second
                window = SlidingWindow(lim.private_burst, seconds * lim.scale)
            else:
                window = SlidingWindow(lim.per_group_per_minute, 60.0 * lim.scale)
            self._chats[chat_id] = window
        return window

    def acquire(self, chat_id: int, *, private: bool) -> None:
        """Count one message to ``chat_id`` or raise Telegram's 429 without counting it."""
        if not self._limits.enabled:
            return
        now = self._clock()
        windows = (self._bot, self._chat_window(chat_id, private))
        wait = max(window.wait_needed(now) for window in windows)
        if wait > 0:
            raise too_many_requests(max(1, math.ceil(wait)))
        for window in windows:
            window.record(now)
