"""The parser the bot runs on every group message: text in, a typed result (``results.py``) out.

Extractors run in a fixed order on one :class:`Scan`, each claiming what it understood so the
next does not read it again: identifiers (phones, IDs, URLs, times) → address → prices →
temperatures → headcount → (travel reports only) vehicles and dates → names → goods.  Then the
classifier picks the kind and only that kind's fields are reported: a visit or a disinfection is
read by ``care``, a check-in naming several homes household by household (``households``).
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re

from understanding.address import find_addresses
from understanding.care import read_disinfection, read_visit
from understanding.classify import Evidence, classify
from understanding.dates import DateMention, claim_dates
from understanding.health import read_health
from understanding.households import household_checkin, read_households, with_correction
from understanding.identifiers import Vehicle, claim_identifiers, claim_vehicles
from understanding.names import Role, claim_reporter, find_name, has_relative_subject
from understanding.normalise import drugs_in_brackets, normalise_text
from understanding.orders import is_urgent, read_items
from understanding.places import find_places, pick_origin
from understanding.quantities import claim_prices
from understanding.results import Goods, Order, Other, ParsedMessage, Returnee, Transport, Zero
from understanding.scan import Scan

log = logging.getLogger(__name__)

MAX_CHARS = 8192  # a longer message is read up to here: nothing a resident writes is longer
_MEANINGFUL = re.compile(r"[\u4e00-\u9fff0-9]")
_TRAVEL_CUE = re.compile(
    r"报备|返|回来|回到|回津|到津|抵达|到达|从|来自|出发|高铁|火车|动车|飞机|航班|自驾|开车|大巴|车次|车牌|外来"
)
_MODES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bus", re.compile(r"大巴|长途汽车|长途车|客车|汽车站|班车|巴士|坐汽车|乘汽车")),
    ("train", re.compile(r"高铁|火车|动车|列车|车次|城际|绿皮车")),
    ("flight", re.compile(r"飞机|航班|坐飞|飞回|机场|乘机|航空")),
    ("car", re.compile(r"自驾|开车|私家车|驾车|车牌|顺风车|网约车|打车|出租车|包车|汽车")),
    ("other", re.compile(r"轮船|坐船|乘船|步行|骑车|摩托")),
)
_ANY_MODE = re.compile("|".join(pattern.pattern for _, pattern in _MODES))
_ARRIVAL_AFTER = re.compile(r"[^,.;\n]{0,8}?(?:到|抵|回|返)")  # used with match(text, pos): no ^
_DEPARTURE_AFTER = re.compile(r"\s?(?:出发|动身|启程|离开|走的)")
_ALL_ROLES = frozenset(Role)
_RELATIVE_ROLES = frozenset({Role.SUBJECT, Role.RELATIVE})
_SUBJECT_WORDS = re.compile(r"我是|我叫|我家|我们家|本人|姓名|户主|居民|报备")


def parse_message(text: str, message_date: dt.date) -> ParsedMessage:
    """What one message is and says (``to_contract()`` gives its contract object); ``Other`` for
    anything not understood.

    Pure and thread-safe; never raises (an unexpected error is logged and read as ``other``).
    """
    try:
        return _parse(text, message_date)
    except Exception:  # the bot must keep reading messages whatever one of them contains
        log.exception("parser failed on a message of %d characters", len(text))
        return Other()


def _parse(text: str, today: dt.date) -> ParsedMessage:
    normalised = normalise_text(text[:MAX_CHARS])
    if not _MEANINGFUL.search(normalised):
        return Other()
    scan = Scan(normalised)
    ids = claim_identifiers(scan)
    address, homes = find_addresses(scan)
    prices = claim_prices(scan)
    claim_reporter(scan)
    health = read_health(scan, today)
    # Travel facts are looked for only in what may be a travel report: elsewhere C100 is part
    # of a product name and 5号 a battery size.
    travel = _TRAVEL_CUE.search(normalised) is not None
    vehicles = claim_vehicles(scan) if travel else []
    dates = claim_dates(scan, today) if travel else []
    origin = pick_origin(find_places(scan)) if travel else None
    relative = has_relative_subject(scan)
    address_span = (address.start, address.end) if address else None
    # Segmenting is the costly part: the name the classifier may look for is the one reported.
    first_name = functools.cache(lambda: find_name(scan, address_span, _ALL_ROLES))

    kind = classify(
        Evidence(
            text=normalised,
            has_address=address is not None,
            household_address=address is not None
            and (address.address.room is not None or address.address.number is not None),
            has_subject=address is not None or relative or _SUBJECT_WORDS.search(normalised) is not None,
            temperatures=len(health.temperatures),
            symptoms_stated=bool(health.symptoms.present) or health.symptoms.negated,
            symptoms_present=bool(health.symptoms.present),
            has_test=health.test is not None,
            has_persons=health.persons is not None,
            items=len(items := read_items(scan)),
            prices=prices,
            origin=origin is not None,
            origin_cued=origin is not None and origin.cued,
            arrival=bool(dates),
            vehicle=bool(vehicles) or _ANY_MODE.search(normalised) is not None,
            id_number=ids.id_last4 is not None,
            names_someone=lambda: first_name() is not None,
        )
    )
    if kind == "other":
        return Other()
    if kind == "zero":
        return Zero()
    if kind == "visit":
        return read_visit(scan, today, address)
    if kind == "disinfection":
        return read_disinfection(scan, today)
    if kind == "checkin" and (several := read_households(normalised, homes, ids.phone, today)) is not None:
        return several

    # For a returnee report about a family member, only a name tied to that person counts.
    roles = _RELATIVE_ROLES if kind == "returnee" and relative else _ALL_ROLES
    found = first_name() if roles is _ALL_ROLES else find_name(scan, address_span, roles)
    name = None
    if found is not None:
        scan.claim(found.start, found.end)
        name = found.name
        if kind == "order":
            items = read_items(scan)  # again, so that a name run into an item is not part of it
    where = address.address if address is not None else None
    if kind == "checkin":
        return with_correction(household_checkin(where, name, health, ids.phone), normalised)
    if kind == "order":
        goods = tuple(Goods(item.name, item.qty, item.unit) for item in items)
        return Order(
            address=where,
            name=name,
            items=goods,
            urgent=is_urgent(normalised, drugs_in_brackets(text[:MAX_CHARS])),
            phone=ids.phone,
        )
    return Returnee(
        address=where,
        name=name,
        test=health.test,
        origin=origin.name if origin else None,
        arrival=_arrival(scan.text, dates),
        transport=_transport(normalised, vehicles),
        id_last4=ids.id_last4,
        phone=ids.phone,
    )


def _arrival(text: str, dates: list[DateMention]) -> dt.date | None:
    """The date of arrival: one followed by 到/回, else the first that is not a departure."""
    if not dates:
        return None
    for mention in dates:
        if _ARRIVAL_AFTER.match(text, mention.end):
            return mention.date
    for mention in dates:
        if not _DEPARTURE_AFTER.match(text, mention.end):
            return mention.date
    return dates[0].date


def _transport(text: str, vehicles: list[Vehicle]) -> Transport | None:
    mode = next((name for name, pattern in _MODES if pattern.search(text)), None)
    if mode is None and vehicles:
        mode = vehicles[0].mode
    if mode is None:
        return None
    return Transport(mode, next((v.number for v in vehicles if v.mode == mode), None))
