"""The returnee monitoring plan (返乡监测): the one definition, as a Python check and as SQL.

A returnee is monitored from the day they arrived, or from the day of the report when it gave no
arrival date, through ``monitor_until``; that start is day 0, and a test is due on each day
number listed in ``test_days``. Both are fixed from the policy in force when the report is stored
(``plan_for``, from ``core.config.ReturneePolicy``), so a later change of policy rewrites no plan.

The daily report, /status, /returnees, the ledger and the follow-ups all ask here, the queries in
SQL and the services in Python; each rule is written twice only in the sense of two spellings side
by side (tests/test_returnee_plan.py checks they agree on both databases).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, func

from core.config import ReturneePolicy
from storage.models import Returnee

#: ``returnees.test_days`` holds day numbers joined by this.
SEPARATOR = ","


@dataclass(frozen=True)
class StoredPlan:
    """The plan's columns as a new report stores them."""

    monitor_until: date
    test_days: str


def plan_for(policy: ReturneePolicy, *, arrival: date | None, reported: date) -> StoredPlan:
    """The plan of a returnee reported on ``reported``, under ``policy``."""
    return StoredPlan(
        monitor_until=(arrival or reported) + timedelta(days=policy.monitor_days),
        test_days=SEPARATOR.join(str(day) for day in policy.test_days),
    )


# --- in Python, for one returnee ---------------------------------------------------------------


def start(returnee: Returnee) -> date:
    """Day 0 of the plan: the arrival, or the day of the report when it gave none."""
    return returnee.arrival or returnee.day


def day_number(returnee: Returnee, day: date) -> int:
    """Which day of the plan ``day`` is (the start is day 0)."""
    return (day - start(returnee)).days


def under_monitoring(returnee: Returnee, day: date) -> bool:
    """Started by ``day`` and monitored through it (a record without an end is not monitored)."""
    until = returnee.monitor_until
    return until is not None and start(returnee) <= day <= until


def test_due(returnee: Returnee, day: date) -> bool:
    """Monitored on ``day`` and ``day``'s number is one of the plan's test days."""
    return under_monitoring(returnee, day) and str(day_number(returnee, day)) in returnee.test_days.split(SEPARATOR)


# --- in SQL, for queries over many --------------------------------------------------------------


def start_column() -> Any:
    """``start`` as a column expression."""
    return func.coalesce(col(Returnee.arrival), col(Returnee.day))


def monitored_between(first: date, last: date) -> ColumnElement[bool]:
    """Under monitoring on some day from ``first`` to ``last``; ``under_monitoring`` when they are one day."""
    return sa.and_(start_column() <= last, col(Returnee.monitor_until) >= first)


def monitored_on(day: date) -> ColumnElement[bool]:
    """``under_monitoring`` as a condition."""
    return monitored_between(day, day)


def _day_number_column(dialect: str, day: date) -> Any:
    """``day_number``: whole days from the start to ``day``, the one computation the dialects spell differently."""
    if dialect == "postgresql":
        return sa.literal(day, sa.Date) - start_column()
    return sa.cast(func.julianday(sa.literal(day.isoformat())) - func.julianday(start_column()), sa.Integer)


def test_due_on(dialect: str, day: date) -> ColumnElement[bool]:
    """``test_due`` as a condition: ``,1,3,7,`` contains ``,<day number>,``."""
    listed = sa.literal(SEPARATOR).concat(col(Returnee.test_days)).concat(SEPARATOR)
    number = sa.cast(_day_number_column(dialect, day), sa.String)
    return sa.and_(monitored_on(day), listed.like(sa.literal("%" + SEPARATOR).concat(number).concat(SEPARATOR + "%")))
