"""Disinfections (消杀): one ``disinfections`` row per message, rewritten by its edits. About a
place, not a household (``kind.PlaceKind``): the batch looks up no household for them."""

from __future__ import annotations

from dataclasses import dataclass

from services.records.kind import Shell
from services.records.work import Ack, Ingested, Later, Work
from storage import fieldwork
from storage.models import DisinfectionRecord, MessageRecord
from understanding import Disinfection


@dataclass
class Disinfections:
    """The disinfections of one batch (written as they come)."""

    shell: Shell

    async def apply_place(self, work: Work, record: MessageRecord) -> Ingested:
        session = self.shell.session
        await self.shell.sync()
        parsed = work.parsed
        assert isinstance(parsed, Disinfection) and record.id is not None
        row = await fieldwork.disinfection_of_message(session, message_id=record.id) or DisinfectionRecord(
            message_id=record.id, day=work.day, reporter_id=work.message.sender.user_id
        )
        row.grid_id = record.grid_id
        row.day = parsed.date or work.day
        row.place = parsed.place[:128] if parsed.place else None
        row.method = parsed.method[:16] if parsed.method else None
        row.agent = parsed.agent[:64] if parsed.agent else None
        row.operator = parsed.operator[:64] if parsed.operator else None
        fieldwork.keep(session, row=row)
        return Ingested(Ack.STORED, kind="disinfection", day=work.day)

    def leave(self, work: Work) -> None:
        """A disinfection row stays what it was when its message turns into something else."""

    async def settle(self) -> list[Later]:
        return []
