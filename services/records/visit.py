"""Visits (走访): one ``visits`` row per message, rewritten by its edits. A visit that found
something needing follow-up alerts the grid's leaders privately, as an abnormal check-in does, once:
when the visit is stored with its concern, or an edit adds one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services import alerts
from services.records.kind import Shell
from services.records.work import Ack, Ingested, Later, Work
from storage import fieldwork
from storage.models import Household, MessageRecord, VisitRecord
from understanding import Visit


@dataclass
class Visits:
    """The visits of one batch (written as they come; alerts told at the batch's end)."""

    shell: Shell
    concerns: list[tuple[Work, Household, VisitRecord]] = field(default_factory=list)

    async def apply(
        self, work: Work, household: Household, record: MessageRecord, *, joined: Sequence[MessageRecord]
    ) -> Ingested:
        session = self.shell.session
        await self.shell.sync()
        parsed = work.parsed
        assert isinstance(parsed, Visit) and household.id is not None and record.id is not None
        visit = await fieldwork.visit_of_message(session, message_id=record.id)
        was_concern = visit is not None and visit.concern
        visit = visit or VisitRecord(
            grid_id=household.grid_id, household_id=household.id, message_id=record.id, day=work.day,
            visitor_id=work.message.sender.user_id,
        )  # fmt: skip
        visit.grid_id, visit.household_id = household.grid_id, household.id
        visit.day = parsed.date or work.day
        visit.visitor_name = work.message.sender.name[:128]
        visit.name = parsed.name[:64] if parsed.name else None
        visit.help = ",".join(parsed.help)[:128] if parsed.help else None
        visit.concern = parsed.concern
        fieldwork.keep(session, row=visit)
        if visit.concern and not was_concern:
            self.concerns.append((work, household, visit))
        return Ingested(Ack.STORED, kind="visit", day=work.day)

    def leave(self, work: Work) -> None:
        """A visit row stays what it was when its message turns into something else."""

    async def settle(self) -> list[Later]:
        """The batch's new concerns, each an alert on its message's outcome."""
        later = []
        for work, household, visit in self.concerns:
            grid, audience = await self.shell.households.audience_of(work, household, about="visit concern")
            alert = alerts.VisitAlert(
                audience=audience, grid=grid, household=household, visit=visit,
                name=work.name_for(household), text=work.message.text,
            )  # fmt: skip
            later.append(Later(work.index, visit_alert=alert))
        return later
