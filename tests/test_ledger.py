"""The ledger (台账): four masked sheets for a subtree and a date range; ``gridbot export`` and ``report run``."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from services.ledger import ledger_xlsx
from storage.db import SessionFactory, create_engine, session_factory
from tests.factories import add_order, seed_roster
from tests.test_reports import DAY, SETTINGS, seed_day


async def test_ledger_has_four_masked_sheets(sessions: SessionFactory) -> None:
    await seed_day(sessions)
    content = await ledger_xlsx(sessions, unit_code="T1-V1", start=DAY, end=DAY, settings=SETTINGS)
    workbook = load_workbook(BytesIO(content), read_only=True)
    sheets = {name: [list(row) for row in workbook[name].iter_rows(values_only=True)] for name in workbook.sheetnames}
    workbook.close()
    assert list(sheets) == ["打卡", "物资", "返乡", "异常"]
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
    assert files == ["异常.csv", "打卡.csv", "物资.csv", "返乡.csv"]
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
