"""Understanding residents' group messages: the parser behind the bot and ``gridbot parse``.

This is the package's whole public face: code outside ``understanding/`` imports from here, never
from its modules, so the parser's insides can change without touching the services.

Importing this package is cheap (the result types and the address reader are a few compiled
patterns): the parser and its data load on the first call, so the CLI starts fast and the bot
pays the cost once.
"""

from __future__ import annotations

import datetime as dt
import typing

from understanding.address import Address, normalise_address
from understanding.health import FEVER_THRESHOLD, TestResult
from understanding.identifiers import mask_identifiers
from understanding.results import (
    Checkin,
    Disinfection,
    Goods,
    HouseholdReport,
    Order,
    Other,
    ParsedMessage,
    Returnee,
    Transport,
    Visit,
    Zero,
)


def parse_message(text: str, message_date: dt.date) -> ParsedMessage:
    """Parse one message (see ``parser.parse_message``); ``.to_contract()`` is its contract object."""
    from understanding.parser import parse_message as parse

    return parse(text, message_date)


def run_parse_command(
    *, date: str | None, tz: str, stdin: typing.BinaryIO, stdout: typing.TextIO, stderr: typing.TextIO
) -> int:
    """``gridbot parse`` (see ``command.run``)."""
    from understanding.command import run

    return run(date=date, tz=tz, stdin=stdin, stdout=stdout, stderr=stderr)


def is_medicine(name: str) -> bool:
    """Whether an order item names a medicine (降压药, 格列美脲片): health data, kept like a symptom."""
    from understanding.orders import is_medicine as check

    return check(name)


__all__ = [
    "FEVER_THRESHOLD",
    "Address",
    "Checkin",
    "Disinfection",
    "Goods",
    "HouseholdReport",
    "Order",
    "Other",
    "ParsedMessage",
    "Returnee",
    "TestResult",
    "Transport",
    "Visit",
    "Zero",
    "is_medicine",
    "mask_identifiers",
    "normalise_address",
    "parse_message",
    "run_parse_command",
]
