"""Fixtures for the sandbox's own tests: a served sandbox, its client, and a real PTB bot on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder

from sandbox import RateLimits, RunningSandbox, SandboxClient, User, running_sandbox


class FakeClock:
    """Monotonic seconds that only move when a test says so, for deterministic flood limits."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's timedelta periods: otherwise building ``RetryAfter`` emits a
    PTBDeprecationWarning, which ``filterwarnings = error`` turns into a failure."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sandbox(clock: FakeClock) -> AsyncIterator[RunningSandbox]:
    """A sandbox with flood limits off; tests about limits switch them on explicitly."""
    async with running_sandbox(rate_limits=RateLimits.off(), clock=clock) as served:
        yield served


@pytest.fixture
async def tg(sandbox: RunningSandbox) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox.url) as client:
        yield client


def make_bot(sandbox: RunningSandbox) -> Bot:
    return Bot(sandbox.token, base_url=sandbox.bot_base_url, base_file_url=sandbox.file_base_url)


@pytest.fixture
async def bot(sandbox: RunningSandbox) -> AsyncIterator[Bot]:
    async with make_bot(sandbox) as initialised:
        yield initialised


@pytest.fixture
async def alice(tg: SandboxClient) -> User:
    """A user who has started the bot, so it may write to her (modules may define their own)."""
    user = await tg.create_user(first_name="王", last_name="五")
    await tg.send_message(user_id=user.id, chat_id=user.id, text="/start")
    return user


@pytest.fixture
def application(sandbox: RunningSandbox) -> Application:
    """A PTB application pointed at the sandbox; add handlers, then run it with ``polling``."""
    return (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.bot_base_url)
        .base_file_url(sandbox.file_base_url)
        .build()
    )


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    """Run ``app`` with its updater long-polling the sandbox, and shut it down cleanly."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=5)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()
