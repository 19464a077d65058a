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
from services.outbox import add_rows, encode
from services.records.work import IncomingMessage, Ingested
from storage import audit, outbox, records
from storage.models import utcnow

#: Outbox kind of an abnormal check-in's alerts: ``alert:<message>.<update>.<household>:<leader>``,
#: and ``…:v`` for the village group's masked one (what a correction looks up to reach them again).
ALERT_KIND = "alert"
VILLAGE_SUFFIX = ":v"


@dataclass(frozen=True)
class _Row:
    unit_id: int
    chat_id: int
    kind: str
    message: OutgoingMessage


async def write(
    session: AsyncSession, *, messages: Sequence[IncomingMessage], outcomes: Sequence[Ingested], bot_username: str
) -> int:
    """Write every outcome's notices, alerts and corrections as outbox rows; returns how many are new."""
    rows: list[tuple[date, _Row]] = []
    for message, outcome in zip(messages, outcomes, strict=True):
        if not outcome.posts:
            continue
        key = f"{message.message_id}.{message.update_id}"
        if outcome.day is not None:
            rows += [(outcome.day, row) for row in await _news(session, message, outcome, key, bot_username)]
        for cleared in outcome.checkin_cleared:
            rows += [
                (cleared.day, row) for row in await _corrections(session, cleared, f"{key}.{cleared.household.id}")
            ]
    values = [
        {"unit_id": row.unit_id, "day": day, "kind": row.kind, "part": 0, "chat_id": row.chat_id,
         "payload": encode(row.message)}
        for day, row in rows
    ]  # fmt: skip
    return await add_rows(session, rows=values, now=utcnow())


async def _news(
    session: AsyncSession, message: IncomingMessage, outcome: Ingested, key: str, bot_username: str
) -> list[_Row]:
    """An outcome's order notice and alerts (each to the leaders, and the village where it may know)."""
    assert outcome.day is not None
    rows: list[_Row] = []
    if outcome.order is not None and outcome.order.order.id is not None:
        rows.append(_notice(message, outcome, key))
    for alert in outcome.checkin_alerts:
        # One alert per household a message reports on: the household's id keeps them apart.
        about = f"{key}.{alert.household.id}"
        private = OutgoingMessage.of_text(alert_texts.checkin_for_leaders(alert))
        rows += await _to_leaders(session, alert, f"{ALERT_KIND}:{about}", private)
        rows += _to_village(alert, about)
        rows += await _start_link(session, alert, outcome.day, bot_username)
    if outcome.order_alert is not None:
        urgent = outcome.order_alert
        private = OutgoingMessage.of_text(alert_texts.urgent_order_for_leaders(urgent))
        rows += await _to_leaders(session, urgent, f"urgent:{key}", private)
        rows += await _start_link(session, urgent, outcome.day, bot_username)
    if outcome.visit_alert is not None:
        visit = outcome.visit_alert
        private = OutgoingMessage.of_text(alert_texts.visit_for_leaders(visit))
        rows += await _to_leaders(session, visit, f"visit:{key}", private)
        rows += await _start_link(session, visit, outcome.day, bot_username)
    return rows


async def _corrections(session: AsyncSession, cleared: alerts.CheckinCleared, about: str) -> list[_Row]:
    """更正 to every chat an alert of the household's day went to (not given up on), told as it was
    told: in full to a leader, masked to the village group."""
    assert cleared.grid.id is not None
    alerted = await outbox.chats_of_kinds(
        session, unit_id=cleared.grid.id, day=cleared.day, like=f"{ALERT_KIND}:%.{cleared.household.id}:%"
    )
    rows = []
    told = {(kind.endswith(VILLAGE_SUFFIX), chat_id) for kind, chat_id in alerted}
    for masked, chat_id in sorted(told):  # the leaders, then the village group
        text = alert_texts.checkin_cleared(cleared, masked=masked)
        audience = VILLAGE_SUFFIX if masked else f":{chat_id}"
        rows.append(_Row(cleared.grid.id, chat_id, f"correct:{about}{audience}", OutgoingMessage.of_text(text)))
        actor = audit.chat_actor(chat_id) if masked else audit.telegram_actor(chat_id)
        await audit.record(
            session, actor=actor, action=audit.AuditAction.ALERT, unit_id=cleared.grid.id,
            household_id=cleared.household.id, detail="checkin correction" + (", masked" if masked else ""),
        )  # fmt: skip
    return rows


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
    message = OutgoingMessage.of_text(alert_texts.checkin_for_village(alert))
    return [_Row(alert.grid.id, village, f"{ALERT_KIND}:{key}{VILLAGE_SUFFIX}", message)]


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
