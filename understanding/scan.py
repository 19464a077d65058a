"""A message being read: the normalised text plus the spans that extractors have already claimed.

Each extractor claims what it understood, so that one stretch of text is never read twice: a
phone number is not also a room number, ``5号楼`` is not also a date, ``36.5`` is not a
quantity.  Claimed characters are replaced by ``MASK`` in :attr:`Scan.masked`, which the later
extractors search instead of the text, so their regexes need no knowledge of one another.

Every search is capped at ``MAX_MATCHES`` matches: no real message states fifty temperatures,
and an adversarial one repeating a pattern four thousand times must still parse in linear time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

MASK = "\x00"  # removed by normalisation, so it never occurs in a message
MAX_MATCHES = 40


class Scan:
    """The normalised text of one message and the claims made on it (not shared between threads)."""

    __slots__ = ("_masked", "_pending", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._masked = text
        self._pending: list[tuple[int, int]] = []

    @property
    def masked(self) -> str:
        """The text with every claimed character replaced by ``MASK`` (claims applied lazily)."""
        if self._pending:
            chars = list(self._masked)
            for start, end in self._pending:
                chars[start:end] = MASK * (end - start)
            self._masked = "".join(chars)
            self._pending.clear()
        return self._masked

    def claim(self, start: int, end: int) -> None:
        """Mark ``text[start:end]`` as understood."""
        if end > start:
            self._pending.append((start, end))

    def finditer(self, pattern: re.Pattern[str], hint: re.Pattern[str] | None = None) -> Iterator[re.Match[str]]:
        """The first matches of *pattern* in the unclaimed text (offsets are the text's).

        *hint* finds something every match contains (a character class, typically): a message
        without it is not searched at all, which is most messages for most patterns.
        """
        masked = self.masked
        if hint is not None and hint.search(masked) is None:
            return iter(())
        return islice(pattern.finditer(masked), MAX_MATCHES)
