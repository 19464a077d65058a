"""Quantities of goods: ``3斤``, ``两袋``, ``半个``, ``一斤半``, ``二两``, ``5kg``.

A quantity is a number directly followed by a measure word; only that captured span is
converted (so 一次性手套, 五香豆干, 84消毒液 keep their numerals).  ``两`` is the numeral 2 before
a measure word and the weight unit after a number (二两, 3两).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from understanding.numerals import to_number
from understanding.scan import Scan

# Measure words residents use for goods, longest first inside the alternation.
UNITS = (
    "公斤", "千克", "毫升", "KG", "ML", "斤", "克", "两", "袋", "盒", "瓶", "个", "箱", "包", "桶", "板", "份",
    "支", "卷", "罐", "听", "提", "条", "块", "根", "把", "颗", "粒", "片", "张", "双", "副", "套", "件", "只",
    "头", "棵", "串", "捆", "升", "打", "盘", "碗", "杯", "壶", "排", "挂", "筐", "兜", "扎", "对", "节", "贴",
    "管", "本", "床", "L", "G",
)  # fmt: skip
_LATIN_UNITS = {"KG": "公斤", "G": "克", "ML": "毫升", "L": "升"}
_NUMBER = r"(?<![\d.])\d{1,4}(?:\.\d{1,2})?|[零一二两三四五六七八九十百千]{1,4}|半"
_UNIT_RE = "|".join(sorted(UNITS, key=len, reverse=True))
_QUANTITY = re.compile(
    rf"(?P<num>{_NUMBER})\s?(?P<unit>{_UNIT_RE})(?![A-Z])(?P<half>半)?"
    # 个 is not a measure of goods in a duration or a headcount: 两个小时, 三个人, 一个月
    r"(?!(?<=个)(?:小时|钟头|多小时|星期|礼拜|月|多月|人|工作日|来月))"
    r"|(?:[*×]|(?<![A-Z])X)\s?(?P<times>\d{1,3})(?![\d.])"  # 可乐*2: a count without a measure word
)
# A quantity followed by 的/装 describes the goods (5升的花生油, 10斤装大米), it is not the amount.
_DESCRIPTOR_TAIL = re.compile(r"\s?(?:的|装)")
DESCRIPTOR_PREFIX = re.compile(rf"^(?:{_NUMBER})\s?(?:{_UNIT_RE})\s?(?:的|装)")
# Prices: 3块一斤, 2.5元/斤 — a price list is not an order.
_PRICE = re.compile(
    rf"(?:{_NUMBER})\s?(?:元|块钱|块)(?:\d|[一二三四五六七八九])?\s?(?:一|每|/)\s?(?:{_UNIT_RE})"
    rf"|(?:{_NUMBER})\s?(?:元|块钱)"
)


_PRICE_HINT = re.compile("[元块]")
_UNIT_HINT = re.compile("[*×" + "".join(sorted({unit[-1] for unit in UNITS})) + "]")


@dataclass(frozen=True, slots=True)
class Quantity:
    qty: float
    unit: str | None
    start: int
    end: int
    descriptor: bool  # 5升的 / 10斤装: part of the goods' description


def claim_prices(scan: Scan) -> int:
    """Claim prices so they are not read as amounts; returns how many were found."""
    count = 0
    for m in scan.finditer(_PRICE, _PRICE_HINT):
        scan.claim(*m.span())
        count += 1
    return count


def quantity_in(text: str, start: int = 0, end: int | None = None) -> re.Match[str] | None:
    """The first quantity (3斤, 两袋, *2) in ``text[start:end]``."""
    return _QUANTITY.search(text, start, len(text) if end is None else end)


def quantities_in(text: str, start: int, end: int) -> list[re.Match[str]]:
    """Every quantity in ``text[start:end]`` (a short window: callers bound it)."""
    return list(_QUANTITY.finditer(text, start, end))


def find_quantities(scan: Scan) -> list[Quantity]:
    """Every quantity in the unclaimed text, in order (not claimed: the caller decides)."""
    found = []
    for m in scan.finditer(_QUANTITY, _UNIT_HINT):
        num, unit = m["num"] or m["times"], m["unit"]
        if num == "两" and unit == "两":
            continue
        value = to_number(num)
        if value is None or value <= 0:
            continue
        if m["half"]:
            value += 0.5
        descriptor = _DESCRIPTOR_TAIL.match(scan.masked, m.end()) is not None
        unit = _LATIN_UNITS.get(unit, unit) if unit else None
        found.append(Quantity(value, unit, m.start(), m.end(), descriptor))
    return found
