"""Delivering the outbox's group-robot rows: the same guarantees as a Telegram group's.

A robot's rows go in order, as fast as its platform allows and no faster: before each message
the client's pacer says whether the robot's windows have room; if not, the rest of the chain waits
(postponed, not an attempt) until they do, so DingTalk's 10-minute block is never run into.
What the platform answers decides the row's fate, as Telegram's answers do (``services.outbox``):

* a "too fast" code (WeCom 45009, DingTalk 130101, Feishu 11232), like a 429: tried again after
  the platform's wait (DingTalk: its block), the chain behind it with it;
* a 5xx, a network error, no answer in time: exponential backoff; a timeout counts as
  unconfirmed (the message may have arrived, and the retry then posts it twice);
* a wrong key, token, signature or keyword: the target is marked broken, its pending rows fail,
  and the unit's Telegram group is told once (through the outbox) to set the robot up again;
* any other code: the message itself was refused; it fails and the chain goes on.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any

from core import texts
from core.config import Settings
from core.redact import without_tokens
from services.messages_out import MessageKind, OutgoingMessage
from services.outbox import DeliveryReport, Envelope, backoff, enqueue_all
from services.robots.client import Answer, Outcome, RobotClient
from services.robots.render import MEDIA_TYPES, link_body
from storage import audit, shared_files
from storage import outbox as store
from storage import robots as robot_store
from storage.bindings import active_binding_of_unit
from storage.db import SessionFactory, transaction
from storage.models import OutboxMessage, RobotTarget, SharedFile, utcnow

log = logging.getLogger(__name__)

#: Outbox kind (``robot_broken:<target id>``) of the note to a unit's group that its robot is refused.
ROBOT_BROKEN_KIND = "robot_broken"
CONCURRENCY = 32


class RobotChannel:
    """The outbox's way to group robots: one client (HTTP session and pacers) for the process."""

    def __init__(self, client: RobotClient, *, concurrency: int = CONCURRENCY) -> None:
        self.client = client
        self._limit = asyncio.Semaphore(concurrency)

    async def deliver(
        self,
        factory: SessionFactory,
        chains: list[list[OutboxMessage]],
        *,
        settings: Settings,
        now: datetime,
        report: DeliveryReport,
        finished: Callable[[list[OutboxMessage]], None] | None = None,
    ) -> None:
        """Send each robot's due rows (one chain per robot), robots in parallel; ``finished`` is
        called with each chain as it ends (the outbox's rounds release its robot then)."""
        if not chains:
            return
        async with factory() as session:
            targets = await robot_store.targets_by_id(session, target_ids=[chain[0].robot_id for chain in chains])

        async def chain_of(chain: list[OutboxMessage]) -> None:
            try:
                await self._chain(factory, targets.get(chain[0].robot_id), chain, settings=settings, now=now,
                                  report=report)  # fmt: skip
            finally:
                if finished is not None:
                    finished(chain)

        outcomes = await asyncio.gather(*(chain_of(chain) for chain in chains), return_exceptions=True)
        for outcome in outcomes:  # every chain ended: the first error is the caller's
            if isinstance(outcome, BaseException):
                raise outcome

    async def _chain(
        self,
        factory: SessionFactory,
        target: RobotTarget | None,
        chain: list[OutboxMessage],
        *,
        settings: Settings,
        now: datetime,
        report: DeliveryReport,
    ) -> None:
        """One robot's rows in order, until one fails or the robot must wait."""
        if target is None or target.status != robot_store.ACTIVE:
            await self._give_up(factory, chain, error="robot target removed or broken", report=report)
            return
        async with self._limit:
            for index, row in enumerate(chain):
                wait = self.client.wait(target)
                if wait > 0:
                    await _postpone(factory, chain[index:], at=now + timedelta(seconds=wait))
                    return
                assert row.id is not None
                stored = payload = json.loads(row.payload)
                if "share" in stored:
                    if settings.robots.public_url is None:  # queued while it was set, due after it was removed
                        await self._give_up(factory, [row], error="[robots] public_url not set", report=report)
                        continue
                    payload = await _shared(factory, target, row, stored["share"], settings=settings, now=now)
                answer = await self.client.send(target, payload)
                if answer.outcome is Outcome.SENT:
                    async with transaction(factory) as session:
                        await store.mark_sent(session, row_id=row.id, message_id=None, at=utcnow())
                        if ledger := _ledger_name(stored):  # a unit's households, masked
                            await audit.record(
                                session, actor=f"robot:{target.id}", action=audit.AuditAction.LEDGER,
                                unit_id=row.unit_id, detail=ledger,
                            )  # fmt: skip
                    report.sent += 1
                    continue
                if not await self._failed(factory, target, chain[index:], answer, settings=settings, now=now,
                                          report=report):  # fmt: skip
                    return

    async def _failed(
        self,
        factory: SessionFactory,
        target: RobotTarget,
        rest: list[OutboxMessage],
        answer: Answer,
        *,
        settings: Settings,
        now: datetime,
        report: DeliveryReport,
    ) -> bool:
        """Record a failed row (the first of ``rest``); True when the chain may go on."""
        row = rest[0]
        assert row.id is not None and target.id is not None
        error = without_tokens(f"{target.platform} {answer.code}: {' '.join(answer.text.split())}")[:400]  # one line
        log.warning("outbox row %s (%s to robot %s) failed: %s", row.id, row.kind, target.id, error)
        report.errors.append(error)
        if answer.outcome is Outcome.REJECTED:
            async with transaction(factory) as session:
                await store.mark_failed(session, row_ids=[row.id], error=error, attempted=True)
            report.failed += 1
            return True
        if answer.outcome is Outcome.BROKEN:
            await self._broken(factory, target, error=error, settings=settings, now=now, report=report)
            return False
        report.rate_limited += answer.outcome is Outcome.RATE_LIMITED
        report.unconfirmed += answer.timed_out
        wait = timedelta(seconds=answer.retry_after) if answer.retry_after else backoff(row.attempts + 1)
        async with transaction(factory) as session:
            await store.mark_retry(session, row_id=row.id, at=now + wait, error=error, chat_id=row.chat_id)
            await store.postpone(
                session, row_ids=[later.id for later in rest[1:] if later.id is not None], at=now + wait
            )
        report.retried += 1
        return False

    async def _broken(
        self,
        factory: SessionFactory,
        target: RobotTarget,
        *,
        error: str,
        settings: Settings,
        now: datetime,
        report: DeliveryReport,
    ) -> None:
        """The key or signature was refused: fail the robot's rows and tell the unit's group, once."""
        assert target.id is not None
        async with transaction(factory) as session:
            ids = await store.pending_ids_for_robot(session, robot_id=target.id)
            await store.mark_failed(session, row_ids=ids, error=error, attempted=True)
            newly = await robot_store.mark_broken(session, target_id=target.id, error=error)
            binding = await active_binding_of_unit(session, unit_id=target.unit_id)
        report.failed += len(ids)
        if not newly or binding is None:
            return
        label = texts.ROBOT_PLATFORM_LABELS[target.platform]
        message = OutgoingMessage.of_text(texts.ROBOT_BROKEN_NOTE.format(platform=escape(label), target=target.id))
        envelope = Envelope(
            unit_id=target.unit_id, chat_id=binding.chat_id, kind=f"{ROBOT_BROKEN_KIND}:{target.id}", part=0,
            message=message,
        )  # fmt: skip
        await enqueue_all(factory, day=now.astimezone(settings.tz).date(), envelopes=[envelope], now=now)

    @staticmethod
    async def _give_up(
        factory: SessionFactory, chain: list[OutboxMessage], *, error: str, report: DeliveryReport
    ) -> None:
        ids = [row.id for row in chain if row.id is not None]
        async with transaction(factory) as session:
            await store.mark_failed(session, row_ids=ids, error=error, attempted=False)
        report.failed += len(ids)


def _ledger_name(payload: dict[str, Any]) -> str | None:
    """The filename of a digest's ledger that ``payload`` sends (uploaded or shared by link), if any."""
    if "upload" in payload:
        return str(payload["upload"]["filename"])
    share = payload.get("share")
    return str(share["filename"]) if share and share["media_type"] == MEDIA_TYPES[MessageKind.DOCUMENT] else None


async def _shared(
    factory: SessionFactory,
    target: RobotTarget,
    row: OutboxMessage,
    share: dict[str, Any],
    *,
    settings: Settings,
    now: datetime,
) -> dict[str, Any]:
    """A file for a robot that takes none: stored once for its row (a retry keeps the link), sent as a link."""
    assert row.id is not None and settings.robots.public_url is not None
    shared = SharedFile(
        token=secrets.token_urlsafe(32), outbox_id=row.id, filename=share["filename"],
        media_type=share["media_type"], content=base64.b64decode(share["content"]),
        expires_at=now + timedelta(days=settings.robots.link_days),
    )  # fmt: skip
    async with transaction(factory) as session:
        token = (await shared_files.share_once(session, shared=shared)).token
    url = f"{settings.robots.public_url}/files/{token}"
    return {"body": link_body(target.platform, caption=share["caption"], filename=share["filename"], url=url)}


async def _postpone(factory: SessionFactory, rows: list[OutboxMessage], *, at: datetime) -> None:
    async with transaction(factory) as session:
        await store.postpone(session, row_ids=[row.id for row in rows if row.id is not None], at=at)
