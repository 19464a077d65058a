"""The ledger's sheets for the standing duties and the population (台账), after the day's four:

消杀 (date, place, method, product, operator), 领取记录 (delivered orders: who took delivery, when),
and the population ledgers as of the range's last day from the roster's tags and the records —
常住 (households not tagged as floating), 流动 (``[policy.ledger] floating_tags``, and returnees whose
monitoring has ended: they stayed), 返乡人员 (every returnee reported, 监测中 or 已解除), 重点人群
(``[policy.ledger] key_tags``). Names and phones masked as in every ledger sheet.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from core.config import Settings
from core.formatting import mask_name, mask_phone
from services.ledger import Cell, LedgerRow, in_address_order, local_time
from storage import duties
from storage import reports as sql


def _tags(row_tags: str) -> set[str]:
    return {tag for tag in row_tags.split(";") if tag}


def _household(r: Sequence[Any]) -> list[Cell]:
    tags = r[7].replace(";", texts.REPORT_LIST_SEPARATOR)
    return [r[0], r[1], r[3], mask_name(r[4] or ""), mask_phone(r[5] or ""), r[6], tags]


def _grid_path(row: Sequence[Any]) -> object:
    return row[2]


async def _households(session: AsyncSession, path: str) -> AsyncIterator[Sequence[Any]]:
    async for row in in_address_order(sql.stream_rows(session, duties.household_ledger(path)), _grid_path):
        yield row


async def population_rows(
    session: AsyncSession, *, path: str, end: date, settings: Settings
) -> AsyncIterator[LedgerRow]:
    floating, key = set(settings.policy.ledger.floating_tags), set(settings.policy.ledger.key_tags)
    yield texts.LEDGER_RESIDENT, list(texts.LEDGER_POPULATION_HEADER)
    async for r in _households(session, path):
        if not _tags(r[7]) & floating:
            yield texts.LEDGER_RESIDENT, _household(r)
    yield texts.LEDGER_FLOATING, list(texts.LEDGER_FLOATING_HEADER)
    async for r in _households(session, path):
        if _tags(r[7]) & floating:
            yield texts.LEDGER_FLOATING, [*_household(r), texts.LEDGER_FROM_TAG]
    async for r in sql.stream_rows(session, duties.returnee_population_ledger(path, end)):
        if r[7] is not None and r[7] < end:
            row: list[Cell] = [r[1], r[2], r[3], mask_name(r[4] or ""), mask_phone(r[8] or ""), r[9], r[10] or ""]
            yield texts.LEDGER_FLOATING, [*row, texts.LEDGER_RETURNEE_STAYED]
    yield texts.LEDGER_RETURNEE_POPULATION, list(texts.LEDGER_RETURNEE_POPULATION_HEADER)
    async for r in sql.stream_rows(session, duties.returnee_population_ledger(path, end)):
        state = texts.LEDGER_MONITORING if r[7] is not None and r[7] >= end else texts.LEDGER_ENDED
        yield texts.LEDGER_RETURNEE_POPULATION, [r[0], r[1], r[2], r[3], mask_name(r[4] or ""), r[5], r[6], r[7], state]
    yield texts.LEDGER_KEY_GROUPS, list(texts.LEDGER_POPULATION_HEADER)
    async for r in _households(session, path):
        if _tags(r[7]) & key:
            yield texts.LEDGER_KEY_GROUPS, _household(r)


async def duty_rows(
    session: AsyncSession, *, path: str, start: date, end: date, settings: Settings
) -> AsyncIterator[LedgerRow]:
    """The 消杀 and 领取记录 sheets of the range, then the population sheets."""
    yield texts.LEDGER_DISINFECTIONS, list(texts.LEDGER_DISINFECTION_HEADER)
    async for r in sql.stream_rows(session, duties.disinfection_ledger(path, start, end)):
        method = texts.DISINFECTION_METHOD_LABELS.get(r[4] or "", "")
        yield texts.LEDGER_DISINFECTIONS, [r[0], r[1], r[2], r[3], method, r[5], mask_name(r[6] or "")]
    items: dict[int, list[str]] = {}
    async for order_id, name, qty, unit in sql.stream_rows(session, sql.order_item_ledger(path, start, end)):
        quantity = "" if qty is None else f"{qty:g}"
        items.setdefault(order_id, []).append(texts.LEDGER_ITEM.format(name=name, qty=quantity, unit=unit or ""))
    yield texts.LEDGER_RECEIPTS, list(texts.LEDGER_RECEIPT_HEADER)
    async for r in sql.stream_rows(session, duties.receipt_ledger(path, start, end)):
        delivered = local_time(r[1], settings.tz)
        yield texts.LEDGER_RECEIPTS, [delivered.date() if delivered else None, r[2], r[3], r[4], r[5],
                                      mask_name(r[6] or ""), texts.REPORT_LIST_SEPARATOR.join(items.get(r[0], [])),
                                      mask_name(r[7] or ""), delivered]  # fmt: skip
    async for row in population_rows(session, path=path, end=end, settings=settings):
        yield row
