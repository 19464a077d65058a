"""The update pipeline: store each raw update durably *before* Telegram is told we have it.

PTB's own Updater confirms a getUpdates offset with its next poll while handlers may still be
running, and its webhook server answers 200 before handling; a crash then loses updates that
Telegram will never send again. Here polling confirms an offset, and the webhook answers, only
after the updates are committed to the inbox table; a separate loop processes the inbox in
update order and marks each update done, so a restarted process finishes what a killed one began.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from telegram import Update
from telegram.error import NetworkError, RetryAfter, TelegramError

from bot.state import GridApplication
from storage import inbox
from storage.db import SessionFactory, transaction

log = logging.getLogger(__name__)

BATCH = 100


class Intake:
    """Durable inbox in front of a PTB application that has no Updater."""

    def __init__(self, application: GridApplication, sessions: SessionFactory) -> None:
        self._application = application
        self._sessions = sessions
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()

    async def accept(self, payloads: Sequence[dict[str, Any]]) -> int:
        """Commit raw updates to the inbox; only after this returns may they be acknowledged."""
        rows = [(int(p["update_id"]), json.dumps(p, ensure_ascii=False)) for p in payloads]
        async with transaction(self._sessions) as session:
            added = await inbox.store_updates(session, updates=rows)
        self._idle.clear()
        self._wake.set()
        return added

    async def process_pending(self) -> int:
        """Hand every stored, unprocessed update to PTB in update order; returns how many."""
        done = 0
        while True:
            async with self._sessions() as session:
                batch = await inbox.pending_updates(session, limit=BATCH)
            if not batch:
                return done
            for row in batch:
                update = Update.de_json(json.loads(row.payload), self._application.bot)
                await self._application.process_update(update)
                async with transaction(self._sessions) as session:
                    await inbox.mark_processed(session, update_ids=[row.update_id])
                done += 1

    async def run_processor(self) -> None:
        """Process whatever arrives until cancelled; starts with what a previous run left."""
        self._wake.set()
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.process_pending()
            except Exception:  # a database outage must not kill the loop; the rows stay pending
                log.exception("processing the inbox failed; retrying")
                await asyncio.sleep(1)
                self._wake.set()
            if not self._wake.is_set():
                self._idle.set()

    async def wait_idle(self) -> None:
        """Return once everything accepted so far has been processed."""
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
async def processing(intake: Intake) -> Any:
    """Run the inbox processor for the duration of the block."""
    task = asyncio.create_task(intake.run_processor(), name="gridbot-inbox")
    try:
        yield intake
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
