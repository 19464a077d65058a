"""Typed shared state for handlers: no string-keyed ``bot_data``, no module-level engines."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot

from core.config import Settings
from core.domain import utcnow
from storage.db import SessionFactory

T = TypeVar("T")
R = TypeVar("R")


class StoredThenAnswered(Protocol):
    """A handler's ordered work, as the intake runs it (``bot.intake.stored_then_answered``):
    ``store`` ``item`` with the batch it joins under ``key`` (the chat's next update may start at
    once), then ``answer`` the result while holding one of the few places for talking to Telegram."""

    async def __call__(
        self,
        key: Hashable,
        store: Callable[[list[T]], Awaitable[Sequence[R]]],
        item: T,
        answer: Callable[[R], Awaitable[None]],
        /,
    ) -> None: ...


@dataclass(frozen=True)
class Services:
    """Long-lived things every handler may need; created by the runner, which owns their life."""

    settings: Settings
    sessions: SessionFactory
    #: Given by the runner, so that handlers reach the intake without importing the edge.
    stored_then_answered: StoredThenAnswered
    #: What handlers stamp actions with (a confirmation, a delivery): the wall clock, or the demo's day.
    clock: Callable[[], datetime] = field(default=utcnow)
    #: Set when something was written to the outbox that is due now: the sender looks at once.
    outbox_due: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def admin_ids(self) -> frozenset[int]:
        return frozenset(self.settings.admins.user_ids)


class BotData:
    """PTB's ``bot_data``: holds the services once the application factory has wired them."""

    def __init__(self) -> None:
        self._services: Services | None = None
        #: Handler calls that failed on Telegram's side (5xx, network, timeouts) since start.
        self.telegram_failures = 0

    def wire(self, services: Services) -> None:
        self._services = services

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("application used before build_application() wired its services")
        return self._services


class GridContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context every gridbot callback receives."""

    @property
    def services(self) -> Services:
        return self.bot_data.services


GridApplication = Application[ExtBot[None], GridContext, dict[Any, Any], dict[Any, Any], BotData, Any]
