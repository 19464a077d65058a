"""The bot never stops silently: a database outage is logged, shown on /healthz, and outlived.

The outage is real: on SQLite a second connection holds the write lock (``BEGIN IMMEDIATE``,
as ``gridbot org import`` does) for longer than the busy timeout; on PostgreSQL the test's own
database refuses connections (``ALLOW_CONNECTIONS false`` and its backends terminated). Residents
post meanwhile; once the database is back, every message is stored and answered by the same
process, without a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import sqlite3
import traceback
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.error import NetworkError, RetryAfter
from telegram.ext import TypeHandler

from core import texts
from core.supervise import Backoff, Health, Pulse, supervise
from demo.playground import Playground, running_playground
from sandbox import RateLimits
from storage import inbox
from storage.db import SessionFactory, create_engine, unavailable
from tests.factories import ADMIN, NEIGHBOUR, RESIDENT, bound_groups
from tests.test_intake import stored
from tests.test_webhook import free_port


async def until(condition: Callable[[], Any], what: str, timeout: float = 30.0) -> None:
    """A bounded wait for a condition (polled; the bot runs in this event loop)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await condition():
        if loop.time() > end:
            raise TimeoutError(f"waited {timeout}s for {what}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def sqlite_locked(database_url: str) -> AsyncIterator[None]:
    """Another writer holds SQLite's write lock, as a long import transaction does."""
    holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


@contextlib.asynccontextmanager
async def postgres_refusing(database_url: str) -> AsyncIterator[None]:
    """This test's own database refuses connections and drops the ones it had."""
    name = make_url(database_url).database
    admin = create_engine(make_url(database_url).set(database="postgres").render_as_string(hide_password=False))
    try:
        async with admin.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"), {"name": name}
            )
            try:
                yield
            finally:
                await connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    finally:
        await admin.dispose()


def outage(database_url: str) -> contextlib.AbstractAsyncContextManager[None]:
    return postgres_refusing(database_url) if database_url.startswith("postgresql") else sqlite_locked(database_url)


async def test_a_database_outage_is_reported_and_outlived_without_a_restart(
    database_url: str, sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    overrides = {
        "database": {"busy_timeout": 0.2},
        "retry": {"first_delay": 0.05, "max_delay": 0.2},
        "metrics": {"enabled": True, "port": port},
    }
    async with (
        running_playground(
            database_url=database_url,
            admin_ids=[ADMIN],
            rate_limits=RateLimits(enabled=False),
            settings_overrides=overrides,
        ) as playground,
        aiohttp.ClientSession() as http,
    ):
        grid, _village = await bound_groups(playground, sessions)
        client = playground.client
        healthz = f"http://127.0.0.1:{port}/healthz"

        async def health() -> tuple[int, dict[str, Any]]:
            async with http.get(healthz) as response:
                return response.status, await response.json()

        assert await health() == (200, {"ok": True})
        caplog.set_level(logging.WARNING)
        sent = [(RESIDENT, "3-2-501 体温36.5"), (NEIGHBOUR, "3-2-502 大米2袋"), (RESIDENT, "3-2-501 体温36.6")]
        async with outage(database_url):
            message_ids = [
                (await client.send_message(user_id=user, chat_id=grid, text=words)).message_id for user, words in sent
            ]
            await until(lambda: _status_is(health, 503), "/healthz to report the outage")
            _status, body = await health()
            assert body["ok"] is False
            assert any(line.startswith("polling: ") for line in body["failing"]), body
        await until(lambda: _status_is(health, 200), "/healthz to report the recovery")
        await asyncio.wait_for(playground.settle(), timeout=30)
        stored_ids, _checkins, orders = await stored(sessions)
        assert set(message_ids) <= set(stored_ids)
        assert len(orders) == 1
        reacted = {reaction.message_id for reaction in await client.reactions(grid)}
        assert set(message_ids) <= reacted
        async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
            exposition = await response.text()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }
    assert samples[("gridbot_task_restarts_total", (("task", "polling"),))] >= 1
    assert samples[("gridbot_task_healthy", (("task", "polling"),))] == 1
    assert samples[("gridbot_updates_received_total", ())] >= len(sent)
    assert samples[("gridbot_updates_processed_total", ())] == samples[("gridbot_updates_received_total", ())]
    assert samples[("gridbot_updates_pending", ())] == 0
    assert samples[("gridbot_inbox_lag_seconds", ())] == 0
    assert samples[("gridbot_handler_seconds_count", ())] >= len(sent)
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.supervise" and r.levelno >= logging.WARNING]
    assert warnings[0].startswith("polling failed (")
    assert any(line.startswith("polling recovered") for line in warnings)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records if r.name == "core.supervise")
    for _user, words in sent:  # no log line, traceback included, carries what a resident wrote
        assert words.split()[1] not in caplog.text


async def test_work_that_meets_an_outage_is_done_again_after_it_and_a_bug_is_not(
    database_url: str, sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """An update already in the inbox whose handler meets the database gone (soak: update 100000467,
    "1-3-102 大米3袋", lost) stays unprocessed, with no apology, and is recorded once, with its ✍, when
    the database is back. A handler's own bug still ends its update: apologised for once, done."""
    overrides = {"database": {"busy_timeout": 0.2}, "retry": {"first_delay": 0.05, "max_delay": 0.2}}
    async with running_playground(
        database_url=database_url,
        admin_ids=[ADMIN],
        rate_limits=RateLimits(enabled=False),
        settings_overrides=overrides,
    ) as playground:
        grid, _village = await bound_groups(playground, sessions)
        client = playground.client
        down = outage(database_url)
        began = asyncio.Event()

        async def before_the_handlers(update: Update, _context: object) -> None:
            words = update.effective_message.text if update.effective_message else None
            if words == "3-2-501 大米3袋" and not began.is_set():  # stored in the inbox, not yet handled
                began.set()
                await down.__aenter__()
            if words == "3-2-502 大米1袋":
                raise RuntimeError("a bug in a handler")

        playground.bot.application.add_handler(TypeHandler(Update, before_the_handlers), group=-1)
        caplog.set_level(logging.WARNING)
        order = await client.send_message(user_id=RESIDENT, chat_id=grid, text="3-2-501 大米3袋")
        await asyncio.wait_for(began.wait(), timeout=30)
        await until(lambda: _failing(playground), "the inbox to fail")  # its handler has met the outage
        await down.__aexit__(None, None, None)
        await asyncio.wait_for(playground.settle(), timeout=30)
        bug = await client.send_message(user_id=NEIGHBOUR, chat_id=grid, text="3-2-502 大米1袋")
        await asyncio.wait_for(playground.settle(), timeout=30)
        _ids, _checkins, orders = await stored(sessions)
        assert [message_id for message_id, _number in orders] == [order.message_id, bug.message_id]
        reacted = {reaction.message_id: reaction.emoji for reaction in await client.reactions(grid)}
        assert reacted[order.message_id] == ["✍"]
        apologies = [m.text for m in await client.bot_messages(grid) if m.text == texts.INTERNAL_ERROR]
        assert len(apologies) == 1  # the bug's, not the outage's
        async with sessions() as session:
            assert await inbox.pending_updates(session, after=None, limit=10) == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "core.supervise" and r.levelno >= logging.WARNING]
    assert any(line.startswith("inbox failed (DatabaseUnavailable: update ") for line in warnings), warnings
    assert not any("大米" in line for line in warnings)


def test_only_a_database_unavailable_for_now_is_retried() -> None:
    locked = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    missing = OperationalError("INSERT", {}, sqlite3.OperationalError("no such table: people"))
    refusing = DBAPIError("SELECT 1", {}, _Sqlstate("55000", 'database "x" is not currently accepting connections'))
    terminated = DBAPIError("SELECT 1", {}, _Sqlstate("57P01", "terminating connection due to administrator command"))
    unique = DBAPIError("INSERT", {}, _Sqlstate("23505", "duplicate key value violates unique constraint"))
    telegram = NetworkError("httpx.ConnectError")
    telegram.__cause__ = ConnectionRefusedError("refused")
    retried = [locked, refusing, terminated, ConnectionRefusedError(), OSError("Multiple exceptions"), TimeoutError()]
    assert [unavailable(exc) for exc in retried] == [True] * len(retried)
    not_retried = [missing, unique, telegram, RuntimeError("a bug"), FileNotFoundError("x")]
    assert [unavailable(exc) for exc in not_retried] == [False] * len(not_retried)


class _Sqlstate(Exception):
    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


async def _failing(playground: Playground) -> bool:
    return not playground.bot.health.healthy


async def _status_is(health: Callable[[], Any], status: int) -> bool:
    got, _body = await health()
    return bool(got == status)


async def test_backoff_doubles_to_its_cap_with_jitter_below_the_base() -> None:
    backoff = Backoff(first=1.0, cap=8.0, jitter=0.25)
    rng = random.Random(7)
    delays = [backoff.delay(attempt, rng) for attempt in range(1, 7)]
    bases = [1, 2, 4, 8, 8, 8]
    assert all(0.75 * base <= delay <= base for delay, base in zip(delays, bases, strict=True))


async def _waits_between(failures: list[Exception], health: Health) -> list[float]:
    """Supervise a task that fails with ``failures`` in turn and then recovers: the waits between
    its runs. The supervisor's own clock is the ``sleep`` it is given: no time passes."""
    waits: list[float] = []

    async def task(pulse: Pulse) -> None:
        if failures:
            raise failures.pop(0)
        pulse.ok()
        raise asyncio.CancelledError  # ends the test's supervisor once it recovered

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)
        assert not health.healthy
        assert health.reasons()[0].startswith("polling: getting updates failing since ")

    with pytest.raises(asyncio.CancelledError):
        await supervise(
            "polling",
            task,
            health=health,
            retrying="getting updates",
            backoff=Backoff(first=1, cap=2, jitter=0),
            sleep=fake_sleep,
        )
    return waits


async def test_a_failing_task_is_restarted_logged_once_and_recovers() -> None:
    health = Health()
    assert await _waits_between([ConnectionRefusedError("connection refused")] * 3, health) == [1, 2, 2]
    assert health.healthy
    assert health.tasks["polling"].restarts == 3


async def test_a_429_is_waited_out_for_as_long_as_telegram_asks() -> None:
    """Polling answered 429 with retry_after 7 s retries after 7 s, not after the backoff's 1 s."""
    assert await _waits_between([RetryAfter(7)], Health()) == [7]


async def test_a_telegram_5xx_is_one_warning_line_with_a_count(
    playground: Playground, caplog: pytest.LogCaptureFixture
) -> None:
    await playground.client.create_user(user_id=ADMIN, first_name="管理员")
    caplog.set_level(logging.INFO)
    for _ in range(2):
        await playground.client.inject_failures("sendMessage", status=500, description="Internal Server Error")
        await playground.say(ADMIN, ADMIN, "/whoami")
    lines = [r for r in caplog.records if r.name == "handlers.errors"]
    assert [(r.levelno, r.exc_info) for r in lines] == [(logging.WARNING, None)] * 2
    assert lines[0].getMessage().endswith("; 1 such failures since start")
    assert lines[1].getMessage().endswith("; 2 such failures since start")
    registry = playground.bot.intake.metrics.registry
    assert registry.get_sample_value("gridbot_bot_api_errors_total", {"code": "500"}) == 2


async def test_telegram_refusing_a_reply_is_a_warning_without_its_page(
    playground: Playground, caplog: pytest.LogCaptureFixture
) -> None:
    """A reply that meets a 502 page or a 429 it is not paced for is Telegram failing, not the bot:
    one short WARNING each (before: the 502's HTML page in the line, the 429 an ERROR with a traceback)."""
    await playground.client.create_user(user_id=ADMIN, first_name="管理员")
    caplog.set_level(logging.INFO)
    await playground.client.inject_failures("sendMessage", status=502)
    await playground.say(ADMIN, ADMIN, "/whoami")
    await playground.client.inject_failures("sendMessage", status=429, retry_after=1)
    await playground.say(ADMIN, ADMIN, "/whoami")
    lines = [r for r in caplog.records if r.name == "handlers.errors"]
    assert [(r.levelno, r.exc_info) for r in lines] == [(logging.WARNING, None)] * 2
    assert "Telegram failed (NetworkError: Bad Gateway (502)); 1 such failures" in lines[0].getMessage()
    assert (
        "Telegram failed (RetryAfter: Flood control exceeded. Retry in 0:00:01); 2 such failures"
        in lines[1].getMessage()
    )


async def test_a_database_error_never_carries_the_statements_values(database_url: str) -> None:
    """An error's message (logged with its traceback by the error handler) holds no resident's text."""
    words = "".join(["体温", "36.5"])  # not spelled out: the traceback quotes this test's source lines
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as caught:
                await connection.execute(text("INSERT INTO no_such_table (body) VALUES (:body)"), {"body": words})
    finally:
        await engine.dispose()
    assert words not in "".join(traceback.format_exception(caught.value))
