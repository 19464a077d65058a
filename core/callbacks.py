"""Inline button data: the builders and the one strict parser, side by side so they cannot drift.

Telegram hands back whatever ``callback_data`` a client sends, so a press is user input: a
modified client can press "a button" that no message carries. Parsing is therefore strict:
ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails), ids that fit the database's
integer columns, the exact number of fields, and for a report only its own day or the day before
(the one still open after midnight). Anything else is ``None``, which handlers answer with a
short refusal. Whether the id names something the presser may touch *in this chat* is the
services' question, not the parser's.

Lives in ``core`` because both sides need it: services build the buttons of outbox messages,
handlers parse the presses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

#: Ids are the tables' serial keys: PostgreSQL's ``integer`` holds no more.
MAX_ID = 2**31 - 1

_ID = r"[0-9]{1,10}"
_DIGITS = re.compile(_ID, re.ASCII)
_ORDER = re.compile(rf"order:(accept|deliver):({_ID})", re.ASCII)
_REPORT = re.compile(rf"report:(confirm|zero):({_ID}):([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}})", re.ASCII)
_NOTICE = re.compile(rf"notice:ack:({_ID})", re.ASCII)
_CLAIM = re.compile(rf"claim:(link|keep):([0-9]{{1,16}}):({_ID})", re.ASCII)
#: Telegram user ids fit in 52 bits (they are not our serial keys).
MAX_USER_ID = 2**52


class OrderAction(StrEnum):
    ACCEPT = "accept"
    DELIVER = "deliver"


@dataclass(frozen=True)
class OrderPress:
    """接单 or 已送达 on an order notice."""

    action: OrderAction
    order_id: int

    def data(self) -> str:
        return f"order:{self.action}:{self.order_id}"


@dataclass(frozen=True)
class ReportConfirm:
    """确认上报 / 确认零报告 under a grid's daily report: by the unit's id, as a code may not fit in 64 bytes."""

    unit_id: int
    day: date

    def data(self) -> str:
        return f"report:confirm:{self.unit_id}:{self.day.isoformat()}"


@dataclass(frozen=True)
class ReportZero:
    """仍确认零报告: the second tap of a zero report with households not checked in (same rules as ``ReportConfirm``)."""

    unit_id: int
    day: date

    def data(self) -> str:
        return f"report:zero:{self.unit_id}:{self.day.isoformat()}"


@dataclass(frozen=True)
class NoticeAck:
    """收到 under a notice sent down the chain."""

    notice_id: int

    def data(self) -> str:
        return f"notice:ack:{self.notice_id}"


@dataclass(frozen=True)
class ClaimAnswer:
    """关联 / 不关联 on a claim sent to a grid leader: the person (Telegram id) and the household."""

    link: bool
    user_id: int
    household_id: int

    def data(self) -> str:
        return f"claim:{'link' if self.link else 'keep'}:{self.user_id}:{self.household_id}"


Press = OrderPress | ReportConfirm | ReportZero | NoticeAck | ClaimAnswer


def parse_id(text: str) -> int | None:
    """A positive id or number written by a person or a client: ASCII digits, at most ``MAX_ID``.

    ``str.isdigit`` is no guard: it accepts "²" (which ``int`` refuses) and any length (which the
    database refuses).
    """
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_press(data: str, *, today: date) -> Press | None:
    """The button ``data`` names, or None for anything a button of ours never carries.

    ``today`` is the local day of the press: a report can be confirmed on its day and the next.
    """
    if match := _ORDER.fullmatch(data):
        order_id = parse_id(match[2])
        return None if order_id is None else OrderPress(OrderAction(match[1]), order_id)
    if match := _NOTICE.fullmatch(data):
        notice_id = parse_id(match[1])
        return None if notice_id is None else NoticeAck(notice_id)
    if match := _CLAIM.fullmatch(data):
        user_id, household_id = int(match[2]), parse_id(match[3])
        if household_id is None or not 0 < user_id < MAX_USER_ID:
            return None
        return ClaimAnswer(match[1] == "link", user_id, household_id)
    if match := _REPORT.fullmatch(data):
        unit_id = parse_id(match[2])
        try:
            day = date.fromisoformat(match[3])
        except ValueError:
            return None
        if unit_id is None or day not in (today, today - timedelta(days=1)):
            return None
        return ReportConfirm(unit_id, day) if match[1] == "confirm" else ReportZero(unit_id, day)
    return None
