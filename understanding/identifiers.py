"""Numbers that identify something: phones, identity numbers, plates, train and flight numbers.

They are read (and claimed) before anything else, because their digits would otherwise be
taken for rooms, quantities or dates.  An identity number is never kept whole: only its last
four characters leave this module, and ``mask_identifiers`` makes sure no other copy is ever
written: the intake masks every update with it before storing it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from understanding.scan import Scan

_PHONE = re.compile(r"(?<![\d.])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?![\d.])")
_ID_NUMBER = re.compile(r"(?<![\dA-Z])\d{6}(?:19|20)\d{2}[01]\d[0-3]\d\d{3}[\dX](?![\dA-Z])|(?<!\d)\d{15}(?!\d)")
#: What an identity number looks like once masked (``mask_identifiers``): 11 or 14 stars, the last four.
_MASKED_ID = re.compile(r"(?<![*\dA-Z])(?:\*{14}|\*{11})(\d{3}[\dX])(?![\dA-Z])")
#: Identity numbers and bank-card-like runs written whole (stars excluded: masked already).
_WHOLE_NUMBER = re.compile(r"(?<![0-9A-Za-z*])(?:\d{17}[\dXx]|\d{15,19})(?![0-9A-Za-z*])")
#: Digits in groups split by one kind of separator (``4201 0119 9001 0112 34``,
#: ``420101-19900101-1234``), an X last allowed; ``mask_identifiers`` counts the digits.
_GROUPED_NUMBER = re.compile(r"(?<![0-9A-Za-z*])\d{2,}(?:([ \-])\d+)(?:\1\d+)*(?:[Xx])?(?![0-9A-Za-z*])")
_SEPARATOR = re.compile(r"[ \-]")
#: Characters (digits, an X last) of an identity number (15 or 18) or a bank card (16 to 19).
_SECRET_LENGTHS = range(15, 20)
_ID_LENGTHS = (18, 15)
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


def _stars(number: str) -> str:
    return "*" * (len(number) - 4) + number[-4:]


def _masked_groups(match: re.Match[str]) -> str:
    """The longest leading groups that make an identity number, else a card number, masked; the
    rest kept (``420101 19900101 1234 2人``: the last group is another number)."""
    text = match.group()
    groups = _SEPARATOR.split(text)
    for lengths in (_ID_LENGTHS, _SECRET_LENGTHS):
        for count in range(len(groups), 1, -1):
            number = "".join(groups[:count]).upper()
            if len(number) in lengths and "X" not in number[:-1]:
                return _stars(number) + text[len(match.group(1).join(groups[:count])) :]
    return text


def mask_identifiers(text: str) -> str:
    """Identity numbers (15 or 18 characters) and bank-card-like runs (16 to 19 digits), whole,
    spaced or dashed, become stars and their last four: the work never needs more, and a number
    kept whole in a database is a number that leaks. Phones (11 digits) stay: grid workers call them.
    The parser reads the masked form back (``claim_identifiers``), so the last four still count."""
    whole = _WHOLE_NUMBER.sub(lambda m: _stars(m.group().upper()), text)
    return _GROUPED_NUMBER.sub(_masked_groups, whole)


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
    for pattern in (_ID_NUMBER, _MASKED_ID):
        for m in scan.finditer(pattern):
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
