"""Running the bot: open the database, build the application, feed it through the intake.

``running_bot`` is the one start-up path; ``gridbot run``, the demo and the tests all use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from telegram import Update

from bot.app import build_application
from bot.intake import Intake, processing, stored_then_answered
from bot.status import serving_status
from bot.webhook import create_webhook_app
from core.config import Settings
from core.supervise import Backoff, Health, Pulse, Supervisor
from handlers.context import GridApplication, Services
from schedules.runtime import Schedule
from storage import migrate
from storage.db import create_engine, session_factory

log = logging.getLogger(__name__)


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
    await application.bot.delete_webhook(drop_pending_updates=False)

    async def poll(pulse: Pulse) -> None:
        await intake.poll(pulse, timeout=timeout)

    async with supervisor.running("polling", poll, retrying="getting updates from Telegram and storing them"):
        yield


@contextlib.asynccontextmanager
async def _webhook(
    intake: Intake, application: GridApplication, settings: Settings, supervisor: Supervisor
) -> AsyncIterator[None]:
    hook = settings.telegram.webhook
    runner = web.AppRunner(
        create_webhook_app(intake=intake, secret=hook.secret.get_secret_value(), path=hook.path, health=supervisor.health),
        access_log=log if settings.telegram.webhook.access_log else None,
    )
    await runner.setup()
    site = web.TCPSite(runner, hook.listen, hook.port)
    await site.start()
    try:
        await application.bot.set_webhook(
            hook.url, secret_token=hook.secret.get_secret_value(), allowed_updates=Update.ALL_TYPES
        )
        yield
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, *, poll_timeout: int = 30) -> AsyncIterator[RunningBot]:
    """Everything the bot needs, started in order and stopped in reverse."""
    engine = create_engine(settings.database.url.get_secret_value(), busy_timeout=settings.database.busy_timeout)
    supervisor = Supervisor(backoff=Backoff(first=settings.retry.first_delay, cap=settings.retry.max_delay))
    try:
        await migrate.upgrade(engine)
        services = Services(
            settings=settings, sessions=session_factory(engine), stored_then_answered=stored_then_answered
        )
        application = build_application(services)
        intake = Intake(application, services.sessions)
        await intake.prune()
        async with application:
            if application.post_init is not None:  # run_polling() would call it; we start PTB ourselves
                await application.post_init(application)
            await application.start()
            receiving = (
                _webhook(intake, application, settings, supervisor)
                if settings.telegram.mode == "webhook"
                else _polling(intake, application, supervisor, timeout=poll_timeout)
            )
            schedule = Schedule(sessions=services.sessions, settings=settings, bot=application.bot)
            try:
                async with (
                    serving_status(settings.metrics, supervisor.health),
                    processing(intake, supervisor),
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
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with running_bot(settings):
        log.info("gridbot is running (%s mode)", settings.telegram.mode)
        await stop.wait()
    return 0
