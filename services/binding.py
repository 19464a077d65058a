"""Binding a Telegram group to a unit of the roster (``/bind``, ``/unbind``, the bot's removal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum, auto

from services.identity import may_manage
from storage import bindings, outbox, units
from storage.db import SessionFactory, transaction
from storage.models import BindingStatus, Unit, UnitLevel, utcnow


class BindResult(Enum):
    BOUND = auto()
    UNBOUND = auto()
    NOT_BOUND = auto()
    ALREADY = auto()
    UNKNOWN_CODE = auto()
    REFUSED = auto()
    BOUND_ELSEWHERE = auto()


@dataclass(frozen=True)
class BindOutcome:
    result: BindResult
    unit: Unit | None = None
    #: The unit the chat was bound to before (BOUND_ELSEWHERE) or the chat a moved unit left behind.
    previous_unit: Unit | None = None
    replaced_chat_id: int | None = None
    #: A residents' (grid) group bound for the first time: post the notice to residents (告知) now.
    privacy_notice: bool = False


async def bind_chat(
    factory: SessionFactory,
    *,
    chat_id: int,
    title: str,
    code: str,
    user_id: int,
    admin_ids: frozenset[int],
    day: date | None = None,
) -> BindOutcome:
    """Bind ``chat_id`` to the unit ``code`` if ``user_id`` may; a unit keeps one active group.

    ``day``: the local day of the /bind; the unit's messages of that day that could not reach its
    group (the bot had been removed) are due again, in this group.
    """
    async with transaction(factory) as session:
        unit = await units.get_unit_by_code(session, code=code)
        if unit is None:
            return BindOutcome(BindResult.UNKNOWN_CODE)
        if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
            return BindOutcome(BindResult.REFUSED, unit=unit)
        current = await bindings.bound_unit(session, chat_id=chat_id)
        if current is not None and current.id == unit.id:
            return BindOutcome(BindResult.ALREADY, unit=unit)
        if current is not None and user_id not in admin_ids:
            return BindOutcome(BindResult.BOUND_ELSEWHERE, unit=unit, previous_unit=current)
        assert unit.id is not None
        replaced = await bindings.active_binding_of_unit(session, unit_id=unit.id)
        if replaced is not None:
            replaced.status = BindingStatus.REMOVED
            session.add(replaced)
        binding = await bindings.upsert_binding(
            session, chat_id=chat_id, unit_id=unit.id, title=title, bound_by=user_id
        )
        if day is not None:
            await outbox.resend_to_rebound_group(session, unit_id=unit.id, day=day, chat_id=chat_id, at=utcnow())
        notice = unit.level == UnitLevel.GRID and binding.privacy_notice_at is None
        if notice:  # once per group, ever: a re-bind or a move between grids does not repeat it
            binding.privacy_notice_at = utcnow()
            session.add(binding)
        return BindOutcome(
            BindResult.BOUND,
            unit=unit,
            previous_unit=current,
            replaced_chat_id=replaced.chat_id if replaced is not None else None,
            privacy_notice=notice,
        )


async def unbind_chat(factory: SessionFactory, *, chat_id: int, user_id: int, admin_ids: frozenset[int]) -> BindOutcome:
    async with transaction(factory) as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
        if unit is None:
            return BindOutcome(BindResult.NOT_BOUND)
        if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
            return BindOutcome(BindResult.REFUSED, unit=unit)
        await bindings.set_binding_status(session, chat_id=chat_id, status=BindingStatus.REMOVED)
        return BindOutcome(BindResult.UNBOUND, unit=unit)


async def record_removal(factory: SessionFactory, *, chat_id: int) -> Unit | None:
    """The bot left or was removed: the binding stops, its history stays."""
    async with transaction(factory) as session:
        unit = await bindings.bound_unit(session, chat_id=chat_id)
        await bindings.set_binding_status(session, chat_id=chat_id, status=BindingStatus.REMOVED)
        return unit


async def chat_unit(factory: SessionFactory, *, chat_id: int) -> Unit | None:
    async with factory() as session:
        return await bindings.bound_unit(session, chat_id=chat_id)
