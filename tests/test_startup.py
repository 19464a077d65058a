"""Starting ``gridbot run``: a rejected token is one line and exit status 2; an unreachable Bot API
is retried, one log line per attempt, until it answers."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from core import texts
from demo.process import BotProcess, write_config
from sandbox import DEFAULT_TOKEN, RateLimits, running_sandbox
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
            state = sandbox.state
            sandbox_actions.create_user(state, first_name="管理员", user_id=ADMIN)
            sandbox_actions.send_message(state, user_id=ADMIN, chat_id=ADMIN, text="/whoami")
            assert await state.changes.wait_for(lambda: bool(state.bot_messages(ADMIN)), 60), "no answer"
            await bot.stop()
    finally:
        await bot.stop()
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output
    attempts = [line for line in output.splitlines() if "reaching the Telegram Bot API failed" in line]
    assert len(attempts) >= 3 and all(" WARNING core.supervise: " in line for line in attempts)
