"""An order rush in one group, and the reactions in the other groups meanwhile (issue #10, item 4).

    python benchmarks/rush_bench.py [--orders 40] [--groups 4] [--rate 0.5] [--alert-every 4] [--bot-root PATH]
                                    [--postgres postgresql+asyncpg://.../scratch_db]

The sandbox Bot API runs in this process and enforces Telegram's flood limits (20 messages a
minute in a group, 30 a second for the bot); ``gridbot run`` runs as its own process, paced by
the same limits, on a fresh database (SQLite, or the PostgreSQL database given, whose schema is
dropped). A village of ``--groups`` + 1 grid groups. In the busy one, ``--orders`` residents post
an order at once: half of them linked to their household (a ✍, and the order notice through the
outbox), half who never wrote their address (the bot asks for it in the group) — that many
messages of the bot, which the group's window lets out at 20 a minute. Meanwhile residents of
each other group post check-ins at ``--rate`` a second, until the busy group has all its
messages (at least for a minute), and each is acknowledged with a ✍. Every ``--alert-every``
rounds of those check-ins, one of them is abnormal (a fever): its alert goes through the outbox to
the grid leader privately (the other groups' leaders pressed Start) and to the village group.

Prints the reactions in the other groups (p50, p90, max, from a message's injection to its ✍),
those in the busy group, how long the busy group's messages took, how long the alerts took (from
the abnormal check-in's injection to the alert in the sandbox, privately and in the village
group), and the 429s Telegram would have answered. Targets: reactions in the other groups p90 < 2 s;
alerts never wait for the busy group's window.

``--bot-root`` runs the bot from another checkout (``git archive main | tar -x -C DIR``), to
compare with the code before the change.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from village import StampedReactions, Stamps, World, grid_leader, resident_id, setup, write_config  # noqa: E402

LINKED = 30  # residents per grid linked to households 1..30; the rush's unlinked ones come after
#: The households (of each other grid) whose residents post the abnormal check-ins: 20, 21, ...
FEVER_FROM = 20


class Rush:
    def __init__(self, sandbox: Any, world: World, args: argparse.Namespace) -> None:
        self.sandbox = sandbox
        self.world = world
        self.args = args
        self.stamps = Stamps()
        sandbox.state.reactions = StampedReactions(self.stamps)
        self.busy = world.grids[0]
        self.others = world.grids[1:]
        self.order_at = 0.0
        self.notice_after = 0.0
        #: Per alert, from the abnormal check-in's injection to its private alert, and to the village group's.
        self.private_waits: list[float] = []
        self.village_waits: list[float] = []
        self._watchers: list[asyncio.Task[None]] = []
        self.fevers = 0

    def notice_in(self, chat_id: int) -> bool:
        return any((m.text or "").startswith("🛒") for m in self.sandbox.state.bot_messages(chat_id))

    def say(self, user_id: int, chat_id: int, text: str, *, reacted: bool = True) -> None:
        """Post as a resident; stamped if a ✍ is due (an order without address is asked about instead)."""
        from sandbox import actions

        sent = actions.send_message(self.sandbox.state, user_id=user_id, chat_id=chat_id, text=text)
        if reacted:
            self.stamps.injected[(chat_id, sent.message_id)] = time.perf_counter()

    async def reacted(self, keys: set[tuple[int, int]], timeout: float) -> None:
        if not await self.sandbox.state.changes.wait_for(lambda: keys <= self.stamps.reacted.keys(), timeout):
            raise TimeoutError(f"{len(keys - self.stamps.reacted.keys())} messages never got a reaction")

    def busy_messages(self) -> int:
        """The bot's asks and order notices in the busy group."""
        texts = [m.text or "" for m in self.sandbox.state.bot_messages(self.busy)]
        return sum(1 for text in texts if "门牌号" in text or text.startswith("🛒"))

    async def warm_up(self) -> None:
        """One check-in per group, reacted to: the bot is up and jieba has loaded its dictionary."""
        for g, chat in enumerate(self.world.grids):
            self.say(resident_id(g, LINKED - 1), chat, f"{self.world.addresses[LINKED - 1]} 体温36.5")
        await self.reacted(set(self.stamps.injected), timeout=120)
        self.stamps.injected.clear()
        from sandbox import actions

        state = self.sandbox.state
        for g in range(1, len(self.world.grids)):  # the other grids' leaders take alerts privately
            actions.send_message(state, user_id=grid_leader(g), chat_id=grid_leader(g), text="/start")
            if not await state.changes.wait_for(lambda g=g: bool(state.bot_messages(grid_leader(g))), 120):
                raise TimeoutError(f"the leader of grid {g} got no answer to /start")

    def fever(self, k: int) -> None:
        """The k-th abnormal check-in, in another group in turn; watch for its two alerts."""
        if k >= len(self.others) * (LINKED - 2 - FEVER_FROM):
            return  # every household 20..27 of each other grid has had its fever (28 orders, 29 warmed up)
        g = 1 + k % len(self.others)
        n = FEVER_FROM + k // len(self.others)  # a household of its own: one alert each
        address = self.world.addresses[n]
        temperature = f"{38 + k // 9}.{1 + k % 9}"
        self.fevers += 1
        at = time.perf_counter()
        self.say(resident_id(g, n), self.world.grids[g], f"{address} 体温{temperature} 咳嗽")

        def alert_in(chat_id: int) -> bool:
            return any(
                "异常打卡" in (m.text or "") and address in (m.text or "") and temperature in (m.text or "")
                for m in self.sandbox.state.bot_messages(chat_id)
            )

        async def watch(chat_id: int, waits: list[float]) -> None:
            if await self.sandbox.state.changes.wait_for(lambda: alert_in(chat_id), 600):
                waits.append(time.perf_counter() - at)

        self._watchers += [
            asyncio.create_task(watch(grid_leader(g), self.private_waits)),
            asyncio.create_task(watch(self.world.village, self.village_waits)),
        ]

    async def alerts_arrived(self) -> None:
        await asyncio.gather(*self._watchers)

    def rush(self) -> None:
        half = self.args.orders // 2
        for n in range(half):  # linked: ✍ and a notice
            self.say(resident_id(0, n), self.busy, f"{self.world.addresses[n]} 大米{n % 5 + 1}袋")
        for n in range(self.args.orders - half):  # no address: asked for it
            self.say(resident_id(0, LINKED + n), self.busy, "要两袋大米", reacted=False)

    async def others_meanwhile(self, started: float) -> float:
        """Check-ins in the other groups until the busy group has all its messages (a minute at least);
        returns how long the busy group's messages took."""
        n, finished = 0, None
        order = self.others[0]
        while finished is None or time.perf_counter() < started + 60:
            if n == 5:  # an order in another group: its notice goes out through the outbox too
                self.order_at = time.perf_counter()
                self.say(resident_id(1, LINKED - 2), order, f"{self.world.addresses[LINKED - 2]} 急需大米1袋")
            if self.order_at and not self.notice_after and self.notice_in(order):
                self.notice_after = time.perf_counter() - self.order_at
            if n % self.args.alert_every == self.args.alert_every // 2:
                self.fever(n // self.args.alert_every)
            for g, chat in enumerate(self.others, start=1):
                self.say(resident_id(g, n % LINKED), chat, f"{self.world.addresses[n % LINKED]} 体温36.{n % 9}")
            n += 1
            await asyncio.sleep(max(0.0, started + n / self.args.rate - time.perf_counter()))
            if finished is None and self.busy_messages() >= self.args.orders:
                finished = time.perf_counter() - started
        assert finished is not None
        return finished


def _figures(waits: list[float], what: str = "messages") -> str:
    if not waits:
        return f"none arrived (0 {what})"
    ordered = sorted(waits)
    p90 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
    return f"p50 {statistics.median(ordered):.2f} s, p90 {p90:.2f} s, max {ordered[-1]:.2f} s ({len(ordered)} {what})"


async def main(args: argparse.Namespace) -> None:
    from sandbox import RateLimits, running_sandbox

    scratch = Path(tempfile.mkdtemp(prefix="rush-"))
    url = args.postgres or f"sqlite+aiosqlite:///{scratch}/rush.db"
    root = Path(args.bot_root).resolve() if args.bot_root else ROOT
    async with running_sandbox(rate_limits=RateLimits()) as sandbox:
        world = await setup(url, sandbox, grids=args.groups + 1, linked=LINKED, unlinked=args.orders)
        config = write_config(scratch / "bot.toml", sandbox=sandbox, database_url=url, flood=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith("GRIDBOT_")}
        with (scratch / "bot.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", "-c", str(config), stdout=log, stderr=log, env=env, cwd=root
            )  # fmt: skip
        try:
            rush = Rush(sandbox, world, args)
            await rush.warm_up()
            started = time.perf_counter()
            rush.rush()
            took = await rush.others_meanwhile(started)
            await rush.reacted(set(rush.stamps.injected), timeout=600)
            await rush.alerts_arrived()
        finally:
            process.terminate()
            await process.wait()
        waits = {key: rush.stamps.reacted[key] - at for key, at in rush.stamps.injected.items()}
        busy = [wait for (chat, _m), wait in waits.items() if chat == rush.busy]
        others = [wait for (chat, _m), wait in waits.items() if chat != rush.busy]
        refused = sum(1 for call in sandbox.state.calls if call.status == 429)
    print(f"{time.strftime('%Y-%m-%d')} · {os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f}) · "
          f"Python {platform.python_version()} · {'PostgreSQL' if args.postgres else 'SQLite'} · bot from {root}")  # fmt: skip
    print(f"{args.orders} orders at once in one group, {args.groups} other groups at {args.rate:g} check-ins/s each")
    print(f"the busy group's {args.orders} asks and notices took {took:.0f} s; 429s: {refused}")
    print(f"reactions in the other groups: {_figures(others)} (target p90 < 2 s)")
    print(f"reactions in the busy group: {_figures(busy)}")
    notice = f"{rush.notice_after:.1f} s" if rush.notice_after else "not within the run"
    print(f"an order's notice in another group, posted {rush.order_at - started:.0f} s into the rush: {notice}")
    for where, alert_waits in (
        ("privately to the grid leader", rush.private_waits),
        ("to the village group", rush.village_waits),
    ):
        print(f"{rush.fevers} abnormal check-ins' alerts in other grids, {where}: {_figures(alert_waits, 'alerts')}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=40, help="orders posted at once in the busy group")
    parser.add_argument("--groups", type=int, default=4, help="other groups, posting check-ins meanwhile")
    parser.add_argument("--rate", type=float, default=0.5, help="check-ins per second in each other group")
    parser.add_argument("--alert-every", type=int, default=4, help="one abnormal check-in per this many rounds")
    parser.add_argument("--bot-root", metavar="PATH", help="run the bot from this checkout (default: this one)")
    parser.add_argument("--postgres", metavar="URL", help="a scratch PostgreSQL database (its schema is dropped)")
    asyncio.run(main(parser.parse_args()))
