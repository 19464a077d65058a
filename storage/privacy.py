"""Which columns hold personal details, and how they are erased: the one rule that retention
(``gridbot privacy purge``), a household's erasure (``forget``) and its copy (``export``) all read.

《个人信息保护法》 treats health details as sensitive personal information. What a record keeps
after its retention (``[privacy] retain_days``) is what the reports count: its unit, household,
day and flags (abnormal, urgent, status, dates). Message texts, health details (temperature,
symptoms, tests; a returnee's origin, journey and ID digits; medicine names in orders: a medicine
says what someone suffers from) are erased; names and phones are replaced by the masked forms the
reports already show (张*, 138****5678), so a digest re-run for a past day reads the same.
An address is the household's key in the roster, not erased.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel, col, delete, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from core.formatting import mask_name, mask_phone
from storage.models import (
    CheckIn,
    DisinfectionRecord,
    Household,
    InboxUpdate,
    MessageHousehold,
    MessageRecord,
    OrderItem,
    Person,
    Returnee,
    SupplyOrder,
    VisitRecord,
)


class Rule(StrEnum):
    #: Set to the column's empty value (NULL, or ``PersonalColumn.empty`` where NULL is not allowed).
    ERASE = "erase"
    MASK_NAME = "mask_name"
    MASK_PHONE = "mask_phone"
    #: An order item: a medicine's name becomes ``PersonalColumn.empty`` (the generic word), goods stay.
    MEDICINE = "medicine"


@dataclass(frozen=True)
class PersonalColumn:
    table: type[SQLModel]
    column: str
    rule: Rule
    empty: str | None = None


#: What a record (message, check-in, order, returnee) keeps about a person: erased at retention and by ``forget``.
RECORD_COLUMNS: tuple[PersonalColumn, ...] = (
    PersonalColumn(MessageRecord, "text", Rule.ERASE, ""),
    PersonalColumn(MessageRecord, "parsed", Rule.ERASE, "{}"),
    PersonalColumn(CheckIn, "temperature", Rule.ERASE),
    PersonalColumn(CheckIn, "symptoms", Rule.ERASE),
    PersonalColumn(CheckIn, "test_type", Rule.ERASE),
    PersonalColumn(CheckIn, "test_result", Rule.ERASE),
    PersonalColumn(SupplyOrder, "phone", Rule.MASK_PHONE),
    PersonalColumn(SupplyOrder, "receiver", Rule.MASK_NAME),
    PersonalColumn(OrderItem, "name", Rule.MEDICINE, "药品"),
    PersonalColumn(Returnee, "name", Rule.MASK_NAME),
    PersonalColumn(Returnee, "phone", Rule.MASK_PHONE),
    PersonalColumn(Returnee, "origin", Rule.ERASE),
    PersonalColumn(Returnee, "transport_mode", Rule.ERASE),
    PersonalColumn(Returnee, "transport_number", Rule.ERASE),
    PersonalColumn(Returnee, "id_last4", Rule.ERASE),
    PersonalColumn(Returnee, "test_type", Rule.ERASE),
    PersonalColumn(Returnee, "test_result", Rule.ERASE),
    PersonalColumn(MessageHousehold, "parsed", Rule.ERASE, "{}"),
    PersonalColumn(VisitRecord, "name", Rule.MASK_NAME),
    PersonalColumn(VisitRecord, "visitor_name", Rule.MASK_NAME),
    PersonalColumn(VisitRecord, "help", Rule.ERASE),
    PersonalColumn(DisinfectionRecord, "operator", Rule.MASK_NAME),
)
#: What the roster and the bot's people table say about who lives in a household: erased only by
#: ``forget`` (the roster is the committee's current list, not a record that ages).
HOUSEHOLD_COLUMNS: tuple[PersonalColumn, ...] = (
    PersonalColumn(Household, "head", Rule.MASK_NAME),
    PersonalColumn(Household, "phone", Rule.MASK_PHONE),
    PersonalColumn(Person, "display_name", Rule.ERASE, ""),
    PersonalColumn(Person, "username", Rule.ERASE),
    PersonalColumn(Person, "household_id", Rule.ERASE),
)
PERSONAL_COLUMNS = RECORD_COLUMNS + HOUSEHOLD_COLUMNS

#: Tables in the order they are erased: order items before the orders that select them.
TABLES: tuple[type[SQLModel], ...] = (
    MessageRecord, MessageHousehold, CheckIn, OrderItem, SupplyOrder, Returnee, VisitRecord, DisinfectionRecord,
    Household, Person,
)  # fmt: skip


@dataclass(frozen=True)
class Scope:
    """The rows of one table to erase, as a condition (never an id list: a county purges 300,000 rows a day)."""

    table: type[SQLModel]
    where: sa.ColumnElement[bool]


_Dated = MessageRecord | MessageHousehold | CheckIn | SupplyOrder | Returnee | VisitRecord | DisinfectionRecord


def _unpurged(table: type[_Dated], before: date) -> sa.ColumnElement[bool]:
    return sa.and_(col(table.day) < before, col(table.purged_at).is_(None))


def retention_scopes(*, before: date) -> list[Scope]:
    """Records of a day before ``before`` not purged yet (a returnee by the day it was reported)."""
    orders = _unpurged(SupplyOrder, before)
    return [
        Scope(MessageRecord, _unpurged(MessageRecord, before)),
        Scope(CheckIn, _unpurged(CheckIn, before)),
        Scope(OrderItem, col(OrderItem.order_id).in_(select(SupplyOrder.id).where(orders))),
        Scope(SupplyOrder, orders),
        Scope(Returnee, _unpurged(Returnee, before)),
        Scope(MessageHousehold, _unpurged(MessageHousehold, before)),
        Scope(VisitRecord, _unpurged(VisitRecord, before)),
        Scope(DisinfectionRecord, _unpurged(DisinfectionRecord, before)),
    ]


def inbox_scope(*, before: datetime) -> Scope:
    """Raw updates already processed and received before ``before`` (the replay window): deleted whole."""
    return Scope(
        InboxUpdate, sa.and_(col(InboxUpdate.processed_at).is_not(None), col(InboxUpdate.received_at) < before)
    )


def table_name(table: type[SQLModel]) -> str:
    return str(table.__tablename__)


def household_scopes(*, household_id: int) -> list[Scope]:
    """Everything kept about one household: its records, its roster row, the people linked to it."""
    return [
        Scope(MessageRecord, col(MessageRecord.household_id) == household_id),
        Scope(CheckIn, col(CheckIn.household_id) == household_id),
        Scope(
            OrderItem,
            col(OrderItem.order_id).in_(select(SupplyOrder.id).where(col(SupplyOrder.household_id) == household_id)),
        ),
        Scope(SupplyOrder, col(SupplyOrder.household_id) == household_id),
        Scope(Returnee, col(Returnee.household_id) == household_id),
        Scope(MessageHousehold, col(MessageHousehold.household_id) == household_id),
        Scope(VisitRecord, col(VisitRecord.household_id) == household_id),
        Scope(Household, col(Household.id) == household_id),
        Scope(Person, col(Person.household_id) == household_id),
    ]


def _columns(table: type[SQLModel]) -> list[PersonalColumn]:
    return [column for column in PERSONAL_COLUMNS if column.table is table]


def erased(column: PersonalColumn, value: Any, is_medicine: Callable[[str], bool]) -> Any:
    """The value a personal column holds after erasure: the one place the rule is applied."""
    if value is None:
        return None
    match column.rule:
        case Rule.ERASE:
            return column.empty
        case Rule.MASK_NAME:
            return mask_name(value)
        case Rule.MASK_PHONE:
            return mask_phone(value)
        case Rule.MEDICINE:
            return column.empty if is_medicine(value) else value


async def count_scope(session: AsyncSession, *, scope: Scope) -> int:
    return int((await session.exec(select(func.count()).select_from(scope.table).where(scope.where))).one())


async def erase_scope(session: AsyncSession, *, scope: Scope, now: datetime, is_medicine: Callable[[str], bool]) -> int:
    """Apply the rule to every personal column of the scope's rows (a raw update: delete it); returns how many rows."""
    table, columns = scope.table, _columns(scope.table)
    if table is InboxUpdate:
        deleted = await session.exec(delete(InboxUpdate).where(scope.where))
        return int(deleted.rowcount or 0)
    computed = [c for c in columns if c.rule != Rule.ERASE]
    if computed:
        fields = [sa.inspect(table).primary_key[0], *(getattr(table, c.column) for c in computed)]
        rows = (await session.exec(select(*fields).where(scope.where))).all()
        changes = [
            {
                "id": row[0],
                **{c.column: erased(c, value, is_medicine) for c, value in zip(computed, row[1:], strict=True)},
            }
            for row in rows
        ]
        if changes:
            await session.exec(update(table), params=changes)
    values: dict[str, Any] = {c.column: c.empty for c in columns if c.rule == Rule.ERASE}
    if "purged_at" in table.model_fields:
        values["purged_at"] = now
    if not values:
        return await count_scope(session, scope=scope) if computed else 0
    result = await session.exec(update(table).where(scope.where).values(**values))
    return int(result.rowcount or 0)


async def household_rows(session: AsyncSession, *, household_id: int) -> list[tuple[type[SQLModel], Sequence[Any]]]:
    """Every row kept about a household, table by table (its copy, 复制权)."""
    found = []
    for scope in household_scopes(household_id=household_id):
        found.append((scope.table, (await session.exec(select(scope.table).where(scope.where))).all()))
    return found
