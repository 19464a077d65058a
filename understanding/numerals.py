"""Numbers as residents write them: ``12``, ``十二``, ``两``, ``五零一``, ``三十六点五``, ``半``.

Chinese numerals are converted with cn2an, but only on spans that the extractors have already
captured as numbers: its whole-text ``transform`` rewrites names and words (张三→张3,
零报告→0报告), so it is never run on a message.
"""

from __future__ import annotations

from functools import lru_cache

# Characters that may make up a Chinese numeral (幺 is the spoken "one" in room numbers).
CN_DIGITS = "零〇一二两三四五六七八九幺"
CN_NUMERAL_CHARS = CN_DIGITS + "十百千万"

_ASCII_DIGITS = frozenset("0123456789.")


@lru_cache(maxsize=1024)
def _cn_to_number(token: str) -> float | None:
    import cn2an

    try:
        value = cn2an.cn2an(token.replace("幺", "一"), "normal")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return float(value)


def to_number(token: str) -> float | None:
    """The value of an Arabic or Chinese numeral, or None when *token* is not one.

    ``半`` is 0.5; digit-by-digit readings (``五零一`` → 501) are what cn2an's normal mode gives.
    """
    if not token:
        return None
    if _ASCII_DIGITS.issuperset(token):
        try:
            return float(token)
        except ValueError:
            return None
    if token == "半":
        return 0.5
    token = token.replace("仨", "三").replace("俩", "两")  # spoken 3 and 2
    if all(ch in CN_NUMERAL_CHARS for ch in token):
        return _cn_to_number(token)
    return None


def to_digits(token: str) -> str | None:
    """An integer numeral as a canonical string of Arabic digits (no leading zeros), or None."""
    value = to_number(token)
    if value is None or value != int(value) or value < 0:
        return None
    return str(int(value))


def as_json_number(value: float) -> int | float:
    """``2.0`` → ``2`` so quantities print as residents wrote them; fractions stay floats."""
    return int(value) if value == int(value) else value
