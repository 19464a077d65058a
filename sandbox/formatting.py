"""Turn a bot's ``text``/``caption`` + ``parse_mode``/``entities`` into what Telegram stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sandbox.errors import bad_request
from sandbox.html import EntityParseError, parse_html
from sandbox.markdown import parse_markdown, parse_markdown_v2
from sandbox.text import check_entities, check_length, detect_entities

_PARSERS: dict[str, Callable[[str], tuple[str, list[dict[str, Any]]]]] = {
    "html": parse_html,
    "markdownv2": parse_markdown_v2,
    "markdown": parse_markdown,
}


def _with_auto_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add the URLs, mentions, hashtags and commands Telegram detects, where no markup is."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities]
    extra = [
        auto
        for auto in detect_entities(text)
        if all(auto["offset"] + auto["length"] <= start or auto["offset"] >= end for start, end in taken)
    ]
    return sorted(entities + extra, key=lambda e: (e["offset"], -e["length"]))


def format_text(
    raw: str | None, parse_mode: str | None, entities: Any, *, caption: bool
) -> tuple[str, list[dict[str, Any]]]:
    """Return the stored text and entities, or raise Telegram's 400 for bad input.

    ``entities`` (already JSON-decoded, or ``None``) wins over ``parse_mode`` as in
    the Bot API.  A caption may be empty; a message text may not.
    """
    raw = raw or ""
    if entities is not None:
        text, parsed = raw, check_entities(raw, entities)
    elif parse_mode:
        parser = _PARSERS.get(parse_mode.lower())
        if parser is None:
            raise bad_request(f"unsupported parse_mode {parse_mode!r}")
        try:
            text, parsed = parser(raw)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
    else:
        text, parsed = raw, []
    if not caption and not text.strip():
        raise bad_request("message text is empty")
    check_length(text, caption=caption)
    return text, _with_auto_entities(text, parsed)
