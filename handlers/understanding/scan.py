"""A message being read: the normalised text plus the spans that extractors have already claimed.

Each extractor claims what it understood, so that one stretch of text is never read twice: a
phone number is not also a room number, ``5号楼`` is not also a date, ``36.5`` is not a
quantity.  Claimed characters are replaced by ``MASK`` in :attr:`Scan.masked`, which the later
extractors search instead of the text, so their regexes need no knowledge of one another.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

MASK = "\x00"  # removed by normalisation, so it never occurs in a message


class Scan:
    """The normalised text of one message and the claims made on it (not shared between threads)."""

    __slots__ = ("masked", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = text

    def claim(self, start: int, end: int) -> None:
        """Mark ``text[start:end]`` as understood."""
        if end > start:
            self.masked = self.masked[:start] + MASK * (end - start) + self.masked[end:]

    def is_free(self, start: int, end: int) -> bool:
        return self.masked.find(MASK, start, end) < 0

    def finditer(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches of *pattern* in the unclaimed text (the masked string, so offsets are shared)."""
        return pattern.finditer(self.masked)
