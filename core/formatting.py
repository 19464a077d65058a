"""Small helpers for what the bot writes: fitting Telegram's length limit, masking, mentions.

Shared by every area that posts lists (leader commands, reports): one splitter, one way to
mask a name or a phone, one way to @mention someone who may have no username.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from html import escape, unescape

from core import texts

#: Telegram refuses a message text longer than this (counted in UTF-16 code units).
MESSAGE_LIMIT = 4096
#: Telegram refuses a photo's or document's caption longer than this.
CAPTION_LIMIT = 1024
#: How much of a resident's own words an alert quotes.
QUOTE_LENGTH = 200


def _size(text: str) -> int:
    # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice.
    return len(text.encode("utf-16-le")) // 2


def utf8_size(text: str) -> int:
    """The size group robots count (WeCom's markdown limit is 4096 bytes of UTF-8)."""
    return len(text.encode())


def _hard_wrap(line: str, limit: int, size: Callable[[str], int]) -> list[str]:
    """A single line too long for one message, cut into pieces that fit (rare: very long names)."""
    pieces: list[str] = []
    piece = ""
    for char in line:
        if size(piece + char) > limit:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece] if piece else pieces


def split_message(lines: Iterable[str], limit: int = MESSAGE_LIMIT, size_of: Callable[[str], int] = _size) -> list[str]:
    """Join ``lines`` with newlines into as few messages as possible, each at most ``limit`` long.

    Messages break at line boundaries, so a mention or an HTML tag is never cut in half. The size
    is that of the raw text (tags included): a safe upper bound of what Telegram counts (``size_of``
    measures otherwise, for group robots that count bytes).
    """
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        pieces = _hard_wrap(line, limit, size_of) if size_of(line) > limit else [line]
        for piece in pieces:
            added = size_of(piece) + (1 if current else 0)
            if current and size + added > limit:
                messages.append("\n".join(current))
                current, size, added = [], 0, size_of(piece)
            current.append(piece)
            size += added
    if current:
        messages.append("\n".join(current))
    return messages


#: A Chinese personal name as rosters and residents write one: two to four Han characters.
_CHINESE_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}")
#: A name this rule already masked (张*, 欧***, L某): the privacy purge masks stored names again.
_MASKED = re.compile(rf".(?:\*+|{re.escape(texts.MASKED_SOMEONE)})")


def mask_name(name: str, *, roster_name: str | None = None) -> str:
    """The one way a person is named above the grid (village and town groups, ledgers, digests).

    The roster's name wins where one is known (a person linked to a household: its head), so a
    household reads the same whatever its members call themselves on Telegram. A Chinese personal
    name keeps its first character and hides the rest, one star each (张三 → 张*, 欧阳娜娜 → 欧***);
    anything else (Lisa吴, 小王🌸, a single character) shows its first character and 某: stars
    would give away the length and the shape of a name that is not one.
    """
    shown = (roster_name or "").strip() or name.strip()
    if not shown:
        return ""
    if _MASKED.fullmatch(shown):  # masking is idempotent: a purged record reads the same when purged again
        return shown
    if _CHINESE_NAME.fullmatch(shown):
        return shown[0] + "*" * (len(shown) - 1)
    return shown[0] + texts.MASKED_SOMEONE


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678; shorter numbers keep only their last four digits."""
    if len(phone) == 11:
        return f"{phone[:3]}****{phone[-4:]}"
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def mention(user_id: int, name: str) -> str:
    """An HTML mention that works for people without a username (``tg://user?id=``)."""
    return f'<a href="tg://user?id={user_id}">{escape(name or str(user_id))}</a>'


def number(value: float) -> str:
    """120.0 → 120, 0.5 → 0.5: quantities and readings as people write them."""
    return f"{value:g}"


def rate_text(rate: float | None) -> str:
    """A check-in rate as every report and /status shows it: 66.7%, or ``NO_RATE`` with nobody to count."""
    return texts.NO_RATE if rate is None else f"{rate:.1%}"


def health_text(temperature: float | None, symptoms: str | None, test_type: str | None, result: str | None) -> str:
    """Temperature, symptoms and test in words (``symptoms``: stored keys, '' = none stated).

    Health details: only for leaders' private chats and village/town groups, never a grid group.
    """
    parts = []
    if temperature is not None:
        parts.append(texts.CHECKIN_TEMPERATURE.format(temperature=number(temperature)))
    if symptoms is not None:
        parts.append(symptoms_text(symptoms))
    if test_type or result:
        parts.append(label(texts.TEST_LABELS, test_type) + label(texts.TEST_RESULT_LABELS, result))
    return " ".join(part for part in parts if part)


def label(labels: dict[str, str], key: str | None) -> str:
    """A stored key (``cough``, ``pcr``, ``train``) in the words people read; unknown keys pass through."""
    return labels.get(key, key) if key else ""


def symptoms_text(symptoms: str | None) -> str:
    """Stored symptom keys in words: '' means none were stated as none (无症状); None, nothing said."""
    if symptoms is None:
        return ""
    if symptoms == "":
        return texts.CHECKIN_NO_SYMPTOMS
    keys = [key.strip() for key in symptoms.split(",") if key.strip()]
    return texts.LIST_SEPARATOR.join(label(texts.SYMPTOM_LABELS, key) for key in keys)


def transport_text(mode: str | None, number: str | None) -> str:
    """火车 G123, 自驾 京A12345: the stored mode in words, with the number as written."""
    return " ".join(part for part in (label(texts.TRANSPORT_LABELS, mode), number or "") if part)


_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """An HTML message as a person reads it in a terminal: tags dropped, entities decoded."""
    return unescape(_TAG.sub("", text))


def quote(text: str, length: int = QUOTE_LENGTH) -> str:
    """The first ``length`` characters of what someone wrote, marked as cut when it was longer."""
    return text if len(text) <= length else text[:length] + texts.ELLIPSIS


def fit(html: str, limit: int = MESSAGE_LIMIT) -> str:
    """``html`` as it is when Telegram would take it, else its plain text cut to ``limit``.

    Telegram counts the text a reader sees, not the tags; a message that must arrive is never
    refused for its length, it loses its formatting and its end instead.
    """
    shown = plain(html)
    if _size(shown) <= limit:
        return html
    cut = shown
    while _size(cut) > limit - len(texts.ELLIPSIS):
        cut = cut[: len(cut) - max(1, (_size(cut) - limit) // 2)]
    return escape(cut) + texts.ELLIPSIS
