"""Several households in one check-in: 代报 for neighbours, a 联户长's or 楼栋长's list.

The message is cut into one stretch per household and each stretch is read on its own, so every
household keeps its own address, name, headcount, readings and symptoms (contract: ``others``).
A stretch starts at its home's address, or at the writer's break before it (; | / a line, 还有),
or at the name before it where the writer names each household first (王芳 3-2-501 … 李明 3-2-502 …);
the text before the first address belongs to the first.  An address with no check-in facts after
it (楼上3-2-601在装修) reports on nobody.  A closing denial (两家都不咳不烧, 以上均无症状) covers them all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re

from understanding.address import Address, AddressMatch, find_address
from understanding.health import CORRECTION, HealthFacts, read_health
from understanding.identifiers import claim_identifiers
from understanding.names import Role, claim_reporter, find_name
from understanding.quantities import claim_prices
from understanding.results import Checkin
from understanding.scan import Scan

# Where one household's report ends and the next begins, when the writer marks it.
_HOUSEHOLD_BREAK = re.compile(r"[;|/\n]|还有|另外|顺带|顺便")
# A name standing right before an address (王芳 3-2-501): where the writer puts each household's name.
_NAME_BEFORE = re.compile(r"(?:^|(?<=[\s,]))[\u4e00-\u9fff]{2,4}\s?$")
# A closing remark that covers every household before it (两家都不咳不烧, 以上均无症状, …都没有症状).
_SHARED_DENIAL = re.compile(r"以上|两家|三家|几家|各家|各户|两户|三户|大家|全部|都|均")
# A message that corrects (刚才打错了 应该是36.6), not 没什么不对劲.
_CORRECTING = re.compile(rf"(?:{CORRECTION.pattern})(?!劲)")
# A house written without its group (3号 36.5), right before its reading (a name may come between).
_BARE_HOUSE = re.compile(
    r"(?<![\d.\-月#])(\d{1,3})号(?=\s?(?:[\u4e00-\u9fff]{2,3}\s?)?(?:3[4-9](?:\.\d|度)|三十[四五六七八九]度))"
)
# A household reported by someone else: the writer's own name (我是…) is not the household's.
_NEIGHBOUR_ROLES = frozenset(Role) - {Role.SELF}


def household_checkin(
    address: Address | None, name: str | None, health: HealthFacts, phone: str | None = None
) -> Checkin:
    """One household's check-in from its health facts."""
    return Checkin(
        address=address,
        name=name,
        persons=health.persons,
        temperature=health.top,
        symptoms=health.stated_symptoms,
        test=health.test,
        abnormal=health.abnormal,
        phone=phone,
    )


def with_correction(checkin: Checkin, text: str) -> Checkin:
    """*checkin* marked as correcting what was reported before, where its *text* says it corrects
    (刚才打错了 应该是36.6; not 没什么不对劲) and states health: its values replace the day's."""
    stated = checkin.temperature is not None or checkin.symptoms is not None or checkin.test is not None
    if not stated or _CORRECTING.search(text) is None:
        return checkin
    return dataclasses.replace(checkin, correction=True)


def bare_houses(text: str) -> list[AddressMatch]:
    """Houses written without their group (3号 36.5 5号 37.9): two or more, each before its reading."""
    if "号" not in text:
        return []
    found = [AddressMatch(Address(number=m[1]), *m.span()) for m in itertools.islice(_BARE_HOUSE.finditer(text), 40)]
    return found if len(found) > 1 else []


def _stretches(text: str, homes: list[AddressMatch]) -> list[tuple[Address | None, str]]:
    """The message cut where each home's report may begin (one stretch if one home), each with its
    home.  A home named again later (3-1-101那个写错了 是36.5) is read with its own stretch, so what is
    said there (a correction) is said of it."""
    if len(homes) < 2:
        return [(homes[0].address if homes else None, text)]
    owners = {homes[0].address.key(): 0}
    names_first = _NAME_BEFORE.search(text, 0, homes[0].start) is not None
    starts, owner_of = [0], [0]
    for previous, home in itertools.pairwise(homes):
        key = home.address.key()
        if owners.get(key) == owner_of[-1]:
            continue  # the same home again within its own stretch
        cut = max((m.start() for m in _HOUSEHOLD_BREAK.finditer(text, previous.end, home.start)), default=home.start)
        named = _NAME_BEFORE.search(text, previous.end, home.start) if names_first else None
        starts.append(named.start() if named is not None and cut == home.start else cut)
        owner_of.append(owners.setdefault(key, len(owners)))
    texts = [""] * len(owners)
    for owner, a, b in zip(owner_of, starts, [*starts[1:], len(text)], strict=True):
        texts[owner] += text[a:b]
    by_key = {home.address.key(): home.address for home in homes}
    return [(by_key[key], texts[owner]) for key, owner in owners.items()]


def _household(stretch: str, home: Address | None, today: dt.date) -> tuple[Checkin, bool]:
    """One household's check-in, read from its own stretch, and whether it denies symptoms."""
    scan = Scan(stretch)
    claim_identifiers(scan)
    address = find_address(scan)
    if address is None and home is not None and (bare := _BARE_HOUSE.search(stretch)) is not None:
        address = AddressMatch(home, *bare.span())  # a house written bare: the name next to it is its
        scan.claim(*bare.span())
    claim_prices(scan)
    claim_reporter(scan)
    health = read_health(scan, today)
    name = find_name(scan, (address.start, address.end) if address else None, _NEIGHBOUR_ROLES)
    checkin = household_checkin(address.address if address else home, name.name if name else None, health)
    return with_correction(checkin, stretch), health.symptoms.negated


def read_households(text: str, homes: list[AddressMatch], phone: str | None, today: dt.date) -> Checkin | None:
    """A check-in for several households: the first at the top, the others under ``others``; None
    for one household.  A stretch with no reading, headcount or test of its own (楼上3-2-601在装修)
    reports on nobody: it is read as part of the household before it.
    """
    stretches = _stretches(text, homes or bare_houses(text))
    if len(stretches) < 2:
        return None
    read: list[tuple[Address | None, str, Checkin, bool]] = []
    for home, stretch in stretches:
        checkin, denies = _household(stretch, home, today)
        if read and checkin.temperature is None and checkin.persons is None and checkin.test is None:
            merged = read[-1][1] + stretch
            read[-1] = (read[-1][0], merged, *_household(merged, read[-1][0], today))
        else:
            read.append((home, stretch, checkin, denies))
    if len(read) < 2:
        return None
    shared = read[-1][3] and _SHARED_DENIAL.search(read[-1][1]) is not None
    households = [
        dataclasses.replace(checkin, symptoms=()) if shared and not checkin.symptoms else checkin
        for _, _, checkin, _ in read
    ]
    return dataclasses.replace(households[0], phone=phone, others=tuple(households[1:]))
