"""Shared fixtures: a fresh database per test, on SQLite or on the PostgreSQL CI points us at.

Set ``GRIDBOT_TEST_DATABASE_URL=postgresql+asyncpg://...`` to run the whole suite on
PostgreSQL; an unreachable server is an error, never a skip.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from demo.playground import Playground, running_playground
from sandbox import RateLimits
from storage import migrate
from storage.db import SessionFactory, create_engine, session_factory
from tests.factories import ADMIN

POSTGRES_URL = os.environ.get("GRIDBOT_TEST_DATABASE_URL", "")
# PTB 22 warns whenever it builds RetryAfter unless durations are timedeltas (its future default);
# gridbot handles both, and filterwarnings=error would otherwise turn every 429 into a failure.
os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture
async def database_url(tmp_path: Path) -> AsyncIterator[str]:
    """An empty, migrated database for this test alone."""
    if not POSTGRES_URL:
        url = f"sqlite+aiosqlite:///{tmp_path / 'gridbot-test.db'}"
    else:
        url = POSTGRES_URL
        engine = create_engine(url)
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    engine = create_engine(url)
    await migrate.upgrade(engine)
    await engine.dispose()
    yield url


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionFactory]:
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def cli_config(tmp_path: Path, database_url: str) -> Path:
    """A config file for CLI tests that points at this test's database."""
    path = tmp_path / "cli-config.toml"
    path.write_text(f'[database]\nurl = "{database_url}"\n', encoding="utf-8")
    return path


@pytest.fixture
async def playground(database_url: str) -> AsyncIterator[Playground]:
    """The real bot polling a fresh sandbox, on this test's database; one admin (``ADMIN``)."""
    async with running_playground(
        database_url=database_url, admin_ids=[ADMIN], rate_limits=RateLimits(enabled=False)
    ) as running:
        yield running


def midday_zone(now: datetime) -> str:
    """The fixed-offset zone in which ``now`` reads between 12:00 and 13:00."""
    offset = 12 - now.astimezone(UTC).hour
    return f"Etc/GMT{-offset:+d}"


@pytest.fixture
async def midday(database_url: str) -> AsyncIterator[Playground]:
    """The real bot with its schedule on a fake clock that agrees with Telegram's.

    The sandbox dates messages and presses by the wall clock, and the bot stamps confirmations so.
    Here the zone is the one where the wall clock reads 12:xx, the grid report is due at 11:00 and the
    digests at 14:00 and 14:30: whenever the test runs, what people do happens after the report
    (``tick`` at 11:00) and before the digests (``tick`` at 14:00), an hour clear of either.
    """
    schedule = {"grid_report": "11:00", "village_digest": "14:00", "town_digest": "14:30"}
    async with running_at_midday(database_url, schedule) as running:
        yield running


@contextlib.asynccontextmanager
async def running_at_midday(database_url: str, schedule: dict[str, str]) -> AsyncIterator[Playground]:
    """The real bot in the zone where the wall clock reads 12:xx, with these ``[schedule]`` times."""
    overrides = {"timezone": midday_zone(datetime.now(UTC)), "schedule": schedule}
    async with running_playground(
        database_url=database_url,
        admin_ids=[ADMIN],
        rate_limits=RateLimits(enabled=False),
        settings_overrides=overrides,
    ) as running:
        yield running


class Clock:
    """The one time the sandbox and the bot read (``clocked``); the test moves ``now``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def day_clock() -> Clock:
    """09:00 on Tuesday 2026-12-01 in Asia/Shanghai, until the test moves it."""
    return Clock(datetime(2026, 12, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai")))


@pytest.fixture
async def clocked(database_url: str, day_clock: Clock) -> AsyncIterator[Playground]:
    """The real bot and the sandbox on ``day_clock``: message dates, the bot's stamps, its schedule."""
    async with running_playground(
        database_url=database_url,
        admin_ids=[ADMIN],
        rate_limits=RateLimits(enabled=False),
        settings_overrides={"timezone": "Asia/Shanghai"},
        clock=day_clock,
    ) as running:
        yield running
