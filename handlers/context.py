"""Typed shared state for handlers: no string-keyed ``bot_data``, no module-level engines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from core.config import Settings
from storage.db import SessionFactory


@dataclass(frozen=True)
class Services:
    """Long-lived things every handler may need; created by the runner, which owns their life."""

    settings: Settings
    sessions: SessionFactory

    @property
    def admin_ids(self) -> frozenset[int]:
        return frozenset(self.settings.admins.user_ids)


class BotData:
    """PTB's ``bot_data``: holds the services once the application factory has wired them."""

    def __init__(self) -> None:
        self._services: Services | None = None

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
