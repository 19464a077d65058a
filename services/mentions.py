"""Who a group message @mentions for a household, and how: the one rule for the check-in reminders,
/missing and the returnee follow-ups.

Who: the people linked to the household, in the order they were linked; for a follow-up, the
person who posted the report stands in for them when the bot knows them. How: a ``tg://user``
link each (people without a username are reachable too). Nobody at all where the @mention switch
of the unit or of a unit above it is off, or where nobody is linked: the caller then counts the
household, or names it masked, instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from core.formatting import mention


class Reachable(Protocol):
    """A Telegram user the bot knows by id and name (a ``Person`` or a row about one)."""

    @property
    def telegram_user_id(self) -> int: ...

    @property
    def display_name(self) -> str: ...


def mentions(household: Sequence[Reachable], *, switched_on: bool, reporter: Sequence[Reachable] = ()) -> list[str]:
    """The HTML mentions a group message carries for one household; empty: mention nobody."""
    if not switched_on:
        return []
    return [mention(person.telegram_user_id, person.display_name) for person in reporter or household]
