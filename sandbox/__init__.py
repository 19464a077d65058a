"""A local, protocol-faithful stand-in for the Telegram Bot API.

Tests and the offline demo point the real PTB ``Application`` at it
(``base_url=<url>/bot``, ``base_file_url=<url>/file/bot``) and drive simulated
users through the control API.  See :mod:`sandbox.server` and
:mod:`sandbox.client`.
"""

from sandbox.client import SandboxClient, SandboxError
from sandbox.limits import RateLimits
from sandbox.models import (
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
from sandbox.server import DEFAULT_TOKEN, RunningSandbox, create_app, running_sandbox
from sandbox.state import SandboxState
from sandbox.webhook import WebhookPolicy

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
