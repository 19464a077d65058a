"""Operator commands (``gridbot db``, ``gridbot org``): open the database, call a service, print."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from core import texts
from core.config import DatabaseSettings, Settings
from services.roster import RosterError
from services.roster import import_roster as import_roster_service
from services.roster_files import RosterFileError
from storage import migrate, units
from storage.db import SessionFactory, create_engine, session_factory


@asynccontextmanager
async def open_database(settings: Settings) -> AsyncIterator[SessionFactory]:
    """An upgraded database for one command; the engine is disposed when the command ends."""
    engine = create_engine(settings.database.url.get_secret_value())
    try:
        await _upgrade_or_explain(engine, settings.database)
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _upgrade_or_explain(engine: AsyncEngine, database: DatabaseSettings) -> None:
    """Migrate, turning "cannot reach the database" into one line instead of a driver's traceback."""
    try:
        await migrate.upgrade(engine)
    except (OperationalError, InterfaceError, OSError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise SystemExit(texts.CLI_DB_UNAVAILABLE.format(url=database.shown_url, error=reason)) from None


async def upgrade_database(settings: Settings) -> int:
    engine = create_engine(settings.database.url.get_secret_value())
    try:
        await _upgrade_or_explain(engine, settings.database)
        print(texts.CLI_DB_UPGRADED.format(revision=await migrate.current_revision(engine)))
    finally:
        await engine.dispose()
    return 0


async def import_roster(settings: Settings, path: Path) -> int:
    async with open_database(settings) as factory:
        try:
            summary = await import_roster_service(factory, path=path)
        except RosterFileError as exc:
            print(exc, file=sys.stderr)
            return 1
        except RosterError as exc:
            print(texts.ROSTER_REJECTED.format(count=len(exc.problems)), file=sys.stderr)
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            return 1
    done = texts.ROSTER_DONE.format(**vars(summary))
    if summary.clusters_created or summary.clusters_updated:
        done += "；" + texts.ROSTER_DONE_CLUSTERS.format(**vars(summary))
    print(done)
    return 0


async def show_org(settings: Settings, code: str | None) -> int:
    async with open_database(settings) as factory, factory() as session:
        root = None
        if code:
            root = await units.get_unit_by_code(session, code=code)
            if root is None:
                print(texts.ORG_UNKNOWN.format(code=code), file=sys.stderr)
                return 1
        summary = await units.tree_summary(session, root=root)
    if not summary:
        print(texts.ORG_EMPTY)
        return 0
    base_depth = summary[0][0].path.count("/")
    for unit, households, chat_id in summary:
        chat = texts.ORG_BOUND.format(chat_id=chat_id) if chat_id else texts.ORG_UNBOUND
        print(
            texts.ORG_LINE.format(
                indent="  " * (unit.path.count("/") - base_depth),
                code=unit.code,
                name=unit.name,
                level=texts.LEVEL_LABELS[unit.level],
                households=households,
                chat=chat,
            )
        )
    return 0
