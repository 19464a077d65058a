"""Fan-out at Telegram's limits: every digest of 500 grid, 50 village and 5 town groups, once.

    python benchmarks/fanout_bench.py [--scale 1.0] [--limiter paced|aio|both] [--postgres URL]

The sandbox enforces Telegram's flood limits (30 messages/s per bot, 20/min per group, about
1/s per private chat) at ``--scale`` (window lengths multiplied; 1.0 = real time). The bot is PTB
with the rate limiter under test, sending through the durable outbox (``services.outbox``) exactly
as the scheduled jobs do: a grid report (text with a button) per grid, text + chart + ledger per
village and town — 665 messages. Reported for each limiter:

* time from the first send to the last message delivered, against the least the limits allow
  (the bot window alone binds here: N messages need at least floor((N - 1) / 30) windows);
* sends answered 429, messages lost (never delivered) and duplicated (delivered twice);
* with people writing meanwhile (a reply every 0.5 s, to different people): how long a reply
  waits behind the digest run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import struct
import tempfile
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from scratch_db import empty
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.ratelimit import PacedRateLimiter
from core.config import FloodSettings, Settings
from sandbox import RateLimits, RunningSandbox, SandboxClient, running_sandbox
from services.messages_out import MessageKind, OutgoingMessage
from services.outbox import Envelope, deliver_due, enqueue_all
from storage import outbox as outbox_store
from storage.db import SessionFactory, session_factory, transaction
from storage.models import ChatBinding, Unit, UnitLevel

DAY = date(2026, 12, 1)
TOWNS, VILLAGES_PER_TOWN, GRIDS_PER_VILLAGE = 5, 10, 10
PEOPLE = 40
REPLY_EVERY = 0.5


def png(width: int, height: int) -> bytes:
    """A valid PNG of about the size of a digest chart (noise compresses badly, as charts do not)."""
    rows = b"".join(b"\x00" + bytes((x * 7 + y * 13) % 251 for x in range(width * 3)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@dataclass
class World:
    sandbox: RunningSandbox
    client: SandboxClient
    chats: dict[int, int]  # unit id -> chat id
    levels: dict[int, UnitLevel]
    people: list[int]


async def build_world(sandbox: RunningSandbox, client: SandboxClient, sessions: SessionFactory) -> World:
    """The units in the database, a sandbox group per unit with the bot in it, bound; some people."""
    leader = await client.create_user(first_name="书记")
    people = [(await client.create_user(first_name=f"居民{n}")).id for n in range(PEOPLE)]
    for person in people:
        await client.send_message(user_id=person, chat_id=person, text="/start")
    chats: dict[int, int] = {}
    levels: dict[int, UnitLevel] = {}
    async with transaction(sessions) as session:

        async def unit(code: str, level: UnitLevel, parent: Unit | None) -> Unit:
            row = Unit(
                code=code,
                name=code,
                level=level,
                parent_id=parent.id if parent else None,
                path=f"{parent.path}/{code}" if parent else code,
            )
            session.add(row)
            await session.flush()
            assert row.id is not None
            group = await client.create_group(title=code, admins=[leader.id])
            await client.add_bot_to_group(group.id, by=leader.id)
            session.add(ChatBinding(chat_id=group.id, unit_id=row.id, title=code))
            chats[row.id], levels[row.id] = group.id, level
            return row

        for t in range(TOWNS):
            town = await unit(f"T{t}", UnitLevel.TOWN, None)
            for v in range(VILLAGES_PER_TOWN):
                village = await unit(f"T{t}-V{v}", UnitLevel.VILLAGE, town)
                for g in range(GRIDS_PER_VILLAGE):
                    await unit(f"T{t}-V{v}-G{g}", UnitLevel.GRID, village)
    return World(sandbox=sandbox, client=client, chats=chats, levels=levels, people=people)


def digest_envelopes(world: World) -> list[Envelope]:
    chart, ledger = png(640, 400), b"PK\x03\x04" + bytes(range(256)) * 40
    envelopes = []
    for unit_id, chat_id in world.chats.items():
        level = world.levels[unit_id]
        if level == UnitLevel.GRID:
            report = OutgoingMessage.of_text(
                f"📋 <b>{unit_id} 日报告</b>\n打卡：180/200 户（90%）\n异常：0 户\n" + "返乡：新报备 0 人\n" * 3,
                (((" 确认零报告", f"report:confirm:{unit_id}"),),),
            )
            messages = [report]
        else:
            messages = [
                OutgoingMessage.of_text(f"📊 <b>{unit_id} 日报</b>\n" + "· 第一网格：打卡 180/200（90%）\n" * 30),
                OutgoingMessage.of_file(MessageKind.PHOTO, filename="chart.png", content=chart, caption="图表"),
                OutgoingMessage.of_file(MessageKind.DOCUMENT, filename="台账.xlsx", content=ledger, caption="台账"),
            ]
        kind = {UnitLevel.GRID: "grid_report", UnitLevel.VILLAGE: "village_digest", UnitLevel.TOWN: "town_digest"}
        envelopes += [
            Envelope(unit_id=unit_id, chat_id=chat_id, kind=kind[level], part=part, message=message)
            for part, message in enumerate(messages)
        ]
    return envelopes


@dataclass
class Result:
    limiter: str
    messages: int
    seconds: float
    minimum: float
    refused: int
    sends: int
    lost: int
    duplicated: int
    replies: list[float]


async def run(
    world: World, sessions: SessionFactory, settings: Settings, limiter_name: str, replies: bool, day: date
) -> Result:
    """One delivery of every digest (keyed on ``day``, so runs do not collide in the outbox)."""
    limits = settings.telegram.flood
    limiter: BaseRateLimiter[Any]
    if limiter_name == "paced":
        limiter = PacedRateLimiter(limits)
    else:
        limiter = AIORateLimiter(overall_time_period=limits.scale, group_time_period=60 * limits.scale)
    client = world.client
    await client.set_rate_limits(RateLimits(scale=limits.scale))  # forgets earlier traffic
    calls_before = len(await client.calls())
    transcript = await client.transcript()
    seq_before = transcript[-1].seq if transcript else 0
    envelopes = digest_envelopes(world)
    await enqueue_all(sessions, day=day, envelopes=envelopes, now=datetime.now(UTC))
    request = HTTPXRequest(connection_pool_size=256)
    bot: ExtBot[Any] = ExtBot(
        world.sandbox.token, base_url=world.sandbox.bot_base_url, rate_limiter=limiter, request=request
    )
    latencies: list[float] = []
    async with bot:
        started = time.monotonic()
        prober = asyncio.create_task(_reply_forever(bot, world.people, latencies)) if replies else None
        while True:
            await deliver_due(sessions, bot, settings=settings, now=datetime.now(UTC))
            async with sessions() as session:
                due = await outbox_store.next_attempt_at(session)
            if due is None:
                break
            await asyncio.sleep(max((due - datetime.now(UTC)).total_seconds(), 0.0))
        elapsed = time.monotonic() - started
        if prober is not None:
            prober.cancel()
            await asyncio.gather(prober, return_exceptions=True)
    calls = [
        c for c in (await client.calls())[calls_before:] if c.method in ("sendMessage", "sendPhoto", "sendDocument")
    ]
    groups = set(world.chats.values())
    delivered: dict[tuple[int, str], int] = {}
    for event in await client.transcript(after_seq=seq_before):
        if event.kind == "bot_message" and event.chat_id in groups:
            key = (event.chat_id, event.text or "")
            delivered[key] = delivered.get(key, 0) + 1
    windows = (len(envelopes) + (len(latencies) if replies else 0) - 1) // limits.per_bot_per_second
    return Result(
        limiter=limiter_name,
        messages=len(envelopes),
        seconds=elapsed,
        minimum=windows * limits.scale,
        refused=sum(1 for c in calls if c.status == 429),
        sends=len(calls),
        lost=len(envelopes) - len(delivered),
        duplicated=sum(count - 1 for count in delivered.values()),
        replies=latencies,
    )


async def _reply_forever(bot: ExtBot[Any], people: list[int], latencies: list[float]) -> None:
    """People keep writing: the bot answers one every ``REPLY_EVERY`` seconds, to a different person each time."""
    n = 0
    while True:
        await asyncio.sleep(REPLY_EVERY)
        person = people[n % len(people)]
        n += 1
        asyncio.get_running_loop().create_task(_timed_reply(bot, person, latencies))


async def _timed_reply(bot: ExtBot[Any], person: int, latencies: list[float]) -> None:
    started = time.monotonic()
    await bot.send_message(person, "✍ 已记下")
    latencies.append(time.monotonic() - started)


def report(result: Result) -> None:
    ratio = result.seconds / result.minimum if result.minimum else float("nan")
    line = (
        f"{result.limiter:>6}: {result.messages} digest messages in {result.seconds:6.1f} s "
        f"(minimum {result.minimum:5.1f} s, ratio {ratio:4.2f}); 429s {result.refused}/{result.sends} "
        f"({100 * result.refused / max(result.sends, 1):.1f}%); lost {result.lost}; duplicated {result.duplicated}"
    )
    if result.replies:
        waits = sorted(result.replies)
        line += (
            f"\n        replies during the run: {len(waits)}, wait median {statistics.median(waits):.2f} s, "
            f"p95 {waits[int(0.95 * (len(waits) - 1))]:.2f} s, max {waits[-1]:.2f} s"
        )
    print(line, flush=True)


async def main(scale: float, limiters: list[str], url: str | None) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        database = url or f"sqlite+aiosqlite:///{Path(scratch) / 'fanout.db'}"
        engine = await empty(database)
        sessions = session_factory(engine)
        settings = Settings.model_validate({"telegram": {"flood": FloodSettings(scale=scale).model_dump()}})
        async with (
            running_sandbox(rate_limits=RateLimits(scale=scale)) as sandbox,
            SandboxClient(sandbox.url) as client,
        ):
            world = await build_world(sandbox, client, sessions)
            print(
                f"{len(world.chats)} groups, scale {scale} (a group's minute lasts {60 * scale:g} s), "
                f"database {database.split(':')[0]}",
                flush=True,
            )
            runs = [(name, replies) for name in limiters for replies in (False, True)]
            for n, (name, replies) in enumerate(runs):
                report(await run(world, sessions, settings, name, replies, DAY + timedelta(days=n)))
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--limiter", choices=["paced", "aio", "both"], default="both")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL instead of a temporary SQLite file")
    arguments = parser.parse_args()
    chosen = ["paced", "aio"] if arguments.limiter == "both" else [arguments.limiter]
    asyncio.run(main(arguments.scale, chosen, arguments.postgres))
