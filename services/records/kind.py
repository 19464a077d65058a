"""What a kind of record (check-in, order, returnee, …) does with its messages in a batch.

The batch (``batch.py``) finds each message's household, stores the message row and links its
sender; a :class:`RecordKind` then turns the messages of its kind into their records. A
:class:`PlaceKind` (disinfection) is about a place: the batch skips the household for it. Adding a
kind is a module with one such class and a line in the registry (``services/records/__init__``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from sqlmodel.ext.asyncio.session import AsyncSession

from services.records.households import Households
from services.records.work import Ingested, Later, Work
from storage.models import Household, MessageRecord


class Shell(Protocol):
    """What a record kind may use of its batch."""

    @property
    def session(self) -> AsyncSession: ...

    @property
    def households(self) -> Households: ...

    async def sync(self) -> None:
        """Insert the batch's new message rows so far (so that they have ids)."""


class RecordKind(Protocol):
    """One kind's records in one batch; made per batch, so it may keep work for the batch's end."""

    async def apply(
        self, work: Work, household: Household, record: MessageRecord, *, joined: Sequence[MessageRecord]
    ) -> Ingested:
        """Record what ``work`` (of this kind, about ``household``, stored as ``record``) says.
        ``joined``: the sender's earlier messages that its address has just filed under ``household``."""
        ...

    def leave(self, work: Work) -> None:
        """The message ``work`` was stored as this kind and no longer counts where it did (it moved
        to another household, day or kind)."""

    async def settle(self) -> list[Later]:
        """End of the batch: write what was left for it; what outcomes learn from that."""
        ...


@runtime_checkable
class PlaceKind(Protocol):
    """A kind about a place, not a household (a disinfection): the shell looks up no household,
    links nobody, and hands over only the message row."""

    async def apply_place(self, work: Work, record: MessageRecord) -> Ingested:
        """Record what ``work`` (of this kind, stored as ``record``) says."""
        ...

    def leave(self, work: Work) -> None:
        """As ``RecordKind.leave``."""

    async def settle(self) -> list[Later]:
        """As ``RecordKind.settle``."""
        ...


class KindFactory(Protocol):
    def __call__(self, shell: Shell, /) -> RecordKind | PlaceKind: ...
