"""Household addresses, as people write them in a roster or a group chat.

Urban: ``3-2-501``, ``5-301``, ``3栋2单元501室``, ``三号楼二单元五零一``, ``F座909``,
``32#1-1103``, ``37号楼的``.  Rural: ``五组12号``, ``十一队6号``, ``住十四组``, ``西头岭村8号``.
The roster importer and the message parser share this code, so a household matches however it
was written.  All patterns have bounded repetitions only: matching is linear in the text length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from itertools import islice

from understanding.numerals import to_digits
from understanding.scan import MAX_MATCHES, Scan

_CN = "零〇一二两三四五六七八九十百"  # numerals a building, unit or group number is written with
_CN_ROOM = "零〇一二三四五六七八九幺"  # a room read digit by digit: 五零一, 一零零二
_B = rf"(?P<b>(?<!\d)\d{{1,4}}|(?<![A-Z])[A-Z]|(?<![{_CN}])[{_CN}]{{1,5}})"
_U_NUM = rf"(?:(?<!\d)\d{{1,2}}|(?<![{_CN}])[{_CN}]{{1,3}})"
_ROOM = rf"(?P<r>\d{{3,5}}(?![\d.])|\d{{1,5}}(?=\s?[室房户])|[{_CN_ROOM}]{{3,5}}(?![十百度点口人个]))"
_ROOM_TAIL = r"(?:室|房|户|号(?![楼院]))?"  # adjacent only: 301 房丽 is a room and a name
_ROOM_LABEL = r"(?:房间号|房号|室号|门牌号|门牌|房间)?"
# (A room read digit by digit stops where a run-on count or reading begins: 三零一三口人 is 301, 3 people.)
# Characters a number must not be glued to for a dashed address (dates, times, decimals, codes).
_EDGE = r"\d./#\-A-Z"

_URBAN = re.compile(
    rf"(?=[\dA-Z{_CN}])"  # fails fast where no address can start
    rf"(?:{_B}\s?(?:号楼|号栋|号幢|栋|幢|号?座|#|楼(?=\s?{_U_NUM}\s?单元))"
    rf"(?:[\s,]{{0,2}}(?:(?P<u>{_U_NUM})\s?(?:单元|门(?![牌口诊卫市店面]))|(?P<u2>\d{{1,2}})-(?=\d)))?"
    rf"|(?P<u3>{_U_NUM})\s?单元)"
    rf"(?:[\s,]{{0,2}}\d{{1,2}}\s?[层楼](?=\s?\d))?"  # a floor, implied by the room number
    rf"(?:[\s,:]{{0,3}}{_ROOM_LABEL}[\s:]{{0,2}}{_ROOM}{_ROOM_TAIL})?"
)
_DASHED = re.compile(
    rf"(?<![{_EDGE}])(?P<b>\d{{1,3}})\s?-\s?(?:(?P<u>\d{{1,2}})\s?-\s?)?(?P<r>\d{{3,4}})"
    rf"(?![{_EDGE}]|\s?[斤个袋盒瓶箱包人度])\s?(?:室|号)?"
)
_ROOM_ONLY = re.compile(rf"(?<![{_EDGE}])(?P<r>\d{{3,5}})\s?室")
_RURAL = re.compile(
    rf"(?=[\d{_CN}第村])"
    rf"(?:第\s?)?(?P<g>(?<!\d)\d{{1,3}}|(?<![{_CN}])[{_CN}]{{1,4}})\s?(?:村民小组|小组|组(?![长织员合成建])|社(?![区会])|队(?![长员伍]))"
    rf"(?:\s?(?P<n>\d{{1,4}}|[{_CN}]{{1,5}})\s?号(?![楼院码线]))?"
    rf"|村\s?(?P<n2>\d{{1,4}}|[{_CN}]{{1,5}})\s?号(?![楼院码线])"
)
# Each pattern with a character class its every match contains: most messages lack most of
# them, and searching for one character is far cheaper than trying the pattern everywhere.
_PATTERNS = (
    (_URBAN, re.compile("[楼栋幢座#单]")),
    (_DASHED, re.compile("-")),
    (_RURAL, re.compile("[组社队村]")),
    (_ROOM_ONLY, re.compile("室")),
)
# Words that say "this is where the household lives": an address right after one wins.
_RESIDENCE_CUE = re.compile(r"(?:住址|地址|门牌|住在|住|家在|楼号)[\s:]{0,2}$")


@dataclass(frozen=True, slots=True)
class Address:
    """A normalised household address; values are Arabic digits, or a letter for a 座."""

    building: str | None = None
    unit: str | None = None
    room: str | None = None
    group: str | None = None
    number: str | None = None

    def as_dict(self) -> dict[str, str]:
        """Only the parts that were written, in contract order."""
        return {name: value for name in _PARTS if (value := getattr(self, name)) is not None}

    def key(self) -> str:
        """Canonical, stable matching key, e.g. ``b3-u2-r501`` or ``g5-n12``."""
        return "-".join(f"{name[0]}{value}" for name, value in self.as_dict().items())


_PARTS = tuple(f.name for f in fields(Address))


@dataclass(frozen=True, slots=True)
class AddressMatch:
    address: Address
    start: int
    end: int


def _part(token: str | None) -> str | None:
    """A building/unit/room/group/number token as canonical digits (letters kept as written)."""
    if token is None:
        return None
    if token.isalpha() and token.isascii():
        return token
    return to_digits(token)


def _from_match(m: re.Match[str]) -> Address | None:
    groups = m.groupdict()
    address = Address(
        building=_part(groups.get("b")),
        unit=_part(groups.get("u") or groups.get("u2") or groups.get("u3")),
        room=_part(groups.get("r")),
        group=_part(groups.get("g")),
        number=_part(groups.get("n") or groups.get("n2")),
    )
    return address if address.as_dict() else None


def _candidates(text: str) -> list[AddressMatch]:
    found: list[AddressMatch] = []
    taken = bytearray(len(text))
    for pattern, hint in _PATTERNS:
        if hint.search(text) is None:
            continue
        for m in islice(pattern.finditer(text), MAX_MATCHES):
            start, end = m.span()
            if any(taken[start:end]):
                continue
            address = _from_match(m)
            if address is None:
                continue
            taken[start:end] = b"\x01" * (end - start)
            found.append(AddressMatch(address, start, end))
    return found


def _best(text: str, candidates: list[AddressMatch]) -> AddressMatch | None:
    """The household's address: one introduced by 住/地址 first, then the most detailed, then the first."""
    if not candidates:
        return None

    def rank(c: AddressMatch) -> tuple[bool, int, int]:
        cued = _RESIDENCE_CUE.search(text, max(0, c.start - 4), c.start) is not None
        return (cued, len(c.address.as_dict()), -c.start)

    return max(candidates, key=rank)


def find_address(scan: Scan) -> AddressMatch | None:
    """Find the household address in a message and claim it (and every other address-like span)."""
    return find_addresses(scan)[0]


def find_addresses(scan: Scan) -> tuple[AddressMatch | None, list[AddressMatch]]:
    """The household address, and every address that names a home (a room or a house number) in
    text order; all address-like spans are claimed.

    Several homes in one check-in are several households (代报 for neighbours, a 联户长's list).
    """
    candidates = _candidates(scan.masked)
    best = _best(scan.masked, candidates)
    for c in candidates:
        scan.claim(c.start, c.end)
    homes = [c for c in candidates if c.address.room is not None or c.address.number is not None]
    return best, sorted(homes, key=lambda c: c.start)


def normalise_address(text: str) -> Address | None:
    """Parse an address as written in a roster row or a message; None when there is none."""
    from understanding.normalise import normalise_text

    normalised = normalise_text(text)
    match = _best(normalised, _candidates(normalised))
    return match.address if match else None
