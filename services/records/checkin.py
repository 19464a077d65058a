"""Check-ins: a household's day, recomputed once at the batch's end from the messages it touched.

A day is folded from the batch's new messages into the stored row (the same cost however chatty
the household), or, after an edit, a replay, a move or a join, recomputed from all of that day's
messages (``services.checkin_day``), never incremented. A day that got worse carries an alert on
the outcome of the batch's last message about it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services import alerts
from services.checkin_day import DayCheckin, merge
from services.records.kind import Shell
from services.records.work import Ack, Ingested, Later, Work
from storage import records
from storage.models import CheckIn, Household, MessageHousehold, MessageRecord

_DayKey = tuple[int, date]


@dataclass
class _Day:
    """A household's check-in day touched by the batch: what "before the batch" means for it."""

    household: Household
    #: Recompute from all the day's messages (an edit, a replay, a move, a join); else the new
    #: messages are folded into the stored row.
    full: bool = False
    #: Messages new to this day in this batch, and earlier versions of messages edited in it.
    fresh: list[MessageRecord] = field(default_factory=list)
    edited: list[tuple[MessageRecord, dict[str, Any]]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    #: The message whose outcome carries an alert, if the day got worse.
    last: Work | None = None
    #: The person its last message named for this household (one of several it reports on).
    name: str | None = None


def _stored_day(work: Work) -> tuple[int | None, date] | None:
    """The household day the message's stored version counted for, if it was a check-in."""
    old = work.old
    return (old.household_id, old.day) if old is not None and old.kind == "checkin" else None


@dataclass
class Checkins:
    """The check-in days of one batch."""

    shell: Shell
    days: dict[_DayKey, _Day] = field(default_factory=dict)
    #: Messages whose further households are rewritten at the batch's end (by message identity,
    #: since new messages get ids only when inserted): each household with its part of the message.
    parts: dict[int, tuple[Work, MessageRecord, list[tuple[Household, dict[str, Any]]]]] = field(default_factory=dict)

    def _day(self, household: Household, day: date) -> _Day:
        assert household.id is not None
        return self.days.setdefault((household.id, day), _Day(household=household))

    async def apply(
        self, work: Work, household: Household, record: MessageRecord, *, joined: Sequence[MessageRecord]
    ) -> Ingested:
        return self.mark(work, household, record, joined=joined)

    def mark(
        self, work: Work, household: Household, record: MessageRecord | None, *, joined: Sequence[MessageRecord]
    ) -> Ingested:
        """Mark the household's day for recomputing (``record`` None: only ``joined`` messages are
        new to it); whether it got worse is known at ``settle``."""
        day = self._day(household, work.day)
        day.fresh += joined
        day.full = day.full or bool(joined) or work.previous is not None
        if record is not None:
            same_day = _stored_day(work) == (household.id, work.day)
            if work.is_edit and same_day and work.old is not None and all(record is not f for f in day.fresh):
                day.edited.append((record, work.old.contract))
            elif not any(record is f for f in day.fresh):
                day.fresh.append(record)
        day.last = work
        return Ingested(Ack.STORED, kind="checkin", day=work.day)

    def mark_others(self, work: Work, record: MessageRecord, others: list[tuple[Household, dict[str, Any]]]) -> None:
        """The further households a message reports on (代报), each with its part of the message;
        none when its latest version names none. Their days are recomputed at ``settle``, where
        what an earlier version said of them is known."""
        self.parts[id(record)] = (work, record, others)
        for household, part in others:
            day = self._day(household, work.day)
            day.full = True
            if not any(record is f for f in day.fresh):
                day.fresh.append(record)
            day.last, day.name = work, part.get("name")

    async def _write_parts(self) -> None:
        """Rewrite each message's further households; an earlier version's part of a household
        becomes what that day was before the batch (edited, or removed when no longer named)."""
        for work, record, others in self.parts.values():
            assert record.id is not None
            rows = [
                MessageHousehold(message_id=record.id, household_id=household.id or 0, day=record.day,
                                 parsed=json.dumps(part, ensure_ascii=False))
                for household, part in others
            ]  # fmt: skip
            for household_id, on, parsed in await records.replace_message_households(
                self.shell.session, message_id=record.id, rows=rows
            ):
                day = self.days.get((household_id, on))
                if day is None:
                    household = await self.shell.households.by_household_id(household_id)
                    if household is None:
                        continue
                    day = self._day(household, on)
                    day.full = True
                earlier = json.loads(parsed)
                # A household no longer named may be corrected by the edit: named as it was named.
                day.last, day.name = day.last or work, day.name or earlier.get("name")
                if any(record is f for f in day.fresh):
                    day.fresh = [f for f in day.fresh if f is not record]
                    day.edited.append((record, earlier))
                else:
                    day.removed.append(earlier)

    def leave(self, work: Work) -> None:
        """An edited check-in that moved to another household or kind leaves its old day to recompute."""
        key = _stored_day(work)
        if key is None or key[0] is None or work.old is None:
            return
        household = self.shell.households.by_id.get(key[0])
        if household is not None:
            day = self._day(household, key[1])
            day.removed.append(work.old.contract)
            day.full = True
            # The day it leaves may be corrected by it (no longer abnormal): named as it was named.
            day.last, day.name = day.last or work, day.name or work.old.contract.get("name")

    async def settle(self) -> list[Later]:
        """Every check-in day the batch touched: one read, one write."""
        session = self.shell.session
        await self._write_parts()
        if not self.days:
            return []
        full = [key for key, day in self.days.items() if day.full]
        stored = await records.checkins_of(session, days=[key for key in self.days if key not in full])
        found: dict[_DayKey, list[tuple[int, str]]] = {}
        for household_id, on, message_id, parsed in await records.checkin_messages(session, days=full):
            found.setdefault((household_id, on), []).append((message_id, parsed))
        values, later = [], []
        for key, day in self.days.items():
            if day.full:
                before, after, last = _recomputed(day, found.get(key, []))
            else:
                before, after, last = _folded(day, stored.get(key))
            checkin = None
            if last is None:
                await records.drop_checkin(session, household_id=key[0], day=key[1])
            else:
                columns = after.columns() | {"last_message_id": last}
                values.append({"household_id": key[0], "grid_id": day.household.grid_id, "day": key[1], **columns})
                checkin = CheckIn(household_id=key[0], grid_id=day.household.grid_id, day=key[1], **columns)
            if (news := await self._news(day, key[1], before, after, checkin)) is not None:
                later.append(news)
        await records.put_checkins(session, rows=values)
        return later

    async def _news(
        self, day: _Day, on: date, before: DayCheckin, after: DayCheckin, checkin: CheckIn | None
    ) -> Later | None:
        """An alert for a day that got worse; a correction for one that was abnormal and is no longer."""
        work = day.last
        if work is None:
            return None
        if checkin is not None and after.worse_than(before):
            return Later(work.index, checkin_alert=await self._alert(work, day.household, checkin))
        if before.abnormal and not after.abnormal:
            grid = await self.shell.households.grid_of(work, day.household)
            name = day.name or work.name_for(day.household)
            cleared = alerts.CheckinCleared(grid=grid, household=day.household, day=on, checkin=checkin, name=name)
            return Later(work.index, checkin_cleared=cleared)
        return None

    async def _alert(self, work: Work, household: Household, checkin: CheckIn) -> alerts.CheckinAlert:
        grid, audience = await self.shell.households.audience_of(work, household, about="checkin", village=True)
        return alerts.CheckinAlert(
            audience=audience,
            grid=grid,
            household=household,
            checkin=checkin,
            name=self.days[(household.id or 0, checkin.day)].name or work.name_for(household),
            text=work.message.text,
        )


def _recomputed(day: _Day, messages: list[tuple[int, str]]) -> tuple[DayCheckin, DayCheckin, int | None]:
    """Before and after the batch, from all the day's messages (and the versions they replaced)."""
    fresh = {record.id for record in day.fresh}
    earlier = {record.id: version for record, version in day.edited}
    after = merge(json.loads(parsed) for _id, parsed in messages)
    before = merge([*(earlier.get(i) or json.loads(p) for i, p in messages if i not in fresh), *day.removed])
    return before, after, messages[-1][0] if messages else None


def _folded(day: _Day, row: CheckIn | None) -> tuple[DayCheckin, DayCheckin, int | None]:
    """Before and after the batch, as the stored row and the batch's new messages folded into it."""
    before = DayCheckin() if row is None else DayCheckin.from_columns(row.model_dump())
    after = merge((json.loads(record.parsed) for record in day.fresh), start=before)
    return before, after, day.fresh[-1].id
