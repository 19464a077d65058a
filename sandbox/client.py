"""Typed async client for the sandbox's control API.

Usable from tests and the demo against a sandbox in the same process or
elsewhere::

    async with SandboxClient(sandbox.url) as tg:
        alice = await tg.create_user(first_name="张三")
        sent = await tg.send_message(user_id=alice.id, chat_id=alice.id, text="/start")
        reply = await tg.wait_for_event(kind="bot_message", chat_id=alice.id)
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp

from sandbox.limits import RateLimits
from sandbox.models import (
    ApiCall,
    BotMessage,
    CallbackAnswer,
    Chat,
    CommandSet,
    Reaction,
    SentMessage,
    TranscriptEvent,
    User,
)


class SandboxError(Exception):
    """The control API refused a request (usually a mistake in the test itself)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status


class SandboxClient:
    """Drive the simulated users and inspect what the bot did.

    Pass a ``session`` to share one; otherwise the client owns and closes its own.
    """

    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        self._base = base_url.rstrip("/") + "/control"
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        async with self._http().request(method, f"{self._base}/{path}", **kwargs) as response:
            try:
                body = await response.json(content_type=None)
            except ValueError:
                raise SandboxError(response.status, await response.text()) from None
        if not body.get("ok"):
            raise SandboxError(response.status, body.get("error", "unknown error"))
        return body["result"]

    async def _act(self, action: str, **arguments: Any) -> Any:
        return await self._call("POST", action, json={k: v for k, v in arguments.items() if v is not None})

    async def _read(self, what: str, **query: Any) -> Any:
        return await self._call("GET", what, params={k: str(v) for k, v in query.items() if v is not None})

    # -- users and groups -----------------------------------------------------------------------

    async def create_user(
        self,
        *,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str = "zh-hans",
        user_id: int | None = None,
    ) -> User:
        return User.from_json(
            await self._act(
                "create_user",
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
                user_id=user_id,
            )
        )

    async def create_group(
        self,
        *,
        title: str,
        members: list[int] | None = None,
        admins: list[int] | None = None,
        kind: Literal["group", "supergroup"] = "supergroup",
    ) -> Chat:
        """A group without the bot; the first admin is its creator."""
        return Chat.from_json(await self._act("create_group", title=title, members=members, admins=admins, kind=kind))

    async def add_member(self, chat_id: int, user_id: int, *, by: int | None = None) -> SentMessage:
        """Emits the ``new_chat_members`` service message (and ``chat_member`` to admin bots that asked)."""
        return SentMessage.from_json(await self._act("add_member", chat_id=chat_id, user_id=user_id, by=by))

    async def remove_member(self, chat_id: int, user_id: int, *, by: int | None = None) -> SentMessage:
        """``by=None``: the user leaves; otherwise admin ``by`` bans them."""
        return SentMessage.from_json(await self._act("remove_member", chat_id=chat_id, user_id=user_id, by=by))

    async def add_bot_to_group(self, chat_id: int, *, by: int, as_admin: bool = False) -> SentMessage:
        """Emits ``my_chat_member`` then the service message; returns the latter."""
        return SentMessage.from_json(await self._act("add_bot_to_group", chat_id=chat_id, by=by, as_admin=as_admin))

    async def remove_bot_from_group(self, chat_id: int, *, by: int) -> int | None:
        """Returns the ``my_chat_member`` update id; sends to the chat then fail with 403."""
        result: int | None = await self._act("remove_bot_from_group", chat_id=chat_id, by=by)
        return result

    async def set_bot_admin(self, chat_id: int, admin: bool) -> int | None:
        result: int | None = await self._act("set_bot_admin", chat_id=chat_id, admin=admin)
        return result

    async def block_bot(self, user_id: int) -> int | None:
        result: int | None = await self._act("block_bot", user_id=user_id)
        return result

    async def unblock_bot(self, user_id: int) -> int | None:
        result: int | None = await self._act("unblock_bot", user_id=user_id)
        return result

    # -- messages and buttons -------------------------------------------------------------------

    async def send_message(
        self,
        *,
        user_id: int,
        chat_id: int,
        text: str,
        reply_to: int | None = None,
        sender_chat_id: int | None = None,
    ) -> SentMessage:
        """A user writes; ``chat_id == user_id`` is their private chat with the bot."""
        return SentMessage.from_json(
            await self._act(
                "send_message",
                user_id=user_id,
                chat_id=chat_id,
                text=text,
                reply_to=reply_to,
                sender_chat_id=sender_chat_id,
            )
        )

    async def share_contact(self, *, user_id: int, chat_id: int, phone_number: str) -> SentMessage:
        """A user shares their own contact (``message.contact.user_id`` is theirs)."""
        return SentMessage.from_json(
            await self._act("share_contact", user_id=user_id, chat_id=chat_id, phone_number=phone_number)
        )

    async def edit_message(self, *, chat_id: int, message_id: int, text: str) -> int | None:
        """Returns the ``edited_message`` update id (``None`` if the bot won't see it)."""
        result: int | None = await self._act("edit_message", chat_id=chat_id, message_id=message_id, text=text)
        return result

    async def press_button(self, *, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """Returns the callback query id."""
        result: str = await self._act(
            "press_button", user_id=user_id, chat_id=chat_id, message_id=message_id, data=data
        )
        return result

    async def forge_press(self, *, user_id: int, chat_id: int, message_id: int, data: str) -> str:
        """A modified client's press of a button on ``message_id`` with any 1-64 bytes of ``data``."""
        result: str = await self._act("forge_press", user_id=user_id, chat_id=chat_id, message_id=message_id, data=data)
        return result

    async def redeliver(self, update_id: int) -> None:
        await self._act("redeliver", update_id=update_id)

    # -- what the bot did -----------------------------------------------------------------------

    async def bot_messages(self, chat_id: int | None = None) -> list[BotMessage]:
        return [BotMessage.from_json(m) for m in await self._read("bot_messages", chat_id=chat_id)]

    async def reactions(self, chat_id: int | None = None) -> list[Reaction]:
        return [Reaction.from_json(r) for r in await self._read("reactions", chat_id=chat_id)]

    async def callback_answers(self) -> list[CallbackAnswer]:
        return [CallbackAnswer.from_json(a) for a in await self._read("callback_answers")]

    async def commands(self) -> list[CommandSet]:
        return [CommandSet.from_json(c) for c in await self._read("commands")]

    async def calls(self, method: str | None = None) -> list[ApiCall]:
        return [ApiCall.from_json(c) for c in await self._read("calls", method=method)]

    async def transcript(self, after_seq: int = 0, *, timeout: float = 0) -> list[TranscriptEvent]:
        """Events after ``after_seq``; with ``timeout`` waits until at least one exists."""
        events = await self._read("transcript", after=after_seq, timeout=timeout)
        return [TranscriptEvent.from_json(e) for e in events]

    async def wait_for_event(
        self,
        *,
        kind: str | None = None,
        chat_id: int | None = None,
        after_seq: int = 0,
        timeout: float = 5.0,
    ) -> TranscriptEvent:
        """The first transcript event after ``after_seq`` matching ``kind``/``chat_id``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (remaining := deadline - loop.time()) > 0:
            for event in await self.transcript(after_seq, timeout=remaining):
                if kind in (None, event.kind) and chat_id in (None, event.chat_id):
                    return event
                after_seq = event.seq
        raise TimeoutError(f"no {kind or 'event'} in chat {chat_id} within {timeout}s")

    async def pending_updates(self) -> int:
        result: int = await self._read("pending_updates")
        return result

    async def wait_until_idle(self, timeout: float = 5.0, *, settle: float = 0.05) -> None:
        """Return once every update is confirmed and the bot's API traffic settled.

        Raises :class:`TimeoutError` otherwise.  See
        :meth:`SandboxState.wait_until_idle` for what "idle" can and cannot promise.
        """
        if not await self._act("wait_until_idle", timeout=timeout, settle=settle):
            raise TimeoutError(f"bot not idle after {timeout}s ({await self.pending_updates()} updates pending)")

    # -- test control ---------------------------------------------------------------------------

    async def set_rate_limits(self, limits: RateLimits) -> None:
        await self._act("set_rate_limits", **limits.to_json())

    async def inject_failures(
        self,
        method: str,
        *,
        status: int,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
        delay: float | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` fail with ``status`` after ``delay`` s.

        ``status=200`` with a ``delay`` stalls the call and then performs it, like a
        Telegram answer that arrives after the client's timeout.
        """
        await self._act(
            "inject_failures",
            method=method,
            status=status,
            count=count,
            retry_after=retry_after,
            description=description,
            delay=delay,
        )

    async def reset(self) -> None:
        await self._act("reset")
