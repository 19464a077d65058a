"""What the parser understood, one frozen type per kind, and its contract JSON.

The services read these fields by name, so a field added to a kind is one mypy can follow into
every reader; ``to_contract()`` gives the object ``gridbot parse`` prints and the bot stores.

Each type declares its fields in the contract's order (``address``, ``name``, ``persons`` … ``phone``),
and the contract object is derived from them: a field that is ``None`` is left out, tuples become
lists, nested values their objects, dates ISO strings, whole floats integers. A new kind (the
contract's version 2 ``Visit`` and ``Disinfection``) is one more class here and one more member of
``ParsedMessage``; a new field (v2's ``others``: further households, each rendered like a check-in
of its own, ``tuple[Checkin, ...]``) is one more declared field, rendered by the same rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar, Literal, cast

from understanding.address import Address
from understanding.health import TestResult
from understanding.numerals import as_json_number

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


class _Contract:
    """Renders the declared fields of a result (or of a value inside one) as contract JSON."""

    __slots__ = ()
    #: Flags the contract leaves out when false (``urgent``), rather than writing ``false``.
    omitted_when_false: ClassVar[frozenset[str]] = frozenset()
    #: Flags the bot reads beyond the contract, written ``x_<name>: true`` after its fields when true.
    extensions: ClassVar[frozenset[str]] = frozenset()

    def _contract_fields(self) -> dict[str, object]:
        skip = self.omitted_when_false
        return {
            f.name: _json(value)
            for f in fields(cast("DataclassInstance", self))
            if (value := getattr(self, f.name)) is not None
            and not (value is False and f.name in skip)
            and f.name not in self.extensions
        }


def _json(value: object) -> object:
    if isinstance(value, Address):
        return value.as_dict()
    if isinstance(value, _Result):  # a household under ``others``: its fields and its true extensions
        return value._contract_fields() | value._extensions()
    if isinstance(value, _Contract):
        return value._contract_fields()
    if isinstance(value, TestResult):
        return {"type": value.type, "result": value.result}
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return as_json_number(value)
    return value


@dataclass(frozen=True, slots=True)
class Goods(_Contract):
    """One line of an order: ``{"name": "大米", "qty": 10, "unit": "斤"}``."""

    name: str
    qty: float | None = None
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Transport(_Contract):
    """How a returnee travelled: ``mode`` and, when written, the train/flight number or plate."""

    mode: str
    number: str | None = None


class _Result(_Contract):
    """A parse result: its kind, its fields, and the expected fields it lacks."""

    __slots__ = ()
    kind: ClassVar[str]
    #: Fields the bot should ask about rather than guess when a message leaves them out.
    expected: ClassVar[tuple[str, ...]] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in self.expected if getattr(self, name) is None)

    def to_contract(self) -> dict[str, object]:
        """The contract object: ``kind``, the stated fields in contract order, then ``x_missing``
        and the extensions that are true."""
        result: dict[str, object] = {"kind": self.kind, **self._contract_fields()}
        if missing := self.missing:
            result["x_missing"] = list(missing)
        return result | self._extensions()

    def _extensions(self) -> dict[str, object]:
        return {f"x_{name}": True for name in sorted(self.extensions) if getattr(self, name)}


@dataclass(frozen=True, slots=True)
class Checkin(_Result):
    """A household's health check-in."""

    kind: ClassVar[Literal["checkin"]] = "checkin"
    expected: ClassVar[tuple[str, ...]] = ("address", "name")
    extensions: ClassVar[frozenset[str]] = frozenset({"correction"})
    address: Address | None = None
    name: str | None = None
    persons: int | None = None
    temperature: float | None = None  # the highest stated, °C
    symptoms: tuple[str, ...] | None = None  # None: not stated; empty: explicitly none
    test: TestResult | None = None
    abnormal: bool = False
    phone: str | None = None
    #: Further households the same message reports on (代报 for neighbours, a 联户长's list), each
    #: with its own check-in fields; None when the message covers one household.
    others: tuple[Checkin, ...] | None = None
    #: The message corrects what was reported before (刚才打错了 应该是36.6): the health it states
    #: replaces the day's so far instead of adding to it (``x_correction``).
    correction: bool = False


@dataclass(frozen=True, slots=True)
class Order(_Result):
    """A household's order of goods or medicine."""

    kind: ClassVar[Literal["order"]] = "order"
    expected: ClassVar[tuple[str, ...]] = ("address",)
    omitted_when_false: ClassVar[frozenset[str]] = frozenset({"urgent"})
    address: Address | None = None
    name: str | None = None
    items: tuple[Goods, ...] = ()
    urgent: bool = False
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Returnee(_Result):
    """Someone arriving from elsewhere, reported for monitoring."""

    kind: ClassVar[Literal["returnee"]] = "returnee"
    expected: ClassVar[tuple[str, ...]] = ("name", "origin", "arrival", "address")
    address: Address | None = None
    name: str | None = None
    test: TestResult | None = None
    origin: str | None = None
    arrival: dt.date | None = None
    transport: Transport | None = None
    id_last4: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Visit(_Result):
    """A worker's or volunteer's record of a visit to a household (走访 / 探望 / 上门)."""

    kind: ClassVar[Literal["visit"]] = "visit"
    omitted_when_false: ClassVar[frozenset[str]] = frozenset({"concern"})
    address: Address | None = None
    name: str | None = None  # the person visited
    help: tuple[str, ...] | None = None  # what was done: medicine, groceries, health, company, errand …
    concern: bool = False  # something found that needs follow-up
    date: dt.date | None = None  # when it is not the message's day


@dataclass(frozen=True, slots=True)
class Disinfection(_Result):
    """A record of disinfecting a place (消杀 / 消毒 / 喷洒)."""

    kind: ClassVar[Literal["disinfection"]] = "disinfection"
    place: str | None = None
    method: str | None = None  # spray, wipe, fumigate or other: the first named
    agent: str | None = None
    operator: str | None = None
    date: dt.date | None = None  # when it is not the message's day


@dataclass(frozen=True, slots=True)
class Zero(_Result):
    """A leader's nothing-to-report for their area."""

    kind: ClassVar[Literal["zero"]] = "zero"


@dataclass(frozen=True, slots=True)
class Other(_Result):
    """Anything that is no report: questions, notices, chat."""

    kind: ClassVar[Literal["other"]] = "other"


#: A report about a household: stored against one.
HouseholdReport = Checkin | Order | Returnee
ParsedMessage = Checkin | Order | Returnee | Zero | Visit | Disinfection | Other
