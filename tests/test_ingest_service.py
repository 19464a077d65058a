"""The ingest service without Telegram: day boundaries, merging, replays, concurrency."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from core.config import Settings
from services.binding import bind_chat
from services.checkin_day import DayCheckin, merge
from services.ingest import Ack, IncomingMessage, Sender, ingest_message
from services.records import KINDS
from storage.db import SessionFactory
from storage.models import CheckIn, Household, MessageRecord, Returnee, SupplyOrder
from storage.records import RECORD_KINDS
from tests.factories import ADMIN, GRID_LEADER, NEIGHBOUR, RESIDENT, seed_roster

GRID_CHAT, VILLAGE_CHAT = -100111, -100222
SETTINGS = Settings.model_validate({"timezone": "Asia/Shanghai"})
_ids = itertools.count(1)


@pytest.fixture
async def bound(sessions: SessionFactory) -> None:
    await seed_roster(sessions)
    for chat_id, code in ((GRID_CHAT, "T1-V1-G1"), (VILLAGE_CHAT, "T1-V1")):
        await bind_chat(sessions, chat_id=chat_id, title=code, code=code, user_id=ADMIN, admin_ids=frozenset({ADMIN}))


def said(
    text: str,
    *,
    at: datetime = datetime(2026, 11, 24, 2, 0, tzinfo=UTC),
    user_id: int = RESIDENT,
    chat_id: int = GRID_CHAT,
    message_id: int | None = None,
    update_id: int | None = None,
    edited: bool = False,
) -> IncomingMessage:
    number = next(_ids)
    return IncomingMessage(
        chat_id=chat_id,
        private=chat_id > 0,
        message_id=message_id or number,
        update_id=update_id or number,
        sender=Sender(user_id=user_id, name=f"u{user_id}"),
        text=text,
        sent_at=at,
        edited_at=at + timedelta(minutes=1) if edited else None,
    )


async def rows(sessions: SessionFactory) -> list[tuple[date, float | None, int]]:
    async with sessions() as session:
        found = await session.exec(select(CheckIn).order_by(col(CheckIn.day)))
        return [(row.day, row.temperature, row.message_count) for row in found]


def test_merge_takes_the_highest_temperature_all_symptoms_and_the_latest_test_and_count() -> None:
    day = merge(
        [
            {"persons": 4, "temperature": 36.6, "symptoms": [], "test": {"type": "antigen", "result": "negative"}},
            {"temperature": 37.5, "symptoms": ["cough"], "abnormal": True},
            {"persons": 3, "temperature": 36.9, "symptoms": ["fatigue"], "test": {"type": "pcr", "result": "done"}},
        ]
    )
    assert day == DayCheckin(
        persons=3,
        temperature=37.5,
        symptoms=frozenset({"cough", "fatigue"}),
        test_type="pcr",
        test_result="done",
        abnormal=True,
        message_count=3,
    )
    assert day.columns()["symptoms"] == "cough,fatigue"
    assert DayCheckin.from_columns(day.columns()) == day  # folding into the stored row loses nothing
    assert merge([{"temperature": 37.5}], start=merge([{"persons": 4, "symptoms": []}])) == merge(
        [{"persons": 4, "symptoms": []}, {"temperature": 37.5}]
    )
    assert merge([{"temperature": 36.5}]).columns()["symptoms"] is None
    assert merge([{"symptoms": []}]).columns()["symptoms"] == ""


def test_only_new_abnormal_facts_are_worth_another_alert() -> None:
    fever = merge([{"temperature": 37.8, "abnormal": True}])
    assert fever.worse_than(merge([]))
    assert not fever.worse_than(fever)
    assert merge([{"temperature": 38.4, "abnormal": True}]).worse_than(fever)
    assert merge([{"temperature": 37.8, "symptoms": ["cough"], "abnormal": True}]).worse_than(fever)
    assert not merge([{"temperature": 36.5}]).worse_than(merge([]))


@pytest.mark.usefixtures("bound")
async def test_the_day_turns_at_midnight_in_the_configured_time_zone(sessions: SessionFactory) -> None:
    before_midnight = datetime(2026, 11, 24, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    after_midnight = datetime(2026, 11, 24, 16, 1, tzinfo=UTC)  # 00:01 on the 25th
    await ingest_message(sessions, settings=SETTINGS, message=said("3-2-501 体温36.5", at=before_midnight))
    await ingest_message(sessions, settings=SETTINGS, message=said("3-2-501 体温36.7", at=after_midnight))
    assert await rows(sessions) == [(date(2026, 11, 24), 36.5, 1), (date(2026, 11, 25), 36.7, 1)]
    utc = Settings.model_validate({"timezone": "UTC"})
    await ingest_message(sessions, settings=utc, message=said("3-2-502 体温36.6", at=after_midnight))
    async with sessions() as session:
        query = select(Household.address, CheckIn.day).join(Household, col(Household.id) == col(CheckIn.household_id))
        days = sorted((await session.exec(query)).all())
    assert days == [("3-2-501", date(2026, 11, 24)), ("3-2-501", date(2026, 11, 25)), ("3-2-502", date(2026, 11, 24))]


@pytest.mark.usefixtures("bound")
async def test_a_replay_after_a_crash_decides_as_the_first_run_and_adds_nothing(sessions: SessionFactory) -> None:
    message = said("3-2-501 急需降压药一盒")
    first = await ingest_message(sessions, settings=SETTINGS, message=message)
    again = await ingest_message(sessions, settings=SETTINGS, message=message)
    assert first.order is not None and again.order is not None
    assert (again.ack, again.order.order.number, again.order.edited) == (Ack.STORED, 1, False)
    assert first.order_alert is not None and again.order_alert is not None
    fever = said("3-2-502 体温38.2", user_id=NEIGHBOUR)
    assert (await ingest_message(sessions, settings=SETTINGS, message=fever)).checkin_alerts
    assert (await ingest_message(sessions, settings=SETTINGS, message=fever)).checkin_alerts
    async with sessions() as session:
        assert len((await session.exec(select(MessageRecord))).all()) == 2
        assert len((await session.exec(select(SupplyOrder))).all()) == 1
    assert [count for _day, _temperature, count in await rows(sessions)] == [1]


@pytest.mark.usefixtures("bound")
async def test_an_older_version_arriving_after_an_edit_is_ignored(sessions: SessionFactory) -> None:
    await ingest_message(sessions, settings=SETTINGS, message=said("3-2-501 体温36.9", message_id=7, update_id=20))
    late = await ingest_message(
        sessions, settings=SETTINGS, message=said("3-2-501 体温36.1", message_id=7, update_id=19)
    )
    assert late.ack is Ack.NONE
    assert [temperature for _day, temperature, _count in await rows(sessions)] == [36.9]


@pytest.mark.usefixtures("bound")
async def test_concurrent_orders_of_one_grid_get_distinct_consecutive_numbers(sessions: SessionFactory) -> None:
    messages = [said(f"3-2-50{1 + n % 2} 大米{n + 1}袋", user_id=RESIDENT + n) for n in range(12)]
    done = await asyncio.gather(*(ingest_message(sessions, settings=SETTINGS, message=m) for m in messages))
    assert sorted(outcome.order.order.number for outcome in done if outcome.order) == list(range(1, 13))


@pytest.mark.usefixtures("bound")
async def test_identity_numbers_are_stored_masked(sessions: SessionFactory) -> None:
    text = "报备：李四 身份证110101199003071234 昨天从北京回来 住3-1-101"
    outcome = await ingest_message(sessions, settings=SETTINGS, message=said(text))
    assert outcome.kind == "returnee"
    async with sessions() as session:
        stored = (await session.exec(select(MessageRecord))).one()
        returnee = (await session.exec(select(Returnee))).one()
    assert "110101199003071234" not in stored.text and "**************1234" in stored.text
    assert "110101199003071234" not in stored.parsed
    assert (returnee.id_last4, returnee.arrival) == ("1234", date(2026, 11, 23))
    assert returnee.monitor_until == date(2026, 12, 7)


@pytest.mark.usefixtures("bound")
async def test_a_private_message_finds_the_household_where_its_sender_is_known(sessions: SessionFactory) -> None:
    await ingest_message(sessions, settings=SETTINGS, message=said("体温36.5", user_id=NEIGHBOUR))
    privately = said("3-2-502 体温36.6", user_id=NEIGHBOUR, chat_id=NEIGHBOUR)
    assert (await ingest_message(sessions, settings=SETTINGS, message=privately)).ack is Ack.STORED
    assert [count for _day, _temperature, count in await rows(sessions)] == [2]
    nobody = said("3-2-501 体温36.6", user_id=GRID_LEADER + 99, chat_id=GRID_LEADER + 99)
    assert (await ingest_message(sessions, settings=SETTINGS, message=nobody)).ack is Ack.STORED  # one 3-2-501 in town


@pytest.mark.usefixtures("bound")
async def test_a_leader_writing_for_a_resident_is_not_linked_to_that_household(sessions: SessionFactory) -> None:
    for_someone = said("帮3-1-101王五打卡 36.5", user_id=GRID_LEADER)
    assert (await ingest_message(sessions, settings=SETTINGS, message=for_someone)).ack is Ack.STORED
    unaddressed = await ingest_message(sessions, settings=SETTINGS, message=said("36.6", user_id=GRID_LEADER))
    assert unaddressed.ack is not Ack.STORED


@pytest.mark.usefixtures("bound")
async def test_an_edit_counts_by_its_time_even_if_telegram_restarted_its_update_ids(sessions: SessionFactory) -> None:
    sent = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    await ingest_message(
        sessions, settings=SETTINGS, message=said("3-2-501 体温36.9", at=sent, message_id=8, update_id=900)
    )
    later = said("3-2-501 体温36.2", at=sent, message_id=8, update_id=5, edited=True)
    assert (await ingest_message(sessions, settings=SETTINGS, message=later)).ack is Ack.STORED
    assert [temperature for _day, temperature, _count in await rows(sessions)] == [36.2]


def test_every_stored_record_kind_has_its_module() -> None:
    """The messages table's record kinds and the registry of what stores them are the same list."""
    assert set(KINDS) == set(RECORD_KINDS)
