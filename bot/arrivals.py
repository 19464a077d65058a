"""Stored updates waiting for a handler, handed out in ``update_id`` order with a short wait for gaps.

Telegram delivers a webhook over up to ``max_connections`` parallel requests, so update 105 may be
stored before update 104; a chat's messages must still be handled in the order they were sent
(an order's number, a check-in corrected by the next message). Update ids are consecutive, so a
missing id is a gap worth a short wait (``gap_wait``); after it the updates behind go on anyway,
and one that arrives even later is handed out at once. A missing id that this process has
received and is still storing (``expect``) is waited for as long as that takes. Polling receives complete, ordered
batches: ``known_through`` says nothing below an id is still to come, and nothing waits.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

P = TypeVar("P")

#: Seconds the updates behind a missing update id wait for it.
GAP_WAIT = 1.0


class Arrivals(Generic[P]):
    """An ordered, de-duplicated waiting room; time is ``clock`` (seconds, monotonic)."""

    def __init__(self, *, gap_wait: float = GAP_WAIT, clock: Callable[[], float] = time.monotonic) -> None:
        self._gap_wait = gap_wait
        self._clock = clock
        self._payloads: dict[int, P] = {}
        self._heap: list[int] = []
        #: The id expected next: every lower id was handed out or will not come.
        self._next: int | None = None
        #: Every id up to this one has been added or will never come (``known_through``).
        self._known: int | None = None
        #: Ids received and being stored right now (``expect``): a gap they fill is waited for as long as that takes.
        self._expected: set[int] = set()
        #: When the lowest waiting id was first found waiting for a gap.
        self._gap_since: float | None = None

    def __len__(self) -> int:
        return len(self._payloads)

    def expect(self, update_ids: Iterable[int]) -> None:
        """These ids were received and are being stored: they will be added, or ``abandon``ed."""
        self._expected.update(update_ids)

    def abandon(self, update_ids: Iterable[int]) -> None:
        """Storing these failed (Telegram will send them again): a gap they left is timed again."""
        self._expected.difference_update(update_ids)

    def add(self, update_id: int, payload: P) -> None:
        self._expected.discard(update_id)
        if update_id not in self._payloads:
            self._payloads[update_id] = payload
            heapq.heappush(self._heap, update_id)

    def known_through(self, update_id: int) -> None:
        """Nothing at or below ``update_id`` is still to come beyond what was added."""
        self._known = max(self._known or update_id, update_id)

    def start_after(self, update_id: int) -> None:
        """Where ids continue at start-up (the highest id stored so far), unless already known."""
        if self._next is None:
            self._next = update_id + 1

    def clear(self) -> None:
        """Forget the waiting updates (they stay in the inbox table, which is read instead)."""
        self._payloads.clear()
        self._heap.clear()
        self._gap_since = None

    def take(self, room: int) -> list[tuple[int, P]]:
        """Up to ``room`` updates in id order, stopping at a gap until its wait is over."""
        taken: list[tuple[int, P]] = []
        while self._heap and len(taken) < room:
            head = self._heap[0]
            if self._next is not None and head > self._next and (self._known is None or head > self._known):
                if any(self._next <= expected < head for expected in self._expected):
                    self._gap_since = None  # the missing update is being stored: its commit will wake us
                    break
                now = self._clock()
                if self._gap_since is None:
                    self._gap_since = now
                if now - self._gap_since < self._gap_wait:
                    break
                log.info(
                    "update ids %d to %d did not arrive within %.1f s; going on", self._next, head - 1, self._gap_wait
                )
            heapq.heappop(self._heap)
            taken.append((head, self._payloads.pop(head)))
            self._gap_since = None
            self._next = head + 1 if self._next is None else max(self._next, head + 1)
        return taken

    def wait_left(self) -> float | None:
        """Seconds until the gap being waited for is given up, or None when nothing waits for one."""
        if self._gap_since is None or not self._heap:
            return None
        return max(0.0, self._gap_since + self._gap_wait - self._clock())
