"""A local, protocol-faithful stand-in for the Telegram Bot API.

Tests and the offline demo point the real PTB ``Application`` at it
(``base_url=<url>/bot``, ``base_file_url=<url>/file/bot``) and drive simulated
users through the control API.  See :mod:`bot.sandbox.server` and
:mod:`bot.sandbox.client`.
"""

from bot.sandbox.client import SandboxClient, SandboxError
from bot.sandbox.limits import RateLimits
from bot.sandbox.models import (
    ApiCall,
    BotMessage,
    CallbackAnswer,
    Chat,
    CommandSet,
    FileInfo,
    Reaction,
    SentMessage,
    TranscriptEvent,
    User,
)
from bot.sandbox.server import DEFAULT_TOKEN, RunningSandbox, create_app, running_sandbox
from bot.sandbox.state import SandboxState
from bot.sandbox.webhook import WebhookPolicy

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "BotMessage",
    "CallbackAnswer",
    "Chat",
    "CommandSet",
    "FileInfo",
    "RateLimits",
    "Reaction",
    "RunningSandbox",
    "SandboxClient",
    "SandboxError",
    "SandboxState",
    "SentMessage",
    "TranscriptEvent",
    "User",
    "WebhookPolicy",
    "create_app",
    "running_sandbox",
]
