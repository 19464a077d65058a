"""Data lifecycle (《个人信息保护法》): retention on a fake clock, a household's copy and erasure, the audit trail."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import SQLModel, select, update

from bot import privacy_cli
from bot.cli import main
from core.config import Settings
from services import privacy, report_render
from services.reports import ReportSet, compile_reports
from storage import audit
from storage import privacy as store
from storage.db import SessionFactory, transaction
from storage.inbox import mark_processed, store_updates
from storage.models import CheckIn, InboxUpdate, MessageRecord, OrderItem, Returnee, utcnow
from tests.factories import add_checkin, add_order, add_person, seed_roster
from tests.test_ledger import seed_for_cli
from tests.test_reports import CUTOFF, DAY, seed_day
from understanding import is_medicine

SETTINGS = Settings()
#: The Shanghai morning 30 and 31 days after DAY: the last day DAY is kept whole, and the first it is not.
DAY_30 = datetime(2025, 12, 31, 1, tzinfo=UTC)
DAY_31 = datetime(2026, 1, 1, 1, tzinfo=UTC)


def figures(reports: ReportSet) -> list[Any]:
    """What the reports count, and every line of every report and digest up to its totals (the details name people)."""
    counts = [(f.unit.code, f.counts, f.confirmed, f.is_zero, f.grids_confirmed) for f in reports]
    lines = []
    for f in reports:
        if f.unit.level == "grid":
            lines.append(report_render.grid_report(f, DAY, tz=SETTINGS.tz).text)
        else:
            digest = report_render.digest_lines(reports, f.unit.id, tz=SETTINGS.tz)
            lines.extend(digest[: next(i for i, line in enumerate(digest) if line.startswith("<b>合计")) + 1])
    return [counts, lines]


async def rows_of_day(sessions: SessionFactory, table: type[SQLModel]) -> list[Any]:
    async with sessions() as session:
        query = select(table)
        if table is OrderItem:
            return list((await session.exec(query)).all())
        return list((await session.exec(query.where(table.day == DAY))).all())  # type: ignore[attr-defined]


async def personal_left(sessions: SessionFactory) -> list[str]:
    """Every personal value of DAY's records (and of order items) that the one rule would still change."""
    left = []
    for column in store.RECORD_COLUMNS:
        for row in await rows_of_day(sessions, column.table):
            value = getattr(row, column.column)
            if store.erased(column, value, is_medicine) != value:
                left.append(f"{store.table_name(column.table)}.{column.column}={value!r}")
    return left


async def seed_personal_day(sessions: SessionFactory) -> None:
    """The report test's day, plus phones, a medicine and a processed raw update."""
    await seed_day(sessions)
    await add_order(sessions, "T1-V1-G1", "3-2-501", datetime(2025, 12, 1, 3, tzinfo=UTC), number=2,
                    phone="13812345678", items=[("降压药", 2, "盒"), ("鸡蛋", 1, "斤")])  # fmt: skip
    async with transaction(sessions) as session:
        returnee = (await session.exec(select(Returnee).where(Returnee.name == "王小五"))).one()
        returnee.phone, returnee.id_last4 = "13900001111", "123X"
        session.add(returnee)
        await store_updates(session, updates=[(1, '{"update_id": 1, "message": {"text": "3-2-501 体温38.5"}}')])
        await mark_processed(session, update_ids=[1])
        received = datetime(2025, 12, 1, 1, tzinfo=UTC)  # the fake clock's day, not the wall clock's
        await session.exec(update(InboxUpdate).values(received_at=received, processed_at=received))


async def test_a_month_later_nothing_personal_remains_and_the_figures_are_unchanged(sessions: SessionFactory) -> None:
    await seed_personal_day(sessions)
    before = figures(await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF))
    left = await personal_left(sessions)
    assert left

    kept = await privacy.purge(sessions, settings=SETTINGS, now=DAY_30)
    assert await personal_left(sessions) == left
    assert kept.rows["checkins"] == 0  # day 30: DAY is still kept whole (only older days' records went)
    assert kept.rows["messages"] == 2 and kept.rows["returnees"] == 1
    assert kept.rows["inbox"] == 1  # processed, and older than the one-day replay window

    dry = await privacy.purge(sessions, settings=SETTINGS, now=DAY_31, dry_run=True)
    assert dry.rows == {
        "messages": 8,
        "checkins": 3,
        "order_items": 5,
        "orders": 4,
        "returnees": 1,
        "inbox": 0,
        "message_households": 0,
        "visits": 0,
        "disinfections": 0,
        "shared_files": 0,
    }
    assert await personal_left(sessions) == left  # a dry run changes nothing

    done = await privacy.purge(sessions, settings=SETTINGS, now=DAY_31)
    assert done.rows == dry.rows
    assert await personal_left(sessions) == []
    assert figures(await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF)) == before

    returnees = {r.name: r for r in await rows_of_day(sessions, Returnee)}
    wang = returnees["王**"]
    assert (wang.phone, wang.origin, wang.transport_number, wang.id_last4) == ("139****1111", None, None, None)
    assert {item.name for item in await rows_of_day(sessions, OrderItem)} == {"大米", "药品", "鸡蛋"}
    assert {(c.temperature, c.symptoms, c.abnormal) for c in await rows_of_day(sessions, CheckIn)} == {
        (None, None, True), (None, None, False)
    }  # fmt: skip
    assert {m.text for m in await rows_of_day(sessions, MessageRecord)} == {""}

    again = await privacy.purge(sessions, settings=SETTINGS, now=DAY_31 + timedelta(days=1))
    assert set(again.rows.values()) == {0}
    async with sessions() as session:
        trail = await audit.entries(session)
    assert [line.action for line in trail] == ["privacy_purge"] * 3
    assert trail[0].actor == privacy.SCHEDULE_ACTOR


def sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(BytesIO(content), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def column(rows: list[tuple[Any, ...]], name: str) -> list[Any]:
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


async def test_export_then_forget_then_export_again(sessions: SessionFactory) -> None:
    await seed_personal_day(sessions)
    await add_person(sessions, 5001, "张三", username="zhangsan", household=("T1-V1-G1", "3-2-501"))
    counts = figures(await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF))
    now = datetime(2025, 12, 2, 2, tzinfo=UTC)

    first = sheets(await privacy.export_household(sessions, household="T1-V1-G1/3栋2单元501", actor="cli:ops", now=now))
    assert column(first["households"], "head") == ["张三"]
    assert column(first["households"], "phone") == ["13812345678"]
    assert column(first["checkins"], "temperature") == [38.5]
    assert sorted(column(first["order_items"], "name")) == ["降压药", "鸡蛋"]
    assert column(first["people"], "username") == ["zhangsan"]

    rows = await privacy.forget_household(sessions, household="T1-V1-G1/3-2-501", actor="cli:ops", now=now)
    assert rows > 0
    second = sheets(await privacy.export_household(sessions, household="T1-V1-G1/3-2-501", actor="cli:ops", now=now))
    assert "people" not in second  # nobody is linked to it any more
    for personal in store.PERSONAL_COLUMNS:
        name = store.table_name(personal.table)
        for value in column(second[name], personal.column) if name in second else []:
            assert store.erased(personal, value, is_medicine) == value, (name, personal.column, value)
    assert column(second["households"], "head") == ["张*"]
    assert column(second["checkins"], "temperature") == [None]
    assert figures(await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF)) == counts
    assert column(second["audit_log"], "action") == ["privacy_export", "privacy_forget"]

    async with sessions() as session:
        trail = await audit.entries(session, unit_path="T1/T1-V1")
    assert [(line.actor, line.action, line.unit_code, line.address) for line in trail] == [
        ("cli:ops", "privacy_export", "T1-V1-G1", "3-2-501"),
        ("cli:ops", "privacy_forget", "T1-V1-G1", "3-2-501"),
        ("cli:ops", "privacy_export", "T1-V1-G1", "3-2-501"),
    ]


async def test_an_unknown_household_is_refused(sessions: SessionFactory) -> None:
    await seed_roster(sessions)
    for value in ("T1-V1-G1/9-9-999", "NOPE/3-2-501", "3-2-501"):
        try:
            await privacy.forget_household(sessions, household=value, actor="cli:ops", now=DAY_31)
        except privacy.UnknownHouseholdError:
            continue
        raise AssertionError(value)


def two_checkins(today: date) -> Callable[[SessionFactory], Awaitable[None]]:
    """The roster and two check-ins of 3-2-501: one 40 days old (past retention), one today."""

    async def seed(factory: SessionFactory) -> None:
        await seed_roster(factory)
        old = today - timedelta(days=40)
        await add_checkin(factory, "T1-V1-G1", "3-2-501", old, abnormal=True, temperature=38.5, symptoms="cough")
        await add_checkin(factory, "T1-V1-G1", "3-2-501", today, temperature=36.6)

    return seed


def test_the_privacy_and_audit_commands(
    cli_config: Path, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    today = utcnow().astimezone(SETTINGS.tz).date()
    seed_for_cli(database_url, two_checkins(today))
    config = ["-c", str(cli_config)]
    household = ["--household", "T1-V1-G1/3-2-501"]

    assert main(["privacy", "purge", "--dry-run", *config]) == 0
    out = capsys.readouterr().out
    assert f"保留 30 天：{(today - timedelta(days=30)).isoformat()} 之前的记录" in out
    assert "  打卡：1 行\n" in out and "  消息原文：1 行\n" in out and out.endswith("什么都没有改）\n")

    first = tmp_path / "first.xlsx"
    assert main(["privacy", "export", *household, "-o", str(first), *config]) == 0
    assert capsys.readouterr().out == f"住户 T1-V1-G1/3-2-501 的全部记录已写入 {first}\n"
    assert sorted(column(sheets(first.read_bytes())["checkins"], "temperature")) == [36.6, 38.5]

    assert main(["privacy", "purge", *config]) == 0
    assert capsys.readouterr().out.endswith("已清理。\n")
    second = tmp_path / "second.xlsx"
    assert main(["privacy", "export", *household, "-o", str(second), *config]) == 0
    assert column(sheets(second.read_bytes())["checkins"], "temperature") == [None, 36.6]  # today's is kept
    capsys.readouterr()

    assert main(["privacy", "forget", *household, *config]) == 0
    # two messages, two check-ins and the roster row
    assert capsys.readouterr().out == "住户 T1-V1-G1/3-2-501 的个人信息已删除：5 行（计数保留）\n"
    assert main(["privacy", "forget", "--household", "3-2-501", *config]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "找不到住户 3-2-501",
        "住户写作 网格编码/地址，例如 T1-V1-G1/3-2-501：3-2-501",
    ]
    day = today.isoformat()
    assert main(["export", "--unit", "T1-V1", "--from", day, "--to", day, "-o", str(tmp_path / "l.xlsx"), *config]) == 0
    capsys.readouterr()

    assert main(["audit", "--unit", "T1-V1-G1", "--from", day, "--to", day, *config]) == 0
    lines = [line.split("  ") for line in capsys.readouterr().out.splitlines()]
    operator = privacy_cli.operator()
    assert [line[1:5] for line in lines] == [
        [operator, "privacy_export", "T1-V1-G1", "3-2-501"],
        [operator, "privacy_export", "T1-V1-G1", "3-2-501"],
        [operator, "privacy_forget", "T1-V1-G1", "3-2-501"],
    ]
    assert main(["audit", *config]) == 0
    actions = [line.split("  ")[2] for line in capsys.readouterr().out.splitlines()]
    assert actions == ["privacy_export", "privacy_purge", "privacy_export", "privacy_forget", "export"]
    assert main(["audit", "--from", (today + timedelta(days=1)).isoformat(), *config]) == 0
    assert capsys.readouterr().out == "没有访问记录。\n"
