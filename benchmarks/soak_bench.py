"""Soak: the real bot process for half an hour of mixed load, faults, database outages and kills.

    python benchmarks/soak_bench.py [--minutes 30] [--rate 2] [--faults 0.1] [--outage-seconds 30]
                                    [--postgres postgresql+asyncpg://.../scratch_db]

The sandbox Bot API runs in this process (flood limits off); ``gridbot run`` runs as a child
process on a fresh database (SQLite, or the PostgreSQL database given, whose schema is dropped),
with its schedule on the wall clock (the outbox's sender, and one digest run at 30% of the run).
A village of four grid groups (300 households each, 30 residents linked to their households)
and the village group, with the four grid leaders' private alerts opened.

* load: residents' messages at ``--rate`` per second (check-ins, orders — a third of them
  urgent —, now and then an abnormal check-in), commands (/help, /whoami, /status, a private
  /start), a grid leader pressing 接单 on an order notice every 10 s;
* faults: ``--faults`` of all Bot API calls fail (500, 502 as Telegram's nginx page, 429, and
  one in ten a lost answer: Telegram does the call but answers only after the client gave up);
* outages: two of ``--outage-seconds`` — SQLite: another connection holds an exclusive lock
  (``BEGIN EXCLUSIVE``); PostgreSQL: the database refuses new connections
  (``ALLOW_CONNECTIONS false``) and its backends are terminated;
* kills: three SIGKILLs of the bot, each restarted after 2 s.

Disruptions fall in the first 30% of the run and the digest run at 30% (its first digest loads the
chart and ledger libraries, a one-time step; the digests are then edited in place as records
arrive), so that the last two thirds — the last 20 minutes of 30 — show whether memory stays flat
under the steady load. Then faults stop, the bot is given time to deliver what is due, and stopped.

Prints messages sent vs stored, order notices and alerts due (from the stored records) vs
delivered (distinct, in the sandbox), duplicates (and the lost answers and kills that may cause
them), reaction latency outside the disruptions (injected from a disruption's start until 60 s
after its end are left out) and each disruption's recovery, the bot's peak RSS, and its RSS over
the last two thirds of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from village import StampedReactions, Stamps, World, grid_leader, resident_id, setup, write_config  # noqa: E402

from sandbox.faults import FailureInjector, InjectedFailure  # noqa: E402

GRIDS = 4
GRID_LEADERS = [grid_leader(g) for g in range(GRIDS)]
RESIDENTS = 30  # per grid, each linked to one household
#: A disruption's messages and those of the next minute are left out of "latency outside outages".
RECOVERY_GRACE = 60.0
#: When the digests run, as a share of the run: after the disruptions, before the last two thirds.
DIGEST_AT = 0.30


CHECKINS = ("{a} 全家{p}口 体温36.{d} 无症状", "{a} 体温36.{d}", "{a} 今天都好 体温36.{d}")
ORDERS = ("{a} 大米{n}袋", "{a} 买酱油一瓶 鸡蛋十个", "{a} 急需大米{n}袋")


# --- faults ----------------------------------------------------------------------------------


class RandomFaults(FailureInjector):
    """``rate`` of all calls fail; what was injected is counted (lost answers by method)."""

    def __init__(self, rate: float, seed: int = 10) -> None:
        super().__init__()
        self.rate = rate
        self.enabled = True
        self._random = random.Random(seed)
        self.injected: Counter[str] = Counter()
        self.lost: Counter[str] = Counter()

    def take(self, method: str) -> InjectedFailure | None:
        queued = super().take(method)
        if queued is not None or not self.enabled or self._random.random() >= self.rate:
            return queued
        roll = self._random.random()
        if method == "getUpdates":
            failure = InjectedFailure(500 if roll < 0.5 else 502)
        elif roll < 0.4:
            failure = InjectedFailure(500)
        elif roll < 0.7:
            failure = InjectedFailure(502)
        elif roll < 0.9:
            failure = InjectedFailure(429, retry_after=self._random.choice((1, 2, 3)))
        else:  # done, but answered after the client's timeout (the outbox waits 60 s, PTB 5 s)
            failure = InjectedFailure(200, delay=61.0 if method.startswith(("send", "edit")) else 6.0)
            self.lost[method] += 1
        self.injected[str(failure.status)] += 1
        return failure


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Log:
    """What the soak did and saw, on ``time.perf_counter``."""

    stamps: Stamps = field(default_factory=Stamps)
    commands: int = 0
    presses: list[str] = field(default_factory=list)
    disruptions: list[tuple[str, float, float]] = field(default_factory=list)
    rss: list[tuple[float, int]] = field(default_factory=list)  # (time, KiB)
    peak_kib: int = 0
    restarts: list[float] = field(default_factory=list)
    exits: list[tuple[float, int]] = field(default_factory=list)  # (time, exit code) of unbidden ends


@dataclass
class Soak:
    sandbox: Any
    world: World
    args: argparse.Namespace
    log: Log
    bot: Any
    started: float = 0.0
    random: random.Random = field(default_factory=lambda: random.Random(7))
    unused_abnormal: list[tuple[int, int]] = field(default_factory=list)
    killing: bool = False

    def at(self, fraction: float) -> float:
        return self.started + fraction * float(self.args.minutes) * 60

    def say(self, user_id: int, chat_id: int, text: str) -> int:
        from sandbox import actions

        return actions.send_message(self.sandbox.state, user_id=user_id, chat_id=chat_id, text=text).message_id

    def resident_message(self, n: int) -> None:
        grid = self.random.randrange(GRIDS)
        resident = self.random.randrange(RESIDENTS)
        roll = self.random.random()
        if roll < 0.03 and self.unused_abnormal:
            grid, resident = self.unused_abnormal.pop()
            template = "{a} 体温38.{d} 咳嗽"
        elif roll < 0.18:
            template = ORDERS[n % len(ORDERS)]
        else:
            template = CHECKINS[n % len(CHECKINS)]
        text = template.format(a=self.world.addresses[resident], p=n % 4 + 2, d=n % 9, n=n % 5 + 1)
        chat = self.world.grids[grid]
        message_id = self.say(resident_id(grid, resident), chat, text)
        self.log.stamps.injected[(chat, message_id)] = time.perf_counter()

    def command(self) -> None:
        grid = self.random.randrange(GRIDS)
        resident = resident_id(grid, self.random.randrange(RESIDENTS))
        chat = self.world.grids[grid]
        match self.random.randrange(4):
            case 0:
                self.say(resident, chat, "/help")
            case 1:
                self.say(resident, chat, "/whoami")
            case 2:
                self.say(GRID_LEADERS[grid], chat, "/status")
            case _:
                self.say(resident, resident, "/start")
        self.log.commands += 1

    async def load(self, until: float) -> None:
        n = 0
        while (now := time.perf_counter()) < until:
            await asyncio.sleep(max(0.0, self.started + n / self.args.rate - now))
            if self.random.random() < 0.05:
                self.command()
            else:
                self.resident_message(n)
            n += 1

    async def presses(self, until: float) -> None:
        from sandbox import actions

        while time.perf_counter() < until:
            await asyncio.sleep(10)
            grid = self.random.randrange(GRIDS)
            chat = self.world.grids[grid]
            for message in reversed(self.sandbox.state.bot_messages(chat)):
                buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
                accept = [b["callback_data"] for b in buttons if str(b.get("text", "")).endswith("接单")]
                if accept:
                    state = self.sandbox.state
                    pressed = actions.press_button(
                        state, user_id=GRID_LEADERS[grid], chat_id=chat, message_id=message.message_id, data=accept[0]
                    )
                    self.log.presses.append(pressed)
                    break

    async def memory(self, until: float) -> None:
        """Sample the bot's RSS every 5 s; a bot that ended unbidden is reported and started again."""
        while time.perf_counter() < until:
            process = self.bot.process
            if process is not None and process.returncode is not None and not self.killing:
                self.log.exits.append((time.perf_counter(), process.returncode))
                print(f"  the bot ended by itself (exit code {process.returncode}); starting it again", flush=True)
                await self.bot.stop()
                await self.bot.start()
            elif process is not None:
                with _suppress():
                    status = Path(f"/proc/{process.pid}/status").read_text()
                    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
                    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
                    self.log.rss.append((time.perf_counter(), rss))
                    self.log.peak_kib = max(self.log.peak_kib, hwm)
            await asyncio.sleep(5)

    async def kill(self) -> None:
        started = time.perf_counter()
        self.killing = True
        await self.bot.kill()
        await asyncio.sleep(2)
        await self.bot.start()
        self.killing = False
        self.log.restarts.append(time.perf_counter())
        self.log.disruptions.append(("SIGKILL + restart", started, time.perf_counter()))

    async def outage(self) -> None:
        seconds = self.args.outage_seconds
        if self.args.postgres:
            started, ended = await _postgres_outage(self.args.postgres, seconds)
        else:
            started, ended = await asyncio.to_thread(_sqlite_outage, self.sqlite_path(), seconds)
        self.log.disruptions.append((f"database outage {seconds:g} s", started, ended))

    def sqlite_path(self) -> str:
        return str(self.args.database_url).split("///", 1)[1]

    async def disruptions(self) -> None:
        plan: list[tuple[float, Callable[[], Any]]] = [
            (0.08, self.kill), (0.12, self.outage), (0.17, self.kill), (0.22, self.outage), (0.27, self.kill),
        ]  # fmt: skip
        for fraction, disrupt in plan:
            await asyncio.sleep(max(0.0, self.at(fraction) - time.perf_counter()))
            await disrupt()


class _suppress:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return exc[0] is not None and issubclass(exc[0], (OSError, AttributeError, ValueError))  # type: ignore[arg-type]


def _sqlite_outage(path: str, seconds: float) -> tuple[float, float]:
    """Another connection holds the file's exclusive lock (as a long import would)."""
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        started = time.perf_counter()
        threading.Event().wait(seconds)
        connection.execute("ROLLBACK")
        return started, time.perf_counter()
    finally:
        connection.close()


async def _postgres_outage(url: str, seconds: float) -> tuple[float, float]:
    """New connections refused and every backend of the database terminated, for ``seconds``."""
    import asyncpg  # type: ignore[import-untyped]

    base, database = url.replace("+asyncpg", "").rsplit("/", 1)
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        return started, time.perf_counter()
    finally:
        await admin.close()


# --- the end: what is due, what arrived ---------------------------------------------------------


@dataclass
class Due:
    stored: set[tuple[int, int]]
    orders: dict[int, set[int]]  # chat → order numbers
    urgent: dict[int, set[int]]  # grid leader → urgent order numbers
    abnormal: dict[int, set[str]]  # grid leader → addresses
    abnormal_village: set[str]
    duplicate_orders: int


async def _due(url: str, world: World) -> Due:
    from sqlmodel import col, func, select

    from storage.db import create_engine, session_factory
    from storage.models import CheckIn, Household, MessageRecord, SupplyOrder, Unit

    engine = create_engine(url)
    codes = {f"S-V-G{g}": g for g in range(GRIDS)}
    due = Due(set(), {chat: set() for chat in world.grids}, {}, {}, set(), 0)
    async with session_factory(engine)() as session:
        due.stored = {(c, m) for c, m in await session.exec(select(MessageRecord.chat_id, MessageRecord.message_id))}
        orders = await session.exec(
            select(Unit.code, SupplyOrder.number, SupplyOrder.urgent).join(
                Unit, col(Unit.id) == col(SupplyOrder.grid_id)
            )
        )
        for code, number, urgent in orders:
            g = codes[code]
            due.orders[world.grids[g]].add(number)
            if urgent:
                due.urgent.setdefault(GRID_LEADERS[g], set()).add(number)
        abnormal = await session.exec(
            select(Unit.code, Household.address)
            .select_from(CheckIn)
            .join(Unit, col(Unit.id) == col(CheckIn.grid_id))
            .join(Household, col(Household.id) == col(CheckIn.household_id))
            .where(col(CheckIn.abnormal))
        )
        for code, address in abnormal:
            due.abnormal.setdefault(GRID_LEADERS[codes[code]], set()).add(address)
            due.abnormal_village.add(f"{code}:{address}")
        per_message = (
            select(SupplyOrder.message_id, func.count().label("n")).group_by(col(SupplyOrder.message_id)).subquery()
        )
        due.duplicate_orders = int((await session.exec(select(func.count()).where(per_message.c.n > 1))).one())
    await engine.dispose()
    return due


@dataclass
class Delivered:
    notices: dict[int, Counter[int]]
    urgent: dict[int, Counter[int]]
    abnormal: dict[int, Counter[str]]
    abnormal_village: Counter[str]
    reports: int
    digests: int
    fallbacks: int


def _delivered(state: Any, world: World) -> Delivered:
    names = {f"浸泡{g}网格": f"S-V-G{g}" for g in range(GRIDS)}
    result = Delivered({}, {}, {}, Counter(), 0, 0, 0)
    for chat in world.grids:
        messages = state.bot_messages(chat)
        numbers = [int(m.group(1)) for b in messages if (m := re.match(r"🛒 订单 #(\d+)", b.text or ""))]
        result.notices[chat] = Counter(numbers)
        result.reports += sum(1 for b in messages if (b.text or "").startswith("📋"))
        result.fallbacks += sum(1 for b in messages if (b.text or "").startswith("✍"))
    for leader in GRID_LEADERS:
        texts = [b.text or "" for b in state.bot_messages(leader)]
        result.urgent[leader] = Counter(int(m.group(1)) for t in texts if (m := re.match(r"🚨 加急订单 #(\d+)", t)))
        result.abnormal[leader] = Counter(t.split("\n")[1].split(" ")[0] for t in texts if t.startswith("⚠️ 异常打卡"))
    for text in (b.text or "" for b in state.bot_messages(world.village)):
        if (m := re.match(r"⚠️ 异常打卡\u3000(\S+) (\S+) ", text)) and m.group(1) in names:
            result.abnormal_village[f"{names[m.group(1)]}:{m.group(2)}"] += 1
        result.digests += text.startswith("📊")
    return result


def _compare(due: dict[Any, set[Any]], got: dict[Any, Counter[Any]]) -> tuple[int, int, int]:
    """(due, delivered of those, duplicates)."""
    wanted = sum(len(v) for v in due.values())
    arrived = sum(len(v & set(got.get(k, Counter()))) for k, v in due.items())
    duplicates = sum(count - 1 for counter in got.values() for count in counter.values())
    return wanted, arrived, duplicates


def _all_delivered(state: Any, world: World, due: Due) -> bool:
    got = _delivered(state, world)
    parts = ((due.orders, got.notices), (due.urgent, got.urgent), (due.abnormal, got.abnormal))
    village = len(due.abnormal_village - set(got.abnormal_village))
    return all(w == a for w, a, _d in (_compare(d, g) for d, g in parts)) and not village


# --- the run -------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, scratch: Path) -> None:
    from demo.process import BotProcess
    from sandbox import RateLimits, running_sandbox

    async with running_sandbox(rate_limits=RateLimits(enabled=False)) as sandbox:
        state = sandbox.state
        log = Log()
        state.reactions = StampedReactions(log.stamps)
        faults = RandomFaults(args.faults)
        world = await setup(args.database_url, sandbox, grids=GRIDS, linked=RESIDENTS)
        total = args.minutes * 60
        digest_at = datetime.now(UTC) + timedelta(seconds=DIGEST_AT * total + 5)
        config = write_config(
            scratch / "bot.toml", sandbox=sandbox, database_url=args.database_url, digests_at=digest_at.time()
        )
        bot = BotProcess(config=config, log=scratch / "bot.log")
        soak = Soak(sandbox=sandbox, world=world, args=args, log=log, bot=bot)
        soak.unused_abnormal = [(g, n) for g in range(GRIDS) for n in range(RESIDENTS)]
        soak.random.shuffle(soak.unused_abnormal)
        load_before = os.getloadavg()
        await bot.start()
        try:
            for leader in GRID_LEADERS:
                soak.say(leader, leader, "/start alerts")
            opened = await state.changes.wait_for(lambda: all(state.bot_messages(x) for x in GRID_LEADERS), 120)
            assert opened, "the bot never answered the leaders' /start"
            state.failures = faults
            soak.started = time.perf_counter()
            until = soak.at(1.0)
            print(f"soak: {args.minutes:g} min on {'PostgreSQL' if args.postgres else 'SQLite'}, "
                  f"digests at {digest_at:%H:%M:%S} UTC; bot log {scratch / 'bot.log'}", flush=True)  # fmt: skip
            await asyncio.gather(
                soak.load(until), soak.presses(until), soak.memory(until), soak.disruptions(), _progress(soak, until)
            )
            faults.enabled = False
            due = await _due(args.database_url, world)
            drained = time.perf_counter()
            await state.changes.wait_for(lambda: _all_delivered(state, world, due), 300)
            print(f"drained in {time.perf_counter() - drained:.0f} s after the load stopped")
            await state.changes.wait_for(lambda: not state.updates, 120)
        finally:
            await bot.stop()
        due = await _due(args.database_url, world)
        report(args, soak, due, _delivered(state, world), faults, load_before)


async def _progress(soak: Soak, until: float) -> None:
    while time.perf_counter() < until:
        await asyncio.sleep(60)
        log = soak.log
        stamps = log.stamps
        rss = log.rss[-1][1] // 1024 if log.rss else 0
        print(f"  {(time.perf_counter() - soak.started) / 60:4.1f} min: {len(stamps.injected)} sent, "
              f"{len(stamps.reacted)} reacted, RSS {rss} MiB, load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def report(
    args: argparse.Namespace, soak: Soak, due: Due, got: Delivered, faults: RandomFaults, load: tuple[float, ...]
) -> None:
    log = soak.log
    stamps = log.stamps
    sent = set(stamps.injected)
    print(f"\n{datetime.now(UTC):%Y-%m-%d} · {os.cpu_count()} cores (load average {load[0]:.1f} before, "
          f"{os.getloadavg()[0]:.1f} after) · Python {platform.python_version()} · "
          f"{'PostgreSQL' if args.postgres else 'SQLite'} · {args.minutes:g} min at {args.rate:g} messages/s")  # fmt: skip
    print(f"faults injected: {sum(faults.injected.values())} ({dict(faults.injected)}), lost answers by method "
          f"{dict(faults.lost)}; disruptions: " + ", ".join(f"{name} at {(a - soak.started) / 60:.1f} min"
                                                           for name, a, _b in log.disruptions))  # fmt: skip
    print(f"the bot ended unbidden {len(log.exits)} times (exit codes {[code for _t, code in log.exits]})")
    print(f"messages sent {len(sent)}, stored {len(sent & due.stored)} (lost {len(sent - due.stored)}); "
          f"orders stored twice for one message: {due.duplicate_orders}; commands {log.commands}; "
          f"接单 presses {len(log.presses)}")  # fmt: skip
    lines = (
        ("order notices", due.orders, got.notices),
        ("urgent-order alerts (leaders)", due.urgent, got.urgent),
        ("abnormal check-in alerts (leaders)", due.abnormal, got.abnormal),
        ("abnormal check-in alerts (village)", {0: due.abnormal_village}, {0: got.abnormal_village}),
    )
    for name, wanted, arrived in lines:
        due_count, delivered, duplicates = _compare(wanted, arrived)
        print(f"{name}: due {due_count}, delivered {delivered} (lost {due_count - delivered}), duplicates {duplicates}")
    print(f"grid reports delivered {got.reports}/{GRIDS}, village digests {got.digests}/1; "
          f"text fallbacks for a reaction: {got.fallbacks}")  # fmt: skip
    outside, everything = [], []
    for key, injected in stamps.injected.items():
        if key not in stamps.reacted:
            continue
        wait = stamps.reacted[key] - injected
        everything.append(wait)
        if not any(a <= injected <= b + RECOVERY_GRACE for _n, a, b in log.disruptions):
            outside.append(wait)
    print(f"reactions: {len(sent & stamps.reacted.keys())}"
          f" of {len(sent)} messages; latency outside disruptions ({len(outside)} messages) p50 "
          f"{statistics.median(outside):.2f} s, p99 {_percentile(outside, 0.99):.2f} s; all messages p99 "
          f"{_percentile(everything, 0.99):.2f} s")  # fmt: skip
    for name, a, b in log.disruptions:
        backlog = [k for k, t in stamps.injected.items() if t <= b and k in stamps.reacted]
        done: float = max((stamps.reacted[k] for k in backlog), default=b)
        print(f"  {name} at {(a - soak.started) / 60:.1f} min: {b - a:.1f} s; every message sent before its end "
              f"reacted to (if at all) {done - b:.1f} s after it")  # fmt: skip
    print(f"bot RSS: peak {log.peak_kib / 1024:.0f} MiB; by tenth of the run (MiB): "
          + " ".join(f"{_rss(log, soak.at(n / 10), soak.at((n + 1) / 10)):.0f}" for n in range(10)))  # fmt: skip
    first, last = _rss(log, soak.at(1 / 3), soak.at(1 / 3 + 0.05)), _rss(log, soak.at(0.95), soak.at(1.0))
    verdict = "flat" if last <= first * 1.02 else "GROWING"
    window = [(t, kib / 1024) for t, kib in log.rss if t >= soak.at(1 / 3)]
    slope = statistics.linear_regression(*zip(*window, strict=True)).slope * 600 if len(window) > 1 else float("nan")
    print(f"  over the last two thirds: {first:.0f} → {last:.0f} MiB (medians of their first and last 5%), "
          f"trend {slope:+.1f} MiB per 10 minutes: {verdict}")  # fmt: skip


def _rss(log: Log, start: float, end: float) -> float:
    """The median RSS sampled in [start, end), MiB."""
    return statistics.median([kib for t, kib in log.rss if start <= t < end] or [0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30, help="length of the loaded run")
    parser.add_argument("--rate", type=float, default=2, help="residents' messages and commands per second")
    parser.add_argument("--faults", type=float, default=0.1, help="share of Bot API calls that fail")
    parser.add_argument("--outage-seconds", type=float, default=30, help="length of each database outage")
    parser.add_argument("--postgres", metavar="URL", help="a scratch PostgreSQL database (its schema is dropped)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="soak-"))  # kept: the bot's log is there
    args.database_url = args.postgres or f"sqlite+aiosqlite:///{scratch}/soak.db"
    asyncio.run(run(args, scratch))


if __name__ == "__main__":
    main()
