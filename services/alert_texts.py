"""The texts of what a resident's message makes the bot post: alerts and order notices.

Pure functions of the records, so the batch that stores a message can write its alerts to the
outbox in the same transaction, and the leaders' views render check-ins and items the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from core import texts
from core.callbacks import OrderAction, OrderPress
from core.formatting import health_text, mask_name, number, quote
from services import alerts
from services.messages_out import Keyboard
from storage.models import CheckIn, OrderItem, SupplyOrder

#: The order notice's buttons, in order: 接单 while nobody has taken the order, then 已送达.
ORDER_ACTIONS = {OrderAction.ACCEPT: texts.ORDER_ACCEPT_BUTTON, OrderAction.DELIVER: texts.ORDER_DELIVER_BUTTON}


def checkin_details(checkin: CheckIn) -> str:
    """One day's check-in of a household, in words."""
    persons = texts.CHECKIN_PERSONS.format(persons=checkin.persons) if checkin.persons is not None else ""
    health = health_text(checkin.temperature, checkin.symptoms, checkin.test_type, checkin.test_result)
    flag = texts.CHECKIN_ABNORMAL if checkin.abnormal else ""
    return escape(" ".join(part for part in (persons, health, flag) if part) or texts.CHECKIN_NO_DETAILS)


def item_text(item: OrderItem) -> str:
    quantity = number(item.qty) if item.qty is not None else ""
    return escape(f"{item.name} {quantity}{item.unit or ''}".strip())


def items_text(items: Sequence[OrderItem]) -> str:
    return texts.ORDER_ITEM_SEPARATOR.join(item_text(item) for item in items)


def order_keyboard(order_id: int, *, accepted: bool = False) -> Keyboard:
    """The order notice's buttons; ``handlers.orders`` answers their presses."""
    actions = [OrderAction.DELIVER] if accepted else list(ORDER_ACTIONS)
    return ((*((ORDER_ACTIONS[action], OrderPress(action, order_id).data()) for action in actions),),)


def _phone(phone: str | None) -> str:
    return texts.ALERT_PHONE.format(phone=escape(phone)) if phone else ""


def checkin_for_leaders(alert: alerts.CheckinAlert) -> str:
    """In full, with the first words of the message (a long one is quoted, never refused)."""
    return texts.ALERT_CHECKIN_LEADER.format(
        grid=escape(alert.grid.name),
        address=escape(alert.household.address),
        name=escape(alert.name),
        phone=_phone(alert.household.phone),
        details=checkin_details(alert.checkin),
        text=escape(quote(alert.text)),
    )


def checkin_for_village(alert: alerts.CheckinAlert) -> str:
    """The name masked, no phone, no words of the resident's."""
    return texts.ALERT_CHECKIN_VILLAGE.format(
        grid=escape(alert.grid.name),
        address=escape(alert.household.address),
        name=escape(mask_name(alert.name)),
        details=checkin_details(alert.checkin),
    )


def checkin_cleared(cleared: alerts.CheckinCleared, *, masked: bool) -> str:
    """The 更正 line after an alert: masked for the village group as its alert was, in full for leaders."""
    details = checkin_details(cleared.checkin) if cleared.checkin is not None else texts.CHECKIN_WITHDRAWN
    return (texts.ALERT_CHECKIN_CLEARED_VILLAGE if masked else texts.ALERT_CHECKIN_CLEARED_LEADER).format(
        grid=escape(cleared.grid.name),
        address=escape(cleared.household.address),
        name=escape(mask_name(cleared.name) if masked else cleared.name),
        details=details,
    )


def urgent_order_for_leaders(alert: alerts.OrderAlert) -> str:
    return texts.ALERT_ORDER_LEADER.format(
        number=alert.order.number, grid=escape(alert.grid.name), address=escape(alert.household.address),
        name=escape(alert.name), phone=_phone(alert.order.phone), items=items_text(alert.items),
    )  # fmt: skip


def visit_for_leaders(alert: alerts.VisitAlert) -> str:
    """A visit's concern, privately and in full (who was visited, by whom, what was said)."""
    return texts.ALERT_VISIT_LEADER.format(
        grid=escape(alert.grid.name), address=escape(alert.household.address), name=escape(alert.name),
        phone=_phone(alert.household.phone), visitor=escape(alert.visit.visitor_name), text=escape(alert.text),
    )  # fmt: skip


def order_notice(order: SupplyOrder, items: Sequence[OrderItem], *, edited: bool) -> str:
    """The order's number (to cancel by); asks for the quantities left out."""
    text = (texts.ORDER_NOTICE_EDITED if edited else texts.ORDER_NOTICE).format(
        number=order.number,
        urgent=texts.ORDER_NOTICE_URGENT if order.urgent else "",
        items=items_text(items) or texts.ORDER_NOTICE_NO_ITEMS,
    )
    unclear = [escape(item.name) for item in items if item.qty is None]
    if unclear:
        text += texts.ORDER_ASK_QUANTITY.format(names=texts.LIST_SEPARATOR.join(unclear))
    return text
