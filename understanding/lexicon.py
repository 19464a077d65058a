"""gridbot's domain dictionary (``data/userdict.txt``): goods, medicines, family words, domain terms.

One file serves two purposes: jieba segments with these words kept whole (see ``segment``), and
the extractors look their tags up (is this goods? a family member?) without loading jieba.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def domain_words() -> dict[str, str]:
    """Every domain word and its tag: ``goods``, ``drug``, ``kin`` or ``word``."""
    text = resources.files("understanding.data").joinpath("userdict.txt").read_text("utf-8")
    words = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and not line.startswith("#"):
            words[parts[0]] = parts[1]
    return words


def words_tagged(tag: str) -> tuple[str, ...]:
    """The domain words with *tag*, longest first (ready for a regex alternation)."""
    return tuple(sorted((w for w, t in domain_words().items() if t == tag), key=len, reverse=True))
