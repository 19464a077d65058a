"""Daily reports: exact figures at every level, zero vs missing reports, escaping, days off, splitting."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, update

from core.callbacks import MAX_ID, ReportConfirm
from core.config import Settings
from services import report_render
from services.confirmations import ConfirmOutcome, ConfirmResult, confirm_chat_report
from services.reports import ReportSet, compile_reports
from storage.bindings import upsert_binding
from storage.db import SessionFactory, transaction
from storage.models import DayOff, Household, Unit
from storage.reports import Counts
from storage.units import get_unit_by_code
from tests.factories import GRID_LEADER, add_checkin, add_confirmation, add_order, add_returnee, seed_roster

DAY = date(2025, 12, 1)
#: 16:00 in Asia/Shanghai: the grid reports' cutoff; the grids below confirmed before it.
CUTOFF = datetime(2025, 12, 1, 8, 0, tzinfo=UTC)
SETTINGS = Settings()
#: The grid's group: a report is confirmed only for the unit its group is bound to.
GROUP = -1001


async def seed_day(sessions: SessionFactory) -> None:
    """第一网格 has an abnormal household and a new returnee and has not confirmed; 第二网格 and 东一网格 confirmed zero."""
    await seed_roster(sessions)
    await add_checkin(sessions, "T1-V1-G1", "3-2-501", DAY, abnormal=True, temperature=38.5, symptoms="cough",
                      test_type="antigen", test_result="positive")  # fmt: skip
    await add_checkin(sessions, "T1-V1-G1", "3-2-502", DAY, temperature=36.5)
    await add_checkin(sessions, "T1-V1-G2", "5-1-301", DAY, temperature=36.6)
    await add_returnee(sessions, "T1-V1-G1", "3-1-101", DAY, arrival=date(2025, 11, 30), name="王小五",
                       origin="北京朝阳", transport_mode="train", transport_number="G123",
                       monitor_until=date(2025, 12, 14), test_days="1,3,7")  # fmt: skip
    await add_returnee(sessions, "T1-V2-G1", "五组12号", date(2025, 11, 17), arrival=date(2025, 11, 17),
                       name="孙小七", monitor_until=DAY, test_days="1,3,7")  # fmt: skip
    await add_order(sessions, "T1-V1-G1", "3-2-502", datetime(2025, 12, 1, 2, tzinfo=UTC), number=1)
    await add_order(sessions, "T1-V1-G2", "5-1-301", datetime(2025, 11, 30, 1, tzinfo=UTC), number=1, urgent=True)
    await add_order(sessions, "T1-V2-G1", "五组12号", datetime(2025, 12, 1, 1, tzinfo=UTC), number=1,
                    status="delivered", delivered_at=datetime(2025, 12, 1, 3, tzinfo=UTC))  # fmt: skip
    await add_order(sessions, "T1-V2-G1", "五组12号", datetime(2025, 12, 1, 1, 30, tzinfo=UTC), number=2,
                    status="cancelled", cancelled_at=datetime(2025, 12, 1, 2, tzinfo=UTC))  # fmt: skip
    await add_confirmation(sessions, "T1-V1-G2", DAY, zero=True, at=datetime(2025, 12, 1, 7, tzinfo=UTC))
    await add_confirmation(sessions, "T1-V2-G1", DAY, zero=True, at=datetime(2025, 12, 1, 7, 30, tzinfo=UTC))


@pytest.fixture
async def reports(sessions: SessionFactory) -> ReportSet:
    await seed_day(sessions)
    return await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF)


async def test_figures_at_every_level_are_exact(reports: ReportSet) -> None:
    figures = {f.unit.code: (f.counts, f.grids, f.grids_confirmed, f.confirmed, f.is_zero) for f in reports}
    g1 = Counts(households=3, checked_in=2, abnormal=1, returnees_new=1, returnees_monitoring=1,
                returnees_tests_due=1, orders_new=1, orders_open=1)  # fmt: skip
    g2 = Counts(households=1, checked_in=1, orders_open=1, orders_overdue=1, orders_urgent_open=1)
    v2 = Counts(households=1, returnees_monitoring=1, returnees_ending=1, orders_new=2, orders_delivered=1)
    assert figures == {
        "T1": (g1 + g2 + v2, 3, 2, False, False),
        "T1-V1": (g1 + g2, 2, 1, False, False),
        "T1-V1-G1": (g1, 1, 0, False, False),
        "T1-V1-G2": (g2, 1, 1, True, True),
        "T1-V2": (v2, 1, 1, True, True),
        "T1-V2-G1": (v2, 1, 1, True, True),
    }
    assert reports.by_code("T1").rate == pytest.approx(3 / 5)


async def test_village_digest_lists_missing_first_then_zero_then_details(reports: ReportSet) -> None:
    lines = report_render.digest_lines(reports, reports.by_code("T1-V1").unit.id, tz=SETTINGS.tz)
    assert lines == [
        "📊 <b>西头岭村 日报</b>\u30002025-12-01（截至 16:00）",
        "下属网格 2 个：已报 1（零报告 1），<b>未报 1</b>",
        "<b>⚠️ 未报（1）</b>",
        "· 第一网格（未确认）：打卡 2/3（66.7%）｜异常 1｜返乡 新1 在管1 解除0 应检1｜物资 新1 送达0 未完1 超时0 急0",
        "<b>⭕ 零报告（1）</b>",
        "· 第二网格：打卡 1/1（100.0%）｜异常 0｜返乡 新0 在管0 解除0 应检0｜物资 新0 送达0 未完1 超时1 急1",
        "<b>合计</b>：打卡 3/4（75.0%）｜异常 1｜返乡 新1 在管1 解除0 应检1｜物资 新1 送达0 未完2 超时1 急1",
        "<b>异常明细（1）</b>",
        "· 第一网格 3-2-501 张*：体温38.5℃ 咳嗽 抗原阳性",
        "<b>新返乡人员（1）</b>",
        "· 第一网格 3-1-101 王**：自北京朝阳 火车 G123 2025-11-30到达 监测至2025-12-14",
    ]


async def test_town_digest_counts_a_village_reported_only_when_all_its_grids_are(reports: ReportSet) -> None:
    lines = report_render.digest_lines(reports, reports.by_code("T1").unit.id, tz=SETTINGS.tz)
    assert lines[:6] == [
        "📊 <b>杨柳青镇 日报</b>\u30002025-12-01（截至 16:00）",
        "下属村/社区 2 个：已报 1（零报告 1），<b>未报 1</b>",
        "<b>⚠️ 未报（1）</b>",
        "· 西头岭村（1/2 个网格未确认：第一网格）：打卡 3/4（75.0%）｜异常 1｜返乡 新1 在管1 解除0 应检1"
        "｜物资 新1 送达0 未完2 超时1 急1",
        "<b>⭕ 零报告（1）</b>",
        "· 东头岭村（1 户未打卡）：打卡 0/1（0.0%）｜异常 0｜返乡 新0 在管1 解除1 应检0｜物资 新2 送达1 未完0 超时0 急0",
    ]
    assert "· 西头岭村 第一网格 3-2-501 张*：体温38.5℃ 咳嗽 抗原阳性" in lines


async def test_a_confirmation_after_the_digest_time_is_still_missing(sessions: SessionFactory) -> None:
    await seed_day(sessions)
    early = await compile_reports(sessions, day=DAY, settings=SETTINGS, now=datetime(2025, 12, 1, 7, 10, tzinfo=UTC))
    assert [(f.unit.code, f.confirmed) for f in early if f.unit.level == "grid"] == [
        ("T1-V1-G1", False),
        ("T1-V1-G2", True),
        ("T1-V2-G1", False),
    ]


async def test_grid_report_shows_counts_only_with_the_right_button(reports: ReportSet) -> None:
    g1 = report_render.grid_report(reports.by_code("T1-V1-G1"), DAY, tz=SETTINGS.tz)
    assert g1.text == (
        "📋 <b>第一网格 日报告</b>\u30002025-12-01\n打卡：2/3 户（66.7%）\n异常：1 户\n"
        "返乡：新报备 1 人｜在管 1 人｜今日解除 0 人｜今日应检测 1 人\n"
        "物资：新单 1｜已送达 0｜未完成 1（超24小时 0，加急 0）\n请网格长核对后点「确认上报」。"
    )
    g1_id = reports.by_code("T1-V1-G1").unit.id
    assert g1.reply_markup == ((("✅ 确认上报", f"report:confirm:{g1_id}:2025-12-01"),),)
    g2 = report_render.grid_report(reports.by_code("T1-V1-G2"), DAY, tz=SETTINGS.tz)
    assert g2.reply_markup == () and g2.text.endswith("✅ 已由 1003 于 15:00 确认零报告。")
    # Telegram refuses a button whose data is over 64 bytes, whatever the length of the unit's code.
    assert len(ReportConfirm(MAX_ID, DAY).data().encode()) <= 64


async def test_html_in_names_arrives_escaped(sessions: SessionFactory) -> None:
    await seed_day(sessions)
    async with transaction(sessions) as session:
        await session.exec(update(Unit).where(col(Unit.code) == "T1-V1-G1").values(name="一<b>网格</b>&"))
        await session.exec(update(Household).where(col(Household.address) == "3-2-501").values(head="<i>张"))
    reports = await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF)
    village = "\n".join(report_render.digest_lines(reports, reports.by_code("T1-V1").unit.id, tz=SETTINGS.tz))
    assert "· 一&lt;b&gt;网格&lt;/b&gt;&amp;（未确认）" in village
    assert "3-2-501 &lt;某：体温38.5℃" in village
    grid = report_render.grid_report(reports.by_code("T1-V1-G1"), DAY, tz=SETTINGS.tz).text
    assert grid.startswith("📋 <b>一&lt;b&gt;网格&lt;/b&gt;&amp; 日报告</b>")


async def test_days_off_count_missing_check_ins_against_no_one(sessions: SessionFactory) -> None:
    await seed_day(sessions)
    async with transaction(sessions) as session:
        village = await get_unit_by_code(session, code="T1-V1")
        assert village is not None
        session.add(DayOff(unit_id=village.id, day=DAY))
    reports = await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF)
    assert [(f.unit.code, f.day_off, f.rate) for f in reports if f.unit.level == "grid"] == [
        ("T1-V1-G1", True, None),
        ("T1-V1-G2", True, None),
        ("T1-V2-G1", False, 0.0),
    ]
    text = report_render.grid_report(reports.by_code("T1-V1-G1"), DAY, tz=SETTINGS.tz).text
    assert "打卡：休息日，已打卡 2/3 户（未打卡不计）" in text
    everyone = Settings.model_validate({"schedule": {"days_off": [DAY.isoformat()]}})
    assert all(f.day_off for f in await compile_reports(sessions, day=DAY, settings=everyone, now=CUTOFF))


async def test_a_long_digest_is_split_at_line_boundaries(reports: ReportSet) -> None:
    g1 = reports.by_code("T1-V1-G1").unit.id
    many = replace(reports, abnormal={g1: reports.abnormal[g1] * 400})
    lines = report_render.digest_lines(many, reports.by_code("T1-V1").unit.id, tz=SETTINGS.tz)
    messages = report_render.digest(many, reports.by_code("T1-V1").unit.id, tz=SETTINGS.tz)
    assert len(messages) > 1 and all(len(m.text.encode("utf-16-le")) // 2 <= 4096 for m in messages)
    assert "\n".join(m.text for m in messages).split("\n") == lines


async def test_a_grid_report_after_its_confirmation_shows_the_figures_confirmed_and_now(
    sessions: SessionFactory,
) -> None:
    """Confirmed at 15:00 with 1 of 3 checked in (the second tap), two more check in before the cutoff."""
    await seed_roster(sessions)
    await add_checkin(sessions, "T1-V1-G1", "3-2-501", DAY)
    async with sessions() as session:
        grid = await get_unit_by_code(session, code="T1-V1-G1")
    assert grid is not None and grid.id is not None
    async with transaction(sessions) as session:
        await upsert_binding(session, chat_id=GROUP, unit_id=grid.id, title="第一网格群", bound_by=GRID_LEADER)
    at_three = datetime(2025, 12, 1, 7, tzinfo=UTC)

    async def confirm(*, zero: bool, despite_missing: bool) -> ConfirmOutcome:
        assert grid is not None and grid.id is not None
        return await confirm_chat_report(
            sessions,
            chat_id=GROUP,
            unit_id=grid.id,
            day=DAY,
            user_id=GRID_LEADER,
            admin_ids=frozenset(),
            zero=zero,
            despite_missing=despite_missing,
            settings=SETTINGS,
            now=at_three,
        )

    first = await confirm(zero=False, despite_missing=False)
    assert (first.result, first.figures and first.figures.missing) == (ConfirmResult.MISSING_CHECKINS, 2)
    second = await confirm(zero=True, despite_missing=True)
    assert second.result is ConfirmResult.CONFIRMED
    await add_checkin(sessions, "T1-V1-G1", "3-2-502", DAY)
    await add_checkin(sessions, "T1-V1-G1", "3-1-101", DAY)
    reports = await compile_reports(sessions, day=DAY, settings=SETTINGS, now=CUTOFF)
    text = report_render.grid_report(reports.by_code("T1-V1-G1"), DAY, tz=SETTINGS.tz).text.split("\n")
    assert text[1] == "打卡：确认时 1/3 户（33.3%），现 3/3 户（100.0%）"
    assert text[-1] == f"✅ 已由 {GRID_LEADER} 于 15:00 确认零报告（2 户未打卡）。"
