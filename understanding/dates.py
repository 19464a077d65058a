"""Dates in a message, resolved against the day it was sent.

昨天 / 前天 / 今早 / 明天 and their spoken forms (前儿个, 昨儿); 上个月底, 这个月初; 本周五, 上周日, 下周三 (weeks start on Monday); 11月7日, 11.28,
2026-11-07; 20号 (the 20th of the month nearest the message date, so 30号 written on the 2nd
is last month's).  Run after addresses are claimed, so 5号楼 and 十四组9号 are never dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from understanding.numerals import to_digits
from understanding.scan import Scan

_CN = "一二三四五六七八九十两"
_NUM = rf"(?:\d{{1,2}}|[{_CN}]{{1,3}})"
_RELATIVE_DAYS = {
    "大前天": -3, "大前儿个": -3, "前天": -2, "前日": -2, "前儿个": -2, "前儿": -2, "昨天": -1, "昨日": -1,
    "昨晚": -1, "昨早": -1, "昨儿个": -1, "昨儿": -1, "昨个": -1, "夜里个": -1,
    "今天": 0, "今日": 0, "今早": 0, "今晚": 0, "今儿个": 0, "今儿": 0, "当天": 0,
    "明天": 1, "明日": 1, "明早": 1, "明晚": 1, "明儿个": 1, "明儿": 1, "后天": 2, "后儿个": 2, "大后天": 3,
}  # fmt: skip
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_WEEK_OFFSETS = {"上上": -2, "上": -1, "本": 0, "这": 0, "": 0, "下": 1, "下下": 2}
_NOT_A_DAY = r"(?![楼院栋幢单线码房室床])"

_FULL = re.compile(
    rf"(?<!\d)(?:(?P<y>20\d{{2}})\s?[年./-]\s?)?(?P<m>{_NUM})\s?月(?:份)?\s?(?P<d>{_NUM})\s?[日号]?{_NOT_A_DAY}"
    rf"|(?<![\d.])(?P<y2>20\d{{2}})[./-](?P<m2>\d{{1,2}})[./-](?P<d2>\d{{1,2}})(?![\d.])"
    rf"|(?<![\d.\-])(?P<m3>\d{{1,2}})[./](?P<d3>\d{{1,2}})(?![\d.]|\s?[斤个袋盒瓶箱包度公千克升元块两人口])"
)
_MONTH_RELATIVE = re.compile(rf"(?P<rel>上个?月|下个?月|这个?月|本月)\s?(?P<d>{_NUM})\s?[日号]{_NOT_A_DAY}")
# 上个月底 / 上月末 / 这个月初: the last day of that month, or its first.
_MONTH_EDGE = re.compile(r"(?P<rel>上个?|这个?|本|下个?)月(?P<edge>底|末|初)")
_DAY_ONLY = re.compile(rf"(?<![\d.月])(?P<d>{_NUM})\s?[日号]{_NOT_A_DAY}")
_WEEK = re.compile(r"(?P<rel>上上|下下|上|下|本|这)?个?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末1-7])")
_RELATIVE = re.compile("|".join(sorted(_RELATIVE_DAYS, key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class DateMention:
    date: dt.date
    start: int
    end: int


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _nearest(candidates: list[dt.date | None], today: dt.date) -> dt.date | None:
    valid = [d for d in candidates if d is not None]
    return min(valid, key=lambda d: abs((d - today).days)) if valid else None


def _month_shift(today: dt.date, months: int) -> tuple[int, int]:
    index = today.year * 12 + today.month - 1 + months
    return index // 12, index % 12 + 1


def _int(token: str | None) -> int | None:
    digits = to_digits(token) if token else None
    return int(digits) if digits is not None else None


def _full_date(m: re.Match[str], today: dt.date) -> dt.date | None:
    year = _int(m["y"] or m["y2"])
    month = _int(m["m"] or m["m2"] or m["m3"])
    day = _int(m["d"] or m["d2"] or m["d3"])
    if month is None or day is None:
        return None
    if year is not None:
        return _safe_date(year, month, day)
    return _nearest([_safe_date(today.year + k, month, day) for k in (-1, 0, 1)], today)


def _day_only(day: int, today: dt.date, months: tuple[int, ...] = (-1, 0, 1)) -> dt.date | None:
    return _nearest([_safe_date(*_month_shift(today, k), day) for k in months], today)


def claim_dates(scan: Scan, today: dt.date) -> list[DateMention]:
    """Every date stated in the unclaimed text, in text order, each claimed."""
    found: list[DateMention] = []

    def add(m: re.Match[str], date: dt.date | None) -> None:
        if date is not None:
            found.append(DateMention(date, *m.span()))
            scan.claim(*m.span())

    for m in scan.finditer(_FULL):
        add(m, _full_date(m, today))
    for m in scan.finditer(_MONTH_RELATIVE):
        shift = {"上": -1, "下": 1}.get(m["rel"][0], 0)
        day = _int(m["d"])
        add(m, _day_only(day, today, (shift,)) if day else None)
    for m in scan.finditer(_MONTH_EDGE):
        year, month = _month_shift(today, {"上": -1, "下": 1}.get(m["rel"][0], 0))
        first = dt.date(year, month, 1)
        if m["edge"] == "初":
            add(m, first)
        else:
            add(m, dt.date(*_month_shift(first, 1), 1) - dt.timedelta(days=1))
    for m in scan.finditer(_WEEK):
        weekday = _WEEKDAYS.get(m["wd"]) if not m["wd"].isdigit() else int(m["wd"]) - 1
        if weekday is not None:
            monday = today - dt.timedelta(days=today.weekday())
            add(m, monday + dt.timedelta(days=7 * _WEEK_OFFSETS[m["rel"] or ""] + weekday))
    for m in scan.finditer(_RELATIVE):
        add(m, today + dt.timedelta(days=_RELATIVE_DAYS[m.group()]))
    for m in scan.finditer(_DAY_ONLY):
        day = _int(m["d"])
        add(m, _day_only(day, today) if day else None)
    found.sort(key=lambda d: d.start)
    return found


# An earlier day named without a date: 前几天, 上周, 上礼拜, 前阵子.
_EARLIER_VAGUE = re.compile(r"前几天|前两天|前些天|前些日子|前阵子|前段时间|上周|上礼拜|上个?星期|那几天|那两天")
# What every earlier day written contains (11.20 / 2026-11-20 alone bind nothing: a decimal looks alike).
_EARLIER_HINT = re.compile(r"昨|前[天日儿几两些阵段]|上上?个?(?:周|月|礼拜|星期)|\d\s?月|那[几两]天")


def names_earlier_day(text: str) -> bool:
    """Whether *text* may name a day before its own (a quick check before :func:`earlier_days`)."""
    return _EARLIER_HINT.search(text) is not None


def earlier_days(text: str, today: dt.date) -> list[tuple[int, int]]:
    """Where *text* names a day before *today* (昨天, 前儿个, 上周三, 上个月底, 11月20号, 前几天), in text
    order.  A bare 20号 is left out: in a check-in it is as likely a house as a day."""
    scan = Scan(text)
    spans = [
        (d.start, d.end)
        for d in claim_dates(scan, today)
        if d.date < today and _DAY_ONLY.fullmatch(text, d.start, d.end) is None
    ]
    spans.extend(m.span() for m in scan.finditer(_EARLIER_VAGUE))
    return sorted(spans)
