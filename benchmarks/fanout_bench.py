"""Fan-out at Telegram's limits: every digest of 500 grid, 50 village and 5 town groups, once,
and to a WeCom and a DingTalk group robot beside each village and town group; and the day's edits
of the live digests of a whole county (``--edits``).

    python benchmarks/fanout_bench.py [--scale 1.0] [--limiter paced|aio|both] [--postgres URL] [--no-robots]
    python benchmarks/fanout_bench.py --edits [--scale 0.2] [--minutes 30] [--postgres URL]

The sandbox enforces Telegram's flood limits (30 messages/s per bot, 20/min per group, about
1/s per private chat) at ``--scale`` (window lengths multiplied; 1.0 = real time). The bot is PTB
with the rate limiter under test, sending through the durable outbox (``services.outbox``) exactly
as the scheduled jobs do: a grid report (text with a button) per grid, text + chart + ledger per
village and town — 665 messages. Reported for each limiter:

* time from the first send to the last message delivered, against the least the limits allow
  (the bot window alone binds here: N messages need at least floor((N - 1) / 30) windows);
* sends answered 429, messages lost (never delivered) and duplicated (delivered twice);
* with people writing meanwhile (a reply every 0.5 s, to different people): how long a reply
  waits behind the digest run;
* the group robots (the local fakes, ``python -m sandbox.robots`` in a process of their own, as the
  platforms are remote; at the same ``--scale``: 20 messages a minute each): their messages (WeCom: text, chart image, ledger file; DingTalk: text), "too fast"
  answers, lost and duplicated. The least time counts them too (a robot's N messages need
  floor((N - 1) / 20) minutes), though the Telegram bot window binds here.

``--edits``: the synthetic county (``gridbot generate county``: 4,000 grids, 400 villages, 20 towns)
with nobody confirmed; its 420 village and town digests go out (text; charts and ledgers are the
first part's business), then the 4,000 grids confirm at random over ``--minutes`` simulated minutes.
The schedule's own refresh (``services.live_digests.refresh_digests``, once a simulated minute) and
the outbox (``deliver_due``, the paced limiter) edit the digests in place, on a clock that runs
``1 / --scale`` times as fast as the wall clock (the sandbox's limits scaled alike). Reported: edits
sent against the edits needed without coalescing (every confirmation changes its village's digest
and its town's), 429s among them, each confirmation's delay until an edit showing it was delivered
(simulated seconds, including the refresh's own compute, which the scale magnifies), and whether
every digest ends as the figures are (未报 0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import struct
import sys
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from scratch_db import empty
from sqlmodel import col, delete, select, update
from telegram.ext import AIORateLimiter, BaseRateLimiter, ExtBot
from telegram.request import HTTPXRequest

from bot.ratelimit import PacedRateLimiter
from core.config import FloodSettings, Settings
from sandbox import RateLimits, RunningSandbox, SandboxClient, running_sandbox
from sandbox.robots import DINGTALK, WECOM
from services.live_digests import refresh_digests
from services.messages_out import MessageKind, OutgoingMessage
from services.outbox import Envelope, deliver_due, enqueue_all
from services.report_run import build_deliveries
from services.robots.channel import RobotChannel
from services.robots.client import RobotClient
from storage import outbox as outbox_store
from storage.db import SessionFactory, create_engine, session_factory, transaction
from storage.models import ChatBinding, OutboxMessage, RobotTarget, Unit, UnitLevel, UnitReport

#: The day the --edits run plays (the county's and the edits' clock); its rows are played on its own clock.
DAY = date.today()
TOWNS, VILLAGES_PER_TOWN, GRIDS_PER_VILLAGE = 5, 10, 10
PEOPLE = 40
REPLY_EVERY = 0.5
Clock = Callable[[], datetime]


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
    robots: RemoteRobots | None


class RemoteRobots:
    """The robot fakes served by their own process, through their control routes."""

    def __init__(self, base_url: str, http: aiohttp.ClientSession) -> None:
        self.base_url, self.http = base_url, http

    async def add(self, platform: str, secret: str | None) -> str:
        async with self.http.post(
            f"{self.base_url}/control/robots", json={"platform": platform, "secret": secret}
        ) as r:
            return str((await r.json())["url"])

    async def arrivals(self) -> list[dict[str, Any]]:
        async with self.http.get(f"{self.base_url}/control/arrivals") as response:
            return list(await response.json())


@contextlib.asynccontextmanager
async def robots_process(scale: float) -> AsyncIterator[RemoteRobots]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sandbox.robots", "--scale", str(scale), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        base_url = (await process.stdout.readline()).decode().strip()
        async with aiohttp.ClientSession() as http:
            yield RemoteRobots(base_url, http)
    finally:
        process.terminate()
        await process.wait()


async def build_world(
    sandbox: RunningSandbox, client: SandboxClient, sessions: SessionFactory, robots: RemoteRobots | None
) -> World:
    """The units in the database, a sandbox group per unit with the bot in it, bound; some people;
    a WeCom and a (signed) DingTalk robot beside each village's and town's group."""
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
            if robots is not None and level != UnitLevel.GRID:
                secret = f"SEC{code}"
                for platform, key in ((WECOM, None), (DINGTALK, secret)):
                    url = await robots.add(platform, secret=key)
                    session.add(RobotTarget(unit_id=row.id, platform=platform, url=url, secret=key))
            return row

        for t in range(TOWNS):
            town = await unit(f"T{t}", UnitLevel.TOWN, None)
            for v in range(VILLAGES_PER_TOWN):
                village = await unit(f"T{t}-V{v}", UnitLevel.VILLAGE, town)
                for g in range(GRIDS_PER_VILLAGE):
                    await unit(f"T{t}-V{v}-G{g}", UnitLevel.GRID, village)
    return World(sandbox=sandbox, client=client, chats=chats, levels=levels, people=people, robots=robots)


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
    robot_messages: int = 0
    robot_refused: int = 0
    robot_lost: int = 0
    robot_duplicated: int = 0
    robot_seconds: float = 0.0


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
    robot_rows = await _robot_rows(sessions, day)
    arrivals_before = len(await world.robots.arrivals()) if world.robots else 0
    request = HTTPXRequest(connection_pool_size=256)
    bot: ExtBot[Any] = ExtBot(
        world.sandbox.token, base_url=world.sandbox.bot_base_url, rate_limiter=limiter, request=request
    )
    latencies: list[float] = []
    async with bot, RobotClient(scale=limits.scale) as robot_client:
        channel = RobotChannel(robot_client)
        started, wall_started = time.monotonic(), time.time()
        prober = asyncio.create_task(_reply_forever(bot, world.people, latencies)) if replies else None
        while True:
            await deliver_due(sessions, bot, settings=settings, now=datetime.now(UTC), robots=channel)
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
    arrivals = (await world.robots.arrivals())[arrivals_before:] if world.robots else []
    got = Counter((a["token"], a["body"]) for a in arrivals if a["code"] == 0)
    per_robot = Counter(row.robot_id for row in robot_rows)
    robot_minutes = max(((n - 1) // 20 for n in per_robot.values()), default=0)
    return Result(
        limiter=limiter_name,
        messages=len(envelopes),
        seconds=elapsed,
        minimum=max(windows * limits.scale, robot_minutes * 60 * limits.scale),
        refused=sum(1 for c in calls if c.status == 429),
        sends=len(calls),
        lost=len(envelopes) - len(delivered),
        duplicated=sum(count - 1 for count in delivered.values()),
        replies=latencies,
        robot_messages=len(robot_rows),
        robot_refused=sum(1 for a in arrivals if a["code"] != 0),
        robot_lost=len(robot_rows) - len(got),
        robot_duplicated=sum(count - 1 for count in got.values()),
        robot_seconds=max((a["at"] for a in arrivals), default=wall_started) - wall_started,
    )


async def _robot_rows(sessions: SessionFactory, day: date) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.day == day, OutboxMessage.robot_id != 0)
        return list((await session.exec(query)).all())


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
    if result.robot_messages:
        line += (
            f"\n        group robots: {result.robot_messages} messages, the last after {result.robot_seconds:.1f} s; "
            f"too-fast answers {result.robot_refused}; "
            f"lost {result.robot_lost}; duplicated {result.robot_duplicated}"
        )
    print(line, flush=True)


async def main(scale: float, limiters: list[str], url: str | None, robots_on: bool) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        database = url or f"sqlite+aiosqlite:///{Path(scratch) / 'fanout.db'}"
        engine = await empty(database)
        sessions = session_factory(engine)
        settings = Settings.model_validate({"telegram": {"flood": FloodSettings(scale=scale).model_dump()}})
        async with (
            running_sandbox(rate_limits=RateLimits(scale=scale)) as sandbox,
            SandboxClient(sandbox.url) as client,
            robots_process(scale) as robots,
        ):
            world = await build_world(sandbox, client, sessions, robots if robots_on else None)
            print(
                f"{len(world.chats)} groups, scale {scale} (a group's minute lasts {60 * scale:g} s), "
                f"database {database.split(':')[0]}",
                flush=True,
            )
            runs = [(name, replies) for name in limiters for replies in (False, True)]
            for n, (name, replies) in enumerate(runs):
                # Today and on: the outbox lets a day's rows expire once the day after it is over.
                day = datetime.now(settings.tz).date() + timedelta(days=n)
                report(await run(world, sessions, settings, name, replies, day))
        await engine.dispose()


# --- the day's edits: live digests of a whole county -------------------------------------------


async def _bind_digest_groups(client: SandboxClient, sessions: SessionFactory) -> dict[int, int]:
    """A sandbox group, with the bot in it, for every village and town; bound. Unit id -> chat id."""
    leader = await client.create_user(first_name="书记")
    chats: dict[int, int] = {}
    async with sessions() as session:
        units = (await session.exec(select(Unit).where(col(Unit.level) != UnitLevel.GRID))).all()
    for unit in units:
        group = await client.create_group(title=unit.code, admins=[leader.id])
        await client.add_bot_to_group(group.id, by=leader.id)
        assert unit.id is not None
        chats[unit.id] = group.id
    async with transaction(sessions) as session:
        for unit_id, chat_id in chats.items():
            await session.exec(update(ChatBinding).where(col(ChatBinding.unit_id) == unit_id).values(chat_id=chat_id))
        await session.exec(delete(UnitReport).where(col(UnitReport.day) == DAY))  # nobody has confirmed yet
    return chats


async def _send_digests(sessions: SessionFactory, bot: ExtBot[Any], settings: Settings, clock: Clock) -> int:
    """The village and town digests as the schedule sends them (their text: the edits' subject)."""
    levels = {UnitLevel.VILLAGE, UnitLevel.TOWN}
    at = clock()
    deliveries = await build_deliveries(sessions, settings=settings, day=DAY, levels=levels, now=at, attachments=False)
    envelopes = [
        Envelope(unit_id=d.unit_id, chat_id=d.chat_id, kind=d.kind, part=part, message=message)
        for d in deliveries
        if d.chat_id is not None
        for part, message in enumerate(d.messages)
    ]
    await enqueue_all(sessions, day=DAY, envelopes=envelopes, now=at)
    while not await _drained(sessions, bot, settings, clock):
        await asyncio.sleep(0.02)
    return len(envelopes)


async def _drained(sessions: SessionFactory, bot: ExtBot[Any], settings: Settings, clock: Clock) -> bool:
    """Deliver what is due; whether nothing is left pending."""
    await deliver_due(sessions, bot, settings=settings, now=clock())
    async with sessions() as session:
        return await outbox_store.next_attempt_at(session) is None


async def _confirm(sessions: SessionFactory, grids: list[tuple[int, datetime]]) -> None:
    async with transaction(sessions) as session:
        for grid_id, at in grids:
            session.add(
                UnitReport(unit_id=grid_id, day=DAY, zero=False, confirmed_by=1, confirmed_at=at.astimezone(UTC))
            )


@dataclass
class EditRun:
    confirmations: list[tuple[int, datetime]]
    #: (refresh instant, instant the outbox was empty again after it), simulated.
    refreshes: list[tuple[datetime, datetime]]
    edits_queued: int = 0


async def _play(sessions: SessionFactory, bot: ExtBot[Any], settings: Settings, run: EditRun, clock: Clock) -> None:
    """The confirmations arrive on the simulated clock; the schedule's refresh and the outbox keep up."""
    waiting = list(run.confirmations)
    last_refresh: datetime | None = None
    unsettled: list[int] = []  # refreshes whose edits are not all delivered yet
    while waiting or unsettled or last_refresh is None or last_refresh < run.confirmations[-1][1]:
        now = clock()
        due = [c for c in waiting if c[1] <= now]
        if due:
            await _confirm(sessions, due)
            waiting = waiting[len(due) :]
        if last_refresh is None or now - last_refresh >= timedelta(minutes=1):
            last_refresh = now
            run.edits_queued += await refresh_digests(sessions, settings=settings, now=now)
            run.refreshes.append((now, now))
            unsettled.append(len(run.refreshes) - 1)
        if await _drained(sessions, bot, settings, clock):
            for index in unsettled:
                run.refreshes[index] = (run.refreshes[index][0], clock())
            unsettled = []
        await asyncio.sleep(0.02)


def _delays(run: EditRun) -> list[float]:
    """Each confirmation's wait, in simulated seconds, until the first refresh after it was delivered."""
    delays = []
    for _grid, at in run.confirmations:
        shown = next(((r, done) for r, done in run.refreshes if r >= at), None)
        if shown is not None:
            delays.append((shown[1] - at).total_seconds())
    return delays


async def edits_main(url: str, scale: float, minutes: float, seed: int) -> None:
    import random

    engine = create_engine(url)
    sessions = session_factory(engine)
    settings = Settings.model_validate({"telegram": {"flood": FloodSettings(scale=scale).model_dump()}})
    sent_at = datetime.combine(DAY, datetime.min.time().replace(hour=17), settings.tz)
    real = time.monotonic()

    def clock() -> datetime:
        return sent_at + timedelta(seconds=(time.monotonic() - real) / scale)

    async with running_sandbox(rate_limits=RateLimits(scale=scale)) as sandbox, SandboxClient(sandbox.url) as client:
        chats = await _bind_digest_groups(client, sessions)
        request = HTTPXRequest(connection_pool_size=256)
        bot: ExtBot[Any] = ExtBot(
            sandbox.token,
            base_url=sandbox.bot_base_url,
            rate_limiter=PacedRateLimiter(settings.telegram.flood),
            request=request,
        )
        async with bot:
            digests = await _send_digests(sessions, bot, settings, clock)
            async with sessions() as session:
                grids = (await session.exec(select(Unit.id).where(Unit.level == UnitLevel.GRID))).all()
            rng = random.Random(seed)
            start = clock() + timedelta(minutes=1)
            times = sorted((start + timedelta(seconds=rng.uniform(0, minutes * 60)), grid) for grid in grids if grid)
            run = EditRun(confirmations=[(grid, at) for at, grid in times], refreshes=[])
            calls_before = len(await client.calls())
            print(f"{len(chats)} digest groups, {digests} digest messages sent at 17:00; {len(grids)} grids confirm "
                  f"over {minutes:g} simulated minutes; scale {scale} (a minute lasts {60 * scale:g} s)", flush=True)  # fmt: skip
            began = time.monotonic()
            await _play(sessions, bot, settings, run, clock)
            took = time.monotonic() - began
        edits = [c for c in (await client.calls())[calls_before:] if c.method == "editMessageText"]
        texts = ["\n".join(m.text or "" for m in await client.bot_messages(chat)) for chat in chats.values()]
    await engine.dispose()
    refused = sum(1 for c in edits if c.status == 429)
    done = sum(1 for c in edits if c.status == 200)
    delays = sorted(_delays(run))
    print(
        f"edits: {done} sent (queued {run.edits_queued}) against {2 * len(grids)} needed one per change "
        f"({done / (2 * len(grids)):.1%}); 429s {refused}/{len(edits)} ({refused / max(len(edits), 1):.1%}); "
        f"other refusals {len(edits) - done - refused}; {len(run.refreshes)} refreshes in {took:.0f} s real",
        flush=True,
    )
    print(
        f"a confirmation shown in its digests after: median {statistics.median(delays):.0f} s, "
        f"p95 {delays[int(0.95 * (len(delays) - 1))]:.0f} s, max {delays[-1]:.0f} s (simulated)",
        flush=True,
    )
    final = sum(1 for text in texts if "未报 0" in text)
    print(f"digests ending with every unit below reported (未报 0): {final}/{len(texts)}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--limiter", choices=["paced", "aio", "both"], default="both")
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL instead of a temporary SQLite file")
    parser.add_argument("--edits", action="store_true", help="the day's edits of a whole county's live digests")
    parser.add_argument("--minutes", type=float, default=30.0, help="--edits: the simulated minutes of confirmations")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-robots", action="store_true", help="Telegram groups only, as before issue #15")
    arguments = parser.parse_args()
    if arguments.edits:
        from scratch_db import generate_county

        with tempfile.TemporaryDirectory() as scratch:
            county = arguments.postgres or f"sqlite+aiosqlite:///{Path(scratch) / 'county.db'}"
            generate_county("county", county, DAY)
            asyncio.run(edits_main(county, arguments.scale, arguments.minutes, arguments.seed))
    else:
        chosen = ["paced", "aio"] if arguments.limiter == "both" else [arguments.limiter]
        asyncio.run(main(arguments.scale, chosen, arguments.postgres, not arguments.no_robots))
