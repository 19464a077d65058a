"""Reading a roster as officials keep it: an .xlsx workbook, or a folder of two CSV files.

This module only turns files into rows of strings keyed by canonical column names; what the
rows mean is checked in ``services.roster``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core import texts

#: Canonical column → accepted header spellings (English, Chinese).
UNIT_COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("code", "编码"),
    "name": ("name", "名称"),
    "level": ("level", "层级"),
    "parent": ("parent", "上级编码"),
    "leaders": ("leaders", "负责人TG"),
    "chat_id": ("chat_id", "群ID"),
    # Optional group robots (issue #15): webhook URLs and signing secrets.
    "wecom": ("wecom", "企业微信机器人"),
    "dingtalk": ("dingtalk", "钉钉机器人"),
    "dingtalk_secret": ("dingtalk_secret", "钉钉加签密钥"),
    "feishu": ("feishu", "飞书机器人"),
    "feishu_secret": ("feishu_secret", "飞书加签密钥"),
}
HOUSEHOLD_COLUMNS: dict[str, tuple[str, ...]] = {
    "grid": ("grid", "网格编码"),
    "address": ("address", "地址"),
    "head": ("head", "户主"),
    "phone": ("phone", "电话"),
    "members": ("members", "人数"),
    "tags": ("tags", "标签"),
    "cluster": ("cluster", "联户"),
}


@dataclass(frozen=True)
class SheetSpec:
    """A roster table: its canonical name, the sheet names it may have, its columns."""

    kind: str
    names: tuple[str, ...]
    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]


PAIR_COLUMNS: dict[str, tuple[str, ...]] = {
    "grid": ("grid", "网格编码"),
    "address": ("address", "地址"),
    "helper": ("helper", "结对人", "帮扶人", "结对人TG"),
    "every": ("every", "frequency", "频次", "走访频次"),
}
POINT_COLUMNS: dict[str, tuple[str, ...]] = {
    "grid": ("grid", "网格编码"),
    "place": ("place", "点位", "地点"),
    "every": ("every", "frequency", "频次"),
}
UNITS = SheetSpec("units", ("units", "单位"), UNIT_COLUMNS, ("code", "name", "level"))
HOUSEHOLDS = SheetSpec("households", ("households", "住户"), HOUSEHOLD_COLUMNS, ("grid", "address"))
#: Optional tables (issue #14): a roster without them imports as before and leaves pairings and points alone.
PAIRS = SheetSpec("pairs", ("pairs", "结对"), PAIR_COLUMNS, ("grid", "address", "helper"))
POINTS = SheetSpec("points", ("points", "消杀点位"), POINT_COLUMNS, ("grid", "place"))


class RosterFileError(Exception):
    """The file itself cannot be read as a roster (not a row-level problem)."""


@dataclass(frozen=True)
class Row:
    """One data row: where it came from (for error lines) and its cells by canonical column."""

    sheet: str
    line: int
    cells: dict[str, str]
    headers: dict[str, str]

    def get(self, column: str) -> str:
        return self.cells.get(column, "")

    def where(self, column: str) -> str:
        """``sheet:row: column`` as the error format wants, naming the header as the file spells it."""
        return f"{self.sheet}:{self.line}: {self.headers.get(column, column)}"


@dataclass(frozen=True)
class RosterRows:
    units: list[Row]
    households: list[Row]
    #: None when the roster has no such table (then the stored pairings or points stay as they are).
    pairs: list[Row] | None = None
    points: list[Row] | None = None


def _cell_text(value: object) -> str:
    # Excel stores codes, phones and ids typed as numbers as floats: 13812345678.0 → "13812345678".
    # A NUL (an export's garbage, invisible in Excel) is dropped: PostgreSQL stores none in text.
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("\x00", "").strip()


def _rows(sheet: str, table: Iterable[Iterable[object]], spec: SheetSpec) -> list[Row]:
    iterator: Iterator[Iterable[object]] = iter(table)
    try:
        header_cells = [_cell_text(cell) for cell in next(iterator)]
    except StopIteration:
        raise RosterFileError(texts.ROSTER_EMPTY_SHEET.format(sheet=sheet)) from None
    spelling = {alias.lower(): canonical for canonical, aliases in spec.columns.items() for alias in aliases}
    positions: dict[int, str] = {}
    headers: dict[str, str] = {}
    for index, header in enumerate(header_cells):
        canonical = spelling.get(header.lstrip("\ufeff").strip().lower())
        if canonical is not None:
            positions[index] = canonical
            headers[canonical] = header
    missing = [" / ".join(spec.columns[name]) for name in spec.required if name not in headers]
    if missing:
        raise RosterFileError(texts.ROSTER_MISSING_COLUMNS.format(sheet=sheet, columns=", ".join(missing)))
    rows: list[Row] = []
    for line, values in enumerate(iterator, start=2):
        cells = {positions[i]: _cell_text(v) for i, v in enumerate(values) if i in positions}
        if any(cells.values()):
            rows.append(Row(sheet=sheet, line=line, cells=cells, headers=headers))
    return rows


def _read_xlsx(path: Path) -> RosterRows:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or foreign file
        raise RosterFileError(texts.ROSTER_BAD_XLSX.format(path=path, error=exc)) from None
    try:
        names: dict[str, str] = {}
        for spec in (UNITS, HOUSEHOLDS):
            name = next((n for n in workbook.sheetnames if n.strip().lower() in spec.names), None)
            if name is None:
                raise RosterFileError(texts.ROSTER_MISSING_SHEET.format(path=path, sheets=" / ".join(spec.names)))
            names[spec.kind] = name
        units, households = (
            _rows(names[spec.kind], workbook[names[spec.kind]].iter_rows(values_only=True), spec)
            for spec in (UNITS, HOUSEHOLDS)
        )
        pairs, points = (_optional_sheet(workbook, spec) for spec in (PAIRS, POINTS))
        return RosterRows(units=units, households=households, pairs=pairs, points=points)
    finally:
        workbook.close()


def _optional_sheet(workbook: Any, spec: SheetSpec) -> list[Row] | None:
    name = next((n for n in workbook.sheetnames if n.strip().lower() in spec.names), None)
    return None if name is None else _rows(name, workbook[name].iter_rows(values_only=True), spec)


def decode_csv(data: bytes) -> str:
    """Excel writes "CSV UTF-8" (with a BOM) or, by default on Chinese Windows, GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFileError(texts.ROSTER_BAD_ENCODING) from None


def _read_csv_folder(path: Path) -> RosterRows:
    tables: dict[str, list[Row]] = {}
    for spec in (UNITS, HOUSEHOLDS):
        file = path / f"{spec.kind}.csv"
        if not file.is_file():
            raise RosterFileError(texts.ROSTER_MISSING_CSV.format(path=file))
        text = decode_csv(file.read_bytes())
        tables[spec.kind] = _rows(file.name, csv.reader(io.StringIO(text, newline="")), spec)
    optional: dict[str, list[Row] | None] = {}
    for spec in (PAIRS, POINTS):
        file = path / f"{spec.kind}.csv"
        optional[spec.kind] = None
        if file.is_file():
            table = csv.reader(io.StringIO(decode_csv(file.read_bytes()), newline=""))
            optional[spec.kind] = _rows(file.name, table, spec)
    return RosterRows(
        units=tables["units"], households=tables["households"], pairs=optional["pairs"], points=optional["points"]
    )


def read_roster(path: Path) -> RosterRows:
    """Read ``path`` (a workbook or a folder) into rows; raise ``RosterFileError`` with one line."""
    if path.is_dir():
        return _read_csv_folder(path)
    if not path.exists():
        raise RosterFileError(texts.ROSTER_NOT_FOUND.format(path=path))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raise RosterFileError(texts.ROSTER_NOT_A_ROSTER.format(path=path))
