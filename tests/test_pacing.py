"""One busy group never stalls the others (issue #10, item 4), through PTB and the sandbox.

The sandbox enforces Telegram's flood limits and the bot paces itself by them, both on one fake
clock that moves only when the test says: a group whose window is full stays full, and whatever
waits for it waits for good, until the clock is moved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import select

from core.supervise import Backoff, Supervisor
from demo.playground import Playground, running_playground
from sandbox import RateLimits
from schedules.runtime import Schedule
from services.messages_out import OutgoingMessage
from services.outbox import Envelope, enqueue_all
from storage.db import SessionFactory
from storage.models import OutboxMessage, OutboxStatus, utcnow
from storage.units import get_unit_by_code
from tests.factories import ADMIN, GRID_LEADER, OTHER_GRID_LEADER, RESIDENT, STRANGER, confirm_links, seed_roster
from tests.test_supervision import outage, until

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


#: Order notices queued at once for the busy group: two minutes of its window.
QUEUED = 40


async def _pending_to(sessions: SessionFactory, chat_id: int) -> int:
    async with sessions() as session:
        rows = await session.exec(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == OutboxStatus.PENDING)
        )
        return len(rows.all())


async def _pending_is(sessions: SessionFactory, chat_id: int, count: int) -> bool:
    return await _pending_to(sessions, chat_id) == count


async def _one_by_one(playground: Playground, time: FakeTime, chat_id: int, count: int, after_seq: int) -> int:
    """Let ``count`` outbox messages out to ``chat_id``, moving the clock by the bulk spacing after
    each (bulk sends go one per 1/30 s of the bot window); the transcript position of the last."""
    for _ in range(count):
        event = await playground.client.wait_for_event(
            kind="bot_message", chat_id=chat_id, after_seq=after_seq, timeout=10
        )
        after_seq = event.seq
        time.advance(0.05)
    return after_seq


async def test_an_alert_for_another_chat_does_not_wait_for_a_busy_groups_outbox_chain(
    database_url: str, sessions: SessionFactory
) -> None:
    """40 order notices for one group fill its window at the 20th; the other 20 wait a minute, and
    the outbox round sending them does not end before. An abnormal check-in in another grid written
    meanwhile reaches its leader privately at once: a new round sends the chats not in flight. On
    main every round waited for the one before (one delivery at a time), so the alert waited for the
    busy group's whole chain (here: for ever, as the clock stands still). A notice queued for the
    busy group meanwhile goes after its 40, in order, once the clock lets it."""
    time = FakeTime()
    async with running_playground(
        database_url=database_url, admin_ids=[ADMIN], rate_limits=RateLimits(), pacing_clock=time
    ) as playground:
        client = playground.client
        busy, other = await _groups(playground, sessions)
        await playground.say(OTHER_GRID_LEADER, OTHER_GRID_LEADER, "/start")  # private alerts open
        time.advance(60)  # the /bind and /start replies out of the windows
        async with sessions() as session:
            unit = await get_unit_by_code(session, code="T1-V1-G1")
        assert unit is not None and unit.id is not None
        today = utcnow().date()

        def notice(n: int) -> Envelope:
            return Envelope(unit_id=unit.id or 0, chat_id=busy, kind=f"order:{n}", part=0,
                            message=OutgoingMessage.of_text(f"🛒 订单 #{n}"))  # fmt: skip

        await enqueue_all(sessions, day=today, envelopes=[notice(n) for n in range(QUEUED)])
        settings = playground.settings
        settings = settings.model_copy(update={"schedule": settings.schedule.model_copy(update={"enabled": True})})
        bot = playground.bot
        schedule = Schedule(
            sessions=sessions, settings=settings, bot=bot.application.bot, jobs=[], wake=bot.services.outbox_due
        )
        start = (await client.transcript())[-1].seq
        async with schedule.running():
            seen = await _one_by_one(playground, time, busy, 20, start)
            await until(lambda: _pending_is(sessions, busy, QUEUED - 20), "the 20th marked sent")  # the rest wait

            await enqueue_all(sessions, day=today, envelopes=[notice(QUEUED)])  # after the 40, for the same group
            await client.send_message(user_id=RESIDENT, chat_id=other, text="5-1-301 体温38.6 咳嗽")
            alert = await client.wait_for_event(
                kind="bot_message", chat_id=OTHER_GRID_LEADER, after_seq=seen, timeout=10
            )
            assert "38.6" in (alert.text or "")
            assert await _pending_to(sessions, busy) == QUEUED + 1 - 20, "the busy group's chain is still waiting"

            time.advance(60)
            seen = await _one_by_one(playground, time, busy, 20, seen)
            time.advance(60)
            await _one_by_one(playground, time, busy, 1, seen)
            await until(lambda: _pending_is(sessions, busy, 0), "the last marked sent")
        texts = [m.text or "" for m in await client.bot_messages(busy) if (m.text or "").startswith("🛒")]
        assert texts == [f"🛒 订单 #{n}" for n in range(QUEUED + 1)]
        assert not [call for call in await client.calls() if call.status == 429]


async def test_a_background_rounds_database_error_reaches_the_supervisor_and_its_rows_go_after(
    database_url: str, sessions: SessionFactory
) -> None:
    """The loop does not wait for its rounds, so a round's error must not die with it: the 21st
    notice is sent while the database refuses writes (on SQLite the loop itself can still read,
    so only the round fails), its mark fails, the round ends with the error, the loop raises it
    and the supervisor reports the schedule failing. Once the database is back the notice, still
    pending, is sent again (at least once: the duplicate the outbox knowingly makes; a round that
    the restarted loop starts before the database is back may send it once more)."""
    time = FakeTime()
    overrides = {"database": {"busy_timeout": 0.2}}
    async with running_playground(
        database_url=database_url,
        admin_ids=[ADMIN],
        rate_limits=RateLimits(),
        pacing_clock=time,
        settings_overrides=overrides,
    ) as playground:
        client = playground.client
        busy, _other = await _groups(playground, sessions)
        time.advance(60)
        async with sessions() as session:
            unit = await get_unit_by_code(session, code="T1-V1-G1")
        assert unit is not None and unit.id is not None
        envelopes = [
            Envelope(unit_id=unit.id, chat_id=busy, kind=f"order:{n}", part=0,
                     message=OutgoingMessage.of_text(f"🛒 订单 #{n}"))
            for n in range(21)
        ]  # fmt: skip
        await enqueue_all(sessions, day=utcnow().date(), envelopes=envelopes)
        settings = playground.settings
        settings = settings.model_copy(update={"schedule": settings.schedule.model_copy(update={"enabled": True})})
        bot = playground.bot
        supervisor = Supervisor(backoff=Backoff(first=0.05, cap=0.2))
        schedule = Schedule(
            sessions=bot.services.sessions, settings=settings, bot=bot.application.bot, jobs=[],
            wake=bot.services.outbox_due,
        )  # fmt: skip
        start = (await client.transcript())[-1].seq
        async with schedule.running(supervisor):
            seen = await _one_by_one(playground, time, busy, 20, start)
            await until(lambda: _pending_is(sessions, busy, 1), "the 20th marked sent")
            async with outage(database_url):
                time.advance(60)  # the 21st goes; its mark meets the outage
                seen = await _one_by_one(playground, time, busy, 1, seen)
                await until(lambda: _schedule_failing(supervisor), "the supervisor to hear of the round's error")
            await _one_by_one(playground, time, busy, 1, seen)  # sent again
            await until(lambda: _pending_is(sessions, busy, 0), "the 21st marked sent")
            await until(lambda: _schedule_healthy(supervisor), "the schedule to recover")
        texts = [m.text or "" for m in await client.bot_messages(busy) if (m.text or "").startswith("🛒")]
        assert list(dict.fromkeys(texts)) == [f"🛒 订单 #{n}" for n in range(21)]
        assert texts.count("🛒 订单 #20") >= 2  # and the others once
        assert len(texts) == 20 + texts.count("🛒 订单 #20")
        assert supervisor.health.tasks["schedule"].restarts >= 1


async def _schedule_failing(supervisor: Supervisor) -> bool:
    return supervisor.health.tasks["schedule"].failing_since is not None


async def _schedule_healthy(supervisor: Supervisor) -> bool:
    return supervisor.health.tasks["schedule"].healthy
