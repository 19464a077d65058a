"""The ledger (台账) of a unit's subtree over a date range: Excel with four sheets, or four CSV files.

Officials ask for ranges ("last week's ledger"), so a day is just a range of one. Rows stream from
the database in batches into a write-only workbook: a county-wide range never sits in memory (only
one grid's rows of a day, to put them in address order, and a sheet's rows spooled to a temporary
file while the widths of its columns are measured). Each sheet is laid out for reading: columns as
wide as their content, the header frozen with a filter on it, dates and temperatures as numbers.
Names and phones are masked (张*, 138****5678) and identity numbers exist only as their last four
digits: the ledger goes to village and town groups, and exported files travel further still.
"""

from __future__ import annotations

import csv
import pickle
import tempfile
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import date, datetime, timedelta
from io import BytesIO, TextIOWrapper
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from core.config import Settings
from core.files import open_private, private_folder
from core.formatting import label, mask_name, mask_phone, symptoms_text
from services.address_order import address_sort_key
from services.reports import UnknownUnitError, configured_days_off, day_bounds
from storage import campaigns
from storage import reports as sql
from storage.db import SessionFactory
from storage.dialect import as_utc
from storage.units import get_unit_by_code

Cell = str | int | float | date | datetime | None
#: (sheet title, row): each sheet's first row is its header.
LedgerRow = tuple[str, list[Cell]]
LedgerFormat = Literal["xlsx", "csv"]
SHEETS = (
    texts.LEDGER_CHECKINS, texts.LEDGER_ORDERS, texts.LEDGER_RETURNEES, texts.LEDGER_ABNORMAL,
    # ``services.duty_ledger``'s:
    texts.LEDGER_DISINFECTIONS, texts.LEDGER_RECEIPTS, texts.LEDGER_RESIDENT, texts.LEDGER_FLOATING,
    texts.LEDGER_RETURNEE_POPULATION, texts.LEDGER_KEY_GROUPS,
)  # fmt: skip
#: How a spreadsheet recognises a formula (OWASP, CSV injection): ``=1+1`` in an order is text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def formula_like(cell: Cell) -> bool:
    """A text a spreadsheet would run as a formula. Every writer asks this of every cell: ledger text
    comes from residents (items, names, origins), and no cell of ours starts like this."""
    return isinstance(cell, str) and cell.startswith(_FORMULA_START)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def _time(instant: datetime | None, tz: ZoneInfo) -> datetime | None:
    """The local wall time, without its zone: a spreadsheet cell has none (openpyxl refuses one)."""
    return as_utc(instant).astimezone(tz).replace(tzinfo=None) if instant else None


def _qty(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


async def _in_address_order(
    rows: AsyncIterator[Sequence[Any]], group: Callable[[Sequence[Any]], object]
) -> AsyncIterator[Sequence[Any]]:
    """Each run of rows with the same ``group`` (a grid, a grid's day) re-ordered by address as
    numbers (the address key is each row's last column); runs keep the query's order."""
    run: list[Sequence[Any]] = []
    async for row in rows:
        if run and group(row) != group(run[0]):
            for ordered in sorted(run, key=lambda r: address_sort_key(r[-1])):
                yield ordered
            run = []
        run.append(row)
    for ordered in sorted(run, key=lambda r: address_sort_key(r[-1])):
        yield ordered


#: For the duty and population sheets (``services.duty_ledger``), which order and stamp rows alike.
in_address_order, local_time = _in_address_order, _time


def _grid_path(row: Sequence[Any]) -> object:
    return row[2]


def _grid_day(row: Sequence[Any]) -> object:
    return row[0], row[1], row[2]


async def ledger_rows(
    factory: SessionFactory, *, unit_code: str, start: date, end: date, settings: Settings
) -> AsyncIterator[LedgerRow]:
    """Every row of the ledger, sheet by sheet, masked."""
    tz, configured_off = settings.tz, configured_days_off(settings)
    async with factory() as session:
        root = await get_unit_by_code(session, code=unit_code)
        if root is None:
            raise UnknownUnitError(unit_code)
        path = root.path
        yield texts.LEDGER_CHECKINS, list(texts.LEDGER_CHECKIN_HEADER)
        for day in _days(start, end):
            off = await sql.day_off_codes(session, day=day)
            everyone_off = None in off or day in configured_off
            async for r in _in_address_order(sql.stream_rows(session, sql.checkin_ledger(path, day)), _grid_path):
                grid_off = everyone_off or any(code in off for code in r[2].split("/"))
                status = texts.LEDGER_CHECKED if r[6] else texts.LEDGER_DAY_OFF if grid_off else texts.LEDGER_MISSING
                yield texts.LEDGER_CHECKINS, [day, r[0], r[1], r[3], mask_name(r[4] or ""), r[5], status,
                                              r[7], r[8], symptoms_text(r[9]), label(texts.TEST_LABELS, r[10]),
                                              label(texts.TEST_RESULT_LABELS, r[11]), texts.LEDGER_YES if r[12] else ""]  # fmt: skip

        items: dict[int, list[str]] = {}
        async for order_id, name, qty, unit in sql.stream_rows(session, sql.order_item_ledger(path, start, end)):
            items.setdefault(order_id, []).append(texts.LEDGER_ITEM.format(name=name, qty=_qty(qty), unit=unit or ""))
        yield texts.LEDGER_ORDERS, list(texts.LEDGER_ORDER_HEADER)
        async for r in sql.stream_rows(session, sql.order_ledger(path, start, end)):
            yield texts.LEDGER_ORDERS, [r[1], r[2], r[3], r[4], r[5], mask_name(r[6] or ""), mask_phone(r[7] or ""),
                                        texts.REPORT_LIST_SEPARATOR.join(items.get(r[0], [])),
                                        texts.LEDGER_YES if r[8] else "", texts.LEDGER_ORDER_STATUS.get(r[9], r[9]),
                                        _time(r[10], tz), _time(r[11], tz)]  # fmt: skip

        yield texts.LEDGER_RETURNEES, list(texts.LEDGER_RETURNEE_HEADER)
        async for r in _in_address_order(sql.stream_rows(session, sql.returnee_ledger(path, start, end)), _grid_day):
            yield texts.LEDGER_RETURNEES, [r[0], r[1], r[2], r[3], mask_name(r[4] or ""), r[5], r[6],
                                           label(texts.TRANSPORT_LABELS, r[7]), r[8], r[9], mask_phone(r[10] or ""),
                                           label(texts.TEST_LABELS, r[11]), label(texts.TEST_RESULT_LABELS, r[12]),
                                           r[13]]  # fmt: skip

        yield texts.LEDGER_ABNORMAL, list(texts.LEDGER_ABNORMAL_HEADER)
        async for r in _in_address_order(sql.stream_rows(session, sql.abnormal_ledger(path, start, end)), _grid_day):
            yield texts.LEDGER_ABNORMAL, [r[0], r[1], r[2], r[3], mask_name(r[4] or ""), r[5], symptoms_text(r[6]),
                                          label(texts.TEST_LABELS, r[7]), label(texts.TEST_RESULT_LABELS, r[8])]  # fmt: skip
        async for row in _testing_rows(session, path, start, end, tz):
            yield row

        from services.duty_ledger import duty_rows  # it uses this module's row helpers

        async for row in duty_rows(session, path=path, start=start, end=end, settings=settings):
            yield row


async def _testing_rows(
    session: AsyncSession, path: str, start: date, end: date, tz: ZoneInfo
) -> AsyncIterator[LedgerRow]:
    """The 核酸 sheet, on the days a testing campaign ran here: each household's 应检, 已检, 未检 and
    whether it is tested at home, as of that day's end."""
    header = False
    for day in _days(start, end):
        query = campaigns.testing_ledger(path, day, day_bounds(day, tz)[1])
        async for r in _in_address_order(sql.stream_rows(session, query), _grid_path):
            if not header:
                header = True
                yield texts.LEDGER_TESTING, list(texts.LEDGER_TESTING_HEADER)
            yield (
                texts.LEDGER_TESTING,
                [day, r[0], r[1], r[3], r[4], r[5], r[4] - r[5], texts.LEDGER_YES if r[6] else ""],
            )


#: Excel's number formats for what is not text (a cell's date or time is stored as a number).
DATE_FORMAT, TIME_FORMAT, TEMPERATURE_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm", "0.0"
#: Column widths in characters (a CJK character counts two): never narrower than a date, never a screen wide.
MIN_WIDTH, MAX_WIDTH = 6, 60


def display_width(cell: Cell) -> int:
    """How many character widths ``cell`` takes on screen: CJK and full-width characters count two."""
    if isinstance(cell, datetime):
        return len("2026-01-01 00:00")
    if isinstance(cell, date):
        return len("2026-01-01")
    text = "" if cell is None else str(cell)
    if text.isascii():  # most cells: numbers, codes, 3-2-501
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _number_format(cell: Cell, temperature: bool) -> str | None:
    if isinstance(cell, datetime):
        return TIME_FORMAT
    if isinstance(cell, date):
        return DATE_FORMAT
    if temperature and isinstance(cell, int | float):
        return TEMPERATURE_FORMAT
    return None


class _SpooledSheet:
    """One sheet's rows on disk while its column widths are measured: the write-only workbook
    needs the widths before the first row, and a county-wide sheet must not wait in memory."""

    def __init__(self, title: str, spool: IO[bytes]) -> None:
        self.title = title
        self.rows = 0
        self.widths: list[int] = []
        self._file = spool
        spool.seek(0)
        spool.truncate()

    def add(self, row: list[Cell]) -> None:
        pickle.dump(row, self._file)
        self.rows += 1
        for index, cell in enumerate(row):
            if index == len(self.widths):
                self.widths.append(0)
            self.widths[index] = max(self.widths[index], display_width(cell))

    def replay(self) -> Iterator[list[Cell]]:
        self._file.seek(0)
        for _ in range(self.rows):
            yield pickle.load(self._file)  # our own temporary file, written just above


def text_cell(sheet: Any, cell: Cell) -> Any:
    """``cell`` as the sheet takes it; a formula-like text as a cell of type string: shown as
    written, never evaluated."""
    if not formula_like(cell):
        return cell
    from openpyxl.cell import WriteOnlyCell

    written = WriteOnlyCell(sheet, value=cell)
    written.data_type = "s"
    return written


def _write_sheet(workbook: Any, spooled: _SpooledSheet) -> None:
    """The sheet laid out for reading: widths to content, header frozen and filtered, numbers formatted."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(spooled.title)
    for index, width in enumerate(spooled.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(spooled.widths), 1))}{spooled.rows}"
    temperatures: set[int] = set()
    for number, row in enumerate(spooled.replay()):
        if number == 0:
            temperatures = {index for index, cell in enumerate(row) if cell == texts.LEDGER_TEMPERATURE}
            sheet.append([text_cell(sheet, cell) for cell in row])
            continue
        cells: list[Any] = [text_cell(sheet, value) for value in row]  # formatted ones replaced below
        for index, value in enumerate(row):
            if (number_format := _number_format(value, index in temperatures)) is not None:
                cells[index] = WriteOnlyCell(sheet, value)
                cells[index].number_format = number_format
        sheet.append(cells)


async def write_xlsx(rows: AsyncIterator[LedgerRow], target: BinaryIO) -> None:
    """Write the ledger rows into a write-only workbook (constant memory), one laid-out sheet each.

    A formula-like text becomes a cell of type string (``text_cell``): shown as written, never evaluated.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    spooled: _SpooledSheet | None = None
    with tempfile.TemporaryFile() as spool:
        async for title, row in rows:
            if spooled is None or spooled.title != title:
                if spooled is not None:
                    _write_sheet(workbook, spooled)
                spooled = _SpooledSheet(title, spool)
            spooled.add(row)
        if spooled is not None:
            _write_sheet(workbook, spooled)
    workbook.save(target)


def _csv_cell(cell: Cell) -> str | int | float:
    """Dates and times as the spreadsheet shows them; nothing for an empty cell; a formula-like
    text after a single quote, which spreadsheets take as "this is text"."""
    if isinstance(cell, datetime):
        return f"{cell:%Y-%m-%d %H:%M}"
    if isinstance(cell, date):
        return cell.isoformat()
    if formula_like(cell):
        return f"'{cell}"
    return "" if cell is None else cell


async def write_csv(rows: AsyncIterator[LedgerRow], folder: Path, prefix: str) -> list[Path]:
    """One UTF-8 (with BOM, so Excel reads the Chinese) CSV file per sheet in ``folder``.

    A formula-like text is written after a single quote, which spreadsheets take as "this is text".
    """
    private_folder(folder)
    written: list[Path] = []
    handle: Any = None
    writer: Any = None
    try:
        async for title, row in rows:
            if not written or written[-1].stem != f"{prefix}{title}":
                if handle is not None:
                    handle.close()
                written.append(folder / f"{prefix}{title}.csv")
                handle = TextIOWrapper(open_private(written[-1]), encoding="utf-8-sig", newline="")
                writer = csv.writer(handle)
            writer.writerow([_csv_cell(cell) for cell in row])
    finally:
        if handle is not None:
            handle.close()
    return written


async def ledger_xlsx(factory: SessionFactory, *, unit_code: str, start: date, end: date, settings: Settings) -> bytes:
    """The ledger as an .xlsx file's bytes (what a digest attaches)."""
    buffer = BytesIO()
    await write_xlsx(ledger_rows(factory, unit_code=unit_code, start=start, end=end, settings=settings), buffer)
    return buffer.getvalue()


async def export_ledger(
    factory: SessionFactory,
    *,
    unit_code: str,
    start: date,
    end: date,
    settings: Settings,
    fmt: LedgerFormat,
    target: Path,
) -> Sequence[Path]:
    """``gridbot export``: the ledger as ``target`` (.xlsx) or as CSV files in the folder ``target``."""
    rows = ledger_rows(factory, unit_code=unit_code, start=start, end=end, settings=settings)
    if fmt == "csv":
        return await write_csv(rows, target, prefix="")
    try:
        with open_private(target) as handle:
            await write_xlsx(rows, handle)
    except BaseException:
        target.unlink(missing_ok=True)  # not an empty file where the unit was unknown
        raise
    return [target]
