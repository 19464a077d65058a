"""Supervision of the bot's long-running tasks: one code path for polling, processing, the schedule.

A task that raises is logged once, retried after a capped exponential backoff with jitter, and
resumes by itself when the database or Telegram is back; while it fails, ``Health`` says so, and
``/healthz`` answers 503 with the reason, so that systemd, Kubernetes or a person can see it. A
task reports progress with ``Pulse.ok()``: that is what ends a failure (the task itself keeps
running, a long poll or a processing loop does not return). Time is a parameter (``sleep`` and
``rng``), so tests replace the wait and the jitter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from telegram.error import RetryAfter

from core.pacing import retry_after_seconds
from core.redact import without_credentials

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """Seconds before the n-th retry: ``first`` doubling up to ``cap``, each shortened by up to ``jitter``.

    Jitter spreads the retries of many processes (or tasks) that failed at the same moment.
    """

    first: float = 1.0
    cap: float = 60.0
    jitter: float = 0.25

    def delay(self, attempt: int, rng: random.Random) -> float:
        base = min(self.cap, self.first * 2.0 ** min(max(attempt - 1, 0), 32))
        return base * (1.0 - self.jitter * rng.random())


@dataclass
class TaskState:
    """What ``/healthz`` says about one task."""

    name: str
    #: What the task keeps doing while it fails, for the log line and ``/healthz``.
    retrying: str
    failing_since: datetime | None = None
    last_error: str | None = None
    attempts: int = 0
    restarts: int = 0

    @property
    def healthy(self) -> bool:
        return self.failing_since is None


@dataclass
class Health:
    """The state of every supervised task of the process; read by ``/healthz`` and the metrics."""

    tasks: dict[str, TaskState] = field(default_factory=dict)

    def task(self, name: str, retrying: str) -> TaskState:
        return self.tasks.setdefault(name, TaskState(name=name, retrying=retrying))

    @property
    def healthy(self) -> bool:
        return all(task.healthy for task in self.tasks.values())

    def reasons(self) -> list[str]:
        """One line per failing task: what fails, since when, and the last error."""
        return [
            f"{task.name}: {task.retrying} failing since {task.failing_since:%Y-%m-%d %H:%M:%S} UTC "
            f"({task.attempts} attempts): {task.last_error}"
            for task in self.tasks.values()
            if task.failing_since is not None
        ]


class Pulse:
    """Handed to a supervised task: ``ok()`` after each piece of work that succeeded."""

    def __init__(self, state: TaskState) -> None:
        self._state = state

    def ok(self) -> None:
        state = self._state
        if state.failing_since is None:
            return
        log.warning("%s recovered after %d failed attempts", state.name, state.attempts)
        state.failing_since = None
        state.last_error = None
        state.attempts = 0


#: What PTB appends when an answer is not JSON: Telegram's front's HTML page (a 502), as bytes.
_PAGE = re.compile(r"\.? Parsing the server response b['\"].*$")
#: A log line's share of one exception's message.
DESCRIBED_LENGTH = 200


def _wait(backoff: Backoff, attempt: int, rng: random.Random, exc: Exception) -> float:
    """The backoff's delay, or longer where the failure says how long: Telegram's 429 ``retry_after``."""
    asked = retry_after_seconds(exc) if isinstance(exc, RetryAfter) else 0.0
    return max(backoff.delay(attempt, rng), asked)


def describe(exc: BaseException) -> str:
    """One line for an exception: its type and the first line of its message, without an HTML
    page Telegram's front answered with, cut to ``DESCRIBED_LENGTH`` (no traceback)."""
    lines = without_credentials(str(exc)).strip().splitlines()
    if not lines:
        return type(exc).__name__
    first = _PAGE.sub("", lines[0])
    if len(first) > DESCRIBED_LENGTH:
        first = first[: DESCRIBED_LENGTH - 1] + "…"
    return f"{type(exc).__name__}: {first}"


async def supervise(
    name: str,
    task: Callable[[Pulse], Awaitable[None]],
    *,
    health: Health,
    retrying: str,
    backoff: Backoff,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> None:
    """Run ``task`` until cancelled, starting it again after each error.

    The first failure of a run of failures is logged at WARNING with the reason and what is being
    retried; the next ones only at DEBUG, so an outage of an hour is one line, not a thousand.
    A task that returns is started again at once (it has nothing to report).
    """
    state = health.task(name, retrying)
    pulse = Pulse(state)
    rng = rng or random.Random()
    while True:
        try:
            await task(pulse)
            continue
        except Exception as exc:
            state.attempts += 1
            state.restarts += 1
            state.last_error = describe(exc)
            wait = _wait(backoff, state.attempts, rng, exc)
            if state.failing_since is None:
                state.failing_since = datetime.now(UTC)
                log.warning("%s failed (%s); %s, retrying with backoff", name, state.last_error, retrying)
            else:
                log.debug("%s failed again (%s); retry %d in %.1f s", name, state.last_error, state.attempts, wait)
        await sleep(wait)


@dataclass(frozen=True)
class Supervisor:
    """The process's ``Health`` and retry policy, shared by every task it starts."""

    health: Health = field(default_factory=Health)
    backoff: Backoff = Backoff()

    @contextlib.asynccontextmanager
    async def running(
        self, name: str, task: Callable[[Pulse], Awaitable[None]], *, retrying: str
    ) -> AsyncIterator[None]:
        """Supervise ``task`` for the duration of the block; cancel it on exit."""
        runner = asyncio.create_task(
            supervise(name, task, health=self.health, retrying=retrying, backoff=self.backoff), name=f"gridbot-{name}"
        )
        try:
            yield
        finally:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner


async def until_done(
    what: str,
    call: Callable[[], Awaitable[T]],
    *,
    retry_on: tuple[type[Exception], ...],
    backoff: Backoff,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
) -> T:
    """Call ``call`` until it succeeds, for a start-up step (reaching Telegram); one log line per
    failed attempt (a 429 waits its ``retry_after``). Errors other than ``retry_on`` (a rejected
    token) are not retried."""
    rng = rng or random.Random()
    attempt = 0
    while True:
        try:
            return await call()
        except retry_on as exc:
            attempt += 1
            wait = _wait(backoff, attempt, rng, exc)
            log.warning("%s failed (%s); attempt %d, retrying in %.2f s", what, describe(exc), attempt, wait)
        await sleep(wait)
