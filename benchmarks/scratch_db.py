"""The benchmarks' databases: a temporary SQLite file, or a PostgreSQL database given to a benchmark,
which is emptied first (its public schema is dropped), and the synthetic county generated into one.

Imported by the benchmark scripts as a sibling module (``python benchmarks/x.py`` puts this folder
first on ``sys.path``).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import migrate
from storage.db import create_engine


async def empty(url: str, *, schema: bool = True) -> AsyncEngine:
    """An engine on ``url`` with nothing in it; with ``schema``, migrated to the current one."""
    engine = create_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    if schema:
        await migrate.upgrade(engine)
    return engine


async def _empty_without_schema(url: str) -> None:
    await (await empty(url, schema=False)).dispose()


def generate_county(label: str, url: str, day: date) -> None:
    """Empty the database and fill it with ``gridbot generate county`` (timed)."""
    print(f"{label}: {url}")
    asyncio.run(_empty_without_schema(url))
    started = time.perf_counter()
    command = [sys.executable, "-m", "bot.cli", "generate", "county", "--db", url, "--date", day.isoformat()]
    subprocess.run(command, check=True)
    print(f"  generate county: {time.perf_counter() - started:.1f} s")


def add_database_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sqlite", metavar="PATH", help="SQLite file (default: a temporary one)")
    parser.add_argument("--postgres", metavar="URL", help="an EMPTY-able PostgreSQL database (its schema is reset)")


def on_each_database(args: argparse.Namespace, run: Callable[[str, str], None]) -> None:
    """``run(label, url)`` on SQLite (a fresh file), then on PostgreSQL if one was given."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(args.sqlite or Path(scratch) / "county.db")
        path.unlink(missing_ok=True)
        run("SQLite", f"sqlite+aiosqlite:///{path}")
    if args.postgres:
        run("PostgreSQL", args.postgres)
