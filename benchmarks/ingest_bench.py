"""Group messages through the real bot, against a do-nothing PTB bot that only reacts.

    python benchmarks/ingest_bench.py [--messages 2000] [--rate 200] [--seconds 10] [--rounds 2]
                                      [--postgres postgresql+asyncpg://.../scratch_db]

The sandbox Bot API runs in this process (rate limits off); each bot runs as its own process,
as in production: ``gridbot run`` on a fresh database (SQLite, or the PostgreSQL database given,
whose schema is dropped), and a plain PTB ``Application`` whose only handler sets a reaction, on
PTB's default HTTP client (httpx) — the bot the target is about — and, for comparison, on
gridbot's own aiohttp transport (``bot/transport.py``), to show how much of gridbot's figure is
the transport. All see the same group of a 300-household grid, where residents post check-ins
and orders.

For each bot, in alternating rounds so that the machine's other load touches all alike (each figure
is reported as the best round; the ratio also as the median of the rounds' ratios):

* throughput: ``--messages`` messages injected at once; messages per second from the first
  injection to the last reaction (for gridbot: every one stored as a record, checked at the end);
* latency: messages injected at ``--rate`` per second for ``--seconds``; p50 and p99 of the time
  from a message's injection to the bot's reaction on it.

Targets: gridbot's throughput >= 50% of the do-nothing bot's; p99 < 250 ms at 200 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from village import ADMIN, addresses, resident_id, setup  # noqa: E402

SENDERS = [resident_id(0, n) for n in range(60)]  # none linked to a household: writing one claims it
PLAIN, PLAIN_AIOHTTP = "do-nothing PTB bot", "do-nothing PTB bot, aiohttp"


CHECKINS = ("{a} 全家{p}口 体温36.{d} 无症状", "{a} 体温36.{d}", "{a} 王秀英 36.{d} 正常", "{a} 今天都好 体温36.{d}",
            "{a} 刘建国 在家{p}人 都不发烧 36.{d}")  # fmt: skip
ORDERS = ("{a} 大米{n}袋", "{a} 买酱油一瓶 鸡蛋十个")


def _messages(count: int, offset: int) -> list[tuple[int, str]]:
    """(sender, text): check-ins as residents word them, every tenth an order."""
    flats = addresses()
    messages = []
    for n in range(offset, offset + count):
        template = ORDERS[n // 10 % 2] if n % 10 == 9 else CHECKINS[n % len(CHECKINS)]
        text = template.format(a=flats[n % len(flats)], p=n % 4 + 2, d=n % 9, n=n % 5 + 1)
        messages.append((SENDERS[n % len(SENDERS)], text))
    return messages


# --- the do-nothing bot (run in its own process) ----------------------------------------------


def plain_bot(base_url: str, token: str, transport: str) -> None:
    """A PTB application with its own Updater and a single handler: react to every text."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters

    from bot.transport import AiohttpRequest

    async def react(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_message is not None:
            await update.effective_message.set_reaction("✍")

    builder = ApplicationBuilder().token(token).base_url(base_url)
    if transport == "aiohttp":
        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest(connection_pool_size=1))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT, react))
    application.run_polling(poll_interval=0, timeout=10, allowed_updates=Update.ALL_TYPES)


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Stamps:
    """When each message was injected and when the bot first reacted to it (perf_counter)."""

    injected: dict[int, float] = field(default_factory=dict)
    reacted: dict[int, float] = field(default_factory=dict)


class _StampedReactions(list[Any]):
    """The sandbox's reaction log, stamping each reaction as the bot's request lands."""

    def __init__(self, stamps: Stamps) -> None:
        super().__init__()
        self._stamps = stamps

    def append(self, reaction: Any) -> None:
        self._stamps.reacted.setdefault(reaction.message_id, time.perf_counter())
        super().append(reaction)


@dataclass
class Result:
    throughput: list[float] = field(default_factory=list)
    p50: list[float] = field(default_factory=list)
    p99: list[float] = field(default_factory=list)


@dataclass
class Bench:
    sandbox: Any
    chat_id: int
    stamps: Stamps
    sent: int = 0

    def inject(self, messages: list[tuple[int, str]]) -> list[int]:
        from sandbox import actions

        ids = []
        for sender, text in messages:
            sent = actions.send_message(self.sandbox.state, user_id=sender, chat_id=self.chat_id, text=text)
            self.stamps.injected[sent.message_id] = time.perf_counter()
            ids.append(sent.message_id)
        self.sent += len(messages)
        return ids

    async def reacted(self, ids: list[int], timeout: float = 300) -> None:
        wanted = set(ids)
        done = await self.sandbox.state.changes.wait_for(lambda: wanted <= self.stamps.reacted.keys(), timeout)
        if not done:
            raise TimeoutError(f"{len(wanted - self.stamps.reacted.keys())} messages never got a reaction")

    async def throughput(self, count: int) -> float:
        ids = self.inject(_messages(count, self.sent))
        started = self.stamps.injected[ids[0]]
        await self.reacted(ids)
        return count / (max(self.stamps.reacted[i] for i in ids) - started)

    async def latency(self, rate: float, seconds: float) -> tuple[float, float]:
        count = int(rate * seconds)
        ids: list[int] = []
        started = time.perf_counter()
        for n, message in enumerate(_messages(count, self.sent)):
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            ids += self.inject([message])
        await self.reacted(ids)
        waits = sorted(self.stamps.reacted[i] - self.stamps.injected[i] for i in ids)
        return statistics.median(waits) * 1000, waits[int(len(waits) * 0.99)] * 1000


async def _running(process: asyncio.subprocess.Process, bench: Bench) -> None:
    """Wait until the bot answers: a warm-up burst (jieba loads its dictionary on first use)."""
    await bench.reacted(bench.inject(_messages(20, bench.sent)), timeout=60)
    assert process.returncode is None


Start = Callable[[], Awaitable[tuple[asyncio.subprocess.Process, Path]]]


async def _round(name: str, start: Start, bench: Bench, args: argparse.Namespace, result: Result) -> None:
    process, log = await start()
    try:
        await _running(process, bench)
        result.throughput.append(await bench.throughput(args.messages))
        p50, p99 = await bench.latency(args.rate, args.seconds)
        result.p50.append(p50)
        result.p99.append(p99)
        print(
            f"  {name}: {result.throughput[-1]:.0f} messages/s; at {args.rate:g}/s p50 {p50:.0f} ms, p99 {p99:.0f} ms"
        )
    except BaseException:
        print(f"  {name} failed (exit code {process.returncode}); the end of its log:", file=sys.stderr)
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def _stored(url: str) -> int:
    from sqlmodel import func, select

    from storage.db import create_engine, session_factory
    from storage.models import MessageRecord

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        count = (await session.exec(select(func.count()).select_from(MessageRecord))).one()
    await engine.dispose()
    return int(count)


async def main(args: argparse.Namespace) -> None:
    from demo.process import write_config
    from sandbox import RateLimits, running_sandbox

    with tempfile.TemporaryDirectory(prefix="gridbot-bench-") as scratch:
        url = args.postgres or f"sqlite+aiosqlite:///{scratch}/bench.db"
        async with running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox:
            stamps = Stamps()
            sandbox.state.reactions = _StampedReactions(stamps)
            world = await setup(url, sandbox, grids=1, linked=0, unlinked=len(SENDERS))
            bench = Bench(sandbox=sandbox, chat_id=world.grids[0], stamps=stamps)
            config = write_config(Path(scratch) / "bot.toml", sandbox=sandbox, database_url=url, admin_ids=(ADMIN,))
            env = {key: value for key, value in os.environ.items() if not key.startswith("GRIDBOT_")}

            def bot(*command: str) -> Start:
                """Start a bot process, its output in a log of its own (shown if it fails)."""

                async def start() -> tuple[asyncio.subprocess.Process, Path]:
                    log_path = Path(scratch) / f"bot-{len(os.listdir(scratch))}.log"
                    with log_path.open("wb") as log:
                        process = await asyncio.create_subprocess_exec(
                            sys.executable, *command, stdout=log, stderr=log, env=env, cwd=ROOT
                        )
                    return process, log_path

                return start

            bots = {
                "gridbot": bot("-m", "bot.cli", "run", "-c", str(config)),
                PLAIN: bot(__file__, "--plain-bot", sandbox.bot_base_url, sandbox.token, "httpx"),
                PLAIN_AIOHTTP: bot(__file__, "--plain-bot", sandbox.bot_base_url, sandbox.token, "aiohttp"),
            }
            results = {name: Result() for name in bots}
            for round_number in range(1, args.rounds + 1):
                print(f"round {round_number}/{args.rounds}")
                for name, start in bots.items():
                    await _round(name, start, bench, args, results[name])
            stored = await _stored(url)
    best = {name: max(result.throughput) for name, result in results.items()}
    print(f"\n{date.today()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
          f"{'PostgreSQL' if args.postgres else 'SQLite'} · {args.messages} messages per burst, "
          f"{args.rate:g}/s for {args.seconds:g} s · best of {args.rounds} rounds")  # fmt: skip
    print(f"{'bot':<34} {'messages/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for name, result in results.items():
        print(f"{name:<34} {best[name]:>10.0f} {min(result.p50):>8.0f} {min(result.p99):>8.0f}")
    for name, target in ((PLAIN, "; target >= 50%"), (PLAIN_AIOHTTP, "")):
        ratio = best["gridbot"] / best[name]
        pairs = zip(results["gridbot"].throughput, results[name].throughput, strict=True)
        rounds = [ours / theirs for ours, theirs in pairs]
        print(f"gridbot/{name}: {ratio:.0%} of the bests, {statistics.median(rounds):.0%} median of "
              f"rounds ({', '.join(f'{r:.0%}' for r in rounds)}){target}")  # fmt: skip
    print(f"gridbot p99 at {args.rate:g}/s: {min(results['gridbot'].p99):.0f} ms best, "
          f"{statistics.median(results['gridbot'].p99):.0f} ms median (target < 250 ms)")  # fmt: skip
    gridbot_messages = args.rounds * (20 + args.messages + int(args.rate * args.seconds))
    print(f"records stored by gridbot: {stored} of {gridbot_messages} messages it was sent")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--plain-bot"]:
        plain_bot(sys.argv[2], sys.argv[3], sys.argv[4])
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000, help="messages per throughput burst")
    parser.add_argument("--rate", type=float, default=200, help="messages per second in the latency run")
    parser.add_argument("--seconds", type=float, default=10, help="length of the latency run")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per bot (best is kept)")
    parser.add_argument("--postgres", metavar="URL", help="a scratch PostgreSQL database (its schema is dropped)")
    asyncio.run(main(parser.parse_args()))
