"""The /remind switches as they act on a unit: off when the unit or any unit above it turned them off.

One walk up the unit tree (the materialised path, ``storage.units.chains``) and one rule
(``effective``), for the reminders, the follow-ups and /missing alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlmodel.ext.asyncio.session import AsyncSession

from storage import schedules, units
from storage.schedules import Switches


def effective(chain: Sequence[int], own: Mapping[int, Switches]) -> Switches:
    """A unit's switches as they act: off when the unit or any unit in ``chain`` above it is off."""
    found = [own[unit_id] for unit_id in chain if unit_id in own]
    return Switches(reminders=all(s.reminders for s in found), mentions=all(s.mentions for s in found))


async def in_force(session: AsyncSession, *, paths: Mapping[int, str]) -> dict[int, Switches]:
    """The switches acting on each unit (unit id → its materialised path), in two queries for any number."""
    chains = await units.chains(session, paths=sorted(set(paths.values())))
    own = await schedules.switches(session, unit_ids=sorted({u for chain in chains.values() for u in chain}))
    return {unit_id: effective(chains[path], own) for unit_id, path in paths.items()}
