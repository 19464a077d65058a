"""Telegram's ``parse_mode=HTML``: plain text plus message entities, or the exact error.

This follows TDLib's ``parse_html`` (td/telegram/MessageEntity.cpp), which is what
the Bot API server runs: the same tag set, the same attribute grammar, the same
error texts with UTF-8 *byte* offsets, entity offsets in UTF-16 code units.

One deliberate deviation: TDLib keeps a bare ``&`` that starts no entity as a
literal character.  The Bot API documentation says every ``&`` outside an entity
*must* be written ``&amp;``, and a bot that forgets to escape user input in one
place usually forgets ``<`` too, so the sandbox rejects it to surface the bug.
Inside attribute values a bare ``&`` stays allowed (URLs are full of them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.text import SPACE, byte_offset, normalise_url, utf16_len

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip
_SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}


class EntityParseError(Exception):
    """Malformed markup; the message is TDLib's text, without the Bot API prefix."""


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output where the tag's content starts
    index: int  # the same position counted in code points, to slice the output


@dataclass
class _Entity:
    type: str
    offset: int
    length: int
    fields: dict[str, str]
    language: str = ""  # of a <code> block, which a surrounding <pre> adopts

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "offset": self.offset, "length": self.length, **self.fields}


def _decode_entity(source: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference at ``source[pos] == '&'`` as TDLib does.

    Returns the character and the position after the reference (the ``;`` is
    optional), or ``None`` when no supported reference starts here.
    """
    end = pos + 1
    if source.startswith("#", end):
        end += 1
        hexadecimal = source.startswith("x", end)
        if hexadecimal:
            end += 1
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(source) and source[end] in digits:
            end += 1
        code = int(source[start:end], 16 if hexadecimal else 10) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        char = chr(code)
    else:
        while end < len(source) and source[end].isascii() and source[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(source[pos + 1 : end])
        if named is None:
            return None
        char = named
    if source.startswith(";", end):
        end += 1
    return char, end


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out: list[str] = []  # one code point per item
        self.offset = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[_Entity] = []

    def at_end(self) -> bool:
        return self.i >= len(self.src)

    def peek(self) -> str:
        return "" if self.at_end() else self.src[self.i]

    def skip_spaces(self) -> None:
        while not self.at_end() and self.src[self.i] in SPACE:
            self.i += 1

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.offset += utf16_len(char)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        while not self.at_end():
            char = self.src[self.i]
            if char == "&":
                decoded = _decode_entity(self.src, self.i)
                if decoded is None:
                    raise EntityParseError(
                        f'Character "&" must be escaped as "&amp;" at byte offset {byte_offset(self.src, self.i)}'
                    )
                if 0xD800 <= ord(decoded[0]) <= 0xDFFF:
                    raise EntityParseError(
                        "Text contains invalid Unicode characters after decoding HTML entities, "
                        "check for unmatched surrogate code units"
                    )
                self.emit(decoded[0])
                self.i = decoded[1]
            elif char == "<":
                self.tag()
            else:
                self.emit(char)
                self.i += 1
        if self.stack:
            raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"')
        self.entities.sort(key=lambda e: (e.offset, -e.length))
        return "".join(self.out), [entity.to_json() for entity in self.entities]

    def tag(self) -> None:
        begin = byte_offset(self.src, self.i)
        self.i += 1
        if self.peek() == "/":
            self.i += 1
            self.end_tag(begin)
        else:
            self.start_tag(begin)

    def read_name(self) -> str:
        start = self.i
        while not self.at_end() and self.src[self.i] not in SPACE and self.src[self.i] != ">":
            self.i += 1
        return self.src[start : self.i].lower()

    def start_tag(self, begin: int) -> None:
        name = self.read_name()
        if self.at_end():
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        if name not in _TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        argument = ""
        while self.peek() != ">":
            self.skip_spaces()
            if self.peek() == ">":
                break
            attribute, value = self.attribute(name, begin)
            if name == "a" and attribute == "href":
                argument = value
            elif name == "code" and attribute == "class" and value.startswith("language-"):
                argument = value.removeprefix("language-")
            elif name == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value.removeprefix("tg-")
            elif name == "tg-emoji" and attribute == "emoji-id":
                argument = value
            elif name == "blockquote" and attribute == "expandable":
                argument = "expandable"
        if name == "span" and argument != "spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.i += 1
        self.stack.append(_OpenTag(name, argument, self.offset, len(self.out)))

    def attribute(self, tag: str, begin: int) -> tuple[str, str]:
        start = self.i
        while not self.at_end() and self.src[self.i] not in SPACE and self.src[self.i] not in "=>":
            self.i += 1
        attribute = self.src[start : self.i].lower()
        if not attribute:
            raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        self.skip_spaces()
        if self.peek() != "=":
            if tag == "blockquote" and attribute == "expandable":
                return attribute, ""  # the one valueless attribute the Bot API documents
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {begin}'
            )
        self.i += 1
        self.skip_spaces()
        if self.at_end():
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        quote = self.peek()
        if quote in "'\"":
            value = self.quoted_value(quote)
        else:
            token = self.i
            while not self.at_end() and (self.src[self.i].isalnum() or self.src[self.i] in ".-"):
                self.i += 1
            value = self.src[token : self.i].lower()
            if self.at_end() or self.peek() not in SPACE + ">":
                raise EntityParseError(f"Unexpected end of name token at byte offset {byte_offset(self.src, token)}")
        if self.at_end():
            raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
        return attribute, value

    def quoted_value(self, quote: str) -> str:
        self.i += 1
        value: list[str] = []
        while not self.at_end() and self.src[self.i] != quote:
            decoded = _decode_entity(self.src, self.i) if self.src[self.i] == "&" else None
            if decoded is None:
                value.append(self.src[self.i])
                self.i += 1
            else:
                value.append(decoded[0])
                self.i = decoded[1]
        if not self.at_end():
            self.i += 1
        return "".join(value)

    def end_tag(self, begin: int) -> None:
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
        name = self.read_name()
        self.skip_spaces()
        if self.peek() != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
        self.i += 1
        opened = self.stack.pop()
        if name and name != opened.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {begin}, expected "</{opened.name}>", found "</{name}>"'
            )
        length = self.offset - opened.offset
        if length > 0:
            self.close_entity(opened, length)

    def close_entity(self, tag: _OpenTag, length: int) -> None:
        entity = _Entity("", tag.offset, length, {})
        if tag.name in _SIMPLE_TYPES:
            entity.type = _SIMPLE_TYPES[tag.name]
        elif tag.name == "a":
            url = normalise_url(tag.argument or "".join(self.out[tag.index :]))
            if url is None:
                return
            entity.type, entity.fields = "text_link", {"url": url}
        elif tag.name == "code":
            entity.type, entity.language = "code", tag.argument
        elif tag.name == "pre":
            last = self.entities[-1] if self.entities else None
            if last and last.type == "code" and last.language and (last.offset, last.length) == (tag.offset, length):
                last.type, last.fields = "pre", {"language": last.language}
                return
            entity.type = "pre"
        elif tag.name == "blockquote":
            entity.type = "expandable_blockquote" if tag.argument else "blockquote"
        else:  # tg-emoji
            entity.type, entity.fields = "custom_emoji", {"custom_emoji_id": tag.argument}
        self.entities.append(entity)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into ``(text, entities)`` or raise :class:`EntityParseError`."""
    return _Parser(source).run()
