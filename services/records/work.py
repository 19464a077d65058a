"""One message on its way in, and what its sender and others must be told about it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from core.config import Settings
from services import alerts
from storage.models import Household, MessageRecord, OrderItem, Person, SupplyOrder, Unit
from understanding import Address, Checkin, HouseholdReport, ParsedMessage, Visit


@dataclass(frozen=True)
class Sender:
    user_id: int
    name: str
    username: str | None = None


@dataclass(frozen=True)
class IncomingMessage:
    """A text message as Telegram gave it, edits included (``edited_at`` set)."""

    chat_id: int
    private: bool
    message_id: int
    update_id: int
    sender: Sender
    text: str
    sent_at: datetime
    edited_at: datetime | None = None


class Ack(StrEnum):
    """What the sender should see."""

    NONE = "none"  # not a record, or not a grid's message, or asked already today: say nothing
    STORED = "stored"  # a reaction
    ASK_ADDRESS = "ask_address"  # kept, but whose is it? ask for the address
    UNKNOWN_ADDRESS = "unknown_address"  # the address written is no household of the grid
    ORDER_CLOSED = "order_closed"  # an edit of an order already accepted, delivered or cancelled
    PAST_CLOSED = "past_closed"  # an edit of a record whose day is closed: nothing changed (told once)
    ASK_MISSING = "ask_missing"  # stored, but a part it needs is missing or unsure: ask, no ✍


@dataclass(frozen=True)
class OrderNotice:
    order: SupplyOrder
    items: tuple[OrderItem, ...]
    edited: bool


@dataclass(frozen=True)
class LinkClaim:
    """Someone without a confirmed link wrote this household's address: its grid's leaders are
    asked, with one tap, whether to link them."""

    audience: alerts.Audience
    grid: Unit
    household: Household
    user_id: int
    name: str
    #: What they wrote for it (checkin, order, returnee).
    kind: str


@dataclass(frozen=True)
class Filed:
    """One household a message reported on, as the reply lists it (the address as written)."""

    address: str
    persons: int | None = None
    temperature: float | None = None
    #: False when the grid has no household at that address: nothing was recorded for it.
    found: bool = True


@dataclass(frozen=True)
class Ingested:
    ack: Ack
    kind: str = "other"
    day: date | None = None
    #: An address as this grid writes them, to show the form asked for; None outside a grid.
    example: str | None = None
    #: The address as written, when no household has it.
    written: str | None = None
    order: OrderNotice | None = None
    #: One alert per household whose day got worse (a message may report on several).
    checkin_alerts: tuple[alerts.CheckinAlert, ...] = ()
    #: One per household day this message (an edit, a correction) made normal again after it was abnormal.
    checkin_cleared: tuple[alerts.CheckinCleared, ...] = ()
    order_alert: alerts.OrderAlert | None = None
    visit_alert: alerts.VisitAlert | None = None
    claim: LinkClaim | None = None
    #: The households a message about several was filed under, to list in the reply (a reaction
    #: cannot say which); empty for a message about one household.
    filed: tuple[Filed, ...] = ()
    #: The parts the message needs and lacks (``services.records.complete``): no ✍ while any is.
    missing: tuple[str, ...] = ()
    #: The person a check-in named who is no one of the household it went to (``missing`` "whose").
    named: str | None = None

    def claiming(self, claim: LinkClaim | None) -> Ingested:
        """This outcome, with the claim its message made (if any) for the leaders to confirm."""
        return self if claim is None else replace(self, claim=claim)

    @property
    def posts(self) -> bool:
        """Did its batch write outbox rows for it (a notice, alerts; ``services.records.outgoing``)?"""
        # A report stored but not fully understood (asked about, or an edit left without ✍)
        # alerts all the same; a closed edit changes nothing, so it posts nothing.
        return self.ack in (Ack.STORED, Ack.ASK_MISSING, Ack.NONE) and (
            self.order is not None
            or bool(self.checkin_alerts)
            or bool(self.checkin_cleared)
            or self.order_alert is not None
            or self.visit_alert is not None
        )

    def finished(self, later: Later) -> Ingested:
        """This outcome with what its batch learnt about it at the end."""
        return replace(
            self,
            order=later.order or self.order,
            checkin_alerts=self.checkin_alerts + ((later.checkin_alert,) if later.checkin_alert else ()),
            checkin_cleared=self.checkin_cleared + ((later.checkin_cleared,) if later.checkin_cleared else ()),
            order_alert=later.order_alert or self.order_alert,
            visit_alert=later.visit_alert or self.visit_alert,
        )


@dataclass(frozen=True)
class Later:
    """What a message's outcome learns only when its batch ends (new orders get their numbers
    together, check-in days are recomputed together)."""

    index: int
    order: OrderNotice | None = None
    checkin_alert: alerts.CheckinAlert | None = None
    checkin_cleared: alerts.CheckinCleared | None = None
    order_alert: alerts.OrderAlert | None = None
    visit_alert: alerts.VisitAlert | None = None


@dataclass(frozen=True)
class Stored:
    """The stored version a message replaces, as it was before (an edit, or a replay)."""

    household_id: int | None
    day: date
    kind: str
    #: Its parse result as stored: the contract object.
    contract: dict[str, Any]


@dataclass
class Work:
    """One message on its way in."""

    index: int
    settings: Settings
    message: IncomingMessage
    day: date
    parsed: ParsedMessage
    grid: Unit | None = None
    person: Person | None = None
    previous: MessageRecord | None = None
    old: Stored | None = None
    #: A newer version of a stored message, not the same update replayed after a crash.
    is_edit: bool = False
    #: The claim on a household this message made (see ``Households.link``).
    claim: LinkClaim | None = None

    @property
    def kind(self) -> str:
        return self.parsed.kind

    @property
    def report(self) -> HouseholdReport | None:
        """The parse result when it is about a household (a check-in, an order, a returnee)."""
        return self.parsed if isinstance(self.parsed, HouseholdReport) else None

    @property
    def address(self) -> Address | None:
        """The address the message names (a report's household, or the household visited)."""
        parsed = self.parsed
        return parsed.address if isinstance(parsed, HouseholdReport | Visit) else None

    @property
    def about_own_household(self) -> bool:
        """May the message be about its sender's own household (so their link finds it, and its
        address links them)? Not a visit: a visitor writes about others."""
        return not isinstance(self.parsed, Visit)

    @property
    def addresses(self) -> list[Address]:
        """Every address the message names: its household's, then those it reports on for others."""
        parsed = self.parsed
        others = parsed.others if isinstance(parsed, Checkin) else None
        return [a for a in (self.address, *(part.address for part in others or ())) if a is not None]

    @property
    def for_several(self) -> bool:
        """Does the message report on several households (代报, a 联户长's list)?"""
        return isinstance(self.parsed, Checkin) and bool(self.parsed.others)

    def name_for(self, household: Household) -> str:
        """Whom an alert names: the person written, else the household's head, else the sender."""
        parsed = self.parsed
        written = parsed.name if isinstance(parsed, HouseholdReport | Visit) else None
        return written or household.head or self.message.sender.name
