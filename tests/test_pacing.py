"""One busy group never stalls the others (issue #10, item 4), through PTB and the sandbox.

The sandbox enforces Telegram's flood limits and the bot paces itself by them, both on one fake
clock that moves only when the test says: a group whose window is full stays full, and whatever
waits for it waits for good, until the clock is moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from demo.playground import Playground, running_playground
from sandbox import RateLimits
from storage.db import SessionFactory
from tests.factories import ADMIN, GRID_LEADER, OTHER_GRID_LEADER, RESIDENT, STRANGER, confirm_links, seed_roster

#: Residents of the busy group, none of whom wrote their address: each order is asked about.
RUSH = [6000 + n for n in range(40)]


@dataclass
class _Timer:
    at: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeTime:
    """Monotonic seconds that move only in ``advance``; the paced sender's timers fire then."""

    def __init__(self) -> None:
        self.now = 1000.0
        self._timers: list[_Timer] = []

    def __call__(self) -> float:
        return self.now

    def call_later(self, delay: float, callback: Callable[[], None]) -> _Timer:
        timer = _Timer(self.now + delay, callback)
        self._timers.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [timer for timer in self._timers if timer.at <= self.now and not timer.cancelled]
        self._timers = [timer for timer in self._timers if timer not in due and not timer.cancelled]
        for timer in due:
            timer.callback()


async def _groups(playground: Playground, sessions: SessionFactory) -> tuple[int, int]:
    """Grid T1-V1-G1 with the 40 residents of the rush; grid T1-V1-G2 with a linked resident and a stranger."""
    await seed_roster(sessions)
    client = playground.client
    for user_id in (GRID_LEADER, OTHER_GRID_LEADER, RESIDENT, STRANGER, *RUSH):
        await client.create_user(user_id=user_id, first_name=f"u{user_id}")
    busy = await client.create_group(title="第一网格群", members=RUSH, admins=[GRID_LEADER])
    other = await client.create_group(title="第二网格群", members=[RESIDENT, STRANGER], admins=[OTHER_GRID_LEADER])
    for chat, leader, code in ((busy.id, GRID_LEADER, "T1-V1-G1"), (other.id, OTHER_GRID_LEADER, "T1-V1-G2")):
        await client.add_bot_to_group(chat, by=leader)
        await playground.say(leader, chat, f"/bind {code}")
    await confirm_links(sessions, {RESIDENT: "5-1-301"})
    return busy.id, other.id


async def _bot_messages_seen(playground: Playground, chat_id: int, count: int, after_seq: int) -> int:
    """Wait for ``count`` more bot messages in ``chat_id``; the transcript position of the last."""
    for _ in range(count):
        event = await playground.client.wait_for_event(kind="bot_message", chat_id=chat_id, after_seq=after_seq)
        after_seq = event.seq
    return after_seq


async def _asks(playground: Playground, chat_id: int) -> list[str]:
    return [m.text or "" for m in await playground.client.bot_messages(chat_id) if "门牌号" in (m.text or "")]


async def test_an_order_rush_in_one_group_does_not_delay_another_groups_reactions_or_replies(
    database_url: str, sessions: SessionFactory
) -> None:
    """40 orders in one group, each asked about (20 a minute there): the first 20 asks go, the rest
    wait for the group's window. Meanwhile the other group's check-in gets its ✍ and its order its
    ask at once; on main they waited behind the four answering places the busy group's waiting
    asks held (here: for ever, as the clock stands still). Then the clock moves a minute and the
    other 20 asks follow, without a single 429."""
    time = FakeTime()
    async with running_playground(
        database_url=database_url, admin_ids=[ADMIN], rate_limits=RateLimits(), pacing_clock=time
    ) as playground:
        client = playground.client
        busy, other = await _groups(playground, sessions)
        time.advance(60)  # the /bind replies out of the windows
        start = (await client.transcript())[-1].seq
        for user_id in RUSH:
            await client.send_message(user_id=user_id, chat_id=busy, text="要两袋大米")
        seen = await _bot_messages_seen(playground, busy, 20, start)

        checkin = await client.send_message(user_id=RESIDENT, chat_id=other, text="5-1-301 体温36.5")
        reaction = await client.wait_for_event(kind="reaction", chat_id=other, after_seq=seen, timeout=10)
        await client.send_message(user_id=STRANGER, chat_id=other, text="要两袋大米")
        await _bot_messages_seen(playground, other, 1, seen)
        assert [r.message_id for r in await client.reactions(other)] == [checkin.message_id]
        assert reaction.seq > seen
        assert len(await _asks(playground, busy)) == 20, "the rest wait for the busy group's window"

        time.advance(60)
        await _bot_messages_seen(playground, busy, 20, seen)
        await playground.settle()
        assert len(await _asks(playground, busy)) == len(RUSH)
        assert not [call for call in await client.calls() if call.status == 429]
