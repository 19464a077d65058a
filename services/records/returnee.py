"""Returnee reports: one ``returnees`` row per message, rewritten by its edits, with the monitoring
period and test days the grid's policy sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.records.kind import Shell
from services.records.work import Ack, Ingested, Later, Work
from storage import records, returnee_plan
from storage.models import Household, MessageRecord, Returnee
from understanding import Returnee as ReturneeReport


@dataclass
class Returnees:
    """The returnee reports of one batch (written as they come)."""

    shell: Shell

    async def apply(
        self, work: Work, household: Household, record: MessageRecord, *, joined: Sequence[MessageRecord]
    ) -> Ingested:
        session = self.shell.session
        await self.shell.sync()
        assert household.id is not None and record.id is not None
        parsed, policy = work.parsed, work.settings.policy.returnee
        assert isinstance(parsed, ReturneeReport)
        returnee = await records.returnee_of_message(session, message_id=record.id) or Returnee(
            grid_id=household.grid_id, household_id=household.id, message_id=record.id, day=work.day
        )
        test, transport = parsed.test, parsed.transport
        returnee.grid_id, returnee.household_id = household.grid_id, household.id
        returnee.name = parsed.name
        returnee.origin = parsed.origin
        returnee.arrival = parsed.arrival
        returnee.transport_mode = transport.mode if transport is not None else None
        returnee.transport_number = transport.number if transport is not None else None
        returnee.id_last4 = parsed.id_last4
        returnee.phone = parsed.phone
        returnee.test_type, returnee.test_result = (test.type, test.result) if test is not None else (None, None)
        plan = returnee_plan.plan_for(policy, arrival=parsed.arrival, reported=returnee.day)
        returnee.monitor_until, returnee.test_days = plan.monitor_until, plan.test_days
        records.add_returnee(session, returnee=returnee)
        return Ingested(Ack.STORED, kind="returnee", day=work.day)

    def leave(self, work: Work) -> None:
        """A returnee row stays what it was when its message turns into something else."""

    async def settle(self) -> list[Later]:
        return []
