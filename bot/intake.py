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
reaction or reply. ``batched()`` goes further (group commit): the handler queues its work and
ends its turn at once; work queued by many updates while a batch is running is done together,
in queue order, in the next one, so a burst costs one transaction per batch, not per message.
``stored_then_answered()`` stores that way and then answers without keeping the handler:
the answer's requests wait at the paced sender, each behind its own chat only, and talk to
Telegram a few at a time. Done updates are marked in batches too: one write per burst, not per
update.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from telegram import Update
from telegram.error import RetryAfter
from telegram.ext import ApplicationHandlerStop

from bot.arrivals import Arrivals
from bot.metrics import Metrics
from core.pacing import sharing_wire
from core.supervise import Pulse, Supervisor, describe
from handlers.context import GridApplication
from storage import inbox
from storage.db import SessionFactory, transaction, unavailable
from storage.models import utcnow
from understanding import mask_identifiers

log = logging.getLogger(__name__)

#: Rows read from the inbox at a time, and the most updates handled at once (all chats together).
#: Handlers waiting for their batch or their turn to answer cost little; many of them make large
#: batches, which is where a burst's throughput comes from.
BATCH = 200
MAX_IN_FLIGHT = 256
#: Updates whose handler returned and whose answer still waits (for its group's flood window, say):
#: beyond this many, no new update starts until some are answered (a bound on memory only).
MAX_ANSWERS_WAITING = 5000
#: The most work items one group-commit batch takes.
MAX_BATCH = 100
#: Answers on the wire to Telegram at the same moment (see ``stored_then_answered``): four measured
#: fastest (benchmarks/ingest_bench.py: 1 → 55 %, 4 → 69 %, 8 → 67 %, 16 → 69 % of
#: the do-nothing bot, p99 at 200/s lowest with 4).
ANSWERING = 4
#: Stored updates kept in memory for handing out; beyond this the inbox table is read instead.
MAX_QUEUED = 5000
#: Handlers in their chat's turn at the same moment (doing ordered work): bounds database connections.
CONCURRENCY = 8
#: Done updates are marked in one write once this many have finished, or when all work is done:
#: a write per update would contend with the handlers' own writes (SQLite has a single writer).
FLUSH_BATCH = 100
#: Seconds a stopping bot waits for running handlers before cancelling them (they replay later).
SHUTDOWN_GRACE = 10.0
#: How long processed updates are kept to recognise a redelivery (Telegram retries for a day).
INBOX_RETENTION = timedelta(days=3)

T = TypeVar("T")
R = TypeVar("R")


class _Batches:
    """Group commit: per key, a queue of work items and one worker that runs them in batches."""

    def __init__(self) -> None:
        self._queues: dict[Hashable, list[tuple[Any, asyncio.Future[Any]]]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}

    def add(self, key: Hashable, run: Callable[[list[T]], Awaitable[Sequence[R]]], item: T) -> asyncio.Future[R]:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queues.setdefault(key, []).append((item, future))
        worker = self._workers.get(key)
        if worker is None or worker.done():
            self._workers[key] = asyncio.create_task(self._work(key, run), name=f"gridbot-batch-{key}")
        return future

    async def _work(self, key: Hashable, run: Callable[[list[Any]], Awaitable[Sequence[Any]]]) -> None:
        queue = self._queues[key]
        while queue:
            taken = queue[:MAX_BATCH]
            del queue[:MAX_BATCH]
            await self._run(run, taken)

    async def _run(
        self, run: Callable[[list[Any]], Awaitable[Sequence[Any]]], taken: list[tuple[Any, asyncio.Future[Any]]]
    ) -> None:
        try:
            results = await run([item for item, _future in taken])
        except Exception as exc:
            if len(taken) == 1:
                taken[0][1].set_exception(exc)
                return
            for one in taken:  # one bad item must not fail the others: retry each alone
                await self._run(run, [one])
            return
        for (_item, future), result in zip(taken, results, strict=True):
            future.set_result(result)

    def stop(self) -> None:
        for worker in self._workers.values():
            worker.cancel()


@dataclass(frozen=True)
class _Turn:
    """The running update's place in its chat's order, and the intake's shared stages."""

    done: asyncio.Future[None]
    batches: _Batches
    answering: asyncio.Semaphore
    #: This update's answers, running on once its handler has returned (see ``stored_then_answered``).
    answers: list[asyncio.Task[None]]
    #: Why its work failed with the database unavailable: the update is handled again later.
    unavailable: list[BaseException]


#: The turn of the update whose handler is running in this task (see ``release_chat``).
_TURN: ContextVar[_Turn | None] = ContextVar("gridbot_chat_turn", default=None)


class DatabaseUnavailable(Exception):
    """Updates were put back because the database was unavailable: the processor backs off."""


async def retried_later(_update: object, context: Any) -> None:
    """PTB's first error handler: work that failed because the database is unavailable is not an
    error to tell anyone about. Within the intake, its update stays unprocessed and is handled
    again once the database is back (no apology: the person gets the normal answer then);
    ``handlers.errors.on_error`` sees every other error, and the same ones outside the intake."""
    turn = _TURN.get()
    if turn is not None and context.error is not None and unavailable(context.error):
        turn.unavailable.append(context.error)
        raise ApplicationHandlerStop


def release_chat() -> None:
    """Let the next update of this chat start: call once this update's ordered work is committed.

    A no-op outside the intake (for instance when a test calls a handler directly).
    """
    turn = _TURN.get()
    if turn is not None and not turn.done.done():
        turn.done.set_result(None)


async def batched(key: Hashable, run: Callable[[list[T]], Awaitable[Sequence[R]]], item: T) -> R:
    """Queue ``item`` for ``run`` and wait for its result; ends this update's chat turn at once.

    Items queued under one ``key`` while a batch is running form the next batch: ``run`` gets
    them in queue order (so in update order within a chat) and returns one result per item. All
    callers of a key must pass the same ``run``. Outside the intake, runs ``run([item])``.
    """
    turn = _TURN.get()
    if turn is None:
        return (await run([item]))[0]
    future = turn.batches.add(key, run, item)
    release_chat()
    return await future


async def stored_then_answered(
    key: Hashable,
    store: Callable[[list[T]], Awaitable[Sequence[R]]],
    item: T,
    answer: Callable[[R], Awaitable[None]],
) -> None:
    """The whole life of a handler's ordered work: ``store`` ``item`` with the batch it joins
    (``batched``: this update's chat turn ends at once), then ``answer`` its result. Handlers reach
    it as ``Services.stored_then_answered`` (the runner passes it; handlers do not import the edge)
    and never drive the two parts.

    The answer does not keep the handler waiting: it runs on by itself, its requests queued at
    the paced sender behind their own chat only, and holding one of ``ANSWERING`` places on the
    wire only while Telegram answers them (``core.pacing.sharing_wire``). A reply held back by one
    group's flood window thus holds nothing another chat needs. Its update is marked done once
    the answer is over, so a restart answers again what a killed process had not.
    """
    result = await batched(key, store, item)
    turn = _TURN.get()
    if turn is None:
        await answer(result)
        return
    turn.answers.append(asyncio.create_task(_answering(turn, answer, result), name="gridbot-answer"))


async def _answering(turn: _Turn, answer: Callable[[R], Awaitable[None]], result: R) -> None:
    """Many handlers answering at once are slower than a few: hundreds of requests in flight each
    hold a connection and a turn of the event loop, only to queue at Telegram's end."""
    with sharing_wire(turn.answering):
        await answer(result)


#: Strings Telegram or the bot made, never a person: ids (a callback query's is a long digit run)
#: and callback data. Everything else a person may have typed.
_MACHINE_KEYS = frozenset({"id", "chat_instance", "data", "invoice_payload"})


def masked_update(payload: Any) -> Any:
    """The update with identity and card numbers masked in every text a person wrote (message text,
    captions, names, edits alike), before anything writes it: the inbox keeps raw updates for days.
    Telegram's ids stay whole (numbers, and the strings named in ``_MACHINE_KEYS`` or ``*_id``).
    A NUL character becomes a space (the same length, so entity offsets hold): PostgreSQL stores
    no NUL in text, and the message would be lost there."""
    if isinstance(payload, str):
        return mask_identifiers(payload.replace("\x00", " "))
    if isinstance(payload, dict):
        return {
            key: value if key in _MACHINE_KEYS or key.endswith("_id") else masked_update(value)
            for key, value in payload.items()
        }
    if isinstance(payload, list):
        return [masked_update(value) for value in payload]
    return payload


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


def _lane(update: dict[str, Any] | Update) -> int:
    if isinstance(update, dict):
        return chat_key(update)
    chat, user = update.effective_chat, update.effective_user
    return chat.id if chat is not None else user.id if user is not None else 0


class Intake:
    """Durable inbox in front of a PTB application that has no Updater.

    Updates accepted by this process are handed to handlers straight from memory once stored;
    the inbox table is read back only for what an earlier process left (at start) and when more
    than ``MAX_QUEUED`` are waiting, so the database is written once per batch and read rarely.
    """

    def __init__(
        self,
        application: GridApplication,
        sessions: SessionFactory,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self._application = application
        self._sessions = sessions
        self.metrics = metrics or Metrics(sessions)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        #: Stored updates not yet handed out, in id order; only complete once the inbox was read to its end.
        self._arrivals: Arrivals[dict[str, Any] | Update] = Arrivals()
        self._read_inbox = True
        #: Where the current read of the inbox table has got to (None: from the oldest pending row).
        self._scan: int | None = None
        #: Ids handed to a handler and not yet marked processed: a read of the table skips them.
        self._handed: set[int] = set()
        #: Per chat, the turn the next update of that chat must wait for.
        self._lanes: dict[int, asyncio.Future[None]] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._done: list[int] = []
        self._batches = _Batches()
        self._answering = asyncio.Semaphore(ANSWERING)
        #: Handler tasks whose handler returned and whose answers are still under way.
        self._answering_tasks: set[asyncio.Task[None]] = set()
        #: The getUpdates offset: confirms to Telegram what the inbox holds (polling only).
        self._offset: int | None = None
        #: Ids put back because the database was unavailable, until handled; and the first such error
        #: not yet reported to the supervisor.
        self._retrying: set[int] = set()
        self._unavailable: DatabaseUnavailable | None = None
        #: Chats whose update was put back: their later updates wait for the retry (chat order).
        self._held_lanes: set[int] = set()

    async def accept(
        self, payloads: Sequence[dict[str, Any]], *, parsed: Sequence[Update] = (), in_order: bool = False
    ) -> int:
        """Commit raw updates to the inbox; only after this returns may they be acknowledged.

        ``parsed``: the same updates as PTB objects, when the caller has them (polling), so that
        they are not parsed again for their handlers. ``in_order``: nothing below the highest id
        is still to come (a getUpdates batch), so no gap is waited for.
        """
        masked = [masked_update(p) for p in payloads]
        rows = [(int(p["update_id"]), json.dumps(p, ensure_ascii=False)) for p in masked]
        self._arrivals.expect(update_id for update_id, _payload in rows)
        try:
            async with transaction(self._sessions) as session:
                added = set(await inbox.store_updates(session, updates=rows))
        except BaseException:
            self._arrivals.abandon(update_id for update_id, _payload in rows)
            self._wake.set()
            raise
        self._arrivals.abandon(update_id for update_id, _payload in rows if update_id not in added)
        self.metrics.updates_received.inc(len(added))
        # A PTB object saves parsing again, unless masking changed its update.
        given = zip(parsed, payloads, masked, strict=False)
        objects = {update.update_id: update for update, raw, safe in given if raw == safe}
        for payload in masked:
            update_id = int(payload["update_id"])
            if update_id in added:
                self._arrivals.add(update_id, objects.get(update_id) or payload)
        if in_order and rows:
            self._arrivals.known_through(max(update_id for update_id, _payload in rows))
        if len(self._arrivals) > MAX_QUEUED:  # far behind: let the inbox table hold the backlog
            self._arrivals.clear()
            self._read_inbox = True
        self._idle.clear()
        self._wake.set()
        return len(added)

    async def _read_table(self) -> None:
        """Add the next pending rows of the inbox table, while memory does not hold them all."""
        if not self._read_inbox or len(self._arrivals) >= BATCH:
            return
        async with self._sessions() as session:
            if self._scan is None:
                latest = await inbox.latest_update_id(session)
                if latest is not None:
                    self._arrivals.start_after(latest)
            rows = await inbox.pending_updates(session, after=self._scan, limit=BATCH)
        for row in rows:
            if row.update_id not in self._handed:
                self._arrivals.add(row.update_id, json.loads(row.payload))
        if rows:
            self._arrivals.known_through(rows[-1].update_id)
        # Read to the end: whatever was stored since is in memory too (accept always adds).
        self._read_inbox = len(rows) == BATCH
        self._scan = rows[-1].update_id if self._read_inbox else None

    async def _dispatch(self) -> int:
        """Start a handler task for stored updates not yet handed out; returns how many started."""
        room = MAX_IN_FLIGHT - len(self._running)
        if room <= 0 or len(self._answering_tasks) >= MAX_ANSWERS_WAITING:
            return 0
        await self._read_table()
        taken = self._arrivals.take(room)
        for update_id, payload in taken:
            if update_id not in self._handed:
                self._start(update_id, payload)
        return len(taken)

    def _start(self, update_id: int, payload: dict[str, Any] | Update) -> None:
        self._handed.add(update_id)
        lane = _lane(payload)
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
        payload: dict[str, Any] | Update,
        *,
        lane: int,
        after: asyncio.Future[None] | None,
        turn: asyncio.Future[None],
    ) -> None:
        try:
            if after is not None:
                await after
            if lane in self._held_lanes:  # an earlier update of this chat waits for the database
                self._put_back(update_id, payload)
                return
            await self._slots.acquire()
            # The slot is for the turn, not for the whole handler: one that waits for Telegram
            # after ``release_chat`` (a reply held back by the flood limit) blocks no other chat.
            turn.add_done_callback(lambda _turn: self._slots.release())
            update = payload if isinstance(payload, Update) else Update.de_json(payload, self._application.bot)
            state = _Turn(turn, self._batches, self._answering, answers=[], unavailable=[])
            _TURN.set(state)  # this task's own context
            with self.metrics.handler_seconds.time():
                await self._application.process_update(update)
            if state.answers:
                await self._answered(update, state, turn=turn)
            if state.unavailable:
                self._held_lanes.add(lane)
                self._put_back(update_id, payload, because=state.unavailable[0], lane=lane)
                return
            self._retrying.discard(update_id)
            self._done.append(update_id)
        finally:
            if not turn.done():
                turn.set_result(None)
            if self._lanes.get(lane) is turn:
                del self._lanes[lane]

    def _put_back(
        self, update_id: int, payload: dict[str, Any] | Update, *, because: BaseException | None = None, lane: int = 0
    ) -> None:
        """Hand the update out again later, in its place: its work met the database unavailable
        (``because``), or an earlier update of its chat did. The processor backs off first."""
        self._handed.discard(update_id)
        self._arrivals.add(update_id, payload)
        self._retrying.add(update_id)
        if because is not None and self._unavailable is None:
            self._unavailable = DatabaseUnavailable(f"update {update_id} of chat {lane} put back: {describe(because)}")

    async def _answered(self, update: Update, state: _Turn, *, turn: asyncio.Future[None]) -> None:
        """Wait for the update's answers as one of the answering, not of the running, handlers: a
        reply waiting for its group's window holds none of the intake's room for other chats."""
        if not turn.done():
            turn.set_result(None)
        task = asyncio.current_task()
        assert task is not None
        self._running.discard(task)
        self._answering_tasks.add(task)
        self._wake.set()  # room for another update
        for outcome in await asyncio.gather(*state.answers, return_exceptions=True):
            if isinstance(outcome, Exception) and unavailable(outcome):
                state.unavailable.append(outcome)
            elif isinstance(outcome, Exception):
                await self._application.process_error(update, outcome)
            elif isinstance(outcome, BaseException):  # cancelled: not done, a restart answers again
                raise outcome

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._answering_tasks.discard(task)
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
        except BaseException:  # a failed or cancelled write: keep them for the next flush
            self._done.extend(done)
            raise
        self._handed.difference_update(done)
        self.metrics.updates_processed.inc(len(done))

    async def run_processor(self, pulse: Pulse) -> None:
        """Process whatever arrives until cancelled or an error (the supervisor starts it again);
        starts with what a previous run left. A database outage leaves the rows pending, and so does
        a handler whose work met it: its update (and its chat's later ones) is put back, this loop
        ends with ``DatabaseUnavailable``, and the supervisor starts it again after its backoff."""
        self._held_lanes.clear()  # what was put back is handed out again, each chat in order
        self._wake.set()
        while True:
            with contextlib.suppress(TimeoutError):  # woken by an arrival, or when a gap's wait is over
                await asyncio.wait_for(self._wake.wait(), timeout=self._arrivals.wait_left())
            self._wake.clear()
            if await self._dispatch():
                self._wake.set()  # there may be more behind this batch
            if len(self._done) >= FLUSH_BATCH or not self._running:
                await self._flush_done()
            if self._unavailable is not None:
                failure, self._unavailable = self._unavailable, None
                raise failure
            if not self._retrying:
                pulse.ok()
            if not (self._wake.is_set() or self._running or self._answering_tasks or self._done or self._arrivals):
                self._idle.set()

    async def stop_handlers(self) -> None:
        """On shutdown, let running handlers finish and record them, so a clean stop replays nothing."""
        if self._running or self._answering_tasks:
            _finished, stuck = await asyncio.wait(self._running | self._answering_tasks, timeout=SHUTDOWN_GRACE)
            for task in stuck:
                task.cancel()
        self._batches.stop()
        with contextlib.suppress(Exception):
            await self._flush_done()

    async def wait_idle(self) -> None:
        """Return once everything accepted so far has been handled and marked done."""
        await self._idle.wait()

    async def prune_daily(self, pulse: Pulse) -> None:
        """Housekeeping for a process that runs for months: the first prune happens at start-up."""
        while True:
            await asyncio.sleep(24 * 3600)
            await self.prune()
            pulse.ok()

    async def prune(self, *, keep: timedelta = INBOX_RETENTION) -> int:
        """Drop processed updates older than ``keep`` (see ``storage.inbox.prune_processed``)."""
        async with transaction(self._sessions) as session:
            return await inbox.prune_processed(session, before=utcnow() - keep)

    async def poll(self, pulse: Pulse, *, timeout: int = 30) -> None:
        """Long-poll getUpdates until an error, which the supervisor retries; the next call's offset
        confirms only what is committed.

        The first call of a process has no offset: Telegram resends what the last run stored but
        had not yet confirmed, and the inbox recognises those ids. (Resuming from the highest stored
        id would drop updates if Telegram restarts its ids lower, as it may after a week without
        updates.) A failed ``accept`` leaves the offset where it was: Telegram sends them again.
        """
        bot = self._application.bot
        while True:
            try:
                updates = await bot.get_updates(
                    offset=self._offset,
                    timeout=timeout,
                    read_timeout=timeout + 10,
                    allowed_updates=Update.ALL_TYPES,
                )
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            if updates:
                await self.accept([update.to_dict() for update in updates], parsed=updates, in_order=True)
                self._offset = updates[-1].update_id + 1
            pulse.ok()


def _seconds(retry_after: object) -> float:
    total_seconds = getattr(retry_after, "total_seconds", None)
    return float(total_seconds()) if callable(total_seconds) else float(retry_after)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def processing(intake: Intake, supervisor: Supervisor) -> AsyncIterator[Intake]:
    """Run the inbox processor, and its daily pruning, supervised for the duration of the block."""
    try:
        async with (
            supervisor.running("inbox", intake.run_processor, retrying="processing stored updates"),
            supervisor.running("inbox-prune", intake.prune_daily, retrying="pruning the inbox"),
        ):
            yield intake
    finally:
        await intake.stop_handlers()
