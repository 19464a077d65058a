"""The update pipeline: store each raw update durably *before* Telegram is told we have it.

PTB's own Updater confirms a getUpdates offset with its next poll while handlers may still be
running, and its webhook server answers 200 before handling; a crash then loses updates that
Telegram will never send again. Here polling confirms an offset, and the webhook answers, only
after the updates are committed to the inbox table; a separate loop processes the inbox and
marks each update done only once its handlers have finished, so a restarted process finishes
what a killed one began (handlers must therefore tolerate seeing an update a second time).

Throughput without losing order: updates of one chat are handled one after another, in update
order; different chats run concurrently. A handler may end its chat's turn early with
``release_chat()`` once its ordered work (its database writes) is committed, so that the next
message of the same chat is stored while this one is still waiting for Telegram to take its
reaction or reply. Done updates are marked in batches: one write per burst, not per update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.state import GridApplication
from storage import inbox
from storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)

#: Rows read from the inbox at a time, and the most updates handled at once (all chats together).
BATCH = 200
MAX_IN_FLIGHT = 400
#: Handlers running at the same moment (past their chat's turn): bounds database connections.
CONCURRENCY = 8
#: Seconds a stopping bot waits for running handlers before cancelling them (they replay later).
SHUTDOWN_GRACE = 10.0

#: The turn of the update whose handler is running in this task (see ``release_chat``).
_TURN: ContextVar[asyncio.Future[None] | None] = ContextVar("gridbot_chat_turn", default=None)


def release_chat() -> None:
    """Let the next update of this chat start: call once this update's ordered work is committed.

    A no-op outside the intake (for instance when a test calls a handler directly).
    """
    turn = _TURN.get()
    if turn is not None and not turn.done():
        turn.set_result(None)


def chat_key(payload: dict[str, Any]) -> int:
    """The chat an update belongs to (its ordering lane); 0 for the few updates without one."""
    for key, value in payload.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        for holder in (value, value.get("message")):
            if isinstance(holder, dict) and isinstance(holder.get("chat"), dict):
                return int(holder["chat"].get("id", 0))
        sender = value.get("from")
        if isinstance(sender, dict):
            return int(sender.get("id", 0))
    return 0


class Intake:
    """Durable inbox in front of a PTB application that has no Updater."""

    def __init__(self, application: GridApplication, sessions: SessionFactory) -> None:
        self._application = application
        self._sessions = sessions
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        #: Highest update id handed to a handler in this process; None = start from the oldest pending.
        self._cursor: int | None = None
        #: Per chat, the turn the next update of that chat must wait for.
        self._lanes: dict[int, asyncio.Future[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._done: list[int] = []

    async def accept(self, payloads: Sequence[dict[str, Any]]) -> int:
        """Commit raw updates to the inbox; only after this returns may they be acknowledged."""
        rows = [(int(p["update_id"]), json.dumps(p, ensure_ascii=False)) for p in payloads]
        async with transaction(self._sessions) as session:
            added = await inbox.store_updates(session, updates=rows)
        self._idle.clear()
        self._wake.set()
        return added

    async def _dispatch_pending(self) -> int:
        """Start a handler task for stored updates not yet dispatched; returns how many started."""
        room = MAX_IN_FLIGHT - len(self._running)
        if room <= 0:
            return 0
        async with self._sessions() as session:
            rows = await inbox.pending_updates(session, after=self._cursor, limit=min(BATCH, room))
        for row in rows:
            payload = json.loads(row.payload)
            self._start(row.update_id, payload)
            self._cursor = row.update_id
        return len(rows)

    def _start(self, update_id: int, payload: dict[str, Any]) -> None:
        lane = chat_key(payload)
        after = self._lanes.get(lane)
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._lanes[lane] = turn
        handling = self._handle(update_id, payload, lane=lane, after=after, turn=turn)
        task = asyncio.create_task(handling, name=f"gridbot-update-{update_id}")
        self._running.add(task)
        task.add_done_callback(self._finished)

    async def _handle(
        self,
        update_id: int,
        payload: dict[str, Any],
        *,
        lane: int,
        after: asyncio.Future[None] | None,
        turn: asyncio.Future[None],
    ) -> None:
        try:
            if after is not None:
                await after
            async with self._slots:
                update = Update.de_json(payload, self._application.bot)
                _TURN.set(turn)  # this task's own context: nothing leaks to other tasks
                await self._application.process_update(update)
            self._done.append(update_id)
        finally:
            if not turn.done():
                turn.set_result(None)
            if self._lanes.get(lane) is turn:
                del self._lanes[lane]

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("update handling failed outside PTB", exc_info=task.exception())
        self._wake.set()

    async def _flush_done(self) -> None:
        if not self._done:
            return
        done, self._done = self._done, []
        try:
            async with transaction(self._sessions) as session:
                await inbox.mark_processed(session, update_ids=done)
        except Exception:
            self._done.extend(done)
            raise

    async def process_pending(self) -> int:
        """Handle every stored, unprocessed update and wait for it; returns how many were started."""
        started = 0
        while True:
            count = await self._dispatch_pending()
            started += count
            if not count and not self._running:
                await self._flush_done()
                return started
            if not count:
                await asyncio.wait(set(self._running), return_when=asyncio.FIRST_COMPLETED)
            await self._flush_done()

    async def run_processor(self) -> None:
        """Process whatever arrives until cancelled; starts with what a previous run left."""
        self._wake.set()
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                try:
                    if await self._dispatch_pending():
                        self._wake.set()  # there may be more rows behind this batch
                    await self._flush_done()
                except Exception:  # a database outage must not kill the loop; the rows stay pending
                    log.exception("processing the inbox failed; retrying")
                    await asyncio.sleep(1)
                    self._wake.set()
                if not self._wake.is_set() and not self._running and not self._done:
                    self._idle.set()
        finally:
            await self._stop_handlers()

    async def _stop_handlers(self) -> None:
        """On shutdown, let running handlers finish and record them, so a clean stop replays nothing."""
        if self._running:
            _finished, stuck = await asyncio.wait(set(self._running), timeout=SHUTDOWN_GRACE)
            for task in stuck:
                task.cancel()
        with contextlib.suppress(Exception):
            await self._flush_done()

    async def wait_idle(self) -> None:
        """Return once everything accepted so far has been handled and marked done."""
        await self._idle.wait()

    async def resume_offset(self) -> int | None:
        """The getUpdates offset after the newest stored update: confirms it to Telegram."""
        async with self._sessions() as session:
            newest = await inbox.highest_update_id(session)
        return None if newest is None else newest + 1

    async def poll(self, *, timeout: int = 30) -> None:
        """Long-poll getUpdates forever; the next call's offset confirms only what is committed."""
        bot = self._application.bot
        offset = await self.resume_offset()
        delay = 1.0
        while True:
            try:
                updates = await bot.get_updates(
                    offset=offset,
                    timeout=timeout,
                    read_timeout=timeout + 10,
                    allowed_updates=Update.ALL_TYPES,
                )
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 1.0
            if updates:
                await self.accept([update.to_dict() for update in updates])
                offset = updates[-1].update_id + 1


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if callable(total_seconds) else float(retry_after)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def processing(intake: Intake) -> AsyncIterator[Intake]:
    """Run the inbox processor for the duration of the block."""
    task = asyncio.create_task(intake.run_processor(), name="gridbot-inbox")
    try:
        yield intake
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
