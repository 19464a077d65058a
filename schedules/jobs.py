"""The daily jobs: what runs at which local time, and until when a late run is still worth it.

Each job writes its messages to the outbox, which keeps the first message written under each
key (unit, day, kind, part) and sends it once. So running a job again — after a restart, or
twice by mistake — adds nothing already due (the privacy purge finds nothing left to erase). Job ids are
deterministic (``reminder:10:00``, ``grid_report``, ``privacy_purge``, ...): they
name the APScheduler jobs and, for reminders, the outbox kind.

Catch-up after downtime: a job still runs late the same day until its ``until`` — a reminder
until the next reminder or the cutoff (a reminder after the cutoff is noise), the returnee
follow-up until the cutoff, the grid report and the digests until the day ends (they are the
record of the day: late beats lost).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from core.config import Settings
from services.followups import plan_followups
from services.live_digests import ledgers_at_close
from services.outbox import Envelope, enqueue_all
from services.privacy import purge
from services.reminders import plan_reminders
from services.report_run import run_reports
from services.visit_reminders import plan_visit_reminders
from storage.db import SessionFactory
from storage.models import UnitLevel


@dataclass(frozen=True)
class JobRun:
    """One run of a job: its day, when it was due and when it actually runs, and what it may need."""

    sessions: SessionFactory
    settings: Settings
    day: date
    #: The job's time on ``day`` (``at`` in the configured zone) and the instant it really runs.
    scheduled: datetime
    now: datetime
    at: time
    kind: str
    bot_username: str


#: Runs a job: writes its messages to the outbox, returns how many were new.
JobFn = Callable[[JobRun], Awaitable[int]]


@dataclass(frozen=True)
class DailyJob:
    id: str
    at: time
    #: A run later than this local time (same day) is skipped; None: runs until midnight.
    until: time | None
    run: JobFn
    #: Runs only on this ISO weekday (1 = Monday); None: every day.
    weekday: int | None = None

    def due(self, local: time) -> bool:
        return self.at <= local and (self.until is None or local < self.until)


async def _queue(run: JobRun, envelopes: Sequence[Envelope]) -> int:
    return await enqueue_all(run.sessions, day=run.day, envelopes=envelopes, now=run.now)


async def _reminders(run: JobRun) -> int:
    planned = await plan_reminders(
        run.sessions, settings=run.settings, day=run.day, now=run.now, slot=run.at, kind=run.kind
    )
    return await _queue(run, planned)


async def _followups(run: JobRun) -> int:
    planned = await plan_followups(run.sessions, day=run.day, bot_username=run.bot_username)
    return await _queue(run, planned)


def _reports(level: UnitLevel) -> JobFn:
    """``run_reports`` for one level (it writes to the outbox itself).

    A late run (catch-up) still reports as of the scheduled time, so it says what the on-time
    report would have said: a grid confirmed after the cutoff stays 未报 in it.
    """

    async def run_level(run: JobRun) -> int:
        _deliveries, queued = await run_reports(
            run.sessions, settings=run.settings, day=run.day, levels={level}, now=run.scheduled
        )
        return queued

    return run_level


async def _day_close(run: JobRun) -> int:
    """The digests stop being edited; where one changed after it went out, the day's ledger goes once more."""
    return await ledgers_at_close(run.sessions, settings=run.settings, day=run.day, now=run.now)


async def _visit_reminders(run: JobRun) -> int:
    """Each helper's list of the households due a visit this week (the job runs on its weekday only)."""
    return await _queue(run, await plan_visit_reminders(run.sessions, settings=run.settings, day=run.day))


async def _privacy_purge(run: JobRun) -> int:
    """Retention (``[privacy] retain_days``): the same purge ``gridbot privacy purge`` runs. Sends nothing."""
    await purge(run.sessions, settings=run.settings, now=run.now)
    return 0


#: kind → job function; tests may swap one.
JOB_FUNCTIONS: Mapping[str, JobFn] = {
    "reminder": _reminders,
    "returnee_followup": _followups,
    "grid_report": _reports(UnitLevel.GRID),
    "village_digest": _reports(UnitLevel.VILLAGE),
    "town_digest": _reports(UnitLevel.TOWN),
    "day_close": _day_close,
    "privacy_purge": _privacy_purge,
    "visit_reminder": _visit_reminders,
}


def _next_after(at: time, times: Sequence[time]) -> time | None:
    return min((t for t in times if t > at), default=None)


def daily_jobs(settings: Settings, functions: Mapping[str, JobFn] = JOB_FUNCTIONS) -> list[DailyJob]:
    """Every job of ``[schedule]``, in the order of the day."""
    schedule = settings.schedule
    cutoff = schedule.grid_report
    reminders = sorted(set(schedule.reminders))
    jobs = [
        DailyJob(
            id=f"reminder:{at.strftime('%H:%M')}",
            at=at,
            until=_next_after(at, [*reminders, cutoff]),
            run=functions["reminder"],
        )
        for at in reminders
    ]
    jobs.append(
        DailyJob(
            id="returnee_followup",
            at=schedule.returnee_followup,
            until=_next_after(schedule.returnee_followup, [cutoff]),
            run=functions["returnee_followup"],
        )
    )
    for kind in ("grid_report", "village_digest", "town_digest", "day_close"):
        jobs.append(DailyJob(id=kind, at=getattr(schedule, kind), until=None, run=functions[kind]))
    jobs.append(
        DailyJob(
            id="visit_reminder",
            at=schedule.visit_reminder,
            until=None,
            run=functions["visit_reminder"],
            weekday=schedule.visit_reminder_weekday,
        )
    )
    jobs.append(DailyJob(id="privacy_purge", at=settings.privacy.purge_at, until=None, run=functions["privacy_purge"]))
    return sorted(jobs, key=lambda job: job.at)
