"""Understanding residents' group messages: the parser behind the bot and ``gridbot parse``.

Importing this package is cheap: the parser and its data load on the first call, so the CLI
starts fast and the bot pays the cost once.
"""

from __future__ import annotations

import datetime as dt


def parse_message(text: str, message_date: dt.date) -> dict[str, object]:
    """Parse one message into the contract object (see ``parser.parse_message``)."""
    from understanding.parser import parse_message as parse

    return parse(text, message_date)


__all__ = ["parse_message"]
