"""``gridbot run`` as a separate process against a sandbox served by this one: what a crash test
kills and a benchmark measures, exactly as an operator would start it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from sandbox import RunningSandbox


def write_config(
    path: Path,
    *,
    sandbox: RunningSandbox,
    database_url: str,
    admin_ids: tuple[int, ...] = (),
    schedule: bool = False,
) -> Path:
    """A config file for the bot process: the sandbox as Telegram, no flood pacing; the schedule
    (daily jobs and the outbox's sender) on the wall clock only when ``schedule``."""
    path.write_text(
        "[telegram]\n"
        f'token = "{sandbox.token}"\n'
        f'base_url = "{sandbox.bot_base_url}"\n'
        f'base_file_url = "{sandbox.file_base_url}"\n'
        "[telegram.flood]\nenabled = false\n"
        f'[database]\nurl = "{database_url}"\n'
        f"[admins]\nuser_ids = {list(admin_ids)}\n"
        f"[schedule]\nenabled = {'true' if schedule else 'false'}\n",
        encoding="utf-8",
    )
    return path


@dataclass
class BotProcess:
    """One ``python -m bot.cli run`` child; its log goes to a file for when a test fails.

    Asynchronous, because the sandbox it talks to is served by this process's event loop: a
    blocking wait here would stall the very server the bot needs in order to stop.
    """

    config: Path
    log: Path
    process: asyncio.subprocess.Process | None = None
    _log_file: IO[bytes] | None = field(default=None, repr=False)

    async def start(self) -> None:
        self._log_file = self.log.open("ab")
        env = {key: value for key, value in os.environ.items() if not key.startswith("GRIDBOT_")}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "-c", str(self.config),
            stdout=self._log_file, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip

    async def kill(self) -> None:
        """SIGKILL: no cleanup, no flush, nothing the bot could do about it."""
        await self._end(signal.SIGKILL)

    async def stop(self) -> None:
        await self._end(signal.SIGTERM)

    async def _end(self, sig: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is not None and process.returncode is None:
            process.send_signal(sig)
            try:
                await asyncio.wait_for(process.wait(), timeout=15)
            except TimeoutError:
                process.kill()
                await process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
