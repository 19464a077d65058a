"""The one paced sender: every Bot API request of the bot passes here, at Telegram's flood limits.

Telegram documents about 30 messages per second per bot, 20 per minute in one group and about one
per second in a private chat (short bursts tolerated). PTB's ``AIORateLimiter`` is a leaky bucket
that counts every call with a ``chat_id`` (reactions and callback answers too), halts *all* traffic
on any 429 and has no private-chat limit; against a strict sliding window its bursts still draw
429s (see ``benchmarks/fanout_bench.py``). This limiter instead:

* counts only requests that create or change a message (``send*``, ``edit*``, copies, forwards),
  which is what Telegram's limits are about; reactions and callback answers pass straight through;
* keeps each limit as a sliding window in which a message occupies its slot from the moment it is
  granted until the window length *after its request completed*. Telegram counts the message at
  some instant in between, so it can never see more than the limit, whatever the network jitter,
  and no safety margin is needed;
* serves waiting requests in priority order: replies to people (the default) before bulk sends
  (inside :func:`core.pacing.bulk_sending`, which the outbox uses), and a chat whose window is full never
  blocks requests to other chats; bulk sends are spread evenly over the second, so a reply
  during a digest run waits a few hundredths of a second, not for the next window;
* on a 429 holds only the chat concerned for ``retry_after`` and retries a few times.

:class:`Pacer` is the pure bookkeeping (explicit ``now``, no I/O); :class:`PacedRateLimiter` is its
asyncio shell that PTB calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from bisect import bisect_right, insort
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from core.config import FloodSettings
from core.pacing import Priority, current_priority, on_the_wire, retry_after_seconds

log = logging.getLogger(__name__)

ChatKey = int | str | None
JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

#: Requests that put a message into a chat or change one; everything else is not a "message".
_COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage", "stopPoll")
_NOT_COUNTED = frozenset({"sendChatAction"})
#: Forget idle chat windows once this many are kept.
_MAX_IDLE_WINDOWS = 2048


def counts_as_message(endpoint: str) -> bool:
    return endpoint.startswith(_COUNTED_PREFIXES) and endpoint not in _NOT_COUNTED


def chat_key(chat_id: object) -> ChatKey:
    """Integer chat ids as ints (positive = private chat), ``@username`` strings as they are."""
    if chat_id is None:
        return None
    with contextlib.suppress(TypeError, ValueError):
        return int(chat_id)  # type: ignore[call-overload, no-any-return]
    return str(chat_id)


def is_private(chat: ChatKey) -> bool:
    return isinstance(chat, int) and chat > 0


class Window:
    """At most ``limit`` messages in any ``seconds``, each counted until ``seconds`` after it completed."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self._in_flight = 0
        self._done: list[float] = []  # completion times, ascending

    def _prune(self, now: float) -> None:
        expired = bisect_right(self._done, now - self.seconds)
        if expired:
            del self._done[:expired]

    def free_at(self, now: float) -> float | None:
        """When one more message fits (``now`` if it fits now); ``None`` until a request completes."""
        self._prune(now)
        excess = self._in_flight + len(self._done) - self.limit + 1
        if excess <= 0:
            return now
        if excess > len(self._done):
            return None
        return self._done[excess - 1] + self.seconds

    def take(self) -> None:
        self._in_flight += 1

    def release(self, now: float) -> None:
        self._in_flight -= 1
        insort(self._done, now)

    def idle(self, now: float) -> bool:
        self._prune(now)
        return not self._in_flight and not self._done


@dataclass(eq=False)
class Ticket:
    """One request waiting for, or holding, its slots."""

    chat: ChatKey
    priority: Priority
    seq: int
    windows: tuple[Window, ...] = field(default=(), repr=False)

    @property
    def order(self) -> tuple[Priority, int]:
        """Better priority first, then first come."""
        return self.priority, self.seq


class Pacer:
    """Which waiting requests may go now; pure bookkeeping on an explicit clock.

    Requests wait in one queue per chat, best first; only the head of each queue is looked at, so
    a chat whose window is full costs the others nothing however long its queue.

    Bulk sends are spread evenly, one per ``1 / per_bot_per_second`` of the bot window, instead of
    a full window's worth at once: the window then frees a slot every few hundredths of a second,
    and a waiting reply, served first, takes the next one rather than waiting for the next window.
    """

    def __init__(self, limits: FloodSettings) -> None:
        self._limits = limits
        self._bot = Window(limits.per_bot_per_second, 1.0 * limits.scale)
        self._bulk_spacing = limits.scale / limits.per_bot_per_second
        self._bulk_next = float("-inf")
        self._chats: dict[ChatKey, Window] = {}
        self._holds: dict[ChatKey, float] = {}
        self._queues: dict[ChatKey, list[Ticket]] = {}

    @property
    def waiting(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def _chat_window(self, chat: ChatKey, now: float) -> Window | None:
        if chat is None:
            return None
        window = self._chats.get(chat)
        if window is None:
            if len(self._chats) >= _MAX_IDLE_WINDOWS:
                self._forget_idle(now)
            lim = self._limits
            if is_private(chat):
                window = Window(lim.private_burst, lim.private_burst / lim.per_private_per_second * lim.scale)
            else:
                window = Window(lim.per_group_per_minute, 60.0 * lim.scale)
            self._chats[chat] = window
        return window

    def _forget_idle(self, now: float) -> None:
        for chat in [chat for chat, window in self._chats.items() if window.idle(now)]:
            del self._chats[chat]
        for chat in [chat for chat, until in self._holds.items() if until <= now]:
            del self._holds[chat]

    def enqueue(self, ticket: Ticket) -> None:
        insort(self._queues.setdefault(ticket.chat, []), ticket, key=lambda t: t.order)

    def discard(self, ticket: Ticket) -> None:
        """A waiting request was cancelled."""
        queue = self._queues.get(ticket.chat, [])
        with contextlib.suppress(ValueError):
            queue.remove(ticket)
        if not queue:
            self._queues.pop(ticket.chat, None)

    def _ready_at(self, ticket: Ticket, now: float) -> float | None:
        """When ``ticket`` could go, from its chat's hold and window and the bot window."""
        chat_window = self._chat_window(ticket.chat, now)
        chat_free = now if chat_window is None else chat_window.free_at(now)
        bot_free = self._bot.free_at(now)
        if chat_free is None or bot_free is None:
            return None
        spaced = self._bulk_next if ticket.priority is Priority.BULK else now
        return max(chat_free, bot_free, spaced, self._holds.get(ticket.chat, now))

    def grant(self, now: float) -> list[Ticket]:
        """Take slots for every waiting request that may go now, best first across the chats."""
        granted: list[Ticket] = []
        tie = itertools.count()  # chat keys of different types never compare
        heads = [(queue[0].order, next(tie), chat) for chat, queue in self._queues.items()]
        heapq.heapify(heads)
        while heads:
            *_order, chat = heapq.heappop(heads)
            queue = self._queues[chat]
            ticket = queue[0]
            ready = self._ready_at(ticket, now)
            if ready is None or ready > now:
                continue  # the rest of this chat's queue waits behind its head
            chat_window = self._chat_window(ticket.chat, now)
            ticket.windows = (self._bot,) if chat_window is None else (self._bot, chat_window)
            for window in ticket.windows:
                window.take()
            granted.append(queue.pop(0))
            if ticket.priority is Priority.BULK:
                self._bulk_next = now + self._bulk_spacing
            if queue:
                heapq.heappush(heads, (queue[0].order, next(tie), chat))
            else:
                del self._queues[chat]
        return granted

    def next_change(self, now: float) -> float | None:
        """The earliest time a waiting request may become ready without any request completing."""
        heads = (queue[0] for queue in self._queues.values())
        times = [ready for ticket in heads if (ready := self._ready_at(ticket, now)) is not None]
        return min(times, default=None)

    def release(self, ticket: Ticket, now: float, *, retry_after: float | None = None) -> None:
        """The request completed (or failed); a 429's ``retry_after`` holds its chat that long."""
        for window in ticket.windows:
            window.release(now)
        ticket.windows = ()
        if retry_after is not None:
            self._holds[ticket.chat] = max(self._holds.get(ticket.chat, now), now + retry_after)


class Timer(Protocol):
    def cancel(self) -> None: ...


class PacingClock(Protocol):
    """The limiter's time: monotonic seconds, and a callback once some of them have passed."""

    def __call__(self) -> float: ...

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer: ...


class MonotonicClock:
    """:class:`PacingClock` on the event loop: what the bot runs on (tests move a fake one)."""

    def __call__(self) -> float:
        return time.monotonic()

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(delay, callback)


class PacedRateLimiter(BaseRateLimiter[None]):
    """PTB's hook for :class:`Pacer`: ``ApplicationBuilder().rate_limiter(PacedRateLimiter(...))``.

    ``max_retries`` 429s are retried here, after the chat's hold; after that the caller sees
    ``RetryAfter`` (the outbox then retries on its own schedule).

    A request waits for its slot holding nothing: only once it may go does it take a place on the
    wire where its sender shares a few (``core.pacing.sharing_wire``: the intake's answers).
    """

    def __init__(self, limits: FloodSettings, *, max_retries: int = 3, clock: PacingClock | None = None) -> None:
        self._enabled = limits.enabled
        self._pacer = Pacer(limits)
        self._max_retries = max_retries
        self._clock: PacingClock = clock or MonotonicClock()
        self._seq = itertools.count()
        self._futures: dict[Ticket, asyncio.Future[None]] = {}
        self._timer: Timer | None = None

    async def initialize(self) -> None:
        """Nothing to start: slots are granted on arrival, completion and timer."""

    async def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> JSONResult:
        """Wait for a slot (counted requests only), call, and retry after a 429 on the chat's hold.

        With the limits disabled every request goes straight through and a 429 reaches the caller.
        """
        if not self._enabled:
            async with on_the_wire():
                return await callback(*args, **kwargs)
        chat = chat_key(data.get("chat_id"))
        counted = counts_as_message(endpoint)
        for attempt in itertools.count():
            ticket = await self._acquire(chat) if counted else None
            try:
                async with on_the_wire():
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_after_seconds(exc)
                self._finish(ticket, retry_after=wait, chat=chat)
                ticket = None
                if attempt >= self._max_retries:
                    raise
                log.info("429 in chat %s on %s: retrying after %.1f s", chat, endpoint, wait)
                if not counted:
                    await asyncio.sleep(wait)
            finally:
                self._finish(ticket)
        raise AssertionError("unreachable")

    async def _acquire(self, chat: ChatKey) -> Ticket:
        ticket = Ticket(chat=chat, priority=current_priority(), seq=next(self._seq))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._futures[ticket] = future
        self._pacer.enqueue(ticket)
        self._pump()
        try:
            await future
        except asyncio.CancelledError:
            self._futures.pop(ticket, None)
            if ticket.windows:
                self._finish(ticket)
            else:
                self._pacer.discard(ticket)
            raise
        return ticket

    def _finish(self, ticket: Ticket | None, *, retry_after: float | None = None, chat: ChatKey = None) -> None:
        if ticket is None and retry_after is None:
            return
        now = self._clock()
        if ticket is None:
            ticket = Ticket(chat=chat, priority=Priority.INTERACTIVE, seq=-1)  # holds the chat only
        self._pacer.release(ticket, now, retry_after=retry_after)
        self._pump()

    def _pump(self) -> None:
        now = self._clock()
        for ticket in self._pacer.grant(now):
            future = self._futures.pop(ticket, None)
            if future is None or future.done():
                self._pacer.release(ticket, now)
            else:
                future.set_result(None)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        wake = self._pacer.next_change(now)
        if wake is not None:
            self._timer = self._clock.call_later(max(wake - now, 0.0), self._pump)
