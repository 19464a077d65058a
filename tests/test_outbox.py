"""The durable outbox through the real bot and the sandbox: once per key, in order, through failures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from demo.playground import Playground
from services.messages_out import MessageKind, OutgoingMessage
from services.outbox import DeliveryReport, Envelope, InFlight, backoff, deliver_due, enqueue, enqueue_all
from storage.db import SessionFactory
from storage.models import BindingStatus, ChatBinding, OutboxMessage, OutboxStatus, Person, Unit, utcnow
from tests.factories import GRID_LEADER, NEIGHBOUR, add_person, bind_every_unit
from tests.test_privacy_bot import NOTICE

DAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai


@pytest.fixture
async def chats(playground: Playground, sessions: SessionFactory) -> dict[str, int]:
    return await bind_every_unit(playground, sessions)


async def unit_id(sessions: SessionFactory, code: str) -> int:
    async with sessions() as session:
        unit = (await session.exec(select(Unit).where(Unit.code == code))).one()
    assert unit.id is not None
    return unit.id


async def rows(sessions: SessionFactory) -> list[OutboxMessage]:
    async with sessions() as session:
        return list((await session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id)))).all())


async def deliver(playground: Playground, sessions: SessionFactory, now: datetime) -> DeliveryReport:
    return await deliver_due(sessions, playground.bot.application.bot, settings=playground.settings, now=now)


async def posted(playground: Playground, chat_id: int) -> list[str]:
    """What the bot posted in the chat after joining it (its /bind answers and the notice to residents left out)."""
    messages = await playground.client.bot_messages(chat_id)
    return [m.text or m.caption or "" for m in messages if "绑定" not in (m.text or "") and m.text != NOTICE]


async def queue_text(
    sessions: SessionFactory,
    chats: dict[str, int],
    text: str,
    *,
    code: str = "T1-V1-G1",
    day: date = DAY,
    now: datetime = NOW,
) -> None:
    await enqueue(
        sessions,
        unit_id=await unit_id(sessions, code),
        day=day,
        kind="grid_report",
        part=0,
        chat_id=chats[code],
        message=OutgoingMessage.of_text(text),
        now=now,
    )


async def test_a_key_is_written_once_and_sent_once(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    await queue_text(sessions, chats, "第一网格日报")
    await queue_text(sessions, chats, "第一网格日报（重算）")
    assert len(await rows(sessions)) == 1
    assert (await deliver(playground, sessions, NOW)).sent == 1
    assert (await deliver(playground, sessions, NOW + timedelta(minutes=5))).sent == 0
    assert await posted(playground, chats["T1-V1-G1"]) == ["第一网格日报"]
    (row,) = await rows(sessions)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    sent = await playground.client.bot_messages(chats["T1-V1-G1"])
    assert row.telegram_message_id == sent[-1].message_id


async def test_parts_go_in_order_with_files_and_buttons(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    village = await unit_id(sessions, "T1-V1")
    parts = [
        OutgoingMessage.of_text("<b>西头岭村汇总</b>", reply_markup=((("收到", "notice:ack:1"),),)),
        OutgoingMessage.of_file(MessageKind.PHOTO, filename="chart.png", content=PNG, caption="图表"),
        OutgoingMessage.of_file(MessageKind.DOCUMENT, filename="台账.xlsx", content=b"PK\x03\x04", caption="台账"),
    ]
    envelopes = [
        Envelope(unit_id=village, chat_id=chats["T1-V1"], kind="village_digest", part=n, message=m)
        for n, m in enumerate(parts)
    ]
    await playground.client.inject_failures("sendPhoto", status=500)
    assert await enqueue_all(sessions, day=DAY, envelopes=envelopes, now=NOW) == 3
    first = await deliver(playground, sessions, NOW)
    assert (first.sent, first.retried) == (1, 1)  # the chart failed: the ledger waits behind it
    assert (await deliver(playground, sessions, NOW + backoff(1))).sent == 2
    messages = await playground.client.bot_messages(chats["T1-V1"])
    digest = messages[-3:]
    assert [m.method for m in digest] == ["sendMessage", "sendPhoto", "sendDocument"]
    assert digest[0].text == "西头岭村汇总" and digest[0].reply_markup is not None
    assert digest[2].file is not None and digest[2].file.file_name == "台账.xlsx"


@pytest.mark.parametrize(
    ("failure", "retry_at"),
    [
        ({"status": 500}, NOW + backoff(1)),
        ({"status": 502}, NOW + backoff(1)),
        ({"status": 504, "delay": 0.2}, NOW + backoff(1)),
        ({"status": 429, "retry_after": 7}, NOW + timedelta(seconds=7)),
    ],
    ids=["500", "502", "gateway-timeout", "429"],
)
async def test_failed_sends_are_retried_and_delivered_once(
    playground: Playground,
    sessions: SessionFactory,
    chats: dict[str, int],
    failure: dict[str, float],
    retry_at: datetime,
) -> None:
    await queue_text(sessions, chats, "第一网格日报")
    await playground.client.inject_failures("sendMessage", count=2, **failure)  # type: ignore[arg-type]
    assert (await deliver(playground, sessions, NOW)).retried == 1
    (row,) = await rows(sessions)
    assert row.next_attempt_at.replace(tzinfo=UTC) == retry_at
    assert (await deliver(playground, sessions, retry_at - timedelta(seconds=1))).retried == 0  # not due yet
    assert (await deliver(playground, sessions, retry_at)).retried == 1
    assert (await deliver(playground, sessions, NOW + timedelta(hours=1))).sent == 1
    assert await posted(playground, chats["T1-V1-G1"]) == ["第一网格日报"]


async def test_a_502_page_is_kept_out_of_the_row_and_the_log(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int], caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram's front answers a 502 with an nginx HTML page: the row's error and the log line say
    "Bad Gateway (502)", not the page (it filled the soak's log, one page per failure)."""
    await queue_text(sessions, chats, "第一网格日报")
    await playground.client.inject_failures("sendMessage", status=502)
    assert (await deliver(playground, sessions, NOW)).retried == 1
    (row,) = await rows(sessions)
    assert row.last_error == "NetworkError: Bad Gateway (502)"
    logged = [r.getMessage() for r in caplog.records if r.name == "services.outbox"]
    assert logged and not [line for line in logged if "<html>" in line]


async def test_a_slow_answer_is_waited_for_not_resent(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    """Telegram sends a message even when the client stopped waiting: the outbox waits long enough."""
    await queue_text(sessions, chats, "第一网格日报")
    await playground.client.inject_failures("sendMessage", status=200, delay=0.5)
    assert (await deliver(playground, sessions, NOW)).sent == 1
    assert (await deliver(playground, sessions, NOW + timedelta(hours=1))).sent == 0
    assert await posted(playground, chats["T1-V1-G1"]) == ["第一网格日报"]


async def test_backoff_doubles_up_to_ten_minutes() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4, 8, 40)] == [5, 10, 20, 40, 600, 600]


async def test_a_group_that_threw_the_bot_out_breaks_its_binding_and_the_village_is_told(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    await queue_text(sessions, chats, "第一网格日报")
    await playground.client.inject_failures(
        "sendMessage", status=403, description="Forbidden: bot was kicked from the supergroup chat"
    )
    report = await deliver(playground, sessions, NOW)
    assert (report.sent, report.failed) == (0, 1)
    async with sessions() as session:
        binding = (await session.exec(select(ChatBinding).where(ChatBinding.chat_id == chats["T1-V1-G1"]))).one()
    assert binding.status == BindingStatus.BROKEN
    assert (await deliver(playground, sessions, NOW)).sent == 1
    assert (await posted(playground, chats["T1-V1"]))[-1] == (
        "⚠️ 网格助手已无法在 第一网格（T1-V1-G1）的群里发消息（可能被移出群或群已解散），网格日报没有送达。\n"
        "请该单位负责人把网格助手拉回群，并在群里发送 /bind T1-V1-G1。"
    )
    statuses = [(row.kind, row.status) for row in await rows(sessions)]
    assert statuses == [("grid_report", OutboxStatus.FAILED), (f"broken:{binding.unit_id}", OutboxStatus.SENT)]


async def test_a_report_refused_with_403_is_sent_when_the_group_is_bound_again_that_day(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    """The bot was removed from the grid group before its report went out; once it is added back
    and /bind is sent again, the day's report arrives there (and only there, once)."""
    grid, village = chats["T1-V1-G1"], chats["T1-V1"]
    now = utcnow()
    today = now.astimezone(playground.settings.tz).date()
    await queue_text(sessions, chats, "第一网格日报", day=today, now=now)
    await playground.client.remove_bot_from_group(grid, by=GRID_LEADER)
    await playground.settle()
    report = await deliver(playground, sessions, now)
    assert (report.sent, report.failed) == (0, 1)
    assert (await deliver(playground, sessions, utcnow())).sent == 0
    await playground.client.add_bot_to_group(grid, by=GRID_LEADER)
    await playground.say(GRID_LEADER, grid, "/bind T1-V1-G1")
    assert (await deliver(playground, sessions, utcnow())).sent == 1
    assert (await deliver(playground, sessions, utcnow())).sent == 0
    assert (await posted(playground, grid))[-1] == "第一网格日报"
    assert "第一网格日报" not in await posted(playground, village)
    metrics = playground.bot.intake.metrics
    await metrics.render()
    assert metrics.registry.get_sample_value("gridbot_outbox_messages", {"kind": "grid_report", "status": "sent"}) == 1


async def test_rows_of_days_long_past_expire_unsent(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    await queue_text(sessions, chats, "第一网格日报")
    report = await deliver(playground, sessions, NOW + timedelta(days=2))
    assert (report.sent, report.expired) == (0, 1)
    assert await posted(playground, chats["T1-V1-G1"]) == []


# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def test_a_person_who_never_started_the_bot_is_written_to_no_more(
    playground: Playground, sessions: SessionFactory, chats: dict[str, int]
) -> None:
    await add_person(sessions, NEIGHBOUR, "李四", started_bot=True)  # the database believes they started it
    await enqueue(
        sessions,
        unit_id=await unit_id(sessions, "T1-V1-G1"),
        day=DAY,
        kind="followup:dm",
        part=1,
        chat_id=NEIGHBOUR,
        message=OutgoingMessage.of_text("今天需要检测"),
        now=NOW,
    )
    report = await deliver(playground, sessions, NOW)
    assert (report.sent, report.failed) == (0, 1)
    assert "can't initiate conversation" in report.errors[0]
    async with sessions() as session:
        person = (await session.exec(select(Person).where(Person.telegram_user_id == NEIGHBOUR))).one()
    assert not person.started_bot
    assert await playground.client.bot_messages(NEIGHBOUR) == []


def test_a_round_claims_only_targets_nobody_sent_since_it_read_the_rows() -> None:
    """Rounds overlap (one busy group must not hold up the others' alerts), so a round claims a
    target only if no other round holds it, nor held it after the round read the pending rows:
    those rows may have been sent meanwhile, and are read again by the round the release wakes."""
    woken: list[str] = []
    flight = InFlight(on_release=lambda: woken.append("wake"))
    group, private, robot = (0, -100), (0, 42), (7, 0)
    first_read = flight.mark()
    assert flight.claim([group], read_at=first_read) == {group}
    assert flight.claim([group, private], read_at=first_read) == {private}  # the group is in flight
    second_read = flight.mark()
    flight.release(group)
    assert woken == ["wake"] and group not in flight
    assert flight.claim([group, robot], read_at=second_read) == {robot}  # released after that read: stale rows
    assert flight.claim([group], read_at=flight.mark()) == {group}  # read again: its rows are current
    flight.release(group)
    flight.release(group)  # a chain's end and its round's cleanup both release: once is a release
    assert woken == ["wake", "wake"] and len(flight) == 2
