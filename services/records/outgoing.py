"""What a batch's messages make the bot post, written to the outbox in the batch's transaction.

An abnormal check-in's alerts, an urgent order's alerts and an order's notice are records' news:
they are stored with the records they are about (both, or neither), and the outbox's sender
delivers and retries them like the digests. Each row is keyed by the message's id and update id,
and a kind's alert comes only when its record changed for the worse, so a redelivered update
alerts nobody twice, and an edit that makes things worse again alerts again.

A leader who never pressed Start (or blocked the bot) cannot be written to: the grid group gets
the one-tap Start link instead, once a day, and the leader reads the day's alerts after pressing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

from sqlmodel.ext.asyncio.session import AsyncSession

from core import texts
from services import alert_texts, alerts
from services.messages_out import OutgoingMessage
from services.outbox import encode
from services.records.work import IncomingMessage, Ingested
from storage import outbox, records
from storage.models import utcnow


@dataclass(frozen=True)
class _Row:
    unit_id: int
    chat_id: int
    kind: str
    message: OutgoingMessage


async def write(
    session: AsyncSession, *, messages: Sequence[IncomingMessage], outcomes: Sequence[Ingested], bot_username: str
) -> int:
    """Write every outcome's notices and alerts as outbox rows; returns how many are new."""
    rows: list[tuple[date, _Row]] = []
    for message, outcome in zip(messages, outcomes, strict=True):
        if outcome.day is None or not outcome.posts:
            continue
        key = f"{message.message_id}.{message.update_id}"
        if outcome.order is not None and outcome.order.order.id is not None:
            rows.append((outcome.day, _notice(message, outcome, key)))
        for alert in outcome.checkin_alerts:
            # One alert per household a message reports on: the household's id keeps them apart.
            about = f"{key}.{alert.household.id}"
            private = OutgoingMessage.of_text(alert_texts.checkin_for_leaders(alert))
            rows += [(outcome.day, row) for row in await _to_leaders(session, alert, f"alert:{about}", private)]
            rows += [(outcome.day, row) for row in _to_village(alert, about)]
            rows += [(outcome.day, row) for row in await _start_link(session, alert, outcome.day, bot_username)]
        if outcome.order_alert is not None:
            urgent = outcome.order_alert
            private = OutgoingMessage.of_text(alert_texts.urgent_order_for_leaders(urgent))
            rows += [(outcome.day, row) for row in await _to_leaders(session, urgent, f"urgent:{key}", private)]
            rows += [(outcome.day, row) for row in await _start_link(session, urgent, outcome.day, bot_username)]
        if outcome.visit_alert is not None:
            visit = outcome.visit_alert
            private = OutgoingMessage.of_text(alert_texts.visit_for_leaders(visit))
            rows += [(outcome.day, row) for row in await _to_leaders(session, visit, f"visit:{key}", private)]
            rows += [(outcome.day, row) for row in await _start_link(session, visit, outcome.day, bot_username)]
    values = [
        {"unit_id": row.unit_id, "day": day, "kind": row.kind, "part": 0, "chat_id": row.chat_id,
         "payload": encode(row.message)}
        for day, row in rows
    ]  # fmt: skip
    return await outbox.add_if_absent(session, rows=values, now=utcnow())


def _notice(message: IncomingMessage, outcome: Ingested, key: str) -> _Row:
    """The order's notice, a reply to the order in its chat, with its buttons unless it is an edit."""
    assert outcome.order is not None and outcome.order.order.id is not None
    notice = outcome.order
    text = alert_texts.order_notice(notice.order, notice.items, edited=notice.edited)
    buttons = () if notice.edited else alert_texts.order_keyboard(notice.order.id or 0)
    reply = OutgoingMessage.of_text(text, reply_markup=buttons, reply_to=message.message_id)
    return _Row(notice.order.grid_id, message.chat_id, f"order:{key}", reply)


async def _reachable(session: AsyncSession, leaders: Sequence[int]) -> list[int]:
    """The leaders who pressed Start and have not blocked the bot since."""
    started = {person.telegram_user_id for person in await records.people_by_ids(session, user_ids=leaders)
               if person.started_bot}  # fmt: skip
    return [leader for leader in leaders if leader in started]


async def _to_leaders(
    session: AsyncSession,
    alert: alerts.CheckinAlert | alerts.OrderAlert | alerts.VisitAlert,
    kind: str,
    message: OutgoingMessage,
) -> list[_Row]:
    assert alert.grid.id is not None
    reachable = await _reachable(session, alert.audience.leaders)
    return [_Row(alert.grid.id, leader, f"{kind}:{leader}", message) for leader in reachable]


def _to_village(alert: alerts.CheckinAlert, key: str) -> list[_Row]:
    village = alert.audience.village_chat_id
    if village is None or alert.grid.id is None:
        return []
    return [
        _Row(alert.grid.id, village, f"alert:{key}:v", OutgoingMessage.of_text(alert_texts.checkin_for_village(alert)))
    ]


async def _start_link(
    session: AsyncSession,
    alert: alerts.CheckinAlert | alerts.OrderAlert | alerts.VisitAlert,
    day: date,
    bot_username: str,
) -> list[_Row]:
    """The Start link in the grid group for leaders who cannot be written to, once a day each."""
    grid_chat = alert.audience.grid_chat_id
    if grid_chat is None or alert.grid.id is None:
        return []
    reachable = set(await _reachable(session, alert.audience.leaders))
    claimed = [
        leader
        for leader in alert.audience.leaders
        if leader not in reachable
        and await records.claim_nudge(session, telegram_user_id=leader, reason=alerts.LINK_REASON, day=day)
    ]
    if not claimed:
        return []
    link = f"https://t.me/{bot_username}?start={alerts.START_PAYLOAD}"
    message = OutgoingMessage.of_text(texts.ALERT_START_LINK.format(link=escape(link)))
    return [_Row(alert.grid.id, grid_chat, f"alertlink:{min(claimed)}", message)]
