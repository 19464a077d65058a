"""Engines and sessions. Nothing here is module-level state: callers own the engine's life."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite
from asyncpg.exceptions import ConnectionDoesNotExistError  # type: ignore[import-untyped]
from sqlalchemy import event, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from core.files import create_private

SessionFactory = async_sessionmaker[AsyncSession]

#: SQLite's words for another connection holding the lock past the busy timeout.
_SQLITE_BUSY = ("database is locked", "database is busy", "database table is locked")
#: PostgreSQL's SQLSTATEs for "not now": connection exceptions (class 08), shutdown or start-up
#: (57P01-57P03), too many connections (53300).
_PG_NOT_NOW = ("08", "57P01", "57P02", "57P03", "53300")


def unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be used *for now* (work retried later will succeed),
    not that the work itself is wrong: connection refused, reset or terminated, the database not
    accepting connections, a timeout connecting or waiting for the pool, SQLite's write lock held
    past the busy timeout. The one place that decides it. Only the database's own errors are looked
    into: Telegram's failing for a refused connection is not the database's.
    """
    if _unavailable_itself(exc):
        return True
    if not isinstance(exc, DBAPIError) or exc.orig is None:  # not the database's: not looked into
        return False
    driver = exc.orig  # the driver's error, and the one it was made from
    return _unavailable_itself(driver) or (driver.__cause__ is not None and _unavailable_itself(driver.__cause__))


def _unavailable_itself(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, PoolTimeout | ConnectionError | TimeoutError | ConnectionDoesNotExistError | socket.gaierror):
        return True
    if type(exc) is OSError:  # connecting failed: unreachable host, or every address refused ("Multiple exceptions")
        return True
    if isinstance(exc, sqlite3.OperationalError):
        return any(words in str(exc) for words in _SQLITE_BUSY)
    sqlstate = getattr(exc, "sqlstate", None)
    if not isinstance(sqlstate, str):
        return False
    return sqlstate.startswith(_PG_NOT_NOW) or (sqlstate == "55000" and "not currently accepting" in str(exc))


async def _open_sqlite(*args: Any, **kwargs: Any) -> aiosqlite.Connection:
    """``aiosqlite.connect``, but a failed connect waits for its worker thread to end.

    On failure aiosqlite queues its worker's stop with a future of the running loop and returns at
    once; if the loop closes first (a CLI command exiting on "unable to open database file"), the
    thread's ``call_soon_threadsafe`` raises "Event loop is closed" and it dies printing a traceback.
    """
    connection = aiosqlite.connect(*args, **kwargs)
    connection._thread.daemon = True  # as SQLAlchemy's own aiosqlite connect does
    try:
        return await connection
    except BaseException:
        await asyncio.to_thread(connection._thread.join)
        raise


def _sqlite_connect(dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
    return dialect.dbapi.connect(*cargs, async_creator_fn=_open_sqlite, **cparams)


def _sqlite_pragmas(busy_timeout: float) -> Callable[[Any, Any], None]:
    # WAL lets the scheduler read while the bot writes; foreign keys are off by default in SQLite;
    # the busy timeout turns a writer overlap (an import beside the bot) into a wait instead of
    # "database is locked"; a longer one is an error the bot's supervisor retries.
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        cursor.close()

    return on_connect


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for any other database, or one in memory."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def create_engine(url: str, *, echo: bool = False, busy_timeout: float = 10.0) -> AsyncEngine:
    """Create the async engine for ``url`` with the per-backend settings both databases need.

    A new SQLite file is created 0600 before SQLite opens it: SQLite would create
    it 0644, and gives its -wal and -shm files the database's own permissions. Statement parameters
    (residents' messages, names, phones) are kept out of error messages, and so out of logs.
    ``busy_timeout``: seconds an SQLite write waits for another writer before it fails.
    """
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if (path := _sqlite_file(url)) is not None:
        create_private(path)
    if url.startswith("postgresql"):
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "do_connect", _sqlite_connect)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout))
    return engine


def session_factory(engine: AsyncEngine) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit (handlers format replies after it)."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def transaction(factory: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit on success, roll back on any error."""
    async with factory() as session, session.begin():
        yield session
