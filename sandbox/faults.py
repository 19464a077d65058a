"""Scripted failures, for testing a bot's retry and timeout handling.

``inject(method, ...)`` makes the next ``count`` calls of a Bot API method fail
(or stall) in a chosen way before the normal processing would run.  A stall
with status 200 then processes the call normally -- which is what Telegram does
when the *client* gave up waiting: the message is sent anyway, and a naive
retry sends it twice.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from http import HTTPStatus

from sandbox.errors import ApiError, too_many_requests


@dataclass(frozen=True)
class InjectedFailure:
    status: int
    description: str | None = None
    retry_after: int | None = None
    delay: float | None = None

    @property
    def from_proxy(self) -> bool:
        """502/504 come from Telegram's nginx front, as an HTML page rather than JSON."""
        return self.status in (HTTPStatus.BAD_GATEWAY, HTTPStatus.GATEWAY_TIMEOUT)

    def error(self) -> ApiError:
        if self.status == HTTPStatus.TOO_MANY_REQUESTS:
            error = too_many_requests(self.retry_after or 1)
            if self.description:
                error.description = self.description
            return error
        description = self.description or HTTPStatus(self.status).phrase
        return ApiError(self.status, description, retry_after=self.retry_after)

    def proxy_page(self) -> str:
        phrase = f"{self.status} {HTTPStatus(self.status).phrase}"
        return (
            f"<html>\r\n<head><title>{phrase}</title></head>\r\n<body>\r\n"
            f"<center><h1>{phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
        )


class FailureInjector:
    def __init__(self) -> None:
        self._queued: dict[str, deque[InjectedFailure]] = {}

    def inject(self, method: str, failure: InjectedFailure, count: int) -> None:
        self._queued.setdefault(method.lower(), deque()).extend([failure] * count)

    def take(self, method: str) -> InjectedFailure | None:
        queued = self._queued.get(method.lower())
        return queued.popleft() if queued else None

    def clear(self) -> None:
        self._queued.clear()
