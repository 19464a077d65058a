"""SQLModel tables, each beside the plain models that cross the storage boundary.

Every table that holds a resident's record (check-ins, orders, returnees: later
migrations) references its household, its grid and the Telegram message it came from
(chat_id, message_id), so that an edit updates the record and a redelivery is recognised.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware now; stored as UTC so both databases agree."""
    return datetime.now(UTC)


def _timestamp(**kwargs: object) -> datetime:
    return Field(default_factory=utcnow, sa_type=sa.DateTime(timezone=True), **kwargs)  # type: ignore[no-any-return, call-overload]


class UnitLevel(StrEnum):
    TOWN = "town"
    VILLAGE = "village"
    GRID = "grid"


#: A town's children are villages, a village's are grids.
PARENT_LEVEL: dict[UnitLevel, UnitLevel | None] = {
    UnitLevel.TOWN: None,
    UnitLevel.VILLAGE: UnitLevel.TOWN,
    UnitLevel.GRID: UnitLevel.VILLAGE,
}


class UnitBase(SQLModel):
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=128)
    level: UnitLevel = Field(sa_type=sa.String(16))


class Unit(UnitBase, table=True):
    """A town, village or grid. ``path`` (codes joined by '/') lets SQL select a subtree by prefix."""

    __tablename__ = "units"
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    path: str = Field(max_length=512, index=True)
    created_at: datetime = _timestamp()


class UnitCreate(UnitBase):
    parent_code: str | None = None
    leader_ids: list[int] = []
    chat_id: int | None = None


class UnitLeader(SQLModel, table=True):
    """A Telegram user who leads a unit (网格长, 书记); leadership extends to the units below."""

    __tablename__ = "unit_leaders"
    __table_args__ = (sa.UniqueConstraint("unit_id", "telegram_user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, index=True)


class HouseholdBase(SQLModel):
    address: str = Field(max_length=128, description="as written in the roster")
    building: str | None = Field(default=None, max_length=16)
    unit_no: str | None = Field(default=None, max_length=16)
    room: str | None = Field(default=None, max_length=16)
    group_no: str | None = Field(default=None, max_length=16)
    number: str | None = Field(default=None, max_length=16)
    head: str | None = Field(default=None, max_length=64)
    phone: str | None = Field(default=None, max_length=20)
    members: int = Field(default=1, ge=0)
    tags: str = Field(default="", max_length=256, description="care tags separated by ';'")


class Household(HouseholdBase, table=True):
    """A household of a grid, matched on re-import by (grid, normalised address key)."""

    __tablename__ = "households"
    __table_args__ = (sa.UniqueConstraint("grid_id", "address_key"),)
    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="units.id", index=True)
    address_key: str = Field(max_length=64)
    active: bool = True
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class HouseholdCreate(HouseholdBase):
    grid_code: str
    address_key: str


class Person(SQLModel, table=True):
    """A Telegram user the bot has seen, and the household they belong to once known."""

    __tablename__ = "people"
    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    display_name: str = Field(default="", max_length=128)
    username: str | None = Field(default=None, max_length=64)
    household_id: int | None = Field(default=None, foreign_key="households.id", index=True)
    started_bot: bool = Field(default=False, description="has pressed Start, so the bot may write privately")
    created_at: datetime = _timestamp()


class BindingStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class ChatBinding(SQLModel, table=True):
    """A Telegram group bound to one unit; a unit has at most one active group."""

    __tablename__ = "chat_bindings"
    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(sa_type=sa.BigInteger, unique=True, index=True)
    unit_id: int = Field(foreign_key="units.id", index=True)
    title: str = Field(default="", max_length=256)
    status: BindingStatus = Field(default=BindingStatus.ACTIVE, sa_type=sa.String(16))
    bound_by: int | None = Field(default=None, sa_type=sa.BigInteger)
    bound_at: datetime = _timestamp()


class InboxUpdate(SQLModel, table=True):
    """A raw Telegram update, stored before its offset is confirmed or its webhook call answered.

    The unique ``update_id`` is what makes a redelivery a no-op; ``processed_at`` is what lets
    a restarted process finish what a killed one had acknowledged.
    """

    __tablename__ = "inbox"
    update_id: int = Field(sa_type=sa.BigInteger, primary_key=True, sa_column_kwargs={"autoincrement": False})
    payload: str = Field(sa_type=sa.Text)
    received_at: datetime = _timestamp()
    processed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True), index=True)
