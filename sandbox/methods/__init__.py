"""The Bot API methods the sandbox implements, looked up case-insensitively as Telegram does."""

from __future__ import annotations

from types import MappingProxyType

from sandbox.methods import chats, messages, updates
from sandbox.methods.common import Handler

# lower-cased name -> (canonical name, implementation)
METHODS: MappingProxyType[str, tuple[str, Handler]] = MappingProxyType(
    {
        name.lower(): (name, handler)
        for module in (chats, messages, updates)
        for name, handler in module.HANDLERS.items()
    }
)

__all__ = ["METHODS", "Handler"]
