"""Errors the sandbox answers with.

Bot API failures are modelled as one exception type carrying everything the
``{"ok": false, ...}`` envelope needs, so method implementations can simply
``raise`` wherever Telegram would refuse a request and the HTTP layer renders it
uniformly.  Descriptions are worded exactly as Telegram words them, because bots
(and PTB) match on them.
"""

from __future__ import annotations

from typing import Any, Literal

ChatKind = Literal["private", "group", "supergroup"]


class ApiError(Exception):
    """A refused Bot API request, rendered as Telegram's error envelope."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def envelope(self) -> dict[str, Any]:
        """The JSON body Telegram sends for this error."""
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    """``400 Bad Request: <detail>``, Telegram's answer to invalid input."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """``403 Forbidden: <detail>``, Telegram's answer when the bot may not act in a chat."""
    return ApiError(403, f"Forbidden: {detail}")


def too_many_requests(retry_after: int) -> ApiError:
    """``429`` with ``parameters.retry_after``, which PTB turns into ``RetryAfter``."""
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def chat_not_found() -> ApiError:
    return bad_request("chat not found")


def not_a_member(kind: ChatKind) -> ApiError:
    return forbidden(f"bot is not a member of the {kind} chat")


def kicked_from(kind: ChatKind) -> ApiError:
    return forbidden(f"bot was kicked from the {kind} chat")


class ControlError(Exception):
    """A misuse of the control API (a test bug, not a bot bug), answered with ``status``."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
