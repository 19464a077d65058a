"""A Telegram group's message as each group robot takes it: pure functions of an ``OutgoingMessage``.

A robot target mirrors its unit's Telegram group, so it reads exactly what that group reads (the
same masking: names as ``mask_name`` left them, no phone, the village-group form of an alert),
rendered from the same HTML: WeCom markdown split under 4096 bytes at line boundaries, the chart
as an image message (base64 + md5) and the ledger as a file message (uploaded when sent); DingTalk
markdown; Feishu a post (rich text). DingTalk and Feishu robots cannot take files: where
``[robots] public_url`` is set the chart and ledger reach them as a link (a markdown message, a
post with an ``a`` element) to the bot's own server (``bot.files``), otherwise not at all (the
digest's text only). Buttons are left out: nobody can press them in a robot's group.

A payload is what the outbox stores for one robot message: ``{"body": <the platform's JSON>}``,
or ``{"upload": {"filename", "content"}}`` for a WeCom file (uploaded, then sent by its media_id),
or ``{"share": {"filename", "media_type", "caption", "content"}}`` for a DingTalk or Feishu file
(stored as a ``SharedFile`` when sent, then posted as ``link_body``).
Signing is added when it is sent (``services.robots.client``): a timestamp must be fresh.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html import unescape
from typing import Any

from core.formatting import plain, split_message, utf8_size
from services.messages_out import MessageKind, OutgoingMessage

WECOM, DINGTALK, FEISHU = "wecom", "dingtalk", "feishu"
PLATFORMS = (WECOM, DINGTALK, FEISHU)
#: WeCom refuses markdown over 4096 bytes; DingTalk and Feishu bodies over about 20 KB (JSON and
#: signature included): the text parts stay well below.
TEXT_LIMITS = {WECOM: 4000, DINGTALK: 12000, FEISHU: 8000}

Payload = dict[str, Any]
#: A shared file's Content-Type by its message kind (a ledger is an xlsx, a chart a PNG).
MEDIA_TYPES = {
    MessageKind.PHOTO: "image/png",
    MessageKind.DOCUMENT: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

_BOLD = re.compile(r"</?b>")
_ITALIC = re.compile(r"</?i>")
_CODE = re.compile(r"</?code>")
_LINK = re.compile(r'<a href="(?P<href>[^"]*)">(?P<text>.*?)</a>')
_TAG = re.compile(r"<[^>]+>")


def markdown(html: str) -> str:
    """Telegram's HTML subset as the markdown WeCom and DingTalk read: bold, italic, code, links."""
    text = _LINK.sub(lambda match: f"[{match['text']}]({unescape(match['href'])})", html)
    text = _CODE.sub("`", _ITALIC.sub("*", _BOLD.sub("**", text)))
    return unescape(_TAG.sub("", text))


def _post_line(html: str) -> list[dict[str, str]]:
    """One line of a Feishu post: text runs and links."""
    elements: list[dict[str, str]] = []
    position = 0
    for match in _LINK.finditer(html):
        if match.start() > position:
            elements.append({"tag": "text", "text": plain(html[position : match.start()])})
        elements.append({"tag": "a", "text": plain(match["text"]), "href": unescape(match["href"])})
        position = match.end()
    if position < len(html) or not elements:
        elements.append({"tag": "text", "text": plain(html[position:])})
    return elements


def _text_bodies(platform: str, html: str) -> list[Payload]:
    lines = html.split("\n")
    title = plain(lines[0])[:64]
    if platform == FEISHU:
        parts = split_message(lines, TEXT_LIMITS[FEISHU], utf8_size)
        return [
            {
                "msg_type": "post",
                "content": {
                    "post": {"zh_cn": {"title": title, "content": [_post_line(line) for line in part.split("\n")]}}
                },
            }
            for part in parts
        ]
    parts = split_message([markdown(line) for line in lines], TEXT_LIMITS[platform], utf8_size)
    if platform == WECOM:
        return [{"msgtype": "markdown", "markdown": {"content": part}} for part in parts]
    return [{"msgtype": "markdown", "markdown": {"title": title, "text": part}} for part in parts]


def link_body(platform: str, *, caption: str, filename: str, url: str) -> Payload:
    """A DingTalk or Feishu message that links to a shared file: its caption, then the link."""
    title = plain(caption)[:64] or filename
    if platform == FEISHU:
        line = [{"tag": "a", "text": filename, "href": url}]
        return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": title, "content": [line]}}}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": f"{markdown(caption)}\n\n[{filename}]({url})"}}


def _share(message: OutgoingMessage, content: bytes) -> Payload:
    media_type = MEDIA_TYPES.get(message.kind, "application/octet-stream")
    return {
        "share": {
            "filename": message.filename,
            "media_type": media_type,
            "caption": message.caption,
            "content": base64.b64encode(content).decode("ascii"),
        }
    }


def payloads(platform: str, message: OutgoingMessage, *, links: bool = False) -> list[Payload]:
    """The robot messages that carry ``message`` on ``platform``: a file DingTalk or Feishu cannot
    take as a link where ``links`` (a public base URL is set), otherwise none."""
    if message.kind is MessageKind.TEXT:
        return [{"body": body} for body in _text_bodies(platform, message.text)]
    if message.content is None:
        return []
    if platform != WECOM:
        return [_share(message, message.content)] if links else []
    if message.kind is MessageKind.PHOTO:
        image = {
            "base64": base64.b64encode(message.content).decode("ascii"),
            "md5": hashlib.md5(message.content).hexdigest(),
        }
        return [{"body": {"msgtype": "image", "image": image}}]
    content = base64.b64encode(message.content).decode("ascii")
    return [{"upload": {"filename": message.filename, "content": content}}]
