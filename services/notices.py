"""Notices down the chain (上级政策迅速传达到最基层): /notice, the 收到 button, /notice_status.

A town or village group's leaders (or an admin) post a notice; it goes through the outbox to
every bound group below, each copy with a 收到 button. A resident's press is not the unit's
receipt: presses count by household reached (a linked member of the household pressed) and, apart,
by the unit's own leaders (网格长已确认). The figures are in /notice_status and, through
``storage.notices.notice_ack_counts``, in the next digests (``receipt_text`` words both).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum, auto
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from core.callbacks import NoticeAck
from core.config import Settings
from core.formatting import MESSAGE_LIMIT
from services.identity import may_manage
from services.messages_out import OutgoingMessage
from services.outbox import add_rows, encode
from storage import bindings
from storage import notices as store
from storage.db import SessionFactory, transaction
from storage.models import Notice, Unit, UnitLevel, utcnow
from storage.notices import Receipt, UnitAck
from storage.reports import report_units

#: The longest notice text: what fits in one message beside the header and footer.
MAX_LENGTH = MESSAGE_LIMIT - 200


class NoticeResult(Enum):
    SENT = auto()
    UNBOUND = auto()
    NOT_UPPER = auto()
    REFUSED = auto()
    TOO_LONG = auto()
    NO_TARGETS = auto()
    UNKNOWN = auto()
    SHOWN = auto()


@dataclass(frozen=True)
class NoticeOutcome:
    result: NoticeResult
    unit: Unit | None = None
    notice: Notice | None = None
    targets: int = 0


def notice_message(unit: Unit, notice: Notice) -> OutgoingMessage:
    assert notice.id is not None
    text = texts.NOTICE_MESSAGE.format(unit=escape(unit.name), text=escape(notice.text))
    return OutgoingMessage.of_text(text, reply_markup=(((texts.NOTICE_ACK_BUTTON, NoticeAck(notice.id).data()),),))


def receipt_text(receipt: Receipt) -> str:
    """已收到 42/60 户 · 网格长已确认: households (where grids are among the units), then the leaders."""
    role = texts.NOTICE_ROLE_GRID if receipt.grids == receipt.units else texts.NOTICE_ROLE_ANY
    parts = []
    if receipt.grids:
        parts.append(texts.NOTICE_RECEIPT_HOUSEHOLDS.format(acked=receipt.households_acked, total=receipt.households))
    if receipt.units == 1:
        parts.append(
            (texts.NOTICE_RECEIPT_LEADER if receipt.leaders_acked else texts.NOTICE_RECEIPT_NO_LEADER).format(role=role)
        )
    else:
        parts.append(texts.NOTICE_RECEIPT_LEADERS.format(role=role, acked=receipt.leaders_acked, total=receipt.units))
    return texts.NOTICE_RECEIPT_SEPARATOR.join(parts)


async def _upper_unit(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int]
) -> NoticeOutcome:
    """The town or village this group is bound to, if the user may act there; else why not."""
    async with factory() as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
        if unit is None:
            return NoticeOutcome(NoticeResult.UNBOUND)
        if unit.level == UnitLevel.GRID:
            return NoticeOutcome(NoticeResult.NOT_UPPER, unit=unit)
        if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
            return NoticeOutcome(NoticeResult.REFUSED, unit=unit)
    return NoticeOutcome(NoticeResult.SHOWN, unit=unit)


async def publish_notice(
    factory: SessionFactory,
    *,
    chat_id: int,
    user_id: int,
    admin_ids: frozenset[int],
    text: str,
    settings: Settings,
    now: datetime | None = None,
) -> NoticeOutcome:
    """Store the notice and queue a copy for every bound group below, in one transaction."""
    checked = await _upper_unit(factory, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
    unit = checked.unit
    if checked.result is not NoticeResult.SHOWN or unit is None or unit.id is None:
        return checked
    if len(text) > MAX_LENGTH:
        return NoticeOutcome(NoticeResult.TOO_LONG, unit=unit)
    now = now or utcnow()
    async with transaction(factory) as session:
        queued = await queue_notice(session, unit=unit, text=text, user_id=user_id, settings=settings, now=now)
    if queued is None:
        return NoticeOutcome(NoticeResult.NO_TARGETS, unit=unit)
    notice, targets = queued
    return NoticeOutcome(NoticeResult.SENT, unit=unit, notice=notice, targets=targets)


async def queue_notice(
    session: AsyncSession, *, unit: Unit, text: str, user_id: int, settings: Settings, now: datetime
) -> tuple[Notice, int] | None:
    """Store a notice of ``unit`` and queue a copy for every bound group below it, in the caller's
    transaction; the notice and how many groups it goes to (None, and nothing stored, if none is bound)."""
    below = [u for u in await report_units(session, root_path=unit.path) if u.id != unit.id and u.chat_id]
    if not below or unit.id is None:
        return None
    notice = await store.create_notice(session, unit_id=unit.id, text=text, created_by=user_id, now=now)
    assert notice.id is not None
    payload = encode(notice_message(unit, notice))
    rows = [
        {
            "unit_id": target.id,
            "day": now.astimezone(settings.tz).date(),
            "kind": store.notice_kind(notice.id),
            "part": 0,
            "chat_id": target.chat_id,
            "payload": payload,
        }
        for target in below
    ]
    await add_rows(session, rows=rows, now=now)
    return notice, len(rows)


class AckResult(Enum):
    ACKED = auto()
    AGAIN = auto()
    UNKNOWN = auto()


async def acknowledge(
    factory: SessionFactory, *, notice_id: int, chat_id: int, user_id: int, now: datetime | None = None
) -> AckResult:
    """A press of 收到 in a group the notice was sent to, counted once per person and unit."""
    async with transaction(factory) as session:
        unit_id = await store.target_in_chat(session, notice_id=notice_id, chat_id=chat_id)
        if unit_id is None:
            return AckResult.UNKNOWN
        new = await store.add_ack(
            session, notice_id=notice_id, unit_id=unit_id, telegram_user_id=user_id, at=now or utcnow()
        )
    return AckResult.ACKED if new else AckResult.AGAIN


@dataclass(frozen=True)
class NoticeStatus:
    outcome: NoticeOutcome
    units: tuple[UnitAck, ...] = ()

    @property
    def total(self) -> Receipt:
        """The receipt over every unit the notice was sent to."""
        return sum((unit.receipt for unit in self.units), Receipt())


async def notice_status(
    factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int], notice_id: int | None
) -> NoticeStatus:
    """The receipts of this group's latest notice (or of ``notice_id``), unit by unit: for the unit's
    leaders (and those above, and admins) only, like every other view of a unit's work."""
    checked = await _upper_unit(factory, chat_id=chat_id, user_id=user_id, admin_ids=admin_ids)
    unit = checked.unit
    if checked.result is not NoticeResult.SHOWN or unit is None or unit.id is None:
        return NoticeStatus(checked)
    async with factory() as session:
        if notice_id is None:
            notice = await store.latest_notice(session, unit_id=unit.id)
        else:
            notice = await store.get_notice(session, notice_id=notice_id)
        if notice is None or notice.id is None or notice.unit_id != unit.id:
            return NoticeStatus(NoticeOutcome(NoticeResult.UNKNOWN, unit=unit))
        acks = await store.unit_acks(session, notice_id=notice.id)
    return NoticeStatus(NoticeOutcome(NoticeResult.SHOWN, unit=unit, notice=notice, targets=len(acks)), tuple(acks))
