"""The audit trail: who saw or exported personal details, when, about which unit (and household)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.dialect import as_utc
from storage.models import AuditEntry, Household, Unit, utcnow


class AuditAction(StrEnum):
    #: ``/household``: a leader read a household's history.
    HOUSEHOLD = "household"
    #: An abnormal check-in or urgent order, in full, chosen to go to a leader privately.
    ALERT = "alert"
    #: A digest's Excel ledger (masked) queued to an officials' group.
    LEDGER = "ledger"
    #: ``gridbot export``: the ledger of a range written to a file.
    EXPORT = "export"
    PRIVACY_EXPORT = "privacy_export"
    PRIVACY_FORGET = "privacy_forget"
    PRIVACY_PURGE = "privacy_purge"


def telegram_actor(user_id: int) -> str:
    return f"tg:{user_id}"


def chat_actor(chat_id: int) -> str:
    return f"chat:{chat_id}"


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: AuditAction,
    unit_id: int | None = None,
    household_id: int | None = None,
    detail: str = "",
    at: datetime | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at or utcnow(),
            actor=actor[:64],
            action=action,
            unit_id=unit_id,
            household_id=household_id,
            detail=detail[:256],
        )
    )


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    unit_code: str | None
    address: str | None
    detail: str


async def entries(
    session: AsyncSession,
    *,
    unit_path: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Sequence[AuditLine]:
    """The trail, oldest first; ``unit_path`` keeps entries about that unit and those below it."""
    query = (
        select(AuditEntry, Unit.code, Household.address)
        .outerjoin(Unit, col(Unit.id) == col(AuditEntry.unit_id))
        .outerjoin(Household, col(Household.id) == col(AuditEntry.household_id))
    )
    if unit_path is not None:
        query = query.where((col(Unit.path) == unit_path) | col(Unit.path).startswith(unit_path + "/"))
    if start is not None:
        query = query.where(col(AuditEntry.at) >= start)
    if end is not None:
        query = query.where(col(AuditEntry.at) < end)
    rows = (await session.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id)))).all()
    return [
        AuditLine(
            at=as_utc(entry.at),
            actor=entry.actor,
            action=entry.action,
            unit_code=code,
            address=address,
            detail=entry.detail,
        )
        for entry, code, address in rows
    ]


async def household_entries(session: AsyncSession, *, household_id: int) -> Sequence[AuditEntry]:
    query = select(AuditEntry).where(col(AuditEntry.household_id) == household_id).order_by(col(AuditEntry.id))
    return (await session.exec(query)).all()
