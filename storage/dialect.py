"""What SQLite and PostgreSQL spell differently, in one place: upserts, and the zone of read-back times."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def dialect_of(session: AsyncSession) -> str:
    """``"postgresql"`` or ``"sqlite"``: the database this session talks to."""
    return session.get_bind().dialect.name


def insert_for(dialect: str, table: Any) -> Any:
    """An INSERT with ``on_conflict_do_nothing`` / ``on_conflict_do_update`` for this dialect."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def upsert(session: AsyncSession, table: Any) -> Any:
    """``insert_for`` the session's own database."""
    return insert_for(dialect_of(session), table)


def as_utc(instant: datetime) -> datetime:
    """Aware instants converted to UTC; naive ones (read back from SQLite, which keeps no zone) are UTC already."""
    return instant.replace(tzinfo=UTC) if instant.tzinfo is None else instant.astimezone(UTC)
