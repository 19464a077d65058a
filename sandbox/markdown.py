"""Telegram's ``parse_mode=MarkdownV2`` and legacy ``Markdown``, as TDLib parses them.

Mirrors ``parse_markdown_v2`` / ``parse_markdown`` in td/telegram/MessageEntity.cpp:
the reserved-character rule of MarkdownV2 (every ``_*[]()~`>#+-=|{}.!`` outside
an entity must be escaped with ``\\``) is the error bots hit most, so its wording
and byte offsets match Telegram's.  Blockquotes (``>`` at a line start) are
supported as single or consecutive quoted lines; custom emoji are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.html import EntityParseError
from sandbox.text import SPACE, byte_offset, normalise_url, utf16_len

_V2_RESERVED = "_*[]()~`>#+-=|{}.!"
# TDLib names entity types like this in "Can't find end of ... entity" errors.
_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


def _reserved(char: str) -> EntityParseError:
    return EntityParseError(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")


def _skip_pre_language(src: str, i: int) -> tuple[int, str]:
    """After an opening ```, read an optional language word and one leading newline."""
    end = i
    while end < len(src) and src[end] not in SPACE and src[end] != "`":
        end += 1
    language = ""
    if end != i and end < len(src) and src[end] != "`":
        language, i = src[i:end], end
    if i < len(src) and src[i] in "\r\n":
        i += 2 if i + 1 < len(src) and src[i + 1] in "\r\n" and src[i] != src[i + 1] else 1
    return i, language


@dataclass
class _Open:
    type: str
    offset: int  # UTF-16 offset in the output
    index: int  # code-point index in the output
    byte_offset: int  # where the markup started in the source
    language: str = ""


class _V2Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.out: list[str] = []
        self.offset = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []
        self.quote_start: int | None = None  # UTF-16 offset where the current blockquote began

    def char(self, k: int = 0) -> str:
        j = self.i + k
        return self.src[j] if j < len(self.src) else ""

    def emit(self, char: str) -> None:
        self.out.append(char)
        self.offset += utf16_len(char)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        while self.i < len(self.src):
            self.step()
            self.i += 1
        self.end_quote()
        if self.stack:
            top = self.stack[-1]
            name = "PreCode" if top.language else _TYPE_NAMES[top.type]
            raise EntityParseError(f"Can't find end of {name} entity at byte offset {top.byte_offset}")
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def at_line_start(self) -> bool:
        return self.i == 0 or self.src[self.i - 1] == "\n"

    def end_quote(self) -> None:
        if self.quote_start is not None:
            # The quote covers its lines without the final newline.
            end = self.offset - (1 if self.out and self.out[-1] == "\n" else 0)
            if end > self.quote_start:
                self.entities.append(
                    {"type": "blockquote", "offset": self.quote_start, "length": end - self.quote_start}
                )
            self.quote_start = None

    def step(self) -> None:
        c = self.char()
        if c == "\\" and self.char(1) and ord(self.char(1)) <= 126:
            self.i += 1
            self.emit(self.char())
            return
        if self.at_line_start() and not self.stack:
            if c == ">":
                if self.quote_start is None:
                    self.quote_start = self.offset
                return
            self.end_quote()
        in_code = bool(self.stack) and self.stack[-1].type in ("code", "pre")
        if c not in ("`" if in_code else _V2_RESERVED):
            self.emit(c)
            return
        if self.stack and self.closes(self.stack[-1].type):
            self.close()
        else:
            self.open()

    def closes(self, kind: str) -> bool:
        c, nxt = self.char(), self.char(1)
        return {
            "bold": c == "*",
            "italic": c == "_" and nxt != "_",
            "underline": c == "_" and nxt == "_",
            "strikethrough": c == "~",
            "spoiler": c == "|" and nxt == "|",
            "code": c == "`",
            "pre": c == "`" and nxt == "`" and self.char(2) == "`",
            "text_link": c == "]",
        }[kind]

    def open(self) -> None:
        c = self.char()
        start = byte_offset(self.src, self.i)
        language = ""
        if c == "_" and self.char(1) == "_":
            kind = "underline"
            self.i += 1
        elif c == "|" and self.char(1) == "|":
            kind = "spoiler"
            self.i += 1
        elif c == "`" and self.char(1) == "`" and self.char(2) == "`":
            kind = "pre"
            self.i, language = _skip_pre_language(self.src, self.i + 3)
            self.i -= 1
        else:
            kinds = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link", "`": "code"}
            if c not in kinds:
                raise _reserved(c)
            kind = kinds[c]
        self.stack.append(_Open(kind, self.offset, len(self.out), start, language))

    def close(self) -> None:
        top = self.stack.pop()
        entity: dict[str, Any] = {"type": top.type, "offset": top.offset, "length": self.offset - top.offset}
        if top.type in ("underline", "spoiler"):
            self.i += 1
        elif top.type == "pre":
            self.i += 2
            if top.language:
                entity["language"] = top.language
        elif top.type == "text_link":
            url = self.link_target(top)
            if url is None:
                return
            entity["url"] = url
        if entity["length"] > 0:
            self.entities.append(entity)

    def link_target(self, top: _Open) -> str | None:
        if self.char(1) != "(":
            return normalise_url("".join(self.out[top.index :]))
        self.i += 2
        begin = byte_offset(self.src, self.i)
        url: list[str] = []
        while self.i < len(self.src) and self.char() != ")":
            if self.char() == "\\" and self.char(1) and ord(self.char(1)) <= 126:
                self.i += 1
            url.append(self.char())
            self.i += 1
        if self.i >= len(self.src):
            raise EntityParseError(f"Can't find end of a URL at byte offset {begin}")
        return normalise_url("".join(url))


def parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse MarkdownV2 into ``(text, entities)`` or raise :class:`EntityParseError`."""
    return _V2Parser(source).run()


def parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse legacy Markdown (``*bold*``, ``_italic_``, ```` `code` ````, ``[text](url)``)."""
    out: list[str] = []
    offset = 0
    entities: list[dict[str, Any]] = []
    i, size = 0, len(source)
    while i < size:
        c = source[i]
        if c == "\\" and i + 1 < size and source[i + 1] in "_*`[":
            out.append(source[i + 1])
            offset += 1
            i += 2
            continue
        if c not in "_*`[":
            out.append(c)
            offset += utf16_len(c)
            i += 1
            continue
        begin = byte_offset(source, i)
        end_char = "]" if c == "[" else c
        is_pre = source.startswith("```", i)
        language = ""
        i += 1
        if is_pre:
            i, language = _skip_pre_language(source, i + 2)
        content_start = i
        while i < size and (source[i] != end_char or (is_pre and not source.startswith("```", i))):
            i += 1
        if i >= size:
            raise EntityParseError(f"Can't find end of the entity starting at byte offset {begin}")
        content = source[content_start:i]
        entity: dict[str, Any] = {"offset": offset, "length": utf16_len(content)}
        if c == "[":
            url = content
            if source.startswith("(", i + 1):
                close = source.find(")", i + 2)
                if close < 0:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {byte_offset(source, i + 2)}")
                url, i = source[i + 2 : close], close
            entity.update(type="text_link", url=normalise_url(url))
        elif c == "`":
            entity["type"] = "pre" if is_pre else "code"
            if language:
                entity["language"] = language
        else:
            entity["type"] = "bold" if c == "*" else "italic"
        if entity["length"] > 0 and entity.get("url", "") is not None:  # links need a valid target
            entities.append(entity)
        out.append(content)
        offset += utf16_len(content)
        i += 3 if is_pre else 1
    return "".join(out), entities
