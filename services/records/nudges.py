"""Asking for a household's address, and filing the answer.

A message whose household is unknown is kept, and its sender asked once a day for the address;
when they answer (even with a bare "3-2-501"), their earlier check-ins of the day join that
household.
"""

from __future__ import annotations

from services.records.checkin import Checkins
from services.records.kind import Shell
from services.records.work import Ack, Ingested, Work
from storage import records
from understanding import normalise_address

#: The nudge reason of "which household is this?" (asked at most once per person and day).
ADDRESS_REASON = "address"


async def ask_address(shell: Shell, work: Work, written: str | None) -> Ingested:
    """Ask for the address (or say the one written is unknown), once per sender and day."""
    session = shell.session
    asked = await records.claim_nudge(
        session, telegram_user_id=work.message.sender.user_id, reason=ADDRESS_REASON, day=work.day
    )
    if not asked:
        return Ingested(Ack.NONE, kind=work.kind, day=work.day)
    grid_id = work.grid.id if work.grid is not None else None
    example = None if grid_id is None else await records.example_address(session, grid_id=grid_id)
    ack = Ack.UNKNOWN_ADDRESS if written is not None else Ack.ASK_ADDRESS
    return Ingested(ack, kind=work.kind, day=work.day, example=example, written=written)


async def answer(shell: Shell, checkins: Checkins, work: Work) -> Ingested:
    """A bare address ("3-2-501") from someone asked for it: link them and file their day's check-ins."""
    address = normalise_address(work.message.text)
    if address is None or work.grid is None or work.grid.id is None:
        return Ingested(Ack.NONE)
    session = shell.session
    await shell.sync()
    waiting = await records.unassigned_messages(
        session, sender_id=work.message.sender.user_id, grid_id=work.grid.id, day=work.day, kind="checkin"
    )
    found = await records.households_at(session, address_key=address.key(), grid_ids=[work.grid.id])
    if not waiting or len(found) != 1:
        return Ingested(Ack.NONE)
    work.person = await shell.households.person(work.message.sender)
    joined = await shell.households.link(work, found[0], by_address=True)
    if not joined:
        return Ingested(Ack.NONE)
    return checkins.mark(work, found[0], None, joined=joined).claiming(work.claim)
