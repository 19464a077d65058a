"""The running schedule: daily jobs on the wall clock, catch-up at start-up, and outbox delivery.

Everything happens in ``tick(now)``: run each job whose time has come today and which this
process has not run yet (skipping those too late to be useful), then deliver what is due. Time is
a parameter, so tests and the demo drive a whole day by calling ``tick`` with the times they
choose; nothing sleeps. Only ``running()`` puts it on the wall clock, when ``[schedule] enabled``:
there the loop below does not wait for its deliveries. Each is a round in the background that sends
the targets no earlier round is still sending (``services.outbox.InFlight``), so an alert never
waits for another chat's window; a chain's end wakes the loop, which sends what was queued for
that chat meanwhile. A round's error (a database outage) ends the loop at its next look, for the
supervisor; the rows stay pending.

* APScheduler alarms at each job's time in the configured zone wake the loop below (cron
  triggers with ``misfire_grace_time=None`` and ``coalesce``: a late alarm still fires, once;
  APScheduler's default grace of one second would silently drop an alarm that was a little late);
* a loop that ticks as soon as an outbox row of a target not in flight falls due, and at least
  every ``DELIVERY_POLL`` seconds: its first tick is the start-up catch-up, which runs what fell
  due while the bot was down (jobs are not persisted; the outbox is what makes them durable);
  later ticks send rows other code wrote (a /notice), run a job whose alarm was missed (a
  suspended machine), and retry a job that failed (a database outage) ``JOB_RETRY`` later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from telegram import Bot

from core.config import Settings
from core.supervise import Pulse, Supervisor
from schedules.jobs import DailyJob, JobRun, daily_jobs
from services.live_digests import refresh_digests
from services.outbox import EDIT_SPACING, DeliveryReport, InFlight, deliver_due
from services.robots.channel import RobotChannel
from storage import outbox as outbox_store
from storage.db import SessionFactory
from storage.models import utcnow

log = logging.getLogger(__name__)

#: Seconds between looks at the outbox when nothing is known to be due sooner.
DELIVERY_POLL = 1.0
#: How long after a failed job it is tried again.
JOB_RETRY = timedelta(minutes=1)

Clock = Callable[[], datetime]


@dataclass
class TickReport:
    ran: list[str] = field(default_factory=list)
    #: Jobs whose time came while nobody ran them, found too late to be useful (see ``DailyJob.until``).
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    queued: int = 0
    #: Digest messages queued for an edit in place (live digests).
    edits: int = 0
    delivery: DeliveryReport = field(default_factory=DeliveryReport)


class Schedule:
    """The daily jobs and the outbox of one bot process."""

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        settings: Settings,
        bot: Bot,
        jobs: Sequence[DailyJob] | None = None,
        clock: Clock = utcnow,
        wake: asyncio.Event | None = None,
        robots: RobotChannel | None = None,
    ) -> None:
        self.jobs = list(jobs) if jobs is not None else daily_jobs(settings)
        self._sessions = sessions
        self._settings = settings
        self._bot = bot
        self._robots = robots
        self._clock = clock
        self._done: set[tuple[date, str]] = set()
        #: Jobs that failed, by id, and when to try them again.
        self._retry_at: dict[str, datetime] = {}
        #: When the live digests were last compared with the day's figures.
        self._refreshed: datetime | None = None
        self._jobs_lock = asyncio.Lock()
        #: Set to look at the outbox now (an alarm, a handler that wrote an alert, a chain that ended).
        self._wake = wake or asyncio.Event()
        #: The targets the rounds of this process are sending: every delivery goes through it.
        self._in_flight = InFlight(on_release=self.wake)
        #: The loop's rounds still sending, or ended and not yet looked at.
        self._rounds: set[asyncio.Task[DeliveryReport]] = set()
        #: Set once the start-up catch-up has run (on the wall clock only).
        self.caught_up = asyncio.Event()
        #: The APScheduler alarms while ``running()`` on the wall clock.
        self.alarms: AsyncIOScheduler | None = None

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Run every job due at ``now`` that has not run today in this process, then deliver (and
        wait for that delivery)."""
        now = now or self._clock()
        report = await self._run_jobs(now)
        report.delivery = await self.deliver(now)
        return report

    async def _run_jobs(self, now: datetime) -> TickReport:
        """The jobs' part of a tick; never twice at once, whoever ticks."""
        report = TickReport()
        async with self._jobs_lock:
            for job in self.jobs:
                await self._run_if_due(job, now, report)
            await self._refresh_digests(now, report)
        return report

    async def _refresh_digests(self, now: datetime, report: TickReport) -> None:
        """Edit the day's sent digests whose figures changed: once a minute, until the day closes."""
        if now.astimezone(self._settings.tz).time() >= self._settings.schedule.day_close:
            return
        if self._refreshed is not None and self._refreshed <= now < self._refreshed + EDIT_SPACING:
            return
        try:
            report.edits = await refresh_digests(self._sessions, settings=self._settings, now=now)
        except Exception:
            log.exception("updating the sent digests failed; tried again in a minute")
        self._refreshed = now

    async def _run_if_due(self, job: DailyJob, now: datetime, report: TickReport) -> None:
        tz = self._settings.tz
        local = now.astimezone(tz)
        key = (local.date(), job.id)
        if key in self._done or job.at > local.time() or now < self._retry_at.get(job.id, now):
            return
        if job.weekday is not None and local.isoweekday() != job.weekday:
            return  # a weekly job, on another day
        if not job.due(local.time()):
            log.info("job %s of %s skipped: its time passed while the bot was down", job.id, local.date())
            self._done.add(key)
            report.skipped.append(job.id)
            return
        run = JobRun(
            sessions=self._sessions,
            settings=self._settings,
            day=local.date(),
            scheduled=datetime.combine(local.date(), job.at, tz),
            now=now,
            at=job.at,
            kind=job.id,
            bot_username=self._bot.username,
        )
        try:
            report.queued += await job.run(run)
        except Exception:
            log.exception("job %s of %s failed; it will be tried again", job.id, local.date())
            report.failed.append(job.id)
            self._retry_at[job.id] = now + JOB_RETRY
            return
        self._retry_at.pop(job.id, None)
        self._done = {done for done in self._done if done[0] >= key[0]}
        self._done.add(key)
        report.ran.append(job.id)

    async def deliver(self, now: datetime | None = None, *, claimed: asyncio.Event | None = None) -> DeliveryReport:
        """Send the outbox rows due at ``now`` whose targets no other round is sending, and wait for them.

        Rounds may overlap (the loop's run in the background); each target is in one at a time.
        ``claimed``: see ``deliver_due``."""
        return await deliver_due(
            self._sessions,
            self._bot,
            settings=self._settings,
            now=now or self._clock(),
            robots=self._robots,
            in_flight=self._in_flight,
            claimed=claimed,
        )

    async def _start_round(self, now: datetime) -> None:
        """A round in the background; returns once it has claimed its targets, so that what is
        due next is looked at without them."""
        claimed = asyncio.Event()
        round_ = asyncio.create_task(self.deliver(now, claimed=claimed), name="gridbot-outbox-round")
        self._rounds.add(round_)
        round_.add_done_callback(self._round_ended)
        await claimed.wait()

    def _round_ended(self, round_: asyncio.Task[DeliveryReport]) -> None:
        """A round that failed wakes the loop, which raises its error; one that succeeded says the
        catch-up (the first) has run. A chain's end already woke the loop."""
        if round_.cancelled():
            return
        if round_.exception() is not None:
            self.wake()
        else:
            self.caught_up.set()

    def _reap_rounds(self) -> None:
        """Forget the rounds that ended; raise the first error among them (for the supervisor)."""
        ended = [round_ for round_ in self._rounds if round_.done()]
        self._rounds.difference_update(ended)
        errors = [error for round_ in ended if not round_.cancelled() and (error := round_.exception()) is not None]
        for error in errors[1:]:
            log.debug("another outbox round failed too: %s", error)
        if errors:
            raise errors[0]

    async def _stop_rounds(self) -> None:
        """Shutting down: the rounds still sending stop (their rows stay pending)."""
        rounds, self._rounds = self._rounds, set()
        for round_ in rounds:
            round_.cancel()
        await asyncio.gather(*rounds, return_exceptions=True)

    def wake(self) -> None:
        """Look at the outbox now rather than at the next poll."""
        self._wake.set()

    @contextlib.asynccontextmanager
    async def running(self, supervisor: Supervisor | None = None) -> AsyncIterator[Schedule]:
        """On the wall clock while the block runs, if ``[schedule] enabled``; otherwise driven by ``tick``."""
        if not self._settings.schedule.enabled:
            yield self
            return
        tz = self._settings.tz
        alarms = AsyncIOScheduler(timezone=tz)
        for job in self.jobs:
            alarms.add_job(
                self._alarm,
                CronTrigger(hour=job.at.hour, minute=job.at.minute, second=job.at.second, timezone=tz),
                id=job.id,
                name=job.id,
                misfire_grace_time=None,
                coalesce=True,
                max_instances=1,
                replace_existing=True,
            )
        alarms.start()
        self.alarms = alarms
        try:
            async with (supervisor or Supervisor()).running(
                "schedule", self._deliver_forever, retrying="running due jobs and the outbox"
            ):
                yield self
        finally:
            self.alarms = None
            alarms.shutdown(wait=False)
            await self._stop_rounds()

    async def _alarm(self) -> None:
        """A job's time has come: tick now rather than at the loop's next look."""
        self.wake()

    async def _deliver_forever(self, pulse: Pulse) -> None:
        """Tick whenever something falls due, its delivery a round in the background; the first
        tick is the start-up catch-up. An error (a database outage, here or in a round) ends it,
        and the supervisor starts it again: the rows stay pending."""
        while True:
            self._reap_rounds()
            now = self._clock()
            await self._run_jobs(now)
            await self._start_round(now)
            delay = await self._seconds_until_due(self._clock())
            pulse.ok()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            self._wake.clear()

    async def _seconds_until_due(self, now: datetime) -> float:
        """Until the next row falls due whose target no round is sending (those are looked at
        again when their chain ends), at most ``DELIVERY_POLL``."""
        async with self._sessions() as session:
            due_by_target = await outbox_store.next_attempt_by_target(session)
        due = min(
            (
                at
                for target, at in due_by_target.items()
                if target not in self._in_flight and (self._robots is not None or not target[0])
            ),
            default=None,
        )
        if due is None:
            return DELIVERY_POLL
        return min(max((due - now).total_seconds(), 0.0), DELIVERY_POLL)
