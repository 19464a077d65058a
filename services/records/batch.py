"""The kind-independent shell of a batch: one transaction's worth of messages.

The intake's group commit hands over the messages queued meanwhile; one transaction reads what
the whole batch needs up front, handles the messages one after another in their order (the
message row, its household, its sender's link, then its kind's records), and lets every kind
finish at the end (new orders numbered together, check-in days recomputed once). A batch of one
is simply a message.

Exactly once: a message is one ``messages`` row (unique chat and message id), so an edit
rewrites it and a replay after a crash finds it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.records import KINDS, complete, nudges
from services.records.checkin import Checkins
from services.records.clusters import zero_cover
from services.records.households import Households, written
from services.records.kind import PlaceKind, RecordKind
from services.records.work import Ack, Filed, IncomingMessage, Ingested, OrderNotice, Stored, Work
from storage import records
from storage.dialect import as_utc
from storage.models import Household, MessageRecord, OrderStatus, UnitLevel
from understanding import Checkin

#: The nudge reason of "past records are the grid leader's" (said once per sender and record day).
PAST_EDIT_REASON = "past_edit"


def _filed(part: Checkin, address: str, *, found: bool = True) -> Filed:
    return Filed(address=address, persons=part.persons, temperature=part.temperature, found=found)


def _older(message: IncomingMessage, stored: MessageRecord) -> bool:
    """Is ``message`` an earlier version than the one stored? By edit time first (update ids may
    restart lower after a quiet week), by update id within the same second."""
    mine, theirs = message.edited_at or message.sent_at, stored.edited_at or stored.sent_at
    return (mine, message.update_id) < (as_utc(theirs), stored.update_id)


@dataclass
class Batch:
    """One transaction's messages, with what they need read once for all of them."""

    session: AsyncSession
    households: Households = field(init=False)
    kinds: dict[str, RecordKind | PlaceKind] = field(init=False)
    stored: dict[tuple[int, int], MessageRecord] = field(default_factory=dict)
    #: New messages not inserted yet: written together, before anything needs them in the table.
    pending: list[MessageRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.households = Households(self.session, self.sync)
        self.kinds = {kind: make(self) for kind, make in KINDS.items()}

    async def prefetch(self, works: Sequence[Work]) -> None:
        """Stored versions of the messages, then grids, senders and households (``Households``)."""
        keys = [(work.message.chat_id, work.message.message_id) for work in works]
        self.stored = {(m.chat_id, m.message_id): m for m in await records.messages_at(self.session, keys=keys)}
        await self.households.prefetch(works, self.stored.values())

    async def ingest(self, work: Work) -> Ingested:
        message = work.message
        if not message.private:
            work.grid = self.households.grids.get(message.chat_id)
            if work.grid is None or work.grid.level != UnitLevel.GRID:
                return Ingested(Ack.NONE)
        previous = work.previous = self.stored.get((message.chat_id, message.message_id))
        if previous is not None:
            if _older(message, previous):
                return Ingested(Ack.NONE)  # an older version arriving late: the newer one stands
            work.is_edit = previous.update_id != message.update_id
            work.old = Stored(previous.household_id, previous.day, previous.kind, json.loads(previous.parsed))
            if work.is_edit and (closed := await self._closed(work, previous)) is not None:
                return closed
        if (cover := await zero_cover(self, work)) is not None:
            work.parsed = cover
        kind = self.kinds.get(work.kind)
        if kind is None:
            if previous is None:
                return await nudges.answer(self, self._checkins, work)
            record = self._save(work, None)
            self._leave(work, None)
            if work.old is not None and work.old.contract.get("others"):
                self._checkins.mark_others(work, record, [])
            return Ingested(Ack.NONE)
        if isinstance(kind, PlaceKind):
            record = self._save(work, None)
            self._leave(work, None)
            return complete.checked(work, None, await kind.apply_place(work, record))
        work.person = await self.households.person(message.sender)
        household, written = await self.households.find(work)
        record = self._save(work, household)
        if household is None:
            self._leave(work, None)
            return await nudges.ask_address(self, work, written)
        joined = await self.households.link(work, household, by_address=written is not None)
        self._leave(work, household)
        outcome = await kind.apply(work, household, record, joined=joined)
        if work.for_several or (work.old is not None and work.old.contract.get("others")):
            outcome = await self._others(work, household, record, outcome)
        return complete.checked(work, household, outcome).claiming(work.claim)

    async def _closed(self, work: Work, previous: MessageRecord) -> Ingested | None:
        """Why an edit must change nothing, if it must: its record's day is closed (said once per
        sender and day), or its order was taken on already. Checked before anything is rewritten."""
        message, settings = work.message, work.settings
        edited_on = (message.edited_at or message.sent_at).astimezone(settings.tz).date()
        if (edited_on - previous.day).days > settings.policy.edit_window_days:
            if previous.kind not in self.kinds and work.kind not in self.kinds:
                return Ingested(Ack.NONE)  # old chat edited into chat: no record, nothing to say
            told = await records.claim_nudge(
                self.session, telegram_user_id=message.sender.user_id, reason=PAST_EDIT_REASON, day=previous.day
            )
            return Ingested(Ack.PAST_CLOSED if told else Ack.NONE, kind=previous.kind, day=previous.day)
        if previous.kind != "order" or previous.id is None:
            return None
        order = await records.order_of_message(self.session, message_id=previous.id)
        if order is None or order.status == OrderStatus.OPEN:
            return None
        return Ingested(Ack.ORDER_CLOSED, kind="order", day=previous.day, order=OrderNotice(order, (), edited=True))

    async def _others(self, work: Work, household: Household, record: MessageRecord, outcome: Ingested) -> Ingested:
        """Each further household a check-in names (代报, a 联户长's list) gets its own day, never
        its sender's link; the reply lists them all, since a reaction cannot say which."""
        parsed = work.parsed
        others = parsed.others if isinstance(parsed, Checkin) and parsed.others is not None else ()
        found: list[tuple[Household, dict[str, Any]]] = []
        filed = [_filed(parsed, household.address)] if isinstance(parsed, Checkin) else []
        for part in others:
            if part.address is None:
                continue
            other = await self.households.at(household.grid_id, part.address)
            filed.append(_filed(part, other.address if other else written(part.address), found=other is not None))
            if other is not None and other.id != household.id and all(other is not h for h, _part in found):
                found.append((other, part.to_contract()))
        self._checkins.mark_others(work, record, found)
        return replace(outcome, filed=tuple(filed)) if others else outcome

    @property
    def _checkins(self) -> Checkins:
        checkins = self.kinds["checkin"]
        assert isinstance(checkins, Checkins)
        return checkins

    def _leave(self, work: Work, household: Household | None) -> None:
        """A stored record that this version moves (to another kind, household or day) leaves its
        old place to its kind."""
        old = work.old
        if old is None or (kind := self.kinds.get(old.kind)) is None:
            return
        now = (work.kind, household.id if household is not None else None, work.day)
        if now != (old.kind, old.household_id, old.day):
            kind.leave(work)

    def _save(self, work: Work, household: Household | None) -> MessageRecord:
        """The message row, new or rewritten; written with the batch (ids come at the next flush)."""
        message = work.message
        record = work.previous or MessageRecord(
            chat_id=message.chat_id,
            message_id=message.message_id,
            sender_id=message.sender.user_id,
            day=work.day,
            sent_at=message.sent_at.astimezone(UTC),  # SQLite keeps no zone: store UTC, as everywhere
            update_id=message.update_id,
            kind=work.kind,
            text="",
            parsed="",
        )
        record.update_id = message.update_id
        record.kind = work.kind
        record.text = message.text  # identity numbers masked at the intake and in ingest_messages
        record.parsed = json.dumps(work.parsed.to_contract(), ensure_ascii=False)
        record.edited_at = message.edited_at.astimezone(UTC) if message.edited_at else record.edited_at
        if work.kind in self.kinds:
            record.household_id = None if household is None else household.id
            record.grid_id = household.grid_id if household is not None else (work.grid.id if work.grid else None)
        if work.previous is None:
            self.pending.append(record)
        self.stored[(message.chat_id, message.message_id)] = record
        return record

    async def sync(self) -> None:
        """Insert the batch's new messages so far: before a query or a row that refers to them."""
        await records.insert_messages(self.session, new=self.pending)
        self.pending.clear()

    async def settle(self, outcomes: list[Ingested]) -> list[Ingested]:
        """Write what the batch left for its end: new messages, then each kind's part. Returns the
        outcomes with what they learnt from that (order notices, alerts)."""
        await self.sync()
        for kind in self.kinds.values():
            for later in await kind.settle():
                outcomes[later.index] = outcomes[later.index].finished(later)
        return outcomes
