"""Running the bot: open the database, build the application, feed it through the intake.

``running_bot`` is the one start-up path; ``gridbot run``, the demo and the tests all use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from aiohttp.log import access_logger
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter

from bot.app import build_application
from bot.files import AccessLogger, add_file_routes
from bot.intake import Intake, processing, stored_then_answered
from bot.metrics import Metrics
from bot.ratelimit import PacingClock
from bot.status import serving_status
from bot.webhook import create_webhook_app
from core import texts
from core.config import Settings
from core.domain import utcnow
from core.memory import TRIM_EVERY, release_free_memory
from core.supervise import Backoff, Health, Pulse, Supervisor, until_done
from handlers.context import GridApplication, Services
from schedules.runtime import Schedule
from services.robots.channel import RobotChannel
from services.robots.client import RobotClient
from storage import migrate
from storage.db import create_engine, session_factory

log = logging.getLogger(__name__)

#: Telegram unreachable, failing (5xx, timeouts) or asking to wait (429): a start-up call is tried again.
TELEGRAM_FAILING = (NetworkError, RetryAfter)


@dataclass(frozen=True)
class RunningBot:
    application: GridApplication
    intake: Intake
    services: Services
    schedule: Schedule
    health: Health


@contextlib.asynccontextmanager
async def _polling(
    intake: Intake, application: GridApplication, supervisor: Supervisor, *, timeout: int
) -> AsyncIterator[None]:
    async def poll(pulse: Pulse) -> None:
        await application.bot.delete_webhook(drop_pending_updates=False)  # Telegram refuses getUpdates beside one
        await intake.poll(pulse, timeout=timeout)

    async with supervisor.running("polling", poll, retrying="getting updates from Telegram and storing them"):
        yield


@contextlib.asynccontextmanager
async def _webhook(
    intake: Intake,
    application: GridApplication,
    settings: Settings,
    supervisor: Supervisor,
    files: Callable[[web.Application], None] | None,
) -> AsyncIterator[None]:
    hook = settings.telegram.webhook
    app = create_webhook_app(
        intake=intake, secret=hook.secret.get_secret_value(), path=hook.path, health=supervisor.health
    )
    if files is not None:
        files(app)
    runner = web.AppRunner(app, access_log=access_logger if hook.access_log else None, access_log_class=AccessLogger)
    await runner.setup()
    site = web.TCPSite(runner, hook.listen, hook.port)
    await site.start()
    try:
        await until_done(
            "setting the webhook",
            lambda: application.bot.set_webhook(
                hook.url, secret_token=hook.secret.get_secret_value(), allowed_updates=Update.ALL_TYPES
            ),
            retry_on=TELEGRAM_FAILING,
            backoff=supervisor.backoff,
        )
        yield
    finally:
        await runner.cleanup()


def _file_routes(services: Services, clock: Callable[[], datetime]) -> Callable[[web.Application], None] | None:
    """``GET /files/{token}`` for the robots' shared files, where ``[robots] public_url`` is set."""
    if services.settings.robots.public_url is None:
        return None
    return functools.partial(add_file_routes, sessions=services.sessions, clock=clock)


async def _prepare_database(engine: AsyncEngine, intake: Intake, backoff: Backoff) -> None:
    """Migrate and prune the inbox, retried while the database is unreachable or locked (one line
    per attempt): a bot started during an outage waits for it to end instead of exiting."""

    async def prepare() -> None:
        await migrate.upgrade(engine)
        await intake.prune()

    await until_done("preparing the database", prepare, retry_on=(DBAPIError, OSError), backoff=backoff)


async def _trim_memory(pulse: Pulse) -> None:
    """Once a minute, the C heap's free pages go back to the system (``core.memory``): without
    it the process's RSS creeps up for hours though its Python objects stay flat."""
    while True:
        await asyncio.sleep(TRIM_EVERY)
        release_free_memory()
        pulse.ok()


async def _connect(application: GridApplication, backoff: Backoff) -> None:
    """Reach the Bot API first: retried while unreachable (one line per attempt); a rejected token
    (``InvalidToken``, whose message holds the token) is not."""
    try:
        await until_done(
            "reaching the Telegram Bot API", application.bot.initialize, retry_on=TELEGRAM_FAILING, backoff=backoff
        )
    except BaseException:
        await application.bot.shutdown()
        raise


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings,
    *,
    poll_timeout: int = 30,
    clock: Callable[[], datetime] = utcnow,
    pacing_clock: PacingClock | None = None,
) -> AsyncIterator[RunningBot]:
    """Everything the bot needs, started in order and stopped in reverse; ``clock`` is the time
    that handlers and the schedule read (the demo plays its day on one of its own), ``pacing_clock``
    the paced sender's (a test of the flood limits moves its own)."""
    engine = create_engine(settings.database.url.get_secret_value(), busy_timeout=settings.database.busy_timeout)
    supervisor = Supervisor(backoff=Backoff(first=settings.retry.first_delay, cap=settings.retry.max_delay))
    try:
        services = Services(
            settings=settings, sessions=session_factory(engine), stored_then_answered=stored_then_answered, clock=clock
        )
        metrics = Metrics(services.sessions, supervisor.health)
        application = build_application(services, on_status=metrics.api_status, pacing_clock=pacing_clock)
        intake = Intake(application, services.sessions, metrics=metrics)
        await _prepare_database(engine, intake, supervisor.backoff)
        await _connect(application, supervisor.backoff)
        async with application:
            post_init = application.post_init
            if post_init is not None:  # run_polling() would call it; we start PTB ourselves
                await until_done(
                    "registering the command menu",
                    lambda: post_init(application),
                    retry_on=TELEGRAM_FAILING,
                    backoff=supervisor.backoff,
                )
            await application.start()
            webhook = settings.telegram.mode == "webhook"
            files = _file_routes(services, clock)
            receiving = (
                _webhook(intake, application, settings, supervisor, files)
                if webhook
                else _polling(intake, application, supervisor, timeout=poll_timeout)
            )
            robots = RobotClient(clock=lambda: clock().timestamp())
            schedule = Schedule(
                sessions=services.sessions,
                settings=settings,
                bot=application.bot,
                clock=clock,
                wake=services.outbox_due,
                robots=RobotChannel(robots),
            )
            try:
                async with (
                    robots,
                    serving_status(
                        settings.metrics, supervisor.health, metrics, more_routes=None if webhook else files
                    ),
                    processing(intake, supervisor),
                    supervisor.running("memory", _trim_memory, retrying="returning free memory"),
                    receiving,
                    schedule.running(supervisor),
                ):
                    yield RunningBot(
                        application=application,
                        intake=intake,
                        services=services,
                        schedule=schedule,
                        health=supervisor.health,
                    )
            finally:
                await application.stop()
    finally:
        await engine.dispose()


async def run_bot(settings: Settings) -> int:
    """``gridbot run``: serve until SIGINT or SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # "Context impl SQLiteImpl." at every start
    # PTB logs the body of an answer that is not JSON (nginx's 502 page) at ERROR, with a traceback,
    # before raising the NetworkError that the bot logs once at WARNING and counts.
    logging.getLogger("telegram.request.BaseRequest").setLevel(logging.CRITICAL)
    stop = asyncio.Event()
    started = asyncio.Event()

    async def serve() -> None:
        async with running_bot(settings):
            started.set()
            log.info("gridbot is running (%s mode)", settings.telegram.mode)
            await stop.wait()

    serving = asyncio.create_task(serve(), name="gridbot-serve")

    def on_signal() -> None:
        stop.set()
        if not started.is_set():  # still starting (waiting for Telegram): stop at once
            serving.cancel()

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    try:
        await serving
    except InvalidToken:
        print(texts.CLI_TOKEN_REJECTED, file=sys.stderr)
        return 2
    except asyncio.CancelledError:
        if not serving.cancelled():
            raise
    return 0
