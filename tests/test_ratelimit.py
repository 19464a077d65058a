"""The paced sender: the pure bookkeeping on explicit times, then PTB through it against the sandbox."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from telegram.ext import ExtBot

from bot.ratelimit import PacedRateLimiter, Pacer, Ticket, Window, counts_as_message
from core.config import FloodSettings
from core.pacing import Priority, bulk_sending
from sandbox import Chat, RateLimits, RunningSandbox, SandboxClient, User, running_sandbox

LIMITS = FloodSettings()


def ticket(chat: int | None, priority: Priority = Priority.INTERACTIVE, seq: int = 0) -> Ticket:
    return Ticket(chat=chat, priority=priority, seq=seq)


def test_window_counts_a_message_until_a_window_after_it_completed() -> None:
    window = Window(limit=2, seconds=1.0)
    assert window.free_at(0.0) == 0.0
    window.take()
    window.take()
    assert window.free_at(0.1) is None  # both in flight: only a completion can free a slot
    window.release(0.2)
    assert window.free_at(0.3) == pytest.approx(1.2)
    window.release(0.5)
    assert window.free_at(1.2) == pytest.approx(1.2)
    assert window.free_at(1.0) == pytest.approx(1.2)
    assert window.idle(1.5)


def test_only_message_creating_methods_count() -> None:
    counted = ["sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup", "copyMessage"]
    free = ["setMessageReaction", "answerCallbackQuery", "sendChatAction", "getMe", "deleteMessage", "getUpdates"]
    assert [counts_as_message(name) for name in counted] == [True] * len(counted)
    assert [counts_as_message(name) for name in free] == [False] * len(free)


def test_bot_window_paces_thirty_per_second() -> None:
    pacer = Pacer(LIMITS)
    tickets = [ticket(-1000 - n, Priority.INTERACTIVE, n) for n in range(31)]
    for each in tickets:
        pacer.enqueue(each)
    first = pacer.grant(0.0)
    assert first == tickets[:30]
    assert pacer.next_change(0.0) is None  # all 30 in flight
    for each in first:
        pacer.release(each, 0.05)
    assert pacer.grant(0.5) == []
    assert pacer.next_change(0.5) == pytest.approx(1.05)
    assert pacer.grant(1.05) == [tickets[30]]


def test_a_reply_goes_before_queued_bulk_sends() -> None:
    pacer = Pacer(LIMITS)
    bulk = [ticket(-1000 - n, Priority.BULK, n) for n in range(40)]
    for each in bulk:
        pacer.enqueue(each)
    for each in pacer.grant(0.0):
        pacer.release(each, 0.0)
    reply = ticket(42, Priority.INTERACTIVE, 99)
    pacer.enqueue(reply)
    assert pacer.grant(1.0)[0] is reply


def test_bulk_sends_are_spread_over_the_second_so_a_reply_soon_finds_a_slot() -> None:
    pacer = Pacer(LIMITS)
    bulk = [ticket(-1000 - n, Priority.BULK, n) for n in range(60)]
    for each in bulk:
        pacer.enqueue(each)
    now, granted = 0.0, []
    while now < 1.0:
        for each in pacer.grant(now):
            pacer.release(each, now + 0.01)
            granted.append(now)
        now = pacer.next_change(now) or now
    assert len(granted) == 30 and granted[1] == pytest.approx(1 / 30)
    reply = ticket(42, Priority.INTERACTIVE, 99)
    pacer.enqueue(reply)
    assert pacer.next_change(now) == pytest.approx(now)  # the slot freeing now goes to the reply
    assert pacer.grant(pacer.next_change(now) or now)[0] is reply


def test_a_full_group_does_not_block_other_chats() -> None:
    pacer = Pacer(LIMITS)
    busy = [ticket(-1, Priority.INTERACTIVE, n) for n in range(21)]
    other = ticket(-2, Priority.INTERACTIVE, 100)
    for each in [*busy, other]:
        pacer.enqueue(each)
    granted = pacer.grant(0.0)
    assert granted == [*busy[:20], other]
    for each in granted:
        pacer.release(each, 0.01)
    assert pacer.next_change(0.02) == pytest.approx(60.01)


def test_private_chat_allows_a_burst_of_three_then_one_per_second() -> None:
    pacer = Pacer(LIMITS)
    replies = [ticket(42, Priority.INTERACTIVE, n) for n in range(4)]
    for each in replies:
        pacer.enqueue(each)
    assert pacer.grant(0.0) == replies[:3]
    for each in replies[:3]:
        pacer.release(each, 0.0)
    assert pacer.next_change(0.0) == pytest.approx(3.0)


def test_a_429_holds_only_its_chat() -> None:
    pacer = Pacer(LIMITS)
    held, free = ticket(-1, seq=0), ticket(-2, seq=1)
    pacer.enqueue(held)
    (granted,) = pacer.grant(0.0)
    pacer.release(granted, 0.1, retry_after=5.0)
    pacer.enqueue(held)
    pacer.enqueue(free)
    assert pacer.grant(0.2) == [free]
    assert pacer.next_change(0.2) == pytest.approx(5.1)
    assert pacer.grant(5.1) == [held]


# --- PTB through the limiter, against the sandbox enforcing Telegram's limits (windows scaled) ---

SCALE = 0.05  # a group's minute lasts 3 s, the bot's second 50 ms


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(rate_limits=RateLimits(scale=SCALE)) as served:
        yield served


@pytest.fixture
async def tg(sandbox: RunningSandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as client:
        yield client


@pytest.fixture
async def paced(sandbox: RunningSandbox) -> AsyncIterator[ExtBot[None]]:
    limiter = PacedRateLimiter(FloodSettings(scale=SCALE))
    async with ExtBot(sandbox.token, base_url=sandbox.bot_base_url, rate_limiter=limiter) as bot:
        yield bot


@pytest.fixture
async def people(tg: SandboxClient) -> tuple[User, Chat, Chat]:
    alice = await tg.create_user(first_name="周", last_name="九")
    await tg.send_message(user_id=alice.id, chat_id=alice.id, text="/start")
    groups = []
    for title in ("一群", "二群"):
        chat = await tg.create_group(title=title, admins=[alice.id])
        await tg.add_bot_to_group(chat.id, by=alice.id)
        groups.append(chat)
    return alice, groups[0], groups[1]


async def test_a_burst_beyond_every_limit_is_paced_without_a_single_429(
    paced: ExtBot[None], tg: SandboxClient, people: tuple[User, Chat, Chat]
) -> None:
    alice, first, second = people
    started = time.monotonic()
    with bulk_sending():
        sends = [paced.send_message(first.id, f"一{n}") for n in range(30)]
        sends += [paced.send_message(second.id, f"二{n}") for n in range(5)]
    sends += [paced.send_message(alice.id, f"私{n}") for n in range(5)]
    await asyncio.gather(*sends)
    elapsed = time.monotonic() - started
    calls = await tg.calls("sendMessage")
    assert [c.status for c in calls if c.status != 200] == []
    assert len(await tg.bot_messages(first.id)) == 30
    # 30 in one group take at least one scaled minute (3 s); the rest never wait for that group
    assert 60 * SCALE <= elapsed < 3 * 60 * SCALE


async def test_a_429_is_retried_after_holding_only_that_chat(
    paced: ExtBot[None], tg: SandboxClient, people: tuple[User, Chat, Chat]
) -> None:
    _alice, first, second = people
    await tg.inject_failures("sendMessage", status=429, retry_after=1)
    held = asyncio.create_task(paced.send_message(first.id, "被限流后重发"))
    while not [c for c in await tg.calls("sendMessage") if c.status == 429]:
        pass  # each look is a round trip to the sandbox: wait until the first attempt was refused
    started = time.monotonic()
    await paced.send_message(second.id, "别的群不受影响")
    assert time.monotonic() - started < 0.5
    assert not held.done()
    assert (await held).text == "被限流后重发"
    assert [m.text for m in await tg.bot_messages(first.id)] == ["被限流后重发"]


async def test_reactions_are_not_paced(paced: ExtBot[None], tg: SandboxClient, people: tuple[User, Chat, Chat]) -> None:
    alice, first, _second = people
    posted = await tg.send_message(user_id=alice.id, chat_id=first.id, text="打卡")
    with bulk_sending():
        await asyncio.gather(*(paced.send_message(first.id, f"{n}") for n in range(20)))
    started = time.monotonic()
    assert await paced.set_message_reaction(first.id, posted.message_id, "✍")
    assert time.monotonic() - started < 60 * SCALE / 2
