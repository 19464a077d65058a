"""Household addresses in the order people count them: 五组 before 七组, 8栋 before 10栋, 一组2号 before 一组11号.

Addresses as written sort as text, which puts 七组 before 五组 and 10栋 before 8栋. Every household
already carries the roster's normalised address key (``b3-u2-r501``, ``g5-n12``: the parser's
address normaliser turned Chinese numerals into Arabic digits when the roster was imported), so
the order is read from that key, part by part, numbers as numbers; nothing is parsed again.
"""

from __future__ import annotations

#: The parts of an address key, in the order they are compared (building, unit, room; group, number).
_PARTS = "burgn"

#: One part of the key: its rank, then a number (or -1 for a letter such as F座), then the letter.
AddressPart = tuple[int, int, str]


def address_sort_key(address_key: str) -> tuple[AddressPart, ...]:
    """``b10-u1-r101`` → ((0, 10, ''), (1, 1, ''), (2, 101, '')): compare parts as numbers, not text."""
    parts: list[AddressPart] = []
    for part in address_key.split("-"):
        name, value = part[:1], part[1:]
        rank = _PARTS.find(name)
        if rank < 0 or not value:
            parts.append((len(_PARTS), -1, part))
        elif value.isdigit():
            parts.append((rank, int(value), ""))
        else:
            parts.append((rank, -1, value))
    return tuple(parts)
