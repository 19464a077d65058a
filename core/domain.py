"""The domain's fixed vocabulary and clock, shared by every layer.

``storage.models`` stores these enumerations in its columns; handlers and services name them from
here, so that a handler can read a unit's level or an order's status without importing storage.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC so both databases agree."""
    return datetime.now(UTC)


class UnitLevel(StrEnum):
    TOWN = "town"
    VILLAGE = "village"
    GRID = "grid"


class BindingStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"
    #: Telegram refused a scheduled message (403): the bot was removed without our noticing.
    BROKEN = "broken"


class OrderStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
