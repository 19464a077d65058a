"""Is a stored report fully understood? ✍ says it is; otherwise the bot asks once, briefly.

The household must be known (asked for in ``nudges``); beyond that each kind needs its own parts:
an order what to buy and how much of each, a returnee who, from where and when, a disinfection
its place, and a check-in
that names someone without an address must name the household's own people (else whose is it?).
A message about several households is answered by its list instead (``batch._others``).
"""

from __future__ import annotations

from dataclasses import replace

from services.records.work import Ack, Ingested, Work
from storage.models import Household
from understanding import Checkin, Disinfection, Order, Returnee

#: The parts a message may lack, as ``Ingested.missing`` names them.
ITEMS, QUANTITY, WHOSE, PLACE = "items", "qty", "whose", "place"


def missing_parts(work: Work, household: Household | None) -> tuple[str, ...]:
    """What the message needs and does not say (empty: fully understood)."""
    parsed = work.parsed
    if isinstance(parsed, Disinfection):
        return () if parsed.place else (PLACE,)
    if isinstance(parsed, Order):
        if not parsed.items:
            return (ITEMS,)
        return (QUANTITY,) if any(goods.qty is None for goods in parsed.items) else ()
    if isinstance(parsed, Returnee):
        return tuple(name for name in parsed.missing if name != "address")
    if isinstance(parsed, Checkin) and parsed.name and parsed.address is None and not work.for_several:
        known = {
            household.head if household else None,
            work.message.sender.name,
            work.person.display_name if work.person else None,
        }
        return () if parsed.name in known else (WHOSE,)
    return ()


def checked(work: Work, household: Household | None, outcome: Ingested) -> Ingested:
    """The outcome of a stored report, asking about what it lacks: once, when it is new (an edit
    that still lacks it is left without ✍, an edit that completes it gets one). An order's notice
    asks for itself, so an order stays ``STORED`` with its ``missing`` parts."""
    if outcome.ack is not Ack.STORED or outcome.filed:
        return outcome
    missing = missing_parts(work, household)
    if not missing:
        return outcome
    name = work.parsed.name if isinstance(work.parsed, Checkin) else None
    if work.kind == "order":
        return replace(outcome, missing=missing)
    ack = Ack.NONE if work.is_edit else Ack.ASK_MISSING
    return replace(outcome, ack=ack, missing=missing, named=name)
