"""Starting ``gridbot run``: a rejected token is one line and exit status 2; an unreachable Bot API
is retried, one log line per attempt, until it answers."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import make_url

from core import texts
from demo.process import BotProcess, write_config
from sandbox import DEFAULT_TOKEN, RateLimits, RunningSandbox, running_sandbox
from sandbox import actions as sandbox_actions
from tests.factories import ADMIN
from tests.test_webhook import free_port


async def _until_logged(log: Path, pattern: str, count: int, timeout: float = 30) -> None:
    """A bounded wait for the child's log to show ``pattern`` ``count`` times."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while len(re.findall(pattern, log.read_text(encoding="utf-8", errors="replace"))) < count:
        if loop.time() > end:
            raise TimeoutError(f"waited {timeout}s for {count} x {pattern!r} in {log}")
        await asyncio.sleep(0.05)


async def test_a_rejected_token_is_one_chinese_line_and_exit_status_2(database_url: str, tmp_path: Path) -> None:
    async with running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox:
        config = write_config(tmp_path / "bot.toml", sandbox=sandbox, database_url=database_url)
        config.write_text(config.read_text(encoding="utf-8").replace(sandbox.token, "123456:not-the-token"))
        bot = BotProcess(config=config, log=tmp_path / "bot.log")
        await bot.start()
        assert bot.process is not None
        status = await asyncio.wait_for(bot.process.wait(), timeout=60)
        await bot.stop()
    output = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert status == 2
    assert output.strip() == texts.CLI_TOKEN_REJECTED


async def test_an_unreachable_bot_api_at_start_is_retried_until_it_answers(database_url: str, tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "bot.toml"
    config.write_text(
        f'[telegram]\ntoken = "{DEFAULT_TOKEN}"\nbase_url = "http://127.0.0.1:{port}/bot"\n'
        f'base_file_url = "http://127.0.0.1:{port}/file/bot"\n[telegram.flood]\nenabled = false\n'
        f'[database]\nurl = "{database_url}"\n[admins]\nuser_ids = [{ADMIN}]\n[schedule]\nenabled = false\n'
        "[retry]\nfirst_delay = 0.05\nmax_delay = 0.2\n",
        encoding="utf-8",
    )
    log = tmp_path / "bot.log"
    bot = BotProcess(config=config, log=log)
    await bot.start()
    try:
        await _until_logged(log, r"reaching the Telegram Bot API failed \(.*\); attempt \d+, retrying", 3)
        async with running_sandbox(port=port, rate_limits=RateLimits(enabled=False)) as sandbox:
            await _answers(sandbox)
            await bot.stop()
    finally:
        await bot.stop()
    _retried_quietly(log, "reaching the Telegram Bot API failed")


async def _answers(sandbox: RunningSandbox) -> None:
    """The bot answers a person's /whoami."""
    state = sandbox.state
    sandbox_actions.create_user(state, first_name="管理员", user_id=ADMIN)
    sandbox_actions.send_message(state, user_id=ADMIN, chat_id=ADMIN, text="/whoami")
    assert await state.changes.wait_for(lambda: bool(state.bot_messages(ADMIN)), 60), "no answer"


def _fast_retries(tmp_path: Path, sandbox: RunningSandbox, database_url: str, *, busy_timeout: float = 10) -> Path:
    """The bot's config with retries after 0.05 s, at most 0.2 s apart: a test sees several attempts at once."""
    config = write_config(tmp_path / "bot.toml", sandbox=sandbox, database_url=database_url, admin_ids=(ADMIN,))
    text = config.read_text(encoding="utf-8").replace("[database]\n", f"[database]\nbusy_timeout = {busy_timeout}\n")
    config.write_text(text + "[retry]\nfirst_delay = 0.05\nmax_delay = 0.2\n", encoding="utf-8")
    return config


async def _started_and_answering(sandbox: RunningSandbox, config: Path, log: Path) -> None:
    """``gridbot run`` started, answering a /whoami, and stopped."""
    bot = BotProcess(config=config, log=log)
    await bot.start()
    try:
        await _answers(sandbox)
    finally:
        await bot.stop()


def _retried_quietly(log: Path, failed: str) -> None:
    """At least three attempts, each one WARNING line, and no traceback."""
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output
    attempts = [line for line in output.splitlines() if failed in line]
    assert len(attempts) >= 3 and all(" WARNING core.supervise: " in line for line in attempts)


@contextlib.asynccontextmanager
async def _database_refused(database_url: str) -> AsyncIterator[tuple[str, Callable[[], Awaitable[None]]]]:
    """The URL a bot should use and what ends the outage. SQLite: another connection holds the write
    lock; PostgreSQL: nothing listens at the URL's port until a relay to the real server opens there."""
    if database_url.startswith("sqlite"):
        lock = sqlite3.connect(database_url.split("///", 1)[1], isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")

        async def release() -> None:
            lock.execute("ROLLBACK")

        try:
            yield database_url, release
        finally:
            lock.close()
        return
    real = make_url(database_url)
    port = free_port()
    relays: list[asyncio.Server] = []

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(real.host, real.port or 5432)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, server_writer), pipe(server_reader, writer))

    async def open_relay() -> None:
        relays.append(await asyncio.start_server(relay, "127.0.0.1", port))

    try:
        yield real.set(host="127.0.0.1", port=port).render_as_string(hide_password=False), open_relay
    finally:
        for server in relays:
            server.close()


async def test_a_database_refused_at_start_is_retried_until_it_answers(database_url: str, tmp_path: Path) -> None:
    """Started during a database outage, the bot retries, one line per attempt, and serves once the
    database is back; before, it exited with status 1 and a three-part traceback (found by
    benchmarks/soak_bench.py, a restart landing in an outage)."""
    log = tmp_path / "bot.log"
    async with (
        _database_refused(database_url) as (url, end_outage),
        running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox,
    ):
        config = _fast_retries(tmp_path, sandbox, url, busy_timeout=0.1)
        bot = BotProcess(config=config, log=log)
        await bot.start()
        try:
            await _until_logged(log, r"preparing the database failed \(.*\); attempt \d+, retrying", 3)
            await end_outage()
            await _answers(sandbox)
        finally:
            await bot.stop()
    _retried_quietly(log, "preparing the database failed")


@pytest.mark.parametrize("method", ["getMe", "setMyCommands"])
async def test_a_429_at_start_is_waited_out_not_an_exit(method: str, database_url: str, tmp_path: Path) -> None:
    """Telegram answers a start-up call with 429 (a restart right after a kill, in the soak): the
    bot waits the retry_after and goes on. Before, the RetryAfter ended the process with a traceback."""
    log = tmp_path / "bot.log"
    async with running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox:
        config = _fast_retries(tmp_path, sandbox, database_url)
        sandbox_actions.inject_failures(sandbox.state, method, status=429, retry_after=1, count=2)
        await _started_and_answering(sandbox, config, log)
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output
    assert len([line for line in output.splitlines() if "RetryAfter: Flood control exceeded" in line]) == 2


async def test_a_502_page_from_telegrams_front_is_a_warning_not_an_error_with_the_page(
    database_url: str, tmp_path: Path
) -> None:
    """Telegram's nginx answers 502 with an HTML page: the bot logs the failure at WARNING (the
    supervisor's lines) and goes on. Before, PTB also logged the page and a traceback at ERROR for
    every one (378 in the 30-minute soak)."""
    log = tmp_path / "bot.log"
    async with running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox:
        config = _fast_retries(tmp_path, sandbox, database_url)
        sandbox_actions.inject_failures(sandbox.state, "getUpdates", status=502, count=3)
        await _started_and_answering(sandbox, config, log)
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output and " ERROR " not in output
    assert " WARNING core.supervise: polling failed (NetworkError: Bad Gateway (502)); " in output
    assert "<html>" not in output
    assert " WARNING core.supervise: polling recovered after 3 failed attempts" in output
