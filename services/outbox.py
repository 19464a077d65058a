"""The durable outbox: every message that must arrive is written before it is sent, and sent
until Telegram says it has it (at least once).

A message is keyed (unit, day, kind, part). ``enqueue`` inserts it only if the key is new, so a
job that runs again after a restart adds nothing that was already due; ``deliver_due`` sends
what is due through the paced sender and marks each row sent after Telegram's ok.

Failures, and what becomes of the row:

* 429 (after the rate limiter's own retries): tried again after ``retry_after``;
* 5xx, network errors, timeouts: tried again with exponential backoff (5 s doubling, at most
  10 min apart) for the rest of the row's day and the next; after that it is marked failed.
  A timeout is waited out generously (``SEND_TIMEOUT``) because Telegram may deliver a message
  whose answer never arrived; only a send that outlived that wait is retried (at-least-once: a
  lost digest or alert is worse than a duplicate), and counted (``DeliveryReport.unconfirmed``);
* 403 (bot removed from the group, or blocked by a person): the group's binding is marked
  ``broken`` and the unit above is told, once a day; the chat's pending rows fail, and are sent
  after all when the group is bound again the same day (``services.binding.bind_chat``);
* 400 "chat not found" as 403; a group upgraded to a supergroup moves binding and rows along;
  any other 400 is a fault in the message itself: it fails at once and is logged.

A row's target is a channel and an address: a Telegram chat, or a unit's group robot (WeCom,
DingTalk, Feishu; ``robot_id``). ``add_rows`` writes, beside every row for a unit's Telegram group
of a kind in ``ROBOT_KINDS``, its copies for that unit's robots, rendered for each platform
(``services.robots.render``), in the same transaction; ``deliver_due`` hands the robots' rows to a
``services.robots.channel.RobotChannel``, which keeps the same guarantees under each platform's limits.

The parts of one message (a digest's text, chart, ledger) go in order: a part waits until the
part before it was sent. A delivery (a round) sends each target's due rows as one chain, in order;
rounds may overlap, so that a group whose window is full for minutes (an order rush) holds up
nobody else's alerts, but a target is in one round's chain at a time (``InFlight``, shared by the
rounds of a process), and one bot process serves a database, as Telegram allows one poller or
webhook per bot anyway.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import Enum, auto
from html import escape
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut

from core import texts
from core.config import Settings
from core.pacing import bulk_sending, retry_after_seconds
from core.supervise import describe
from services.messages_out import MessageKind, OutgoingMessage
from services.robots import render as robot_render
from services.sender import edit, send
from storage import audit, units
from storage import outbox as store
from storage import robots as robot_store
from storage.bindings import active_binding_of_unit
from storage.db import SessionFactory, transaction
from storage.dialect import as_utc
from storage.models import OutboxMessage, utcnow

if TYPE_CHECKING:
    from services.robots.channel import RobotChannel

log = logging.getLogger(__name__)

FIRST_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)
#: Seconds to wait for Telegram's answer to one send before counting it as lost.
SEND_TIMEOUT = 60.0
#: Chats served at once (enough to keep 30/s going at Telegram's latency); the paced sender decides who goes when.
CONCURRENCY = 32
#: Outbox kind (``broken:<unit id>``) of the message telling the unit above that a group is unreachable.
BROKEN_KIND = "broken"
#: What a unit's group robots mirror of its Telegram group (``services.robots``): digests (with their
#: zero-report status), the village-group form of alerts and of their corrections (更正), notices and
#: unreachable-group notes, a digest sent by hand (预报, 更正) and the ledger sent again at day close; never reminders, follow-ups or receipts, which speak to residents, nor
#: edits (a robot cannot edit what it posted).
ROBOT_KINDS = frozenset(
    {
        "village_digest",
        "town_digest",
        "preliminary",
        "correction",
        "ledger_close",
        "alert",
        "correct",
        "notice",
        BROKEN_KIND,
    }
)
#: A robot row's part is the Telegram part times this plus its own index (one part may need several).
ROBOT_PARTS = 100
#: Outbox kind of an edit of a sent message: ``edit:<the kind edited>``, with its unit, day and part.
EDIT_KIND = "edit"
#: A sent message is edited at most once per this long (coalesced: the newest text wins).
EDIT_SPACING = timedelta(minutes=1)


@dataclass(frozen=True)
class Envelope:
    """One message for the outbox, addressed and keyed."""

    unit_id: int
    chat_id: int
    kind: str
    part: int
    message: OutgoingMessage


def encode(message: OutgoingMessage) -> str:
    """JSON with file content as base64: charts and ledgers are small enough for a text column."""
    return json.dumps(
        {
            "kind": message.kind.value,
            "text": message.text,
            "caption": message.caption,
            "filename": message.filename,
            "content": None if message.content is None else base64.b64encode(message.content).decode("ascii"),
            "reply_markup": [[list(button) for button in row] for row in message.reply_markup],
            "reply_to": message.reply_to,
            "edit_of": message.edit_of,
        },
        ensure_ascii=False,
    )


def decode(payload: str) -> OutgoingMessage:
    data: dict[str, Any] = json.loads(payload)
    content = data["content"]
    return OutgoingMessage(
        kind=MessageKind(data["kind"]),
        text=data["text"],
        caption=data["caption"],
        filename=data["filename"],
        content=None if content is None else base64.b64decode(content),
        reply_markup=tuple(tuple((label, callback) for label, callback in row) for row in data["reply_markup"]),
        reply_to=data.get("reply_to"),  # rows written before replies went through the outbox have none
        edit_of=data.get("edit_of"),
    )


async def _robot_copies(session: AsyncSession, rows: Sequence[dict[str, Any]], *, links: bool) -> list[dict[str, Any]]:
    """The rows for the group robots of the units whose Telegram groups ``rows`` go to (files as
    links for the robots that take none where ``links``: ``[robots] public_url`` is set)."""
    mirrored = [row for row in rows if row["chat_id"] < 0 and row["kind"].split(":")[0] in ROBOT_KINDS]
    targets = await robot_store.active_targets_of_chats(session, chat_ids=[row["chat_id"] for row in mirrored])
    copies: list[dict[str, Any]] = []
    for row in mirrored:
        message = decode(row["payload"])
        if message.edit_of is not None:
            continue
        for target in targets.get(row["chat_id"], []):
            copies += [
                {**row, "chat_id": 0, "channel": target.platform, "robot_id": target.id,
                 "part": row["part"] * ROBOT_PARTS + index, "payload": json.dumps(payload, ensure_ascii=False)}
                for index, payload in enumerate(robot_render.payloads(target.platform, message, links=links))
            ]  # fmt: skip
    return copies


async def add_rows(session: AsyncSession, *, rows: Sequence[dict[str, Any]], now: datetime, links: bool = False) -> int:
    """Write outbox rows (and their group robots' copies) in the caller's transaction; returns how many are new."""
    copies = await _robot_copies(session, rows, links=links)
    return await store.add_if_absent(session, rows=[*rows, *copies], now=now)


async def enqueue_all(
    factory: SessionFactory,
    *,
    day: date,
    envelopes: Sequence[Envelope],
    now: datetime | None = None,
    links: bool = False,
) -> int:
    """Write the envelopes for ``day`` in one transaction, keeping any key already written; returns how many are new.

    The count includes the copies for group robots (``ROBOT_KINDS``); ``links``: see ``_robot_copies``."""
    rows = [
        {
            "unit_id": envelope.unit_id,
            "day": day,
            "kind": envelope.kind,
            "part": envelope.part,
            "chat_id": envelope.chat_id,
            "payload": encode(envelope.message),
        }
        for envelope in envelopes
    ]
    async with transaction(factory) as session:
        return await add_rows(session, rows=rows, now=now or utcnow(), links=links)


async def enqueue(
    factory: SessionFactory,
    *,
    unit_id: int,
    day: date,
    kind: str,
    part: int,
    chat_id: int,
    message: OutgoingMessage,
    now: datetime | None = None,
) -> bool:
    """Write one message unless its key (unit_id, day, kind, part) exists; True when it is new."""
    envelope = Envelope(unit_id=unit_id, chat_id=chat_id, kind=kind, part=part, message=message)
    return await enqueue_all(factory, day=day, envelopes=[envelope], now=now) == 1


def edit_kind(kind: str) -> str:
    return f"{EDIT_KIND}:{kind}"


async def enqueue_edits(
    factory: SessionFactory, *, edits: Sequence[tuple[OutboxMessage, OutgoingMessage]], now: datetime
) -> None:
    """Queue each message as the new text of the message sent for its outbox row (which must be sent).

    Any sent text can be edited so, durably and paced like every send: one edit row per message
    (kind ``edit:<kind>``, same unit, day and part), coalesced (``storage.outbox.put_edit``).
    """
    async with transaction(factory) as session:
        for target, message in edits:
            assert target.telegram_message_id is not None
            row = {
                "unit_id": target.unit_id,
                "day": target.day,
                "kind": edit_kind(target.kind),
                "part": target.part,
                "chat_id": target.chat_id,
                "payload": encode(replace(message, edit_of=target.telegram_message_id)),
            }
            await store.put_edit(session, row=row, now=now, spacing=EDIT_SPACING)


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    #: Sends whose answer never came (a timeout): Telegram may have delivered them, and the retry
    #: then posts them twice. The only duplicates the outbox makes, besides a kill in the instant
    #: between Telegram's ok and the row's mark.
    unconfirmed: int = 0
    #: Group robots' "too fast" answers (the pacing should make this 0).
    rate_limited: int = 0
    errors: list[str] = field(default_factory=list)


class _Fate(Enum):
    RETRY = auto()
    MOVED = auto()
    GONE = auto()
    REJECTED = auto()


@dataclass(frozen=True)
class _Failure:
    fate: _Fate
    error: str
    retry_at: datetime | None = None
    new_chat_id: int | None = None


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after ``attempts`` failed ones."""
    doublings = min(max(attempts - 1, 0), 16)
    return min(FIRST_BACKOFF * (1 << doublings), MAX_BACKOFF)


def _classify(exc: Exception, *, attempts: int, now: datetime) -> _Failure:
    error = describe(exc)
    if isinstance(exc, RetryAfter):
        return _Failure(_Fate.RETRY, error, retry_at=now + timedelta(seconds=retry_after_seconds(exc)))
    if isinstance(exc, ChatMigrated):
        return _Failure(_Fate.MOVED, error, retry_at=now, new_chat_id=exc.new_chat_id)
    if isinstance(exc, Forbidden) or (isinstance(exc, BadRequest) and "chat not found" in exc.message.lower()):
        return _Failure(_Fate.GONE, error)
    if isinstance(exc, BadRequest):
        return _Failure(_Fate.REJECTED, error)
    if not isinstance(exc, TelegramError):
        log.error("sending an outbox row failed unexpectedly", exc_info=exc)
    return _Failure(_Fate.RETRY, error, retry_at=now + backoff(attempts + 1))


#: Where a chain of rows goes: (robot id, chat id); a robot's rows have chat 0, a Telegram chat's robot 0.
Target = tuple[int, int]


class InFlight:
    """The targets whose chains some round is sending, shared by the rounds of one process.

    A round claims the targets it will send and releases each as its chain ends; another round
    leaves a claimed target alone, so a chat's rows go in order and no row goes twice at once. A
    round's rows were read before it claimed: a target claimed or released since that read (its
    rows may have been sent meanwhile) is not claimed on those rows, but by the next round, which
    ``on_release`` (the schedule's wake) starts at once.
    """

    def __init__(self, on_release: Callable[[], None] | None = None) -> None:
        self._busy: set[Target] = set()
        self._on_release = on_release
        #: Counts claims and releases; ``_changed`` holds the count at a target's last change.
        self._count = 0
        self._changed: dict[Target, int] = {}

    def __contains__(self, target: object) -> bool:
        return target in self._busy

    def __len__(self) -> int:
        return len(self._busy)

    def mark(self) -> int:
        """Taken before a round reads the pending rows: what ``claim`` compares with."""
        return self._count

    def is_free(self, target: Target, *, read_at: int) -> bool:
        """Nobody sends ``target`` now, and nobody did since ``read_at`` (rows read then are current)."""
        return target not in self._busy and self._changed.get(target, 0) <= read_at

    def claim(self, targets: Collection[Target], *, read_at: int) -> set[Target]:
        """Claim the targets free since ``read_at``; the ones claimed."""
        free = {target for target in targets if self.is_free(target, read_at=read_at)}
        if free:
            self._count += 1
            for target in free:
                self._changed[target] = self._count
            self._busy |= free
        return free

    def release(self, target: Target) -> None:
        """The chain to ``target`` ended (sent, failed or cancelled); rows queued meanwhile may go."""
        if target not in self._busy:
            return
        self._busy.discard(target)
        self._count += 1
        self._changed[target] = self._count
        if self._on_release is not None:
            self._on_release()


def _due_chains(rows: Sequence[OutboxMessage], *, now: datetime, oldest_day: date) -> dict[Target, list[OutboxMessage]]:
    """Due rows grouped by target (robot, chat), in order; a message's later parts only behind its first pending part."""
    by_message: dict[tuple[int, date, str, int], list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_message[(row.unit_id, row.day, row.kind, row.robot_id)].append(row)
    chains: dict[Target, list[OutboxMessage]] = defaultdict(list)
    for parts in by_message.values():
        first = parts[0]
        if first.day >= oldest_day and as_utc(first.next_attempt_at) <= now:
            chains[(first.robot_id, first.chat_id)].extend(sorted(parts, key=lambda row: row.part))
    return chains


async def deliver_due(
    factory: SessionFactory,
    bot: Bot,
    *,
    settings: Settings,
    now: datetime | None = None,
    timeout: float = SEND_TIMEOUT,
    concurrency: int = CONCURRENCY,
    robots: RobotChannel | None = None,
    in_flight: InFlight | None = None,
    claimed: asyncio.Event | None = None,
) -> DeliveryReport:
    """One round: send every pending row due at ``now`` whose target no other round of ``in_flight``
    is sending; chats in parallel, each chat's rows in order. Returns when its chains have ended,
    with what they did; the first error of a chain (a database outage) is raised then, after the
    others ended (their rows stay pending, as the failed one's).

    ``claimed`` is set once the round has claimed its targets (or failed before): a caller that
    starts the round in the background waits for it before it looks what else is due.
    Group robots' rows go through ``robots`` (left pending without one: a process that cannot reach them)."""
    in_flight = in_flight if in_flight is not None else InFlight()
    started = utcnow()
    now = as_utc(now or started)
    oldest_day = now.astimezone(settings.tz).date() - timedelta(days=1)
    round_ = _Round(factory, bot, settings, now, started, timeout, in_flight, asyncio.Semaphore(concurrency))
    try:
        read_at = in_flight.mark()
        async with factory() as session:
            rows = await store.pending(session)
        due = {
            target: chain
            for target, chain in _due_chains(rows, now=now, oldest_day=oldest_day).items()
            if robots is not None or not target[0]
        }
        chains = {target: due[target] for target in in_flight.claim(due, read_at=read_at)}
    finally:
        if claimed is not None:
            claimed.set()
    try:
        await round_.expire(rows, chains, read_at=read_at, oldest_day=oldest_day)
    except BaseException:
        for target in chains:
            in_flight.release(target)
        raise
    to_robots = [chain for (robot_id, _chat), chain in chains.items() if robot_id]
    with bulk_sending():
        outcomes = await asyncio.gather(
            *(round_.chat_chain(target, chain) for target, chain in chains.items() if not target[0]),
            *([round_.robot_chains(robots, to_robots)] if robots is not None and to_robots else []),
            return_exceptions=True,
        )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return round_.report


@dataclass
class _Round:
    """What the chains of one delivery share: where and when they send, and their report."""

    factory: SessionFactory
    bot: Bot
    settings: Settings
    now: datetime
    #: On the wall clock, for the sent rows' stamps (``_attempt``).
    started: datetime
    timeout: float
    in_flight: InFlight
    #: Chats served at once in this round.
    limit: asyncio.Semaphore
    report: DeliveryReport = field(default_factory=DeliveryReport)

    async def expire(
        self,
        rows: Sequence[OutboxMessage],
        chains: dict[Target, list[OutboxMessage]],
        *,
        read_at: int,
        oldest_day: date,
    ) -> None:
        """Rows of a day that is over fail unsent; not those a chain of another round holds."""
        expired = [
            row.id
            for row in rows
            if row.day < oldest_day
            and row.id is not None
            and ((target := (row.robot_id, row.chat_id)) in chains or self.in_flight.is_free(target, read_at=read_at))
        ]
        if expired:
            async with transaction(self.factory) as session:
                await store.mark_failed(session, row_ids=expired, error="expired: its day is over", attempted=False)
            self.report.expired = len(expired)

    async def chat_chain(self, target: Target, chain: list[OutboxMessage]) -> None:
        """One Telegram chat's rows in order, until one must wait; the chat is released after."""
        try:
            async with self.limit:
                for index, row in enumerate(chain):
                    failure = await _attempt(
                        self.factory, self.bot, row, settings=self.settings, now=self.now, started=self.started,
                        timeout=self.timeout, report=self.report,
                    )  # fmt: skip
                    if failure is None or failure.fate is _Fate.REJECTED:
                        continue
                    if failure.retry_at is not None:  # the chat's other rows wait with it, in order
                        waiting = [later.id for later in chain[index + 1 :] if later.id is not None]
                        async with transaction(self.factory) as session:
                            await store.postpone(session, row_ids=waiting, at=failure.retry_at)
                    return
        finally:
            self.in_flight.release(target)

    async def robot_chains(self, robots: RobotChannel, chains: list[list[OutboxMessage]]) -> None:
        """The robots' chains, each robot released as its chain ends (all of them, whatever happens)."""

        def release(chain: list[OutboxMessage]) -> None:
            self.in_flight.release((chain[0].robot_id, chain[0].chat_id))

        try:
            await robots.deliver(
                self.factory, chains, settings=self.settings, now=self.now, report=self.report, finished=release
            )
        finally:
            for chain in chains:
                release(chain)


async def _attempt(
    factory: SessionFactory,
    bot: Bot,
    row: OutboxMessage,
    *,
    settings: Settings,
    now: datetime,
    started: datetime,
    timeout: float,
    report: DeliveryReport,
) -> _Failure | None:
    """Send one row and record the outcome; the failure, if it failed. It is marked sent at ``now``
    plus the time this delivery has taken (``started`` on the wall clock): the clock the caller runs on."""
    assert row.id is not None
    message = decode(row.payload)
    try:
        if message.edit_of is None:
            message_id = (await send(bot, row.chat_id, message, timeout=timeout)).message_id
        else:
            message_id = await edit(bot, row.chat_id, message, timeout=timeout)
    except Exception as exc:
        failure = _classify(exc, attempts=row.attempts, now=now)
        report.errors.append(failure.error)
        if isinstance(exc, TimedOut):
            report.unconfirmed += 1
        await _record_failure(factory, row, failure, settings=settings, now=now, report=report)
        return failure
    # Marked the moment the ok arrives, before anything else: a kill before this line is the one
    # window in which a delivered row is sent again.
    async with transaction(factory) as session:
        await store.mark_sent(session, row_id=row.id, message_id=message_id, at=now + (utcnow() - started))
        if message.kind == MessageKind.DOCUMENT:  # a digest's ledger: a unit's households, masked
            await audit.record(
                session, actor=audit.chat_actor(row.chat_id), action=audit.AuditAction.LEDGER,
                unit_id=row.unit_id, detail=message.filename,
            )  # fmt: skip
    report.sent += 1
    return None


async def _record_failure(
    factory: SessionFactory,
    row: OutboxMessage,
    failure: _Failure,
    *,
    settings: Settings,
    now: datetime,
    report: DeliveryReport,
) -> None:
    assert row.id is not None
    log.warning("outbox row %s (%s to %s) failed: %s", row.id, row.kind, row.chat_id, failure.error)
    if failure.fate is _Fate.RETRY or failure.fate is _Fate.MOVED:
        chat_id = failure.new_chat_id or row.chat_id
        async with transaction(factory) as session:
            if failure.new_chat_id is not None:
                await store.move_chat(session, old_chat_id=row.chat_id, new_chat_id=failure.new_chat_id)
            assert failure.retry_at is not None
            await store.mark_retry(session, row_id=row.id, at=failure.retry_at, error=failure.error, chat_id=chat_id)
        report.retried += 1
        return
    if failure.fate is _Fate.REJECTED:
        async with transaction(factory) as session:
            await store.mark_failed(session, row_ids=[row.id], error=failure.error, attempted=True)
        report.failed += 1
        return
    async with transaction(factory) as session:
        ids = await store.pending_ids_for_chat(session, chat_id=row.chat_id)
        # Marked, so that a /bind in the group again sends what is still due (``resend_to_rebound_group``).
        await store.mark_failed(session, row_ids=ids, error=store.UNREACHABLE + failure.error, attempted=True)
        if row.chat_id > 0:
            await store.stop_private_chat(session, telegram_user_id=row.chat_id)
            broken_unit = None
        else:
            broken_unit = await store.break_binding(session, chat_id=row.chat_id)
    report.failed += len(ids)
    if broken_unit is not None:
        await _tell_unit_above(factory, unit_id=broken_unit, kind=row.kind, settings=settings, now=now)


async def _tell_unit_above(
    factory: SessionFactory, *, unit_id: int, kind: str, settings: Settings, now: datetime
) -> None:
    """Post to the parent unit's group (or, for a town, to the admins) that a group is unreachable."""
    async with factory() as session:
        unit = await units.get_unit(session, unit_id=unit_id)
        parent = (
            None if unit is None or unit.parent_id is None else await units.get_unit(session, unit_id=unit.parent_id)
        )
        binding = (
            None if parent is None or parent.id is None else await active_binding_of_unit(session, unit_id=parent.id)
        )
    if unit is None:
        return
    label = texts.OUTBOX_KIND_LABELS.get(kind.split(":")[0], texts.OUTBOX_KIND_OTHER)
    message = OutgoingMessage.of_text(
        texts.OUTBOX_BINDING_BROKEN.format(unit=escape(unit.name), code=escape(unit.code), kind=label)
    )
    day = now.astimezone(settings.tz).date()
    if parent is not None and parent.id is not None and binding is not None:
        targets = [(parent.id, binding.chat_id)]
    else:
        targets = [(unit_id, admin) for admin in sorted(settings.admins.user_ids)]
    envelopes = [
        Envelope(unit_id=target_unit, chat_id=chat_id, kind=f"{BROKEN_KIND}:{unit_id}", part=part, message=message)
        for part, (target_unit, chat_id) in enumerate(targets)
    ]
    await enqueue_all(factory, day=day, envelopes=envelopes, now=now)
