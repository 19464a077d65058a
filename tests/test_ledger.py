"""The ledger (台账): four masked sheets for a subtree and a date range; ``gridbot export`` and ``report run``."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.cli import main
from services.ledger import SHEETS, ledger_xlsx
from services.roster import import_rows
from services.roster_files import RosterRows
from storage.db import SessionFactory, create_engine, session_factory, transaction
from tests.factories import UNITS, _rows, add_checkin, add_order, add_returnee, seed_roster
from tests.test_reports import DAY, SETTINGS, seed_day

#: The standing duties' and the population's sheets (tests/test_duties.py reads them).
DUTY_SHEETS = ["消杀", "领取记录", "常住", "流动", "返乡人员", "重点人群"]


async def test_ledger_has_four_masked_sheets(sessions: SessionFactory) -> None:
    await seed_day(sessions)
    content = await ledger_xlsx(sessions, unit_code="T1-V1", start=DAY, end=DAY, settings=SETTINGS)
    workbook = load_workbook(BytesIO(content), read_only=True)
    sheets = {name: [list(row) for row in workbook[name].iter_rows(values_only=True)] for name in workbook.sheetnames}
    workbook.close()
    assert list(sheets) == list(SHEETS) == ["打卡", "物资", "返乡", "异常", *DUTY_SHEETS]
    checkins = sheets["打卡"]
    assert [row[3:7] for row in checkins[1:]] == [
        ["3-1-101", "王*", 2, "未打卡"],
        ["3-2-501", "张*", 4, "已打卡"],
        ["3-2-502", "李*", 1, "已打卡"],
        ["5-1-301", "赵*", 3, "已打卡"],
    ]
    assert [row[3:9] for row in sheets["物资"][1:]] == [[1, "3-2-502", "李*", None, "大米2袋", None]]
    assert [row[4] for row in sheets["返乡"][1:]] == ["王**"]
    assert [row[7:9] for row in sheets["返乡"][1:]] == [["火车", "G123"]]
    assert [row[2:9] for row in sheets["异常"][1:]] == [["第一网格", "3-2-501", "张*", 38.5, "咳嗽", "抗原", "阳性"]]
    assert checkins[2][9:] == ["咳嗽", "抗原", "阳性", "是"]
    assert "13812345678" not in str(sheets)


def seed_for_cli(url: str, seed: Callable[[SessionFactory], Awaitable[None]] = seed_day) -> None:
    """Seed the database from a synchronous CLI test (``main`` runs its own event loop)."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            await seed(session_factory(engine))
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_export_writes_a_date_range_as_csv(
    database_url: str, cli_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_for_cli(database_url)
    out = tmp_path / "ledger"
    args = ["export", "-c", str(cli_config), "--unit", "T1", "--from", "2025-11-30", "--to", "2025-12-01"]
    assert main([*args, "--format", "csv", "-o", str(out)]) == 0
    assert capsys.readouterr().out == f"台账已写入 {out}\n"
    files = sorted(path.name for path in out.iterdir())
    assert files == sorted(f"{name}.csv" for name in ["异常", "打卡", "物资", "返乡", *DUTY_SHEETS])
    with (out / "打卡.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1 + 5 * 2 and {row[0] for row in rows[1:]} == {"2025-11-30", "2025-12-01"}
    with (out / "物资.csv").open(encoding="utf-8-sig") as handle:
        assert len(list(csv.reader(handle))) == 1 + 4


def test_export_refuses_unknown_units_and_reversed_ranges(
    cli_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["export", "-c", str(cli_config), "-o", str(tmp_path / "x.xlsx")]
    assert main([*args, "--unit", "NOPE", "--from", "2025-12-01", "--to", "2025-12-01"]) == 1
    assert main([*args, "--unit", "T1", "--from", "2025-12-02", "--to", "2025-12-01"]) == 1
    assert capsys.readouterr().err == "找不到编码 NOPE\n起始日期 2025-12-02 晚于结束日期 2025-12-01\n"


def test_report_run_dry_run_prints_what_the_schedule_would_send(
    database_url: str, cli_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_for_cli(database_url)
    out = tmp_path / "reports"
    args = ["report", "run", "-c", str(cli_config), "--date", DAY.isoformat(), "--unit", "T1-V1"]
    assert main([*args, "--dry-run", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(
        "── village_digest → T1-V1（未绑定群）第 1 条 ──\n📊 西头岭村 日报\u30002025-12-01（全天）\n"
    )
    assert "── grid_report → T1-V1-G1（未绑定群）第 1 条 ──" in printed
    assert "请网格长核对后点「确认上报」。\n[✅ 确认上报]\n" in printed
    assert sorted(path.name for path in out.iterdir()) == ["chart-T1-V1-2025-12-01.png", "台账-T1-V1-2025-12-01.xlsx"]
    # No flag is the same as --dry-run, and says when the schedule sends; --resend needs the unit.
    assert main([*args, "--out", str(out)]) == 0
    assert capsys.readouterr().out.endswith(
        "以上是现在会发出的内容（没有发送）。定时发送（Asia/Shanghai）：网格日报 16:00，村社区汇总 16:30，镇街汇总 17:00。"
        "现在就发请加 --send（早于定时的标为「预报」，不影响定时发送）；重发某单位的汇总请用 --resend --unit 编码（标为「更正」）。\n"
    )
    assert main(["report", "run", "-c", str(cli_config), "--resend"]) == 1
    assert capsys.readouterr().err == "--resend 需要 --unit 编码：重发哪个单位的日报或汇总\n"


FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1"]
#: XML keeps no bare carriage return: the xlsx reads it back as a line feed.
AS_XLSX_TEXT = [(f"{item}3斤".replace("\r", "\n"), "s") for item in FORMULAS]


async def _seed_formulas(sessions: SessionFactory) -> None:
    """Orders whose items are written like formulas (``3-2-502 =1+1 3斤``)."""
    await seed_roster(sessions)
    for number, item in enumerate(FORMULAS, start=1):
        await add_order(sessions, "T1-V1-G1", "3-2-502", datetime(2025, 12, 1, 2, tzinfo=UTC), number=number,
                        items=[(item, 3, "斤")])  # fmt: skip


async def test_formula_like_texts_stay_text_in_the_xlsx_ledger(sessions: SessionFactory) -> None:
    await _seed_formulas(sessions)
    content = await ledger_xlsx(sessions, unit_code="T1-V1", start=DAY, end=DAY, settings=SETTINGS)
    sheet = load_workbook(BytesIO(content))["物资"]
    items = [row[7] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in items] == AS_XLSX_TEXT


def test_formula_like_texts_are_quoted_in_the_csv_export(database_url: str, cli_config: Path, tmp_path: Path) -> None:
    seed_for_cli(database_url, _seed_formulas)
    out = tmp_path / "ledger"
    args = ["export", "-c", str(cli_config), "--unit", "T1", "--from", "2025-12-01", "--to", "2025-12-01"]
    assert main([*args, "--format", "csv", "-o", str(out)]) == 0
    with (out / "物资.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[7] for row in rows[1:]] == [f"'{item}3斤" for item in FORMULAS]
    xlsx = tmp_path / "ledger.xlsx"
    assert main([*args, "-o", str(xlsx)]) == 0
    cells = [row[7] for row in load_workbook(xlsx)["物资"].iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type) for cell in cells] == AS_XLSX_TEXT


# Written the way rosters write them, listed here out of order: text order would put 10栋 before 8栋,
# 七组 before 五组 and 一组11号 before 一组2号.
ADDRESSES = [
    ("T1-V1-G1", "10栋1单元101", "欧阳娜娜"),
    ("T1-V1-G1", "8栋2单元301", "钱八"),
    ("T1-V1-G1", "3-2-501", "张三"),
    ("T1-V1-G1", "8栋1单元1102", "周九"),
    ("T1-V2-G1", "七组3号", "吴十"),
    ("T1-V2-G1", "十一组1号", "郑一"),
    ("T1-V2-G1", "一组11号", "冯二"),
    ("T1-V2-G1", "五组12号", "孙七"),
    ("T1-V2-G1", "一组2号", "陈三"),
]
IN_ORDER = ["3-2-501", "8栋1单元1102", "8栋2单元301", "10栋1单元101", "一组2号", "一组11号", "五组12号", "七组3号", "十一组1号"]  # fmt: skip


async def seed_addresses(sessions: SessionFactory) -> None:
    rows = RosterRows(
        units=_rows("units", ["code", "name", "level", "parent", "leaders"], list(UNITS)),
        households=_rows("households", ["grid", "address", "head"], list(ADDRESSES)),
    )
    async with transaction(sessions) as session:
        await import_rows(session, rows=rows)
    await add_checkin(sessions, "T1-V2-G1", "七组3号", DAY, abnormal=True, temperature=38.0)
    await add_checkin(sessions, "T1-V2-G1", "五组12号", DAY, abnormal=True, temperature=37.5)
    await add_checkin(sessions, "T1-V1-G1", "10栋1单元101", DAY, temperature=36.0)
    await add_returnee(sessions, "T1-V2-G1", "七组3号", DAY, arrival=DAY, name="吴小十", monitor_until=DAY)
    await add_returnee(sessions, "T1-V2-G1", "一组11号", DAY, arrival=DAY, name="冯小二", monitor_until=DAY)
    await add_order(sessions, "T1-V1-G1", "8栋2单元301", datetime(2025, 12, 1, 2, tzinfo=UTC), number=1)


def _values(sheet: Any) -> list[list[Any]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


async def test_ledger_rows_go_by_address_as_numbers_in_a_laid_out_sheet(sessions: SessionFactory) -> None:
    await seed_addresses(sessions)
    content = await ledger_xlsx(sessions, unit_code="T1", start=DAY, end=DAY, settings=SETTINGS)
    workbook = load_workbook(BytesIO(content))
    checkins, orders = workbook["打卡"], workbook["物资"]
    assert [row[3] for row in _values(checkins)[1:]] == IN_ORDER
    assert [row[3] for row in _values(workbook["异常"])[1:]] == ["五组12号", "七组3号"]
    assert [row[3] for row in _values(workbook["返乡"])[1:]] == ["一组11号", "七组3号"]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
    # Widths follow the content, a CJK character counting two: 8栋1单元1102 is 12 wide, 西头岭村 8.
    widths = {cell.value: checkins.column_dimensions[cell.column_letter].width for cell in checkins[1]}
    assert widths["地址"] >= 12 > 8.43 and widths["村/社区"] >= 8 and widths["日期"] >= 10
    assert widths["地址"] > widths["人数"]
    assert checkins["A2"].number_format == "yyyy-mm-dd" and checkins["A2"].value == datetime(2025, 12, 1)
    temperature = next(row for row in checkins.iter_rows(min_row=2) if row[3].value == "10栋1单元101")[8]
    assert (temperature.value, temperature.number_format) == (36.0, "0.0")
    assert workbook["异常"]["F2"].number_format == "0.0"
    assert (orders["K2"].value, orders["K2"].number_format) == (datetime(2025, 12, 1, 10, 0), "yyyy-mm-dd hh:mm")
    workbook.close()


def test_export_keeps_the_order_and_layout_in_xlsx_and_csv(
    database_url: str, cli_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed_for_cli(database_url, seed_addresses)
    args = ["export", "-c", str(cli_config), "--unit", "T1", "--from", "2025-12-01", "--to", "2025-12-01"]
    assert main([*args, "-o", str(tmp_path / "ledger.xlsx")]) == 0
    workbook = load_workbook(tmp_path / "ledger.xlsx")
    checkins = workbook["打卡"]
    assert [row[3] for row in _values(checkins)[1:]] == IN_ORDER
    assert checkins.freeze_panes == "A2" and checkins.auto_filter.ref == "A1:M10"
    assert checkins.column_dimensions["D"].width >= 12
    workbook.close()
    assert main([*args, "--format", "csv", "-o", str(tmp_path / "csv")]) == 0
    with (tmp_path / "csv" / "打卡.csv").open(encoding="utf-8-sig") as handle:
        assert [row[3] for row in list(csv.reader(handle))[1:]] == IN_ORDER
    with (tmp_path / "csv" / "物资.csv").open(encoding="utf-8-sig") as handle:
        assert list(csv.reader(handle))[1][10] == "2025-12-01 10:00"
    capsys.readouterr()
