"""The bot's pending update queue with Telegram's confirmation semantics.

Telegram keeps an update until the bot confirms it: ``getUpdates`` with an
``offset`` forgets every update whose id is lower, for good; a webhook
acknowledges with a 2xx.  Which update types are queued at all is decided when
the update is created, by the last ``allowed_updates`` the bot sent -- hence
"this parameter doesn't affect updates created before the call".
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sandbox.errors import ControlError
from sandbox.models import JSON

# Telegram's default when allowed_updates was never set (or set to []).
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class QueuedUpdate:
    update_id: int
    kind: str
    payload: JSON
    # Put back by redeliver(): returned once more even though its id is below
    # the offset the bot already confirmed, as after a crash before confirming.
    redelivered: bool = False
    webhook_attempts: int = 0

    def to_json(self) -> JSON:
        return {"update_id": self.update_id, self.kind: self.payload}


class UpdateQueue:
    def __init__(self, first_update_id: int) -> None:
        self._next_id = first_update_id
        self._pending: list[QueuedUpdate] = []  # sorted by update_id
        self._history: dict[int, QueuedUpdate] = {}
        self.allowed: frozenset[str] | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def set_allowed(self, allowed: Any) -> None:
        """Apply an ``allowed_updates`` parameter (``[]`` restores the default)."""
        self.allowed = frozenset(allowed) if allowed else None

    def accepts(self, kind: str) -> bool:
        return kind not in DEFAULT_EXCLUDED if self.allowed is None else kind in self.allowed

    def push(self, kind: str, payload: JSON) -> int | None:
        """Queue an update if its type is allowed; return its id (ids are never reused)."""
        if not self.accepts(kind):
            return None
        update = QueuedUpdate(self._next_id, kind, payload)
        self._next_id += 1
        self._pending.append(update)
        self._history[update.update_id] = update
        return update.update_id

    def confirm(self, offset: int | None) -> bool:
        """Forget what ``offset`` confirms; return whether anything was forgotten."""
        before = len(self._pending)
        if offset is not None and offset < 0:
            self._pending = self._pending[offset:]
        elif offset is not None:
            self._pending = [u for u in self._pending if u.update_id >= offset or u.redelivered]
        return len(self._pending) != before

    def batch(self, offset: int | None, limit: int) -> list[QueuedUpdate]:
        """The next updates for ``getUpdates``; a redelivered update counts as handed out."""
        batch = [u for u in self._pending if offset is None or u.update_id >= offset or u.redelivered][:limit]
        for update in batch:
            update.redelivered = False
        return batch

    def head(self) -> QueuedUpdate | None:
        return self._pending[0] if self._pending else None

    def oldest(self, *, exclude: Collection[int] = ()) -> QueuedUpdate | None:
        """The pending update with the lowest id, leaving out ``exclude`` (those being delivered)."""
        return next((u for u in self._pending if u.update_id not in exclude), None)

    def remove(self, update: QueuedUpdate) -> None:
        self._pending = [u for u in self._pending if u is not update]

    def clear(self) -> None:
        """Drop everything pending (``drop_pending_updates``)."""
        self._pending.clear()

    def reset(self) -> None:
        """Back to a fresh bot: nothing pending or redeliverable, default ``allowed_updates``.

        The id counter keeps counting: a running bot remembers its offset, and
        reused ids below it would be silently forgotten.
        """
        self._pending.clear()
        self._history.clear()
        self.allowed = None

    def redeliver(self, update_id: int) -> None:
        """Queue an already delivered update again under its original id."""
        update = self._history.get(update_id)
        if update is None:
            raise ControlError(f"no update {update_id} was ever queued", status=404)
        if any(u is update for u in self._pending):
            raise ControlError(f"update {update_id} is still pending; nothing to redeliver")
        update.redelivered = True
        update.webhook_attempts = 0
        self._pending.append(update)
        self._pending.sort(key=lambda u: u.update_id)

    def available(self, offset: int | None) -> bool:
        """Whether :meth:`batch` would return anything."""
        return any(offset is None or u.update_id >= offset or u.redelivered for u in self._pending)
