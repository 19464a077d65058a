"""Numbers that identify something: phones, identity numbers, plates, train and flight numbers.

They are read (and claimed) before anything else, because their digits would otherwise be
taken for rooms, quantities or dates.  An identity number is never kept whole: only its last
four characters leave this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from understanding.scan import Scan

_PHONE = re.compile(r"(?<![\d.])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![\d.])")
_ID_NUMBER = re.compile(r"(?<![\dA-Z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dX](?![\dA-Z])|(?<!\d)\d{15}(?!\d)")
_ID_TAIL = re.compile(
    r"(?:身份证|证件|身份证件)号?码?的?(?:后四位|后4位|末四位|末4位|尾号|尾数|后四|后4)(?:是|为)?[\s:]{0,2}"
    r"(\d{3}[\dX])(?![\dA-Z])"
)
_PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z][·.\s]?([A-HJ-NP-Z0-9]{5,6})(?![A-Z0-9])"
)
_TRAIN = re.compile(r"(?<![A-Z0-9])[GDCZTKYLS]\d{1,4}(?![A-Z0-9])")
_FLIGHT = re.compile(r"(?<![A-Z0-9])(?:[A-Z]{2}|[A-Z]\d|\d[A-Z])\d{3,4}(?![A-Z0-9])")
_CLOCK = re.compile(r"(?<!\d)[0-2]?\d:[0-5]\d(?!\d)")
_COLON_OR_DOT = re.compile("[:.]")
_ID_WORD = re.compile("证")
_URL = re.compile(r"(?:HTTPS?://|WWW\.)[\x21-\x7e]{1,2000}")


@dataclass(slots=True)
class Identifiers:
    phone: str | None = None
    id_last4: str | None = None


def claim_identifiers(scan: Scan) -> Identifiers:
    """Read phones and identity numbers, and claim URLs and clock times so nothing else reads them."""
    found = Identifiers()
    for pattern in (_URL, _CLOCK):
        for m in scan.finditer(pattern, _COLON_OR_DOT):
            scan.claim(*m.span())
    for m in scan.finditer(_ID_TAIL, _ID_WORD):
        found.id_last4 = found.id_last4 or m.group(1)
        scan.claim(*m.span())
    for m in scan.finditer(_ID_NUMBER):
        found.id_last4 = found.id_last4 or m.group()[-4:]
        scan.claim(*m.span())
    for m in scan.finditer(_PHONE):
        found.phone = found.phone or "".join(m.groups())
        scan.claim(*m.span())
    return found


@dataclass(frozen=True, slots=True)
class Vehicle:
    mode: str  # train / flight / car
    number: str


def claim_vehicles(scan: Scan) -> list[Vehicle]:
    """Plates, train and flight numbers, in that order of precedence.

    Only called for a travel report: elsewhere ``C100`` is more likely part of a product name.
    """
    found: list[Vehicle] = []
    for m in scan.finditer(_PLATE):
        plate = m.group().replace("·", "").replace(".", "").replace(" ", "")
        if any(ch.isdigit() for ch in m.group(1)):
            found.append(Vehicle("car", plate))
            scan.claim(*m.span())
    for pattern, mode in ((_TRAIN, "train"), (_FLIGHT, "flight")):
        for m in scan.finditer(pattern):
            found.append(Vehicle(mode, m.group()))
            scan.claim(*m.span())
    return found
