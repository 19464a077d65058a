"""Posting to WeCom, DingTalk and Feishu custom group robots: plain aiohttp and the standard library's hmac.

No SDK: the three webhook APIs are one POST each (wechatpy's and dingtalkchatbot's last releases
are years old). This module signs (DingTalk: HMAC-SHA256 keyed by the secret over
``timestamp_ms + "\\n" + secret``, base64, URL-encoded in the query; Feishu: HMAC-SHA256 keyed by
``timestamp_s + "\\n" + secret`` over an empty message, base64, in the body), uploads WeCom files,
paces each robot under its platform's limits, and sorts the answer into what the outbox does next.
The webhook URL and the secret are credentials: neither is ever logged (``core.redact``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import Any, Protocol
from urllib.parse import quote_plus

import aiohttp

from core.pacing import SlidingPacer, Window
from core.redact import without_tokens
from services.robots.render import DINGTALK, FEISHU, WECOM, Payload

#: Each platform's documented limits per robot.
WINDOWS = {
    WECOM: (Window(20, 60.0),),
    DINGTALK: (Window(20, 60.0),),
    FEISHU: (Window(100, 60.0), Window(5, 1.0)),
}
#: The answer codes that mean "too fast" (handled like Telegram's 429), and how long to wait then:
#: DingTalk blocks a robot for 10 minutes once it is over its limit.
RATE_LIMITED = {WECOM: (45009, 60.0), DINGTALK: (130101, 600.0), FEISHU: (11232, 60.0)}
#: The answer codes that mean the key, token, signature or keyword is wrong: the target is broken.
BAD_CREDENTIALS = {
    WECOM: frozenset({93000, 40001}),
    DINGTALK: frozenset({300001, 310000, 400101}),
    FEISHU: frozenset({19001, 19021, 19022, 19024}),
}
SEND_TIMEOUT = 30.0


class Outcome(Enum):
    SENT = auto()
    RATE_LIMITED = auto()
    BROKEN = auto()
    RETRY = auto()  # a 5xx, a network error, no answer in time
    REJECTED = auto()  # the message itself was refused


@dataclass(frozen=True)
class Answer:
    """What the platform said: the outcome, its code, and its answer as text (for ``gridbot robot test``)."""

    outcome: Outcome
    code: int
    text: str
    retry_after: float = 0.0
    timed_out: bool = False


class Target(Protocol):
    """What a robot target must tell the client (``storage.models.RobotTarget`` does)."""

    @property
    def id(self) -> int | None: ...
    @property
    def platform(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def secret(self) -> str | None: ...


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def classify(platform: str, status: int, text: str, *, scale: float = 1.0) -> Answer:
    """Sort an HTTP answer: the platforms answer 200 with an error code in the JSON."""
    if status >= 500 or status == 429:
        return Answer(Outcome.RETRY, status, text)
    try:
        data: dict[str, Any] = json.loads(text)
        code = int(data.get("errcode", data.get("code", data.get("StatusCode", -1))))
    except (ValueError, TypeError, AttributeError):
        return Answer(Outcome.RETRY if status != 200 else Outcome.REJECTED, status, text)
    limited, wait = RATE_LIMITED[platform]
    if code == 0:
        return Answer(Outcome.SENT, 0, text)
    if code == limited:
        return Answer(Outcome.RATE_LIMITED, code, text, retry_after=wait * scale)
    if code in BAD_CREDENTIALS[platform]:
        return Answer(Outcome.BROKEN, code, text)
    return Answer(Outcome.REJECTED, code, text)


class RobotClient:
    """One HTTP session for every robot, and a pacer per robot; use as ``async with``.

    ``clock`` is unix seconds (signatures carry it, and the pacing counts on it); ``scale`` shortens
    the platforms' windows for benchmarks, as the fakes' ``scale`` does.
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.time, timeout: float = SEND_TIMEOUT, scale: float = 1.0
    ) -> None:
        self.clock = clock
        self.scale = scale
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._pacers: dict[int, SlidingPacer] = {}

    async def __aenter__(self) -> RobotClient:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _pacer(self, target: Target) -> SlidingPacer:
        key = target.id or 0
        if key not in self._pacers:
            windows = [Window(window.count, window.seconds * self.scale) for window in WINDOWS[target.platform]]
            self._pacers[key] = SlidingPacer(windows)
        return self._pacers[key]

    def wait(self, target: Target) -> float:
        """Seconds until ``target`` may take another message (0: now)."""
        now = self.clock()
        return max(self._pacer(target).free_at(now) - now, 0.0)

    async def send(self, target: Target, payload: Payload) -> Answer:
        """Post one stored payload; every answer (even a refusal) counts against the robot's windows."""
        assert self._session is not None, "use RobotClient as an async context manager"
        try:
            if "upload" in payload:
                answer, media_id = await self._upload(target, payload["upload"])
                if media_id is None:
                    return answer
                payload = {"body": {"msgtype": "file", "file": {"media_id": media_id}}}
            status, text = await self._post(target, dict(payload["body"]))
        except TimeoutError:
            return Answer(Outcome.RETRY, -1, "timeout", timed_out=True)
        except aiohttp.ClientError as exc:
            return Answer(Outcome.RETRY, -1, without_tokens(f"{type(exc).__name__}: {exc}"))
        self._pacer(target).took(self.clock())
        return classify(target.platform, status, text, scale=self.scale)

    async def _post(self, target: Target, body: dict[str, Any]) -> tuple[int, str]:
        assert self._session is not None
        url = target.url
        if target.secret and target.platform == DINGTALK:
            stamp = int(self.clock() * 1000)
            url += f"&timestamp={stamp}&sign={dingtalk_sign(target.secret, stamp)}"
        elif target.secret and target.platform == FEISHU:
            stamp = int(self.clock())
            body |= {"timestamp": str(stamp), "sign": feishu_sign(target.secret, stamp)}
        async with self._session.post(url, json=body) as response:
            return response.status, await response.text()

    async def _upload(self, target: Target, upload: dict[str, str]) -> tuple[Answer, str | None]:
        """WeCom's upload_media (a file message names its media_id): the answer, and the id if it worked."""
        assert self._session is not None
        url = target.url.replace("/webhook/send", "/webhook/upload_media") + "&type=file"
        form = aiohttp.FormData()
        form.add_field(
            "media", base64.b64decode(upload["content"]), filename=upload["filename"],
            content_type="application/octet-stream",
        )  # fmt: skip
        async with self._session.post(url, data=form) as response:
            status, text = response.status, await response.text()
        answer = classify(target.platform, status, text, scale=self.scale)
        media_id = json.loads(text).get("media_id") if answer.outcome is Outcome.SENT else None
        return answer, media_id
