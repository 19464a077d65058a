"""Files holding personal data are the owner's alone: the SQLite database with its -wal and -shm,
exported ledgers and a dry run's charts and ledgers; and no statement parameter reaches a log."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from bot.cli import main
from services.ledger import SHEETS
from storage import migrate
from storage.db import create_engine
from tests.test_ledger import seed_for_cli
from tests.test_reports import DAY


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The usual umask, under which files are created 0644 unless asked otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


async def test_a_new_sqlite_database_and_its_wal_and_shm_are_private(tmp_path: Path) -> None:
    database = tmp_path / "gridbot.db"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:  # an open connection keeps -wal and -shm in place
            await connection.execute(
                text(
                    "INSERT INTO people (telegram_user_id, display_name, started_bot, created_at) VALUES (1, :n, false, CURRENT_TIMESTAMP)"
                ),
                {"n": "x"},
            )
            files = sorted(path.name for path in tmp_path.iterdir())
            assert files == ["gridbot.db", "gridbot.db-shm", "gridbot.db-wal"]
            assert {name: mode(tmp_path / name) for name in files} == dict.fromkeys(files, 0o600)
    finally:
        await engine.dispose()


async def test_statement_parameters_stay_out_of_errors(tmp_path: Path) -> None:
    """A failed statement's message (what a traceback in the log shows) names no resident's data."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'gridbot.db'}")
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            statement = text(
                "INSERT INTO people (telegram_user_id, display_name, started_bot, created_at) VALUES (:id, :name, false, CURRENT_TIMESTAMP)"
            )
            await connection.execute(statement, {"id": 1, "name": "张三 13812345678"})
            with pytest.raises(StatementError) as failure:
                await connection.execute(statement, {"id": 1, "name": "张三 13812345678"})
    finally:
        await engine.dispose()
    assert "13812345678" not in str(failure.value) and "张三" not in str(failure.value)


def test_exported_ledgers_and_dry_run_files_are_private(database_url: str, cli_config: Path, tmp_path: Path) -> None:
    seed_for_cli(database_url)
    xlsx, folder, out = tmp_path / "new" / "ledger.xlsx", tmp_path / "csv", tmp_path / "reports"
    args = ["export", "-c", str(cli_config), "--unit", "T1", "--from", "2025-12-01", "--to", "2025-12-01"]
    assert main([*args, "-o", str(xlsx)]) == 0
    assert main([*args, "--format", "csv", "-o", str(folder)]) == 0
    run = ["report", "run", "-c", str(cli_config), "--date", DAY.isoformat(), "--unit", "T1-V1"]
    assert main([*run, "--dry-run", "--out", str(out)]) == 0
    written = [xlsx, *folder.iterdir(), *out.iterdir()]
    assert len(written) == 1 + len(SHEETS) + 2
    assert {path.name: mode(path) for path in written} == {path.name: 0o600 for path in written}
    assert [mode(path) for path in (xlsx.parent, folder, out)] == [0o700] * 3
