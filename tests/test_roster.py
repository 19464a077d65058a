"""Roster import as officials do it: xlsx or CSV folders, English or Chinese headers, all or nothing."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import col, func, select

from bot.cli import main
from services.roster import RosterError, import_roster
from services.roster_files import RosterFileError
from storage.db import SessionFactory
from storage.models import ChatBinding, Household, Unit, UnitLeader

UNITS_EN = ["code", "name", "level", "parent", "leaders", "chat_id"]
UNITS_ZH = ["编码", "名称", "层级", "上级编码", "负责人TG", "群ID"]
HOUSEHOLDS_EN = ["grid", "address", "head", "phone", "members", "tags"]
HOUSEHOLDS_ZH = ["网格编码", "地址", "户主", "电话", "人数", "标签"]

UNITS = [
    ["XQ01", "杨柳青镇", "town", "", "1001", ""],
    ["XQ01-03", "西头岭村", "village", "XQ01", "1002", ""],
    ["XQ01-03-01", "第一网格", "grid", "XQ01-03", "1003;1004", "-1001234567890"],
    ["XQ01-03-02", "第二网格", "网格", "XQ01-03", "", ""],
]
HOUSEHOLDS = [
    ["XQ01-03-01", "3-2-501", "张三", "13812345678", "4", ""],
    ["XQ01-03-01", "3栋2单元502室", "李四", "", "1", "独居老人;慢病"],
    ["XQ01-03-02", "五组12号", "王五", "138 1234 5679", "3", "低保"],
]


def write_xlsx(path: Path, units: list[list[str]], households: list[list[str]], *, chinese: bool = False) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "单位" if chinese else "units"
    sheet.append(UNITS_ZH if chinese else UNITS_EN)
    for row in units:
        sheet.append(row)
    other = workbook.create_sheet("住户" if chinese else "households")
    other.append(HOUSEHOLDS_ZH if chinese else HOUSEHOLDS_EN)
    for row in households:
        # Excel users type phones and member counts as numbers; the reader must cope.
        other.append(
            [int(cell) if cell.isdigit() and len(cell) > 0 and i in (3, 4) else cell for i, cell in enumerate(row)]
        )
    workbook.save(path)
    return path


def write_csv_folder(folder: Path, encoding: str, *, chinese: bool = True) -> Path:
    folder.mkdir()
    for name, header, rows in (
        ("units.csv", UNITS_ZH if chinese else UNITS_EN, UNITS),
        ("households.csv", HOUSEHOLDS_ZH if chinese else HOUSEHOLDS_EN, HOUSEHOLDS),
    ):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        (folder / name).write_bytes(buffer.getvalue().encode(encoding))
    return folder


async def counts(sessions: SessionFactory) -> tuple[int, int, int]:
    async with sessions() as session:
        units = (await session.exec(select(func.count()).select_from(Unit))).one()
        households = (await session.exec(select(func.count()).select_from(Household))).one()
        active = (
            await session.exec(select(func.count()).select_from(Household).where(col(Household.active).is_(True)))
        ).one()
    return units, households, active


async def test_xlsx_import_builds_the_tree(sessions: SessionFactory, tmp_path: Path) -> None:
    summary = await import_roster(sessions, path=write_xlsx(tmp_path / "roster.xlsx", UNITS, HOUSEHOLDS))
    assert (summary.units_created, summary.households_created) == (4, 3)
    async with sessions() as session:
        grid = (await session.exec(select(Unit).where(Unit.code == "XQ01-03-01"))).one()
        assert grid.path == "XQ01/XQ01-03/XQ01-03-01"
        leaders = (await session.exec(select(UnitLeader.telegram_user_id).where(UnitLeader.unit_id == grid.id))).all()
        assert sorted(leaders) == [1003, 1004]
        binding = (await session.exec(select(ChatBinding))).one()
        assert (binding.chat_id, binding.unit_id) == (-1001234567890, grid.id)
        wang = (await session.exec(select(Household).where(Household.head == "王五"))).one()
        assert (wang.group_no, wang.number, wang.phone, wang.members) == ("5", "12", "13812345679", 3)
        zhang = (await session.exec(select(Household).where(Household.head == "张三"))).one()
        assert (zhang.building, zhang.unit_no, zhang.room, zhang.phone) == ("3", "2", "501", "13812345678")


async def test_chinese_sheet_names_and_headers(sessions: SessionFactory, tmp_path: Path) -> None:
    await import_roster(sessions, path=write_xlsx(tmp_path / "名册.xlsx", UNITS, HOUSEHOLDS, chinese=True))
    assert await counts(sessions) == (4, 3, 3)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
async def test_csv_folder_in_each_encoding(sessions: SessionFactory, tmp_path: Path, encoding: str) -> None:
    await import_roster(sessions, path=write_csv_folder(tmp_path / "roster", encoding))
    assert await counts(sessions) == (4, 3, 3)
    async with sessions() as session:
        lee = (await session.exec(select(Household).where(Household.head == "李四"))).one()
    assert lee.tags == "独居老人;慢病"


async def test_a_nul_character_in_a_cell_is_dropped(sessions: SessionFactory, tmp_path: Path) -> None:
    """A NUL in a cell (an export's garbage, invisible in Excel): PostgreSQL refused the whole import
    with a 150-line traceback, SQLite stored it inside the name. It is dropped, on both databases."""
    folder = write_csv_folder(tmp_path / "roster", "utf-8")
    households = folder / "households.csv"
    households.write_text(households.read_text(encoding="utf-8").replace("李四", "李\x00四"), encoding="utf-8")
    await import_roster(sessions, path=folder)
    async with sessions() as session:
        assert (await session.exec(select(Household.head).where(Household.address == "3栋2单元502室"))).one() == "李四"


async def test_english_csv_headers(sessions: SessionFactory, tmp_path: Path) -> None:
    await import_roster(sessions, path=write_csv_folder(tmp_path / "roster", "utf-8", chinese=False))
    assert await counts(sessions) == (4, 3, 3)


async def test_reimport_is_idempotent(sessions: SessionFactory, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", UNITS, HOUSEHOLDS)
    await import_roster(sessions, path=path)
    again = await import_roster(sessions, path=path)
    assert (again.units_created, again.households_created, again.households_deactivated) == (0, 0, 0)
    assert (again.units_updated, again.households_updated) == (0, 0)
    assert await counts(sessions) == (4, 3, 3)


async def test_reimport_counts_only_the_rows_that_changed(sessions: SessionFactory, tmp_path: Path) -> None:
    await import_roster(sessions, path=write_xlsx(tmp_path / "a.xlsx", UNITS, HOUSEHOLDS))
    renamed = [*UNITS[:3], ["XQ01-03-02", "第二网格（新）", "网格", "XQ01-03", "1005", ""]]
    moved_in = [HOUSEHOLDS[0], ["XQ01-03-01", "3栋2单元502室", "李四", "", "2", "独居老人;慢病"], HOUSEHOLDS[2]]
    summary = await import_roster(sessions, path=write_xlsx(tmp_path / "b.xlsx", renamed, moved_in))
    assert (summary.units_created, summary.units_updated) == (0, 1)
    assert (summary.households_created, summary.households_updated, summary.households_deactivated) == (0, 1, 0)


async def test_same_address_written_differently_is_the_same_household(sessions: SessionFactory, tmp_path: Path) -> None:
    await import_roster(sessions, path=write_xlsx(tmp_path / "a.xlsx", UNITS, HOUSEHOLDS))
    rewritten = [["XQ01-03-01", "3号楼2单元501", "张三", "13812345678", "5", ""], *HOUSEHOLDS[1:]]
    summary = await import_roster(sessions, path=write_xlsx(tmp_path / "b.xlsx", UNITS, rewritten))
    assert summary.households_created == 0
    async with sessions() as session:
        zhang = (await session.exec(select(Household).where(Household.head == "张三"))).one()
    assert zhang.members == 5


async def test_household_missing_from_new_import_becomes_inactive(sessions: SessionFactory, tmp_path: Path) -> None:
    await import_roster(sessions, path=write_xlsx(tmp_path / "a.xlsx", UNITS, HOUSEHOLDS))
    summary = await import_roster(sessions, path=write_xlsx(tmp_path / "b.xlsx", UNITS, HOUSEHOLDS[1:]))
    assert summary.households_deactivated == 1
    assert await counts(sessions) == (4, 3, 2)
    back = await import_roster(sessions, path=write_xlsx(tmp_path / "c.xlsx", UNITS, HOUSEHOLDS))
    assert back.households_created == 0
    assert await counts(sessions) == (4, 3, 3)


async def test_bad_rows_are_all_listed_and_nothing_is_written(sessions: SessionFactory, tmp_path: Path) -> None:
    units = [*UNITS, ["XQ01-03-09", "", "hamlet", "NOPE", "abc", "123"], ["XQ01", "重复", "town", "", "", ""]]
    households = [
        *HOUSEHOLDS,
        ["XQ99", "3-2-501", "", "", "", ""],
        ["XQ01-03-01", "楼下小卖部旁边", "", "", "", ""],
        ["XQ01-03-01", "3-2-501", "重复", "", "", ""],
        ["XQ01-03-02", "6组1号", "", "12345", "many", ""],
    ]
    with pytest.raises(RosterError) as caught:
        await import_roster(sessions, path=write_xlsx(tmp_path / "bad.xlsx", units, households))
    problems = caught.value.problems
    assert problems == [
        "units:6: name: 必填，不能为空",
        "units:6: level: 层级 “hamlet” 无法识别，应为 town/village/grid 或 镇街/村社区/网格",
        "units:6: leaders: “abc” 不是 Telegram 用户 ID（应为数字）",
        "units:6: chat_id: “123” 不是群 ID（应为负数，如 -1001234567890）",
        "units:7: code: 编码 “XQ01” 重复",
        "households:5: grid: 网格编码 “XQ99” 不存在或不是网格",
        "households:6: address: 地址 “楼下小卖部旁边” 无法识别，请写成 3-2-501、3栋2单元501室 或 五组12号 这样的格式",
        "households:7: address: 地址 “3-2-501” 与第 2 行重复",
        "households:8: phone: 电话 “12345” 不是有效的手机号或座机号",
        "households:8: members: 人数 “many” 应为 1 到 99 的整数",
    ]
    assert await counts(sessions) == (0, 0, 0)


async def test_reimport_with_errors_keeps_what_was_stored(sessions: SessionFactory, tmp_path: Path) -> None:
    await import_roster(sessions, path=write_xlsx(tmp_path / "a.xlsx", UNITS, HOUSEHOLDS))
    with pytest.raises(RosterError):
        await import_roster(
            sessions, path=write_xlsx(tmp_path / "b.xlsx", UNITS, [["XQ01-03-01", "??", "", "", "", ""]])
        )
    assert await counts(sessions) == (4, 3, 3)


async def test_unknown_parent_and_wrong_level(sessions: SessionFactory, tmp_path: Path) -> None:
    units = [*UNITS, ["G9", "孤儿网格", "grid", "XQ01", "", ""], ["V9", "无上级村", "village", "", "", ""]]
    with pytest.raises(RosterError) as caught:
        await import_roster(sessions, path=write_xlsx(tmp_path / "bad.xlsx", units, []))
    assert caught.value.problems == [
        "units:7: parent: 必填，不能为空",
        "units:6: parent: 上级 “XQ01” 层级不对（村社区的上级应是镇街，网格的上级应是村社区）",
    ]


async def test_missing_sheet_or_column_is_one_line(sessions: SessionFactory, tmp_path: Path) -> None:
    workbook = Workbook()
    assert workbook.active is not None
    workbook.active.title = "units"
    workbook.save(tmp_path / "half.xlsx")
    with pytest.raises(RosterFileError, match="缺少工作表 households / 住户"):
        await import_roster(sessions, path=tmp_path / "half.xlsx")
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "units.csv").write_text("code,name\nXQ01,镇\n", encoding="utf-8")
    (folder / "households.csv").write_text("grid,address\n", encoding="utf-8")
    with pytest.raises(RosterFileError, match=r"units\.csv: 缺少必填列 level / 层级"):
        await import_roster(sessions, path=folder)


def test_cli_import_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_config: Path) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", UNITS, HOUSEHOLDS)
    assert main(["org", "import", str(path), "-c", str(cli_config)]) == 0
    assert "住户 新增 3" in capsys.readouterr().out
    assert main(["org", "show", "-c", str(cli_config)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "XQ01  杨柳青镇（镇/街道）  住户 3  未绑定群",
        "  XQ01-03  西头岭村（村/社区）  住户 3  未绑定群",
        "    XQ01-03-01  第一网格（网格）  住户 2  已绑定群 -1001234567890",
        "    XQ01-03-02  第二网格（网格）  住户 1  未绑定群",
    ]
    assert main(["org", "show", "XQ01-03-02", "-c", str(cli_config)]) == 0
    assert capsys.readouterr().out.splitlines() == ["XQ01-03-02  第二网格（网格）  住户 1  未绑定群"]


def test_cli_rejects_bad_roster_listing_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cli_config: Path
) -> None:
    path = write_xlsx(tmp_path / "roster.xlsx", UNITS, [["XQ01-03-01", "", "", "", "", ""]])
    assert main(["org", "import", str(path), "-c", str(cli_config)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["名册未导入（一行出错则整份不导入），共 1 处问题：", "households:2: address: 必填，不能为空"]
