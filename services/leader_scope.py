"""Who may run a leader command in a group, and over which units: the one check every one uses.

A command speaks for the unit the group is bound to: its leaders, leaders of a unit above it
and admins may use it; everyone else, including another grid's leader, is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, auto

from sqlmodel.ext.asyncio.session import AsyncSession

from services.identity import may_manage
from storage import bindings
from storage.models import Unit


class Denial(Enum):
    NOT_BOUND = auto()
    REFUSED = auto()


@dataclass(frozen=True)
class Denied:
    """The command was not run: the group has no unit, or the sender may not manage it."""

    reason: Denial
    unit: Unit | None = None


async def leader_unit(session: AsyncSession, *, chat_id: int, user_id: int, admin_ids: frozenset[int]) -> Unit | Denied:
    """The unit this group is bound to, if ``user_id`` may manage it."""
    unit = await bindings.bound_unit(session, chat_id=chat_id)
    if unit is None:
        return Denied(Denial.NOT_BOUND)
    if not await may_manage(session, unit=unit, user_id=user_id, admin_ids=admin_ids):
        return Denied(Denial.REFUSED, unit)
    return unit
