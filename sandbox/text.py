"""Text helpers shared by the Bot API side and the simulated users.

Telegram measures entity offsets and lengths in UTF-16 code units (an emoji
outside the BMP counts twice), so everything here speaks UTF-16 offsets.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.errors import bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
SPACE = " \t\r\n\f\v"  # what TDLib's is_space() accepts

# What Telegram clients and servers recognise in plain user text.  A command is
# "/name" (Latin letters, digits, underscore) optionally addressed "@botname",
# preceded by start of text or a non-word character.
_AUTO_ENTITIES = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w@/]))"
    r"|(?P<mention>(?<![\w@])@[A-Za-z0-9_]{4,32}(?![\w@]))"
    r"|(?P<hashtag>(?<![\w#])#\w+)"
    r"|(?P<url>\bhttps?://[^\s]+)"
)


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, Telegram's unit for entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def detect_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram adds to a user's plain text: commands, mentions, hashtags, URLs."""
    entities = []
    for match in _AUTO_ENTITIES.finditer(text):
        kind = match.lastgroup
        assert kind is not None
        entities.append({"type": kind, "offset": utf16_len(text[: match.start()]), "length": utf16_len(match.group())})
    return entities


def check_entities(text: str, entities: Any) -> list[dict[str, Any]]:
    """Validate an explicit ``entities`` list against ``text`` the way the Bot API does."""
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    limit = utf16_len(text)
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise bad_request('can\'t parse MessageEntity: Field "type" must be of type String')
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request('can\'t parse MessageEntity: Field "offset" must be of type Number')
        if offset < 0 or length <= 0 or offset + length > limit:
            raise bad_request(f"entity beginning at UTF-16 offset {offset} ends after the end of the text")
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def check_length(text: str, *, caption: bool) -> None:
    """Telegram's length limits, counted in characters after entity parsing."""
    if caption and len(text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    if not caption and len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def byte_offset(source: str, index: int) -> int:
    """UTF-8 byte offset of ``source[index]``; TDLib reports markup errors in bytes."""
    return len(source[:index].encode("utf-8"))


def normalise_url(url: str) -> str | None:
    """A link target as Telegram stores it (scheme added), or ``None`` if there is none."""
    url = url.strip()
    if not url:
        return None
    return url if "://" in url or url.startswith("tg:") else f"http://{url}"


def utf16_slice(text: str, offset: int, length: int) -> str:
    """The part of ``text`` an entity covers (offsets in UTF-16 code units)."""
    encoded = text.encode("utf-16-le")
    return encoded[offset * 2 : (offset + length) * 2].decode("utf-16-le")
